// What the log monitors need to know about every server's log, derived from
// the event stream alone: the entries each AppendEntries carries, whether the
// receiver accepted them, what start() answered, what was applied. Nothing
// here asks an implementation anything; everything is evidence from messages.
//
// The log monitors judge an event against these facts as they were before the
// event; the MonitorSet updates the facts after every monitor has looked.
import type { AppendEntriesArgs, AppendEntriesReply, InstallSnapshotArgs, InstallSnapshotReply, RequestVoteArgs } from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import type { TesterEvent } from '../events.ts';
import type { Facts } from './facts.ts';
import { decoded } from './snapshots.ts';

/** A command reduced to something === can compare (commands are copied by the network). */
export type CommandKey = string | number | boolean | bigint | null | undefined;

export function commandKey(command: unknown): CommandKey {
  if (command === null || (typeof command !== 'object' && typeof command !== 'function' && typeof command !== 'symbol')) {
    return command as CommandKey;
  }
  // Objects: compared by their JSON (a prefix no JSON text starts with keeps them apart from strings).
  return `\u0000${JSON.stringify(command) ?? ''}`;
}

/**
 * A command as the tester's snapshot encoding keeps it (JSON, where an
 * absent command is null): a snapshot's slot and an applied command are
 * compared by this key.
 */
export function snapshotKey(command: unknown): CommandKey {
  return commandKey(command === undefined ? null : command);
}

/** A command as a message shows it: short, whatever its size. */
export function showCommand(command: unknown): string {
  const text = typeof command === 'string' ? JSON.stringify(command) : (JSON.stringify(command) ?? String(command));
  return text.length <= 24 ? text : `${text.slice(0, 16)}…(${text.length} chars)`;
}

/** One (index, term) pair of some log: by Log Matching it names one command and one predecessor. */
export interface Pair {
  index: number;
  term: number;
  command: unknown;
  key: CommandKey;
  /** The term of the entry before it, once a message has shown it. */
  prevTerm: number | undefined;
  /** Servers that ever held this entry (a bit per server): its creator, every sender, every acceptor. */
  holders: number;
  /** Where it was first seen, for messages. */
  firstSeen: string;
}

/** The AppendEntries that put an entry into a server's log. */
export interface Placement {
  id: number;
  from: number;
  term: number;
  t: number;
}

/** An AppendEntries being handled. */
export interface RunningAppend {
  id: number;
  from: number;
  args: AppendEntriesArgs;
  t: number;
}

/** What a leader did in one term of its leadership: its sends, its starts, what followers acknowledged. */
export interface LeaderTerm {
  server: number;
  term: number;
  /** The highest index it could have known to be committed when it became leader (an upper bound). */
  inheritedCommit: number;
  /** Index -> what it sent there in this term (command unknown for a prevLogIndex). */
  sent: Map<number, { term: number; hasCommand: boolean; key: CommandKey; command: unknown; t: number }>;
  /** Index -> the command start() said it would have. */
  starts: Map<number, { key: CommandKey; command: unknown; t: number }>;
  /** Command -> the indexes start() returned for it in this term. */
  startsByKey: Map<CommandKey, number[]>;
  /** The first index of an entry of this term in its log (Infinity while none). */
  firstOwn: number;
  /** Per follower, the highest index it acknowledged holding in this term (its matchIndex, as the followers did it). */
  matched: number[];
  /** majorityMatch()'s answer until matched changes. */
  majorityMatch?: number | undefined;
}

/** The first apply of an index anywhere: what "committed" means in the lab's tester (applied by some server). */
export interface FirstApply {
  server: number;
  incarnation: number;
  command: unknown;
  key: CommandKey;
  t: number;
  /** The term of the applied entry, where the log facts know it. */
  term: number | undefined;
  /** Every term said anywhere by the time of the apply is at most this: leaders of later terms must hold the entry (§5.4). */
  bound: number;
  /** How the entry got into the applier's log, as known at the apply; and that AppendEntries' id. */
  placed: string;
  placedRpc: number | undefined;
  /** Lab 2D: it was first seen inside a snapshot a server delivered, not applied as a command. */
  inSnapshot?: true;
}

/** The applies seen so far, shared by the monitors that need "committed" (the lab's logs[i], merged). */
export class Applied {
  readonly first = new Map<number, FirstApply>();
  /** Indexes in the order they were first applied anywhere. */
  readonly order: number[] = [];
}

export class LogFacts {
  n = 0;
  majority = 1;
  /** Per server: index -> term of the entry it holds there, where known. */
  held: number[][] = [];
  /** Per server: its log's exact length, where known. */
  length: (number | undefined)[] = [];
  /**
   * Lab 2D: the highest index a server may have compacted into a snapshot
   * (the service's snapshot() calls, the snapshots delivered to it, the one
   * its restart ingested). Below it the server no longer holds the entries.
   */
  compacted: number[] = [];
  /** Per server: the AppendEntries that put each index there (the latest accepted). */
  placedBy: Map<number, Placement>[] = [];
  /** Per server: the highest commit index it could know (leaderCommit it was told or sent, indexes it applied). */
  knownCommit: number[] = [];
  /** Per server: the last RequestVote it sent. */
  lastRequestVote: (RequestVoteArgs | undefined)[] = [];
  /** Per server: commands for which start() said it was not leader, with the time. */
  refused: Map<CommandKey, number>[] = [];
  /** Every index applied anywhere, the first apply of each (the monitors that judge applies record them). */
  readonly applied = new Applied();
  readonly pairs = new Map<number, Pair>();
  readonly pairsAt = new Map<number, Pair[]>();
  private readonly leaderTerms = new Map<number, LeaderTerm>();
  private started: boolean[] = [];
  /** AppendEntries handlers running per server; two at once make the order of their effects unknown. */
  private running: number[] = [];
  private overlapped: boolean[] = [];
  private current: (RunningAppend | undefined)[] = [];

  constructor(private readonly facts: Facts) {}

  /** True while the server's log is not known from one handler at a time (async handlers overlapped). */
  uncertain(server: number): boolean {
    return this.overlapped[server] === true;
  }

  /**
   * Figure 2's consistency check as far as the evidence goes: does the
   * receiver's log hold an entry at prevLogIndex whose term is prevLogTerm?
   * true, false, or undefined when it cannot be known. (The shape of
   * RF's LogCheck, so the receivers' check can judge 2B logs with it.)
   */
  passesLogCheck(receiver: number, args: { prevLogIndex: number; prevLogTerm: number }): boolean | undefined {
    if (args.prevLogIndex === 0) return true;
    if (this.uncertain(receiver)) return undefined;
    // Inside its snapshot the receiver no longer has the entry to compare
    // (Figure 13): refusing, or accepting what follows, are both correct.
    if (args.prevLogIndex < (this.compacted[receiver] ?? 0)) return undefined;
    const held = this.held[receiver]?.[args.prevLogIndex];
    if (held !== undefined) return held === args.prevLogTerm;
    const length = this.length[receiver];
    return length !== undefined && args.prevLogIndex > length ? false : undefined;
  }

  /** Where the server's entry at an index came from, as far as the run showed (for RF's message). */
  origin(server: number, index: number): string | undefined {
    // Lab 2D: the entry a snapshot last includes stays in the log (its term, for this check: Figure 13).
    if (index > 0 && index === this.compacted[server]) return 'the last entry its snapshot includes';
    const p = this.placedBy[server]?.get(index);
    return p === undefined ? undefined : `accepted from server ${p.from}'s term-${p.term} AppendEntries at t=${p.t} ms`;
  }

  /** The AppendEntries the server's handler is running now (the latest delivered, if several). */
  handlingNow(server: number): RunningAppend | undefined {
    return (this.running[server] ?? 0) > 0 ? this.current[server] : undefined;
  }

  /** The term of the entry committed at an index, where an apply and the evidence show it. */
  committedTerm(index: number): number | undefined {
    return this.applied.first.get(index)?.term;
  }

  /**
   * Lab 2D: a server whose snapshot covers an index holds the entry
   * committed there (§7: a snapshot holds only committed entries, and
   * replaces them in the log), and every entry before it.
   */
  private holdsThrough(server: number, index: number): void {
    const term = this.committedTerm(index);
    if (term !== undefined) this.addHolder(index, term, server);
  }

  pair(index: number, term: number): Pair | undefined {
    return this.pairs.get(pairKey(index, term));
  }

  leaderTerm(server: number, term: number): LeaderTerm | undefined {
    return this.leaderTerms.get(term * 1024 + server);
  }

  /** The leader's record for a term, made when it first acts in it (its inherited commit frozen then). */
  leaderTermOrNew(server: number, term: number): LeaderTerm {
    const k = term * 1024 + server;
    let lt = this.leaderTerms.get(k);
    if (lt === undefined) {
      lt = {
        server,
        term,
        inheritedCommit: this.knownCommit[server] ?? 0,
        sent: new Map(),
        starts: new Map(),
        startsByKey: new Map(),
        firstOwn: Infinity,
        matched: new Array<number>(this.n).fill(0),
      };
      this.leaderTerms.set(k, lt);
    }
    return lt;
  }

  /**
   * True when this leader already sent this very entry at this index in this
   * term: a leader re-sends its log until it is acknowledged, and what was
   * judged once need not be judged again.
   */
  sentBefore(lt: LeaderTerm | undefined, index: number, entry: { term: number; command: unknown }): boolean {
    const before = lt?.sent.get(index);
    return before !== undefined && before.hasCommand && before.term === entry.term && before.key === commandKey(entry.command);
  }

  /** The highest index a majority holds in the leader's term, as its followers acknowledged (the leader holds all it sent). */
  majorityMatch(lt: LeaderTerm): number {
    if (lt.majorityMatch !== undefined) return lt.majorityMatch;
    const matched = lt.matched.map((m, s) => (s === lt.server ? Infinity : m)).sort((x, y) => y - x);
    lt.majorityMatch = matched[this.majority - 1] ?? 0;
    return lt.majorityMatch;
  }

  holderCount(p: Pair): number {
    let count = 0;
    for (let bits = p.holders; bits !== 0; bits &= bits - 1) count++;
    return count;
  }

  holderList(p: Pair): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.n; s++) if ((p.holders & (1 << s)) !== 0) out.push(s);
    return out;
  }

  observe(e: TesterEvent): void {
    switch (e.kind) {
      case 'cluster':
        this.reset(e.n);
        return;
      case 'snapshot':
        this.compacted[e.server] = Math.max(this.compacted[e.server] ?? 0, e.index);
        this.holdsThrough(e.server, e.index);
        return;
      case 'start': {
        const stored = e.snapshotIndex ?? 0;
        this.compacted[e.server] = stored;
        // Lab 2D: the stored snapshot the tester ingested holds only committed entries.
        if (stored > (this.knownCommit[e.server] ?? 0)) this.knownCommit[e.server] = stored;
        this.running[e.server] = 0;
        this.overlapped[e.server] = false;
        if (this.started[e.server] === true) {
          // After a restart the log is what was persisted (2C) or empty (2B): unknown.
          this.held[e.server] = [];
          this.length[e.server] = undefined;
        } else {
          this.started[e.server] = true;
          this.length[e.server] = 0;
        }
        if (stored > 0) {
          // Figure 13: the snapshot's last included entry stays known after
          // the snapshot (its term is kept for the consistency check of the
          // next entry), and it is the entry committed there.
          const term = this.committedTerm(stored);
          if (term !== undefined) this.heldBy(e.server)[stored] = term;
          this.holdsThrough(e.server, stored);
        }
        return;
      }
      case 'send':
        if (typeof e.from !== 'number') return;
        if (e.method === RPC.AppendEntries) this.sent(e.from, e.args as AppendEntriesArgs, e.t);
        else if (e.method === RPC.InstallSnapshot && snapshotArgs(e.args)) this.snapshotSent(e.from, e.args, e.t);
        else if (e.method === RPC.RequestVote && isObject(e.args)) this.lastRequestVote[e.from] = e.args as unknown as RequestVoteArgs;
        return;
      case 'deliver':
        if (e.method !== RPC.AppendEntries || typeof e.to !== 'number') return;
        this.running[e.to] = (this.running[e.to] ?? 0) + 1;
        if (typeof e.from === 'number' && wellFormed(e.args)) this.current[e.to] = { id: e.id, from: e.from, args: e.args, t: e.t };
        if ((this.running[e.to] as number) > 1) this.overlapped[e.to] = true;
        return;
      case 'handler-error':
        if (e.method === RPC.AppendEntries && typeof e.to === 'number') this.handlerDone(e.to);
        return;
      case 'handled':
        if (e.method === RPC.InstallSnapshot && typeof e.to === 'number' && snapshotArgs(e.args)) {
          this.snapshotHandled(e.to, e.args, e.reply as InstallSnapshotReply | null);
          return;
        }
        if (e.method !== RPC.AppendEntries || typeof e.to !== 'number' || typeof e.from !== 'number') return;
        this.accepted(e.from, e.to, e.id, e.args as AppendEntriesArgs, e.reply as AppendEntriesReply | null, e.t, e.async === true);
        this.handlerDone(e.to);
        return;
      case 'submit':
        if (e.isLeader) this.appended(e.server, e.index, e.term, e.command, e.t);
        else this.refusedBy(e.server).set(commandKey(e.command), e.t);
        return;
      case 'apply':
        if (e.commandValid && e.index > (this.knownCommit[e.server] ?? 0)) this.knownCommit[e.server] = e.index;
        // Lab 2D: a snapshot delivered to the service stands for committed entries up to its index.
        else if (e.snapshotValid === true && e.snapshotIndex !== undefined && e.snapshotIndex > (this.knownCommit[e.server] ?? 0))
          this.knownCommit[e.server] = e.snapshotIndex;
        if (e.snapshotValid === true && Number.isInteger(e.snapshotIndex)) {
          this.compacted[e.server] = Math.max(this.compacted[e.server] ?? 0, e.snapshotIndex as number);
          this.holdsThrough(e.server, e.snapshotIndex as number);
        }
        return;
      default:
        return;
    }
  }

  private reset(n: number): void {
    this.n = n;
    this.majority = Math.floor(n / 2) + 1;
    this.held = Array.from({ length: n }, () => []);
    this.length = new Array<number | undefined>(n).fill(undefined);
    this.placedBy = Array.from({ length: n }, () => new Map<number, Placement>());
    this.knownCommit = new Array<number>(n).fill(0);
    this.compacted = new Array<number>(n).fill(0);
    this.lastRequestVote = new Array<RequestVoteArgs | undefined>(n).fill(undefined);
    this.refused = Array.from({ length: n }, () => new Map<CommandKey, number>());
    this.pairs.clear();
    this.pairsAt.clear();
    this.leaderTerms.clear();
    this.started = new Array<boolean>(n).fill(false);
    this.running = new Array<number>(n).fill(0);
    this.overlapped = new Array<boolean>(n).fill(false);
    this.current = new Array<RunningAppend | undefined>(n).fill(undefined);
  }

  private refusedBy(server: number): Map<CommandKey, number> {
    let m = this.refused[server];
    if (m === undefined) {
      m = new Map();
      this.refused[server] = m;
    }
    return m;
  }

  private handlerDone(server: number): void {
    const left = Math.max(0, (this.running[server] ?? 0) - 1);
    this.running[server] = left;
    if (this.overlapped[server] === true) {
      // Which of the overlapping handlers changed the log last is unknown.
      this.held[server] = [];
      this.length[server] = undefined;
      if (left === 0) this.overlapped[server] = false;
    }
  }

  private notePair(index: number, term: number, command: unknown, prevTerm: number | undefined, holder: number, where: string): void {
    const k = pairKey(index, term);
    const p = this.pairs.get(k);
    const bit = holder < 30 ? 1 << holder : 0;
    if (p === undefined) {
      const fresh: Pair = { index, term, command, key: commandKey(command), prevTerm, holders: bit, firstSeen: where };
      this.pairs.set(k, fresh);
      const at = this.pairsAt.get(index);
      if (at === undefined) this.pairsAt.set(index, [fresh]);
      else at.push(fresh);
      return;
    }
    p.holders |= bit;
    if (p.prevTerm === undefined) p.prevTerm = prevTerm;
  }

  // Who holds (index, term) holds every entry before it that the pair's
  // predecessors name (the Log Matching Property, Figure 3): walked back
  // until a pair already counts this holder. A follower may hold entries it
  // was never seen to acknowledge (an asynchronous handler appended them,
  // then refused with a newer term), and accepting a later prevLogIndex
  // vouches for them.
  private addHolder(index: number, term: number, holder: number): void {
    if (holder >= 30) return;
    const bit = 1 << holder;
    let p = this.pairs.get(pairKey(index, term));
    while (p !== undefined && (p.holders & bit) === 0) {
      p.holders |= bit;
      if (p.index <= 1 || p.prevTerm === undefined) return;
      p = this.pairs.get(pairKey(p.index - 1, p.prevTerm));
    }
  }

  // Figure 13: the sender's snapshot replaces its entries up through
  // lastIncludedIndex, the last of which has lastIncludedTerm; it holds that
  // entry, and (in the tester's encoding) the snapshot says its command.
  private snapshotSent(from: number, a: InstallSnapshotArgs, t: number): void {
    const index = a.lastIncludedIndex;
    this.addHolder(index, a.lastIncludedTerm, from);
    const s = wholeSnapshot(a);
    // A nil slot cannot be told from an absent command: nothing to name.
    if (s === undefined || s.log[index] === null) return;
    this.notePair(index, a.lastIncludedTerm, s.log[index], undefined, from, `server ${from}'s term-${a.term} InstallSnapshot at t=${t} ms`);
  }

  // A leader sends from its own log: what it sends it holds.
  private sent(from: number, a: AppendEntriesArgs, t: number): void {
    if (!wellFormed(a)) return;
    const p = a.prevLogIndex;
    // Only entries keep it (a heartbeat carries none): not built for every send.
    const where = a.entries.length === 0 ? '' : `server ${from}'s term-${a.term} AppendEntries at t=${t} ms`;
    const lt = this.leaderTermOrNew(from, a.term);
    if (p > 0) {
      this.addHolder(p, a.prevLogTerm, from);
      if (!lt.sent.has(p)) lt.sent.set(p, { term: a.prevLogTerm, hasCommand: false, key: undefined, command: undefined, t });
    }
    let prevTerm = p === 0 ? 0 : a.prevLogTerm;
    for (let i = 0; i < a.entries.length; i++) {
      const entry = a.entries[i] as { term: number; command: unknown };
      const index = p + 1 + i;
      if (!this.sentBefore(lt, index, entry)) {
        this.notePair(index, entry.term, entry.command, prevTerm, from, where);
        lt.sent.set(index, { term: entry.term, hasCommand: true, key: commandKey(entry.command), command: entry.command, t });
        if (entry.term === a.term && index < lt.firstOwn) lt.firstOwn = index;
      }
      prevTerm = entry.term;
    }
    if (a.leaderCommit > (this.knownCommit[from] ?? 0)) this.knownCommit[from] = a.leaderCommit;
    // Only while it still speaks in this term is the sender's log known from
    // its sends: a send of older args (a retry) may not be its log any more.
    if (a.term !== (this.facts.saidTerm[from] ?? 0) || this.uncertain(from)) return;
    const held = this.heldBy(from);
    if (p > 0) held[p] = a.prevLogTerm;
    for (let i = 0; i < a.entries.length; i++) held[p + 1 + i] = (a.entries[i] as { term: number }).term;
    const len = this.length[from];
    if (len !== undefined && p + a.entries.length > len) this.length[from] = p + a.entries.length;
  }

  // Figure 2, AppendEntries receiver, steps 3 and 4: after a success the
  // receiver holds prevLogIndex and the entries; what follows them survives
  // only if nothing conflicted.
  private accepted(from: number, to: number, id: number, a: AppendEntriesArgs, reply: AppendEntriesReply | null, t: number, async: boolean): void {
    if (!wellFormed(a)) return;
    if (a.leaderCommit > (this.knownCommit[to] ?? 0)) this.knownCommit[to] = a.leaderCommit;
    if (reply?.success !== true) {
      if (async && typeof reply?.term === 'number' && reply.term > a.term) this.unknownAfter(to, a.prevLogIndex);
      return;
    }
    const p = a.prevLogIndex;
    const end = p + a.entries.length;
    const lt = this.leaderTermOrNew(from, a.term);
    if (reply.term === a.term && end > (lt.matched[to] ?? 0)) {
      lt.matched[to] = end;
      lt.majorityMatch = undefined;
    }
    if (p > 0) this.addHolder(p, a.prevLogTerm, to);
    const placed = this.placedBy[to] as Map<number, Placement>;
    const held = this.heldBy(to);
    const certain = !this.uncertain(to);
    let placement: Placement | undefined;
    for (let i = 0; i < a.entries.length; i++) {
      const entry = a.entries[i] as { term: number; command: unknown };
      // An entry it already held (the leader re-sends until acknowledged) was put there before.
      if (certain && held[p + 1 + i] === entry.term) continue;
      this.notePair(
        p + 1 + i,
        entry.term,
        entry.command,
        i === 0 ? (p === 0 ? 0 : a.prevLogTerm) : (a.entries[i - 1] as { term: number }).term,
        to,
        `server ${from}'s term-${a.term} AppendEntries at t=${t} ms`,
      );
      placement ??= { id, from, term: a.term, t };
      placed.set(p + 1 + i, placement);
    }
    if (!certain) return;
    let conflict = false;
    let allKnown = true;
    const before = this.length[to];
    for (let i = 0; i < a.entries.length; i++) {
      const h = held[p + 1 + i];
      // Past the end of a log of known length there is nothing to conflict with.
      if (h === undefined) {
        if (before === undefined || p + 1 + i <= before) allKnown = false;
      } else if (h !== (a.entries[i] as { term: number }).term) conflict = true;
    }
    if (p > 0) held[p] = a.prevLogTerm;
    for (let i = 0; i < a.entries.length; i++) held[p + 1 + i] = (a.entries[i] as { term: number }).term;
    const len = this.length[to];
    if (conflict) {
      held.length = end + 1;
      this.length[to] = end;
    } else if (allKnown) {
      if (len !== undefined && end > len) this.length[to] = end;
    } else {
      // Whether an unknown entry conflicted (and the log was cut after the new ones) is unknown.
      held.length = end + 1;
      this.length[to] = undefined;
    }
  }

  // Figure 13: a receiver that answers in the request's term holds the
  // snapshot's last included entry afterwards, whether it installed the
  // snapshot (steps 6-7) or had it already (committed); what follows it in
  // its log is kept only if it held that very entry before (step 6).
  private snapshotHandled(to: number, a: InstallSnapshotArgs, reply: InstallSnapshotReply | null): void {
    if (reply === null || reply.term !== a.term) return;
    const index = a.lastIncludedIndex;
    // A chunk (Figure 13, steps 2-5): before the last one nothing is
    // installed; at the last one, whether the receiver installed depends on
    // chunks it may have dropped. What follows the snapshot in its log is
    // then unknown, and it is not counted a holder.
    if ((a.offset ?? 0) !== 0 || a.done === false) {
      if (a.done === false) return;
      // Installed or not: entries it held up to the snapshot may have been
      // replaced by the snapshot's (step 7 discards the whole log), so
      // nothing it held is known any more.
      this.heldBy(to).length = 0;
      this.length[to] = undefined;
      return;
    }
    this.addHolder(index, a.lastIncludedTerm, to);
    if (this.uncertain(to)) return;
    const held = this.heldBy(to);
    const len = this.length[to];
    if (held[index] !== a.lastIncludedTerm || len === undefined || len < index) {
      const knownShort = len !== undefined && len < index;
      const conflicting = held[index] !== undefined && held[index] !== a.lastIncludedTerm;
      // Without a matching entry at lastIncludedIndex the whole log is
      // discarded (step 7): what it held below it is gone too.
      held.length = conflicting ? 0 : index + 1;
      this.length[to] = knownShort || conflicting ? index : undefined;
    }
    held[index] = a.lastIncludedTerm;
  }

  // An asynchronous handler that refuses with a term above the request's may
  // have passed Figure 2's checks in the request's term, cut and appended,
  // and only then (awaiting a persist, say) learnt of the higher term it
  // answers with: what follows prevLogIndex is then unknown.
  private unknownAfter(server: number, prevLogIndex: number): void {
    const held = this.heldBy(server);
    if (held.length > prevLogIndex + 1) held.length = prevLogIndex + 1;
    const len = this.length[server];
    if (len === undefined || len >= prevLogIndex) this.length[server] = undefined;
  }

  private appended(server: number, index: number, term: number, command: unknown, t: number): void {
    if (!Number.isInteger(index) || index < 1) return;
    const lt = this.leaderTermOrNew(server, term);
    const key = commandKey(command);
    if (!lt.starts.has(index)) lt.starts.set(index, { key, command, t });
    const same = lt.startsByKey.get(key);
    if (same === undefined) lt.startsByKey.set(key, [index]);
    else same.push(index);
    if (index < lt.firstOwn) lt.firstOwn = index;
    const held = this.heldBy(server);
    const prevTerm = index === 1 ? 0 : this.uncertain(server) ? undefined : held[index - 1];
    this.notePair(index, term, command, prevTerm, server, `start() on server ${server} at t=${t} ms`);
    if (this.uncertain(server)) return;
    held[index] = term;
    held.length = index + 1;
    this.length[server] = index;
  }

  private heldBy(server: number): number[] {
    let held = this.held[server];
    if (held === undefined) {
      held = [];
      this.held[server] = held;
    }
    return held;
  }
}

export function pairKey(index: number, term: number): number {
  // Terms stay far below 2^22 in any run; indexes far below 2^30.
  return index * 4194304 + term;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** An InstallSnapshot of the contract's shape. */
export function snapshotArgs(a: unknown): a is InstallSnapshotArgs {
  if (!isObject(a)) return false;
  const args = a as Partial<InstallSnapshotArgs>;
  return (
    Number.isInteger(args.term) && Number.isInteger(args.lastIncludedIndex) && Number.isInteger(args.lastIncludedTerm) && (args.lastIncludedIndex as number) > 0
  );
}

/**
 * Lab 2D: the snapshot an InstallSnapshot carries whole (one call, not a
 * chunk), decoded with the tester's encoding, when it is that encoding and
 * holds the log up to its lastIncludedIndex; otherwise undefined.
 */
export function wholeSnapshot(a: InstallSnapshotArgs): ReturnType<typeof decoded> {
  if ((a.offset ?? 0) !== 0 || a.done === false) return undefined;
  const s = decoded(a.data);
  return s !== undefined && s.lastIncludedIndex === a.lastIncludedIndex && s.log.length > a.lastIncludedIndex ? s : undefined;
}

/** The monitors judge only messages of the contract's shape (WF reports the others). */
export function wellFormed(a: unknown): a is AppendEntriesArgs {
  if (!isObject(a)) return false;
  const args = a as Partial<AppendEntriesArgs>;
  if (!Number.isInteger(args.term) || !Number.isInteger(args.prevLogIndex) || !Number.isInteger(args.prevLogTerm) || !Number.isInteger(args.leaderCommit))
    return false;
  if (!Array.isArray(args.entries) || (args.prevLogIndex as number) < 0) return false;
  // A heartbeat is checked in full at once; remembering it would cost more than that.
  if (args.entries.length === 0) return true;
  // One message is judged by several monitors (and its send, delivery and answer share it): its entries are checked once.
  if (checkedArgs.has(a)) return true;
  for (const entry of args.entries) if (!isObject(entry) || !Number.isInteger((entry as { term?: unknown }).term)) return false;
  checkedArgs.add(a);
  return true;
}

const checkedArgs = new WeakSet<object>();
