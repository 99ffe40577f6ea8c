// Liveness and conduct: failures, unless a test says it only warns.
import { RPC } from '../../raft/contract.ts';
import type { TesterEvent } from '../events.ts';
import type { ConductLimits, EventKind, LeadershipAct, Monitor, MonitorContext } from './monitor.ts';
import { list, termOf } from './monitor.ts';

/** HB: a leader sends at most maxHeartbeatsPerSecond AppendEntries per second to each follower. */
export class HeartbeatRate implements Monitor {
  readonly kinds: readonly EventKind[] = ['send'];
  private readonly recent = new Map<number, { term: number; times: number[] }>();
  constructor(
    private readonly ctx: MonitorContext,
    private readonly limits: ConductLimits,
    /** Real-time timer jitter can bunch two sends: the window shrinks by this much. */
    private readonly slackMs = 0,
  ) {}

  observe(e: TesterEvent, act: LeadershipAct | undefined): void {
    if (e.kind !== 'send' || e.method !== RPC.AppendEntries || typeof e.from !== 'number' || typeof e.to !== 'number') return;
    const term = termOf(e.args) ?? -1;
    const k = e.from * 1024 + e.to;
    let window = this.recent.get(k);
    if (window === undefined || window.term !== term) {
      window = { term, times: [] };
      this.recent.set(k, window);
    }
    const max = this.limits.maxHeartbeatsPerSecond;
    window.times.push(e.t);
    if (window.times.length > max + 1) window.times.shift();
    const span = e.t - (window.times[0] as number);
    if (window.times.length === max + 1 && span < 1000 - this.slackMs) {
      this.ctx.report('HB', {
        message: `leader ${e.from} sent ${max + 1} AppendEntries to server ${e.to} within ${Math.round(span)} ms (at most ${max} per second)`,
        servers: [e.from, e.to],
        term,
      });
    }
  }
}

/** LA: a new leader heartbeats every peer promptly and keeps doing so. */
export class LeaderActivity implements Monitor {
  readonly kinds: readonly EventKind[] = ['send'];
  private readonly lastSent = new Map<number, { term: number; t: number }>();
  constructor(
    private readonly ctx: MonitorContext,
    private readonly limits: ConductLimits,
    private readonly slackMs: number,
  ) {}

  observe(e: TesterEvent, act: LeadershipAct | undefined): void {
    if (act === undefined || e.kind !== 'send' || typeof e.to !== 'number') return;
    const k = act.server * 1024 + e.to;
    const prev = this.lastSent.get(k);
    const prevTerm = prev?.term;
    const prevT = prev?.t ?? 0;
    if (prev === undefined) this.lastSent.set(k, { term: act.term, t: e.t });
    else {
      prev.term = act.term;
      prev.t = e.t;
    }
    if (prevTerm === act.term) {
      const gap = e.t - prevT;
      if (gap > this.limits.maxHeartbeatGapMs + this.slackMs) {
        this.ctx.report('LA', {
          message: `leader ${act.server} of term ${act.term} went ${gap} ms without an AppendEntries to server ${e.to} (at most ${this.limits.maxHeartbeatGapMs} ms, the minimum election timeout)`,
          servers: [act.server, e.to],
          term: act.term,
        });
      }
      return;
    }
    const won = this.ctx.facts.quorumTime(act.server, act.term);
    if (won === undefined) return; // QC reports this one.
    const delay = e.t - won;
    if (delay > this.limits.firstHeartbeatMs + this.slackMs) {
      this.ctx.report('LA', {
        message: `leader ${act.server} of term ${act.term} sent its first AppendEntries to server ${e.to} ${delay} ms after winning (at most ${this.limits.firstHeartbeatMs} ms)`,
        servers: [act.server, e.to],
        term: act.term,
      });
    }
  }
}

/**
 * LV: when a majority can talk freely among itself (calm network, cut off
 * cleanly from the rest) one of them leads, in a term no member exceeds,
 * within livenessMs.
 */
export class Liveness implements Monitor {
  readonly kinds: readonly EventKind[] = ['send', 'state'];
  private satisfied = false;
  constructor(
    private readonly ctx: MonitorContext,
    private readonly limits: ConductLimits,
  ) {}

  /** Called by the host when connectivity or the network's faults change. */
  connectivityChanged(): void {
    const facts = this.ctx.facts;
    const clean = facts.clean;
    this.satisfied = false;
    if (clean === undefined || !facts.calm) return;
    this.ctx.at(clean.since + this.limits.livenessMs, () => {
      if (this.satisfied || facts.clean?.epoch !== clean.epoch || this.leadsNow(clean.members)) return;
      this.ctx.report('LV', {
        message: `no leader among ${list(clean.members)} within ${this.limits.livenessMs} ms, though they were connected and the network calm since t=${clean.since} ms`,
        servers: clean.members,
      });
    });
  }

  // In a cluster of one, a server that led before the change and still does
  // has nobody to heartbeat, so it shows no new act: its getState() counts.
  private leadsNow(members: number[]): boolean {
    const facts = this.ctx.facts;
    if (facts.n !== 1) return false;
    const top = facts.maxSaidTerm(members);
    return members.some((m) => facts.claimsLeader[m] === true && (facts.saidTerm[m] ?? 0) >= top);
  }

  observe(e: TesterEvent, act: LeadershipAct | undefined): void {
    if (this.satisfied) return;
    const clean = this.ctx.facts.clean;
    if (act === undefined || clean === undefined || !clean.members.includes(act.server)) return;
    if (act.term >= this.ctx.facts.maxSaidTerm(clean.members)) this.satisfied = true;
  }
}

/**
 * ST: once the leader of a clean, calm majority has had a heartbeat accepted
 * by every other member, no member starts an election and no term changes
 * for stableWindowMs.
 */
export class Stability implements Monitor {
  readonly kinds: readonly EventKind[] = ['send', 'state', 'reply'];
  private leader: { server: number; term: number; acked: Set<number> } | undefined;
  private stableSince: number | undefined;
  constructor(
    private readonly ctx: MonitorContext,
    private readonly limits: ConductLimits,
  ) {}

  connectivityChanged(): void {
    this.leader = undefined;
    this.stableSince = undefined;
  }

  observe(e: TesterEvent, act: LeadershipAct | undefined): void {
    const facts = this.ctx.facts;
    const clean = facts.clean;
    if (clean === undefined || !facts.calm) return;
    if (this.stableSince !== undefined && e.t - this.stableSince <= this.limits.stableWindowMs) this.watch(e, clean.members);
    if (e.kind === 'reply' && e.method === RPC.AppendEntries && typeof e.from === 'number' && typeof e.to === 'number') {
      const term = termOf(e.args);
      const reply = e.reply as { success?: unknown; term?: unknown };
      if (term === undefined || reply.success !== true || reply.term !== term || !clean.members.includes(e.from)) return;
      if (this.leader === undefined || this.leader.server !== e.from || this.leader.term !== term) {
        this.leader = { server: e.from, term, acked: new Set() };
        this.stableSince = undefined;
      }
      this.leader.acked.add(e.to);
      if (this.stableSince === undefined && clean.members.every((m) => m === e.from || this.leader?.acked.has(m))) {
        this.stableSince = e.t;
      }
    }
  }

  private watch(e: TesterEvent, members: number[]): void {
    const leader = this.leader as { server: number; term: number };
    let culprit: number | undefined;
    let what = '';
    if (e.kind === 'send' && e.method === RPC.RequestVote && typeof e.from === 'number' && members.includes(e.from)) {
      culprit = e.from;
      what = `started an election for term ${termOf(e.args)}`;
    } else if (e.kind === 'state' && members.includes(e.server) && e.term !== leader.term) {
      culprit = e.server;
      what = `moved to term ${e.term}`;
    }
    if (culprit === undefined) return;
    this.ctx.report('ST', {
      message: `server ${culprit} ${what} ${e.t - (this.stableSince as number)} ms after every server of ${list(members)} had accepted leader ${leader.server}'s heartbeat in term ${leader.term}, with no fault since`,
      servers: [culprit, leader.server],
      term: leader.term,
    });
    this.stableSince = undefined;
  }
}
