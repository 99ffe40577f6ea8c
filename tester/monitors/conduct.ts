// Liveness and conduct: failures, unless a test says it only warns.
import { RPC } from '../../raft/contract.ts';
import type { TesterEvent } from '../events.ts';
import type { ConductLimits, EventKind, LeadershipAct, Monitor, MonitorContext } from './monitor.ts';
import { list, termOf } from './monitor.ts';

/**
 * HB: a leader sends at most maxHeartbeatsPerSecond heartbeats per second to
 * each follower. The lab limits heartbeats; an AppendEntries that carries
 * entries (sent at once on start(), or again after a refusal) is not one: the
 * lab bounds those by its RPC budgets (TestCount2B), which BUD judges.
 */
export class HeartbeatRate implements Monitor {
  readonly kinds: readonly EventKind[] = ['send'];
  private readonly recent = new Map<number, { term: number; times: number[] }>();
  constructor(
    private readonly ctx: MonitorContext,
    private readonly limits: ConductLimits,
    /** Real-time timer jitter can bunch two sends: the window shrinks by this much. */
    private readonly slackMs = 0,
  ) {}

  observe(e: TesterEvent): void {
    if (e.kind !== 'send' || e.method !== RPC.AppendEntries || typeof e.from !== 'number' || typeof e.to !== 'number') return;
    const entries = (e.args as { entries?: unknown } | null)?.entries;
    if (Array.isArray(entries) && entries.length > 0) return;
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
        message: `leader ${e.from} sent ${max + 1} heartbeats (AppendEntries without entries) to server ${e.to} within ${Math.round(span)} ms (at most ${max} per second)`,
        servers: [e.from, e.to],
        term,
      });
    }
  }
}

/**
 * LA: upon election a leader sends its first heartbeat to every peer at once
 * (Figure 2). How often it heartbeats afterwards is its own choice within
 * the lab's limit (HB); it is judged by its consequence (ST: a follower of a
 * connected leader does not time out), unless the implementation declared
 * its timing, which gives maxHeartbeatGapMs: its own minimum election timeout.
 */
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
    // A late heartbeat of an older term (decided before the server moved on) changes nothing here.
    if (prev !== undefined && act.term < prev.term) return;
    const prevTerm = prev?.term;
    const prevT = prev?.t ?? 0;
    if (prev === undefined) this.lastSent.set(k, { term: act.term, t: e.t });
    else {
      prev.term = act.term;
      prev.t = e.t;
    }
    if (prevTerm === act.term) {
      const maxGap = this.limits.maxHeartbeatGapMs;
      const gap = e.t - prevT;
      if (maxGap !== undefined && gap > maxGap + this.slackMs) {
        this.ctx.report('LA', {
          message:
            `leader ${act.server} of term ${act.term} went ${gap} ms without an AppendEntries or InstallSnapshot to server ${e.to}, ` +
            `longer than the minimum election timeout it declares (${maxGap} ms): a follower may time out under a live leader`,
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
        message:
          `leader ${act.server} of term ${act.term} sent its first AppendEntries to server ${e.to} ${delay} ms after winning the election: ` +
          `Figure 2 sends it upon election, at once (${this.limits.firstHeartbeatMs} ms is a whole heartbeat interval at the lab's fastest rate, 10 per second)`,
        servers: [act.server, e.to],
        term: act.term,
      });
    }
  }
}

/**
 * LV: whenever a majority of live servers can all talk to each other both
 * ways on a calm network, whatever the servers outside it do or send, one
 * of them leads, in a term no member of that majority exceeds, within
 * livenessMs (the lab's 5 s).
 */
export class Liveness implements Monitor {
  readonly kinds: readonly EventKind[] = ['send', 'state'];
  private satisfied = false;
  /** The epoch of the talking majorities the deadline is armed for. */
  private armed: number | undefined;
  constructor(
    private readonly ctx: MonitorContext,
    private readonly limits: ConductLimits,
  ) {}

  /** Called by the host when connectivity or the network's faults change. */
  connectivityChanged(): void {
    const facts = this.ctx.facts;
    const talking = facts.talking;
    // The same majorities on a network calm throughout: the window goes on.
    if (talking !== undefined && facts.calm && talking.epoch === this.armed) return;
    this.satisfied = false;
    this.armed = undefined;
    if (talking === undefined || !facts.calm) return;
    this.armed = talking.epoch;
    this.ctx.at(talking.since + this.limits.livenessMs, () => {
      if (this.satisfied || facts.talking?.epoch !== talking.epoch || talking.groups.some((g) => this.leadsNow(g))) return;
      const groups = talking.groups.map((g) => list(g)).join(' or ');
      this.ctx.report('LV', {
        message: `no leader among ${groups} within ${this.limits.livenessMs} ms, though they could all talk to each other both ways on a calm network since t=${talking.since} ms (the lab requires a leader within 5 s)`,
        servers: talking.groups.length === 1 ? (talking.groups[0] as number[]) : [...new Set(talking.groups.flat())].sort((a, b) => a - b),
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

  observe(_e: TesterEvent, act: LeadershipAct | undefined): void {
    if (this.satisfied || act === undefined) return;
    const talking = this.ctx.facts.talking;
    if (talking === undefined) return;
    for (const group of talking.groups) {
      if (group.includes(act.server) && act.term >= this.ctx.facts.maxSaidTerm(group)) {
        this.satisfied = true;
        return;
      }
    }
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

  observe(e: TesterEvent): void {
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

  // An election counts only when a server actually moves to a new term: a
  // RequestVote above the leader's term, or a getState() in another term. A
  // late RequestVote of an older or the same term (a retry, a send decided
  // earlier) is no election.
  private watch(e: TesterEvent, members: number[]): void {
    const leader = this.leader as { server: number; term: number };
    let culprit: number | undefined;
    let what = '';
    const sent = e.kind === 'send' ? termOf(e.args) : undefined;
    if (
      e.kind === 'send' &&
      e.method === RPC.RequestVote &&
      typeof e.from === 'number' &&
      members.includes(e.from) &&
      sent !== undefined &&
      sent > leader.term
    ) {
      culprit = e.from;
      what = `started an election for term ${sent}`;
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
