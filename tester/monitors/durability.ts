// DUR: Durability (lab 2C). Figure 2 keeps currentTerm, votedFor and log[]
// on stable storage, "updated on stable storage before responding to RPCs".
// So what a server acknowledged in a reply (the term it answered with, the
// vote it granted, the entries a successful AppendEntries reply vouches it
// holds) survives its crash: what a later incarnation says and does must
// not contradict it. Nothing else is judged (volatile state, a leader's own
// unreplicated entries, a candidate's self-vote: V1 has that one).
//
// The log part is an under-approximation: the entries each server must hold.
// A successful reply adds prevLogIndex and the entries it carried; any
// AppendEntries a server handles may delete what follows its prevLogIndex
// (Figure 2, receiver step 3, on a conflict), so whatever the record cannot
// prove survived is dropped, never assumed. Only facts acknowledged by an
// earlier incarnation are judged here: within one incarnation, RF and the
// other log checks judge the same log from the log facts.
//
// Lab 2D: a snapshot is stable storage too (Figure 13, §7): a server
// discards the log entries a snapshot holds once that snapshot is saved, so
// what it stored as snapshotted must survive its crash, in its stored
// snapshot or in its log. A restarted server whose stored snapshot holds
// less than one it had stored before (a later save erased it, or replaced
// it with an older one) must bring its service up from what it found: its
// first apply is the command right after it (or a snapshot). One beyond it
// shows entries in neither its snapshot nor its log.
import type { AppendEntriesArgs, RequestVoteArgs } from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import type { TesterEvent } from '../events.ts';
import { wellFormed } from './log-facts.ts';
import type { EventKind, Monitor, MonitorContext } from './monitor.ts';
import { termOf } from './monitor.ts';

/** One acknowledgment: when, by which incarnation, and how (for messages). */
interface Ack {
  inc: number;
  t: number;
  how: string;
}

/** The entries a server must hold, by index (a sparse array: holes are unknown). */
interface MustHold {
  terms: (number | undefined)[];
  acks: (Ack | undefined)[];
}

interface Top {
  index: number;
  term: number;
  ack: Ack;
}

interface Running {
  server: number;
  args: AppendEntriesArgs | undefined;
  overlapped: boolean;
}

const PERSISTENT = 'Figure 2 keeps currentTerm, votedFor and log[] on stable storage, updated before responding to RPCs';

export class Durability implements Monitor {
  readonly kinds: readonly EventKind[] = ['cluster', 'start', 'crash', 'deliver', 'handled', 'handler-error', 'send', 'state', 'submit', 'persist', 'apply'];
  private inc: number[] = [];
  private crashedAt: (number | undefined)[] = [];
  private startedAt: number[] = [];
  /** The highest term each server said in a reply. */
  private term: ({ term: number } & Ack)[] = [];
  /** term*1024+server -> the candidate it granted in that term. */
  private readonly votes = new Map<number, { candidate: number } & Ack>();
  private logs: MustHold[] = [];
  /** AppendEntries handlers running, by rpc id (and duplicate copy). */
  private readonly running = new Map<number, Running>();
  private runningCount: number[] = [];
  /** Per server: highestEarlier()'s answers, until what it must hold from earlier incarnations changes. */
  private earlier: ({ byIndex: Top | undefined; byTerm: Top | undefined } | undefined)[] = [];
  /** Incarnations already reported (one finding each is enough). */
  private readonly reported = new Set<number>();
  /** Lab 2D, per server: the highest index a snapshot it stored held, and the save that stored it. */
  private snapshotStored: (({ index: number } & Ack) | undefined)[] = [];
  /** Lab 2D, per server: the latest save that left less in its stored snapshot than snapshotStored. */
  private snapshotLost: (({ index: number } & Ack) | undefined)[] = [];
  /** Lab 2D, per server: what a restart found (a stored snapshot through `found`), while it has applied nothing yet. */
  private owed: ({ found: number; stored: { index: number } & Ack; lost: ({ index: number } & Ack) | undefined } | undefined)[] = [];

  constructor(private readonly ctx: MonitorContext) {}

  observe(e: TesterEvent): void {
    switch (e.kind) {
      case 'cluster':
        this.reset(e.n);
        return;
      case 'start': {
        this.inc[e.server] = (this.inc[e.server] ?? 0) + 1;
        this.earlier[e.server] = undefined;
        this.startedAt[e.server] = e.t;
        this.runningCount[e.server] = 0;
        const stored = this.snapshotStored[e.server];
        const found = e.snapshotIndex ?? 0;
        this.owed[e.server] = stored !== undefined && found < stored.index ? { found, stored, lost: this.snapshotLost[e.server] } : undefined;
        return;
      }
      case 'persist':
        this.persisted(e.server, e.incarnation, e.snapshotSize, e.snapshotIndex, e.t);
        return;
      case 'apply':
        if (e.incarnation === this.inc[e.server]) this.firstApply(e.server, e.commandValid, e.index);
        return;
      case 'crash':
        this.crashed(e.server, e.t);
        return;
      case 'deliver':
        if (e.method === RPC.AppendEntries && typeof e.to === 'number') this.delivered(e.id, e.duplicate, e.to, e.args);
        return;
      case 'handler-error':
        if (e.method === RPC.AppendEntries && typeof e.to === 'number') {
          const r = this.finish(e.id, false, e.to);
          if (r?.args !== undefined) this.dropAfter(e.to, r.args.prevLogIndex);
        }
        return;
      case 'handled':
        if (typeof e.to !== 'number') return;
        if (e.method === RPC.AppendEntries) this.appendHandled(e.id, e.duplicate, e.from, e.to, e.args, e.reply, e.t, e.async === true);
        else if (e.method === RPC.RequestVote) this.voteHandled(e.from, e.to, e.args, e.reply, e.t);
        return;
      case 'send':
        if (typeof e.from !== 'number') return;
        this.checkTerm(e.from, termOf(e.args), `sent a term-${String(termOf(e.args))} ${e.method}`);
        if (e.method === RPC.RequestVote) this.checkCandidateLog(e.from, e.args);
        else if (e.method === RPC.AppendEntries && wellFormed(e.args)) this.checkLeaderLog(e.from, e.args);
        return;
      case 'state':
        this.checkTerm(e.server, e.term, `answered getState() with term ${e.term}`);
        return;
      case 'submit':
        if (e.incarnation !== this.inc[e.server]) return;
        this.checkTerm(e.server, e.term, `answered start() with term ${e.term}`);
        if (e.isLeader && Number.isInteger(e.index)) this.checkStartIndex(e.server, e.index, e.term);
        return;
      default:
        return;
    }
  }

  private reset(n: number): void {
    this.inc = new Array<number>(n).fill(0);
    this.crashedAt = new Array<number | undefined>(n).fill(undefined);
    this.startedAt = new Array<number>(n).fill(0);
    this.term = [];
    this.votes.clear();
    this.logs = Array.from({ length: n }, () => ({ terms: [], acks: [] }));
    this.running.clear();
    this.runningCount = new Array<number>(n).fill(0);
    this.earlier = [];
    this.reported.clear();
    this.snapshotStored = [];
    this.snapshotLost = [];
    this.owed = [];
  }

  // ---- lab 2D: what a stored snapshot held ----

  private persisted(server: number, inc: number, size: number | undefined, index: number | undefined, t: number): void {
    const holds = size === undefined ? 0 : index;
    // A snapshot the tester cannot decode holds what it holds: not judged.
    if (holds === undefined) return;
    const how = size === undefined ? 'a save that left no snapshot' : `a save that left a snapshot through index ${holds}`;
    const stored = this.snapshotStored[server];
    if (stored === undefined || holds > stored.index) {
      if (holds > 0)
        this.snapshotStored[server] = { index: holds, inc, t, how: `the save at t=${t} ms (incarnation ${inc}) that stored a snapshot through index ${holds}` };
      this.snapshotLost[server] = undefined;
    } else if (holds < stored.index) {
      this.snapshotLost[server] = { index: holds, inc, t, how: `${how} at t=${t} ms (incarnation ${inc})` };
    }
  }

  private firstApply(server: number, command: boolean, index: number): void {
    const owed = this.owed[server];
    if (owed === undefined) return;
    this.owed[server] = undefined;
    if (!command || !Number.isInteger(index) || index <= owed.found + 1) return;
    const inc = this.inc[server] ?? 0;
    const k = inc * 1024 + server;
    if (this.reported.has(k)) return;
    this.reported.add(k);
    const found = owed.found === 0 ? 'no stored snapshot' : `a stored snapshot through index ${owed.found} only`;
    const lost = owed.lost === undefined ? '' : `, then ${owed.lost.how} erased it`;
    this.ctx.report('DUR', {
      message:
        `server ${server} restarted at t=${this.startedAt[server] ?? 0} ms with ${found}, yet applied index ${index} first: ` +
        `${index - 1 === owed.found + 1 ? `index ${owed.found + 1} is` : `indexes ${owed.found + 1}-${index - 1} are`} in neither its stored snapshot nor its log. ` +
        `Before, ${owed.stored.how}${lost}: a server discards the log entries a snapshot holds once the snapshot is on stable storage (§7, Figure 13), ` +
        'so a restart keeps what it stored as snapshotted, in its snapshot or in its log',
      servers: [server],
    });
  }

  // ---- what each server acknowledged ----

  private delivered(id: number, duplicate: boolean, to: number, args: unknown): void {
    const count = (this.runningCount[to] ?? 0) + 1;
    this.runningCount[to] = count;
    const r: Running = { server: to, args: wellFormed(args) ? args : undefined, overlapped: count > 1 };
    if (count > 1) for (const other of this.running.values()) if (other.server === to) other.overlapped = true;
    this.running.set(id * 2 + (duplicate ? 1 : 0), r);
  }

  private finish(id: number, duplicate: boolean, server: number): Running | undefined {
    const k = id * 2 + (duplicate ? 1 : 0);
    const r = this.running.get(k);
    if (r === undefined) return undefined;
    this.running.delete(k);
    this.runningCount[server] = Math.max(0, (this.runningCount[server] ?? 0) - 1);
    return r;
  }

  // A handler that was running when its server crashed may have cut the log
  // after its prevLogIndex (and persisted that) before the crash.
  private crashed(server: number, t: number): void {
    this.crashedAt[server] = t;
    for (const [k, r] of [...this.running]) {
      if (r.server !== server) continue;
      this.running.delete(k);
      this.dropAfter(server, r.args?.prevLogIndex ?? 0);
    }
    this.runningCount[server] = 0;
  }

  private appendHandled(id: number, duplicate: boolean, from: unknown, to: number, args: unknown, reply: unknown, t: number, async: boolean): void {
    const r = this.finish(id, duplicate, to);
    if (!wellFormed(args)) return;
    const a = args;
    const p = a.prevLogIndex;
    const rep = reply as { term?: unknown; success?: unknown } | null | undefined;
    const replyTerm = typeof rep?.term === 'number' ? rep.term : undefined;
    if (replyTerm === undefined || typeof rep?.success !== 'boolean' || replyTerm < a.term) {
      // No usable answer: whatever the handler did after prevLogIndex is unknown.
      this.dropAfter(to, p);
      return;
    }
    const leader = typeof from === 'number' ? `server ${from}'s` : 'a';
    this.checkTerm(to, replyTerm, `replied to ${leader} term-${a.term} AppendEntries with term ${replyTerm}`);
    this.ackTerm(to, replyTerm, t, `its reply to ${leader} term-${a.term} AppendEntries at t=${t} ms`);
    // A refusal for a stale term happens before the log is looked at (Figure 2,
    // step 1), unless the handler was asynchronous: it may have cut and
    // appended in the request's term, then learnt of the term it answers with.
    if (replyTerm > a.term) {
      if (async) this.dropAfter(to, p);
      return;
    }
    const log = this.logs[to] as MustHold;
    if (!rep.success) {
      if (p > 0 && log.terms[p] === a.prevLogTerm) {
        this.judge(
          to,
          log.acks[p],
          (ack) =>
            `server ${to} refused ${leader} term-${a.term} AppendEntries with prevLogIndex=${p} prevLogTerm=${a.prevLogTerm}, ` +
            `but ${ack} it had acknowledged holding index ${p} term ${a.prevLogTerm}`,
        );
      }
      // A correct follower may delete a conflicting entry at prevLogIndex as it refuses.
      this.truncate(log, p);
      this.earlier[to] = undefined;
      return;
    }
    if (r?.overlapped === true) {
      // Handlers ran at once: which one changed the log last is unknown.
      this.dropAfter(to, p);
      return;
    }
    const ack: Ack = { inc: this.inc[to] ?? 0, t, how: `its success reply to ${leader} term-${a.term} AppendEntries at t=${t} ms` };
    const end = p + a.entries.length;
    let mayHaveCut = false;
    for (let i = 0; i < a.entries.length && !mayHaveCut; i++) {
      const index = p + 1 + i;
      const held = log.terms[index];
      // An unknown entry below a known one may have conflicted (and everything after it gone).
      if (held === undefined ? index < log.terms.length : held !== (a.entries[i] as { term: number }).term) mayHaveCut = true;
    }
    if (mayHaveCut) this.truncate(log, end + 1);
    if (p > 0) this.hold(log, p, a.prevLogTerm, ack);
    for (let i = 0; i < a.entries.length; i++) this.hold(log, p + 1 + i, (a.entries[i] as { term: number }).term, ack);
    // Re-acknowledged entries are now this incarnation's.
    if (this.earlier[to] !== undefined && (p > 0 || a.entries.length > 0)) this.earlier[to] = undefined;
  }

  private voteHandled(from: unknown, to: number, args: unknown, reply: unknown, t: number): void {
    const rep = reply as { term?: unknown; voteGranted?: unknown } | null | undefined;
    if (typeof rep?.term !== 'number') return;
    const candidate = (args as { candidateId?: unknown } | null | undefined)?.candidateId;
    const who = typeof from === 'number' ? `server ${from}'s` : 'a';
    const how = `its reply to ${who} term-${String(termOf(args))} RequestVote at t=${t} ms`;
    this.checkTerm(to, rep.term, `replied to ${who} term-${String(termOf(args))} RequestVote with term ${rep.term}`);
    this.ackTerm(to, rep.term, t, how);
    if (rep.voteGranted !== true || typeof candidate !== 'number') return;
    const k = rep.term * 1024 + to;
    const before = this.votes.get(k);
    if (before !== undefined && before.candidate !== candidate) {
      this.judge(
        to,
        before,
        (ack) => `server ${to} granted its term-${String(rep.term)} vote to server ${candidate}, but ${ack} it had granted it to server ${before.candidate}`,
      );
    }
    this.votes.set(k, { candidate, inc: this.inc[to] ?? 0, t, how });
  }

  private ackTerm(server: number, term: number, t: number, how: string): void {
    const before = this.term[server];
    if (before === undefined || term > before.term) this.term[server] = { term, inc: this.inc[server] ?? 0, t, how };
  }

  private hold(log: MustHold, index: number, term: number, ack: Ack): void {
    log.terms[index] = term;
    log.acks[index] = ack;
  }

  /** Forgets what the server must hold at `from` and after. */
  private truncate(log: MustHold, from: number): void {
    if (log.terms.length > from) {
      log.terms.length = Math.max(from, 0);
      log.acks.length = Math.max(from, 0);
    }
  }

  private dropAfter(server: number, prevLogIndex: number): void {
    const log = this.logs[server];
    if (log !== undefined && log.terms.length > prevLogIndex + 1) {
      this.truncate(log, prevLogIndex + 1);
      this.earlier[server] = undefined;
    }
  }

  // ---- what a later incarnation says and does ----

  private checkTerm(server: number, term: number | undefined, what: string): void {
    const before = this.term[server];
    if (term === undefined || before === undefined || term >= before.term) return;
    this.judge(server, before, (ack) => `server ${server} ${what}, but ${ack} it had answered with term ${before.term}`);
  }

  /** §5.4.1's lastLogIndex and lastLogTerm describe the candidate's log: it must still hold what it acknowledged. */
  private checkCandidateLog(server: number, args: unknown): void {
    const a = args as Partial<RequestVoteArgs> | null | undefined;
    if (!Number.isInteger(a?.lastLogIndex) || !Number.isInteger(a?.lastLogTerm)) return;
    const top = this.highestEarlier(server);
    if (top === undefined) return;
    const lastTerm = a?.lastLogTerm as number;
    const lastIndex = a?.lastLogIndex as number;
    // Terms never decrease along a log: holding (index, term) means ending at or after it.
    if (lastTerm > top.term || (lastTerm === top.term && lastIndex >= top.index)) return;
    this.judge(
      server,
      top.ack,
      (ack) =>
        `server ${server}'s term-${String(a?.term)} RequestVote describes a log ending at index ${lastIndex} term ${lastTerm}, ` +
        `but ${ack} it had acknowledged holding index ${top.index} term ${top.term}`,
    );
  }

  /** A leader sends from its own log, and never deletes from it: its sends must agree with what it still must hold. */
  private checkLeaderLog(server: number, a: AppendEntriesArgs): void {
    const log = this.logs[server] as MustHold;
    const p = a.prevLogIndex;
    const differs = (index: number, term: number): boolean => {
      const held = log.terms[index];
      return held !== undefined && held !== term && (log.acks[index]?.inc ?? 0) < (this.inc[server] ?? 0);
    };
    if (p > 0 && differs(p, a.prevLogTerm)) {
      this.judge(
        server,
        log.acks[p],
        (ack) =>
          `server ${server} sent a term-${a.term} AppendEntries with prevLogIndex=${p} prevLogTerm=${a.prevLogTerm}, but ${ack} it had acknowledged holding index ${p} term ${String(log.terms[p])}`,
      );
      return;
    }
    for (let i = 0; i < a.entries.length; i++) {
      const index = p + 1 + i;
      const term = (a.entries[i] as { term: number }).term;
      if (!differs(index, term)) continue;
      this.judge(
        server,
        log.acks[index],
        (ack) =>
          `server ${server} sent a term-${a.term} AppendEntries with a term-${term} entry at index ${index}, but ${ack} it had acknowledged holding index ${index} term ${String(log.terms[index])}`,
      );
      return;
    }
  }

  /** start() answers the index the new entry gets: the end of the leader's log, past everything it must hold. */
  private checkStartIndex(server: number, index: number, term: number): void {
    const top = this.highestEarlier(server, true);
    if (top === undefined || index > top.index) return;
    this.judge(
      server,
      top.ack,
      (ack) =>
        `start() on leader ${server} of term ${term} returned index ${index}, so its log ended at index ${index - 1}, ` +
        `but ${ack} it had acknowledged holding index ${top.index} term ${top.term}`,
    );
  }

  /**
   * The most up-to-date entry (by term, then index) acknowledged by an
   * earlier incarnation, or the one at the highest index. Worked out again
   * only when those entries changed (a restart, a cut, a re-acknowledgment):
   * start() and RequestVote ask often, and logs grow long.
   */
  private highestEarlier(server: number, byIndex = false): Top | undefined {
    const now = this.inc[server] ?? 0;
    if (now <= 1) return undefined;
    let cached = this.earlier[server];
    if (cached === undefined) {
      const log = this.logs[server] as MustHold;
      let byTerm: Top | undefined;
      let highest: Top | undefined;
      for (let i = log.terms.length - 1; i > 0; i--) {
        const term = log.terms[i];
        const ack = log.acks[i];
        if (term === undefined || ack === undefined || ack.inc >= now) continue;
        highest ??= { index: i, term, ack };
        if (byTerm === undefined || term > byTerm.term) byTerm = { index: i, term, ack };
      }
      cached = { byIndex: highest, byTerm };
      this.earlier[server] = cached;
    }
    return byIndex ? cached.byIndex : cached.byTerm;
  }

  /**
   * Reports when the contradicted acknowledgment came from an earlier
   * incarnation (within one, the other checks judge), once per incarnation.
   */
  private judge(server: number, ack: Ack | undefined, message: (before: string) => string): void {
    const now = this.inc[server] ?? 0;
    if (ack === undefined || ack.inc >= now) return;
    const k = now * 1024 + server;
    if (this.reported.has(k)) return;
    this.reported.add(k);
    const crash = this.crashedAt[server];
    const before = `before its crash${crash === undefined ? '' : ` at t=${crash} ms`} (restarted at t=${this.startedAt[server] ?? 0} ms), in ${ack.how},`;
    this.ctx.report('DUR', {
      message: `${message(before)}: ${PERSISTENT}, so a restart keeps what the server acknowledged`,
      servers: [server],
    });
  }
}
