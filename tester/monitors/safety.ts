// Safety checks: a violation is always a failure.
import { RPC } from '../../raft/contract.ts';
import type { TesterEvent } from '../events.ts';
import type { EventKind, LeadershipAct, Monitor, MonitorContext } from './monitor.ts';
import { list, termOf } from './monitor.ts';

/** ES: at most one leader per term over the whole run. */
export class ElectionSafety implements Monitor {
  readonly kinds: readonly EventKind[] = ['send', 'state'];
  private readonly leaderOf = new Map<number, { server: number; t: number }>();
  constructor(private readonly ctx: MonitorContext) {}

  observe(e: TesterEvent, act: LeadershipAct | undefined): void {
    if (act === undefined) return;
    const first = this.leaderOf.get(act.term);
    if (first === undefined) this.leaderOf.set(act.term, { server: act.server, t: e.t });
    else if (first.server !== act.server) {
      this.ctx.report('ES', {
        message: `term ${act.term} has two leaders: server ${first.server} (since t=${first.t} ms) and server ${act.server} (${act.how})`,
        servers: [first.server, act.server],
        term: act.term,
      });
    }
  }
}

/** V1: in each term a server grants at most one candidate; a candidate has voted for itself. */
export class OneVotePerTerm implements Monitor {
  readonly kinds: readonly EventKind[] = ['send', 'handled'];
  private readonly votedFor = new Map<number, number>();
  constructor(private readonly ctx: MonitorContext) {}

  observe(e: TesterEvent): void {
    if (e.kind === 'send') {
      const term = termOf(e.args);
      if (e.method === RPC.RequestVote && typeof e.from === 'number' && term !== undefined) this.vote(e.from, term, e.from);
    } else if (e.kind === 'handled' && e.method === RPC.RequestVote && typeof e.to === 'number') {
      const granted = (e.reply as { voteGranted?: unknown } | null)?.voteGranted === true;
      const candidate = (e.args as { candidateId?: unknown } | null)?.candidateId;
      const term = termOf(e.reply);
      if (granted && term !== undefined && typeof candidate === 'number') this.vote(e.to, term, candidate);
    }
  }

  private vote(voter: number, term: number, candidate: number): void {
    const k = term * 1024 + voter;
    const earlier = this.votedFor.get(k);
    if (earlier === undefined) this.votedFor.set(k, candidate);
    else if (earlier !== candidate) {
      const what = candidate === voter ? 'then stood as a candidate itself' : `then granted server ${candidate}`;
      this.ctx.report('V1', {
        message: `server ${voter} voted twice in term ${term}: first for server ${earlier}, ${what}`,
        servers: [voter, earlier, candidate],
        term,
      });
    }
  }
}

/** QC: before a server first acts as leader of T it held term-T grants from a majority of distinct servers. */
export class LeaderHadQuorum implements Monitor {
  readonly kinds: readonly EventKind[] = ['send', 'state'];
  private readonly checked = new Set<number>();
  constructor(private readonly ctx: MonitorContext) {}

  observe(_e: TesterEvent, act: LeadershipAct | undefined): void {
    if (act === undefined) return;
    const k = act.term * 1024 + act.server;
    if (this.checked.has(k)) return;
    this.checked.add(k);
    const facts = this.ctx.facts;
    if (facts.quorumTime(act.server, act.term) !== undefined) return;
    this.ctx.report('QC', {
      message:
        `server ${act.server} ${act.how} for term ${act.term} with valid term-${act.term} votes from ` +
        `${list(facts.votersOf(act.server, act.term))} only: a majority of ${facts.n} needs ${facts.majority} distinct servers`,
      servers: [act.server],
      term: act.term,
    });
  }
}

/**
 * TM: a server's own term never decreases: not in its getState() answers,
 * not in the replies it gives, not across a restart. A request it sends is
 * not its term: a retry, or a send decided in an earlier term that goes out
 * late, carries the older term as legally as a slow network would deliver
 * it. Such a request is judged by its effects instead: a grant it wins
 * counts only for its own term (QC), and a heartbeat only for the term it
 * carries (ES, AEL).
 */
export class TermMonotonicity implements Monitor {
  readonly kinds: readonly EventKind[] = ['send', 'handled', 'state', 'start'];
  private readonly last: ({ term: number; t: number; what: string } | undefined)[] = [];
  private readonly restarted: boolean[] = [];
  constructor(private readonly ctx: MonitorContext) {}

  observe(e: TesterEvent): void {
    // A request is not checked, but it shows the sender had reached its
    // term when it decided to send it: what it says later may not be lower.
    if (e.kind === 'send' && typeof e.from === 'number') this.raise(e.from, termOf(e.args), `sent ${e.method}`, e.t);
    else if (e.kind === 'handled' && typeof e.to === 'number') this.check(e.to, termOf(e.reply), `replied to ${e.method}`, e.t);
    else if (e.kind === 'state') this.check(e.server, e.term, 'answered getState()', e.t);
    else if (e.kind === 'start' && this.last[e.server] !== undefined) this.restarted[e.server] = true;
  }

  private check(server: number, term: number | undefined, what: string, t: number): void {
    if (term === undefined) return;
    const prev = this.last[server];
    if (prev !== undefined && term < prev.term) {
      const hint = this.restarted[server] ? ' (it restarted in between: is currentTerm persisted?)' : '';
      this.ctx.report('TM', {
        message: `server ${server}'s term went down from ${prev.term} (${prev.what} at t=${prev.t} ms) to ${term} (${what})${hint}`,
        servers: [server],
        term,
      });
      return;
    }
    this.last[server] = { term, t, what };
  }

  private raise(server: number, term: number | undefined, what: string, t: number): void {
    if (term === undefined) return;
    const prev = this.last[server];
    if (prev === undefined || term > prev.term) this.last[server] = { term, t, what };
  }
}

/**
 * TA: once a server has taken in a higher term, its state and its replies
 * carry at least that term, and it does not act as leader again without
 * winning an election in such a term. Requests it sends are not judged by
 * their term: one decided earlier may go out late (see TM).
 *
 * When is a term taken in? A request's, when the handler replies (its reply
 * shows it). A reply's, when the caller has processed it, which the record
 * does not show: a caller may queue it behind other work (a lock, a task
 * queue) as a slow network would. So a reply's term binds what the server
 * says from the first request it handles that reached it after the reply
 * did (work is taken up in the order it arrives), and binds its leadership
 * at once: acting as leader in a term at least as high shows it took that
 * term in.
 */
interface Owed {
  term: number;
  /** From when it binds (after the grace). */
  since: number;
  from: string;
  wasLeader: boolean;
}

export class TermAdoption implements Monitor {
  readonly kinds: readonly EventKind[] = ['send', 'state', 'deliver', 'handled', 'reply', 'start'];
  private readonly owed: (Owed | undefined)[] = [];
  /** A reply's higher term, per server, until a later request shows it processed it. */
  private readonly pending: (Owed | undefined)[] = [];
  /** Requests delivered to a server after a pending reply arrived (their handling confirms it). */
  private readonly confirming = new Set<number>();
  private readonly leaderTerm: number[] = [];
  constructor(
    private readonly ctx: MonitorContext,
    private readonly graceMs: number,
  ) {}

  observe(e: TesterEvent, act: LeadershipAct | undefined): void {
    if (act !== undefined) this.checkLeader(act.server, act.term, act.how, e.t);
    if (e.kind === 'state') this.checkSaid(e.server, e.term, 'answered getState()', e.t);
    else if (e.kind === 'deliver' && typeof e.to === 'number') {
      const pending = this.pending[e.to];
      if (pending !== undefined && e.t > pending.since) this.confirming.add(e.id);
    } else if (e.kind === 'handled' && typeof e.to === 'number') {
      if (this.confirming.delete(e.id)) this.confirm(e.to, e.t);
      this.checkSaid(e.to, termOf(e.reply), `replied to ${e.method}`, e.t);
      const term = termOf(e.args);
      if (term !== undefined && typeof e.from === 'number') this.takeIn(e.to, term, e.t - this.graceMs - 1, `a ${e.method} request from server ${e.from}`);
    } else if (e.kind === 'reply' && typeof e.from === 'number') {
      const term = termOf(e.reply);
      const said = this.ctx.facts.saidTerm[e.from] ?? 0;
      const known = Math.max(this.owed[e.from]?.term ?? 0, this.pending[e.from]?.term ?? 0);
      if (term !== undefined && term > said && term > known) {
        this.pending[e.from] = { term, since: e.t, from: `a ${e.method} reply from server ${String(e.to)}`, wasLeader: (this.leaderTerm[e.from] ?? -1) >= 0 };
      }
    } else if (e.kind === 'start') {
      this.owed[e.server] = undefined;
      this.pending[e.server] = undefined;
    }
    if (act !== undefined) this.leaderTerm[act.server] = act.term;
    else if (e.kind === 'state' && !e.isLeader) this.leaderTerm[e.server] = -1;
  }

  private confirm(server: number, t: number): void {
    const pending = this.pending[server];
    this.pending[server] = undefined;
    if (pending === undefined) return;
    const owed = this.owed[server];
    if (owed === undefined || pending.term > owed.term) this.owed[server] = { ...pending, since: t - this.graceMs - 1 };
  }

  private takeIn(server: number, term: number, since: number, from: string): void {
    const said = this.ctx.facts.saidTerm[server] ?? 0;
    const owed = this.owed[server];
    if (term > said && (owed === undefined || term > owed.term)) {
      this.owed[server] = { term, since, from, wasLeader: (this.leaderTerm[server] ?? -1) >= 0 };
    }
  }

  private effective(owed: Owed | undefined, t: number): Owed | undefined {
    return owed !== undefined && t > owed.since + this.graceMs ? owed : undefined;
  }

  private checkSaid(server: number, term: number | undefined, what: string, t: number): void {
    const owed = this.effective(this.owed[server], t);
    if (owed === undefined || term === undefined || term >= owed.term) return;
    this.ctx.report('TA', {
      message: `server ${server} took in term ${owed.term} (from ${owed.from}) but then ${what} with term ${term}`,
      servers: [server],
      term,
    });
  }

  private checkLeader(server: number, term: number, how: string, t: number): void {
    for (const owed of [this.effective(this.owed[server], t), this.effective(this.pending[server], t)]) {
      if (owed === undefined || !owed.wasLeader || term < owed.term) continue;
      if (this.ctx.facts.quorumTime(server, term) !== undefined) return;
      this.ctx.report('TA', {
        message: `server ${server} was leader, took in term ${owed.term} (from ${owed.from}), and ${how} for term ${term} without winning an election in it`,
        servers: [server],
        term,
      });
      return;
    }
  }
}

/** RW (and SR): a reply's term is at least the request's; a reply with a higher term grants nothing. */
export class RepliesWellFormed implements Monitor {
  readonly kinds: readonly EventKind[] = ['handled'];
  constructor(private readonly ctx: MonitorContext) {}

  observe(e: TesterEvent): void {
    if (e.kind !== 'handled' || typeof e.to !== 'number') return;
    const asked = termOf(e.args);
    const answered = termOf(e.reply);
    if (asked === undefined || answered === undefined) return;
    const r = e.reply as { voteGranted?: unknown; success?: unknown };
    if (answered < asked) {
      this.ctx.report('RW', {
        message: `server ${e.to} answered a term-${asked} ${e.method} with term ${answered}, lower than the request's`,
        servers: [e.to],
        term: asked,
      });
    } else if (answered > asked && (r.voteGranted === true || r.success === true)) {
      const what = r.voteGranted === true ? 'granted the vote' : 'reported success';
      this.ctx.report('RW', {
        message: `server ${e.to} answered a term-${asked} ${e.method} with its higher term ${answered} yet ${what}`,
        servers: [e.to],
        term: answered,
      });
    }
  }
}

/**
 * AEL: an AppendEntries with term T is sent only by the server that won T
 * (QC). One that won T may still send it after moving on: a heartbeat
 * decided while it led, or in flight, is as legal as a slow network
 * (Figure 2's rules for a stale leader are the receivers': they refuse it).
 */
export class HeartbeatSenderLegitimate implements Monitor {
  readonly kinds: readonly EventKind[] = ['send', 'state'];
  /** (server, term) pairs that have acted as leader, and those already reported. */
  private readonly acted = new Set<number>();
  private readonly reported = new Set<number>();
  constructor(private readonly ctx: MonitorContext) {}

  observe(e: TesterEvent, act: LeadershipAct | undefined): void {
    if (act === undefined) return;
    const k = act.term * 1024 + act.server;
    // A server's first act as leader of a term is QC's to judge (the same rule, said once).
    const first = !this.acted.has(k);
    this.acted.add(k);
    if (first || e.kind !== 'send' || this.reported.has(k)) return;
    const facts = this.ctx.facts;
    if (facts.quorumTime(act.server, act.term) !== undefined) return;
    this.reported.add(k);
    const moved = facts.saidTerm[act.server] ?? 0;
    const context = moved > act.term ? ` (it is in term ${moved})` : '';
    this.ctx.report('AEL', {
      message: `server ${act.server} sent AppendEntries for term ${act.term} without having won an election in term ${act.term}${context}: only the leader of a term sends them`,
      servers: [act.server],
      term: act.term,
    });
  }
}

/**
 * A log check for RF: does the receiver's log pass the AppendEntries
 * consistency check (Figure 2: "contains an entry at prevLogIndex whose term
 * matches prevLogTerm")? true, false, or undefined when it cannot be known.
 * The log monitors (2B) plug a model of each log in here.
 */
export type LogCheck = (receiver: number, args: { prevLogIndex: number; prevLogTerm: number }) => boolean | undefined;

/**
 * Without a model of the logs: every log has the entry at index 0 (the
 * empty prefix), so prevLogIndex 0 always passes (in 2A every request has
 * it); any other index is not judged.
 */
export const EMPTY_PREFIX_CHECK: LogCheck = (_receiver, args) => (args.prevLogIndex === 0 ? true : undefined);

/**
 * RF: receivers follow Figure 2. What a reply may not do (a stale-term
 * grant or success, a term below the request's) is RW's and TM's; this is
 * what a reply must do: an AppendEntries of the receiver's term or higher
 * (the reply carries the request's term) whose log check passes succeeds.
 * Refusing a vote is allowed (the dissertation's disruption guards do it on
 * purpose; it costs only liveness, which LV judges).
 */
export class ReceiversFollowFigure2 implements Monitor {
  readonly kinds: readonly EventKind[] = ['handled'];
  constructor(
    private readonly ctx: MonitorContext,
    private readonly logCheck: LogCheck = EMPTY_PREFIX_CHECK,
    /** Where the receiver got its entry at an index, when a model of the logs knows ("accepted from ..."). */
    private readonly origin: (receiver: number, index: number) => string | undefined = () => undefined,
  ) {}

  observe(e: TesterEvent): void {
    if (e.kind !== 'handled' || e.method !== RPC.AppendEntries || typeof e.to !== 'number') return;
    const args = e.args as { term?: unknown; leaderId?: unknown; prevLogIndex?: unknown; prevLogTerm?: unknown } | null;
    const reply = e.reply as { term?: unknown; success?: unknown } | null;
    const term = args?.term;
    if (typeof term !== 'number' || reply?.term !== term || reply.success !== false) return;
    if (typeof args?.prevLogIndex !== 'number' || typeof args.prevLogTerm !== 'number') return;
    if (this.logCheck(e.to, { prevLogIndex: args.prevLogIndex, prevLogTerm: args.prevLogTerm }) !== true) return;
    const p = args.prevLogIndex;
    const from = this.origin(e.to, p);
    const why =
      p === 0
        ? 'prevLogIndex is 0, so every log passes the check'
        : `its log passes the check (an entry at prevLogIndex ${p} with term ${args.prevLogTerm}${from === undefined ? '' : `, ${from}`})`;
    this.ctx.report('RF', {
      message: `server ${e.to} refused a term-${term} AppendEntries from server ${String(e.from)} while in term ${term} itself, though ${why}: Figure 2 requires success`,
      servers: [e.to],
      term,
    });
  }
}
