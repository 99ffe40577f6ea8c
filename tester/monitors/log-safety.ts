// Log safety (lab 2B, 2C, 2D): Figure 3's invariants and Figure 2's rules,
// judged from every AppendEntries, every reply, every start() answer and
// every apply, at the instant they happen. A violation is always a failure.
// Through compaction (2D, §7): a snapshot stands for every entry up to its
// last included index, all of them committed; the tester's encoding says
// which command it holds at each.
//
// Each monitor sees the log facts as they were before the event it judges.
import { RPC } from '../../raft/contract.ts';
import type { AppendEntriesArgs, AppendEntriesReply, InstallSnapshotArgs } from '../../raft/contract.ts';
import type { ApplyEvent, TesterEvent } from '../events.ts';
import type { Applied, FirstApply, LogFacts } from './log-facts.ts';
import { commandKey, showCommand, snapshotArgs, snapshotKey, wellFormed, wholeSnapshot } from './log-facts.ts';
import { decoded, lastHeld } from './snapshots.ts';
import type { EventKind, Monitor, MonitorContext } from './monitor.ts';
import { list } from './monitor.ts';

function placement(facts: LogFacts, server: number, index: number): string {
  const now = facts.handlingNow(server);
  if (now !== undefined && index > now.args.prevLogIndex && index <= now.args.prevLogIndex + now.args.entries.length) {
    return `server ${server} got index ${index} from server ${now.from}'s term-${now.args.term} AppendEntries (rpc #${now.id}) that it is handling`;
  }
  const p = facts.placedBy[server]?.get(index);
  return p === undefined
    ? `server ${server} got index ${index} from no AppendEntries (it put it there itself through start(), or kept it across a restart)`
    : `server ${server} got index ${index} from server ${p.from}'s term-${p.term} AppendEntries (rpc #${p.id}) at t=${p.t} ms`;
}

/** For an apply made inside an AppendEntries handler: which request it was handling. */
function whileHandling(facts: LogFacts, server: number): string {
  const now = facts.handlingNow(server);
  if (now === undefined) return '';
  const a = now.args;
  const held = facts.held[server]?.[a.prevLogIndex];
  const check =
    facts.passesLogCheck(server, a) === false
      ? `, whose log check fails: it holds ${held === undefined ? 'no entry' : `a term-${held} entry`} at index ${a.prevLogIndex}`
      : '';
  return (
    `; server ${server} applied it while handling server ${now.from}'s term-${a.term} AppendEntries (rpc #${now.id}: ` +
    `prevLogIndex=${a.prevLogIndex} prevLogTerm=${a.prevLogTerm}, ${a.entries.length} entries, leaderCommit=${a.leaderCommit})${check}`
  );
}

/**
 * SMS: no two servers apply different commands at one index, ever (Figure
 * 3), judged at the second apply. Lab 2D: a snapshot delivered on the apply
 * channel stands for every index up to its own (§7), so it must hold what
 * every server applied at each of them; and what it holds counts as applied
 * there, for the applies that follow. A snapshot the tester's encoding cannot
 * read is not judged here (the lab's ingestSnap fails on it).
 */
export class StateMachineSafety implements Monitor {
  readonly kinds: readonly EventKind[] = ['apply'];
  constructor(
    private readonly ctx: MonitorContext,
    private readonly log: LogFacts,
    private readonly applied: Applied,
  ) {}

  observe(e: TesterEvent): void {
    if (e.kind !== 'apply') return;
    if (!e.commandValid) {
      if (e.snapshotValid === true) this.snapshotDelivered(e);
      return;
    }
    const first = this.applied.first.get(e.index);
    if (first === undefined || sameAsApplied(first, e.command)) return;
    this.ctx.report('SMS', {
      message:
        `commit index=${e.index} server=${e.server} ${showCommand(e.command)} != server=${first.server} ${showCommand(first.command)}: ` +
        `server ${e.server} applied ${showCommand(e.command)} at index ${e.index}, but server ${first.server} ${didFirst(first)} ${showCommand(first.command)} there at t=${first.t} ms; ` +
        `${placement(this.log, e.server, e.index)}; ${first.placed}${whileHandling(this.log, e.server)}`,
      servers: [e.server, first.server],
      rpcs: [placedRpc(this.log, e.server, e.index), first.placedRpc].filter((id): id is number => id !== undefined),
    });
  }

  private snapshotDelivered(e: ApplyEvent): void {
    const s = decoded(e.snapshot);
    if (s === undefined) return;
    const first = this.applied.first;
    const through = lastHeld(s);
    const where = `the snapshot through index ${s.lastIncludedIndex} server ${e.server} delivered at t=${e.t} ms`;
    let reported = false;
    for (let j = 1; j <= through; j++) {
      const command = s.log[j];
      const before = first.get(j);
      if (before !== undefined) {
        if (reported || snapshotKey(before.command) === snapshotKey(command)) continue;
        reported = true;
        this.ctx.report('SMS', {
          message:
            `commit index=${j} server=${e.server} ${showCommand(command)} != server=${before.server} ${showCommand(before.command)}: ` +
            `server ${e.server} delivered a snapshot through index ${s.lastIncludedIndex} that holds ${showCommand(command)} at index ${j}, ` +
            `but server ${before.server} ${didFirst(before)} ${showCommand(before.command)} there at t=${before.t} ms ` +
            `(a snapshot stands for the commands applied up to its index, §7); ${before.placed}`,
          servers: [e.server, before.server],
          ...(before.placedRpc !== undefined && { rpcs: [before.placedRpc] }),
        });
        continue;
      }
      recordApply(this.log, this.applied, this.ctx, {
        server: e.server,
        incarnation: e.incarnation,
        index: j,
        command,
        t: e.t,
        placed: `server ${e.server} holds index ${j} in ${where}`,
        inSnapshot: true,
      });
    }
  }
}

/**
 * Records the first apply of an index anywhere (a command applied, or one a
 * delivered snapshot holds): its term where the evidence shows it, and the
 * highest term said by then (§5.4: leaders of later terms must hold it).
 */
function recordApply(
  log: LogFacts,
  applied: Applied,
  ctx: MonitorContext,
  a: { server: number; incarnation: number; index: number; command: unknown; t: number; placed: string; placedRpc?: number | undefined; inSnapshot?: true },
): void {
  if (applied.first.has(a.index)) return;
  const key = commandKey(a.command);
  let term = a.inSnapshot === true || log.uncertain(a.server) ? undefined : log.held[a.server]?.[a.index];
  if (term === undefined) {
    const match = a.inSnapshot === true ? snapshotKey(a.command) : key;
    const terms = (log.pairsAt.get(a.index) ?? []).filter((p) => (a.inSnapshot === true ? snapshotKey(p.command) : p.key) === match).map((p) => p.term);
    if (terms.length === 1) term = terms[0];
  }
  const facts = ctx.facts;
  let bound = 0;
  for (let s = 0; s < facts.n; s++) bound = Math.max(bound, facts.saidTerm[s] ?? 0);
  const record: FirstApply = {
    server: a.server,
    incarnation: a.incarnation,
    command: a.command,
    key,
    t: a.t,
    term,
    bound,
    placed: a.placed,
    placedRpc: a.placedRpc,
    ...(a.inSnapshot === true && { inSnapshot: true }),
  };
  applied.first.set(a.index, record);
  applied.order.push(a.index);
}

/** How the first apply of an index came about, for messages. */
function didFirst(first: FirstApply): string {
  return first.inSnapshot === true ? 'delivered a snapshot that holds' : 'applied';
}

/** Whether a command is the one first applied at its index (a snapshot's slot is JSON: an absent command is null there). */
function sameAsApplied(first: FirstApply, command: unknown): boolean {
  return first.inSnapshot === true ? snapshotKey(first.command) === snapshotKey(command) : first.key === commandKey(command);
}

function placedRpc(facts: LogFacts, server: number, index: number): number | undefined {
  const now = facts.handlingNow(server);
  if (now !== undefined && index > now.args.prevLogIndex && index <= now.args.prevLogIndex + now.args.entries.length) return now.id;
  return facts.placedBy[server]?.get(index)?.id;
}

/**
 * AO: each incarnation of a server applies consecutive indexes, once each;
 * it may begin anywhere up to one past the highest index the server has
 * applied before (from 1, or from what it persisted), as the lab's applier
 * requires (logs[i] survives restarts). And a killed incarnation applies
 * nothing more (L13): kill() stops a server for good, and its restarted
 * successor applies from what was persisted, so a zombie's applies would mix
 * a second sequence into the server's state machine (the lab's snapshot
 * applier, whose lastApplied[i] start1 resets, sees them out of order).
 *
 * Lab 2D: a snapshot delivered on the apply channel stands for every index
 * up to its own (§7), and so does the stored one a restart ingested: the
 * next command is the one after it. Snapshots given to one incarnation's
 * service never move backwards: one below what that incarnation already
 * applied or installed would take its state machine back to an older state,
 * which then applies those commands again (the lab's ingestSnap does not
 * check it). Figure 13 installs a snapshot to move a lagging follower
 * forward; a snapshot of what the service already has is old news.
 */
export class ApplyOrder implements Monitor {
  readonly kinds: readonly EventKind[] = ['apply', 'cluster', 'start', 'crash'];
  /** Per incarnation (incarnation*1024+server): the highest index its service has, and how it got there. */
  private readonly last = new Map<number, { index: number; how: string; snapshot: boolean }>();
  private maxApplied: number[] = [];
  /** Per server: its latest incarnation, and when it was killed (undefined while it runs). */
  private latest: { incarnation: number; killedAt: number | undefined }[] = [];
  private readonly zombiesReported = new Set<number>();
  constructor(private readonly ctx: MonitorContext) {}

  observe(e: TesterEvent): void {
    if (e.kind === 'cluster') {
      this.last.clear();
      this.maxApplied = [];
      this.latest = [];
      this.zombiesReported.clear();
      return;
    }
    if (e.kind === 'crash') {
      const latest = this.latest[e.server];
      if (latest !== undefined) latest.killedAt = e.t;
      return;
    }
    if (e.kind === 'start') {
      this.latest[e.server] = { incarnation: e.incarnation, killedAt: undefined };
      // Lab 2D: the tester ingested the stored snapshot; applies continue after it.
      if (e.snapshotIndex !== undefined && e.snapshotIndex > 0) {
        this.through(e.incarnation * 1024 + e.server, e.server, e.snapshotIndex, `started from its stored snapshot through index ${e.snapshotIndex}`);
      }
      return;
    }
    if (e.kind !== 'apply') return;
    if (!e.commandValid && (e.snapshotValid !== true || !Number.isInteger(e.snapshotIndex))) return;
    const k = e.incarnation * 1024 + e.server;
    const last = this.last.get(k);
    // The remainder of the call a fault step's crash came in is a power cut's loss, not a zombie (ApplyEvent's inKilledCall).
    const zombie = e.inKilledCall === true ? undefined : this.killed(e.server, e.incarnation);
    if (!e.commandValid) {
      // Lab 2D: a snapshot; the next apply is the one after it.
      const index = e.snapshotIndex as number;
      let message: string | undefined;
      if (zombie !== undefined) {
        if (!this.zombiesReported.has(k)) {
          this.zombiesReported.add(k);
          message =
            `server ${e.server} apply out of order: incarnation ${e.incarnation} delivered a snapshot through index ${index} after it was killed (${zombie}): ` +
            'a killed server keeps applying (kill() stops a server for good)';
        }
      } else if (last !== undefined && index < last.index) {
        message =
          `server ${e.server} snapshot moved backwards: incarnation ${e.incarnation} delivered a snapshot through index ${index} after it had ${last.how} ` +
          `(its service goes back to an older state, to apply ${skippedRange(index + 1, last.index)} again; a snapshot older than what the server has is old news, Figure 13)`;
      }
      if (message !== undefined) this.ctx.report('AO', { message, servers: [e.server] });
      // What its service now has: the snapshot's state (one report of a step back is enough).
      this.last.set(k, { index, how: `installed a snapshot through index ${index}`, snapshot: true });
      if (index > (this.maxApplied[e.server] ?? 0)) this.maxApplied[e.server] = index;
      return;
    }
    const max = this.maxApplied[e.server] ?? 0;
    let problem: string | undefined;
    if (zombie !== undefined) {
      if (!this.zombiesReported.has(k)) {
        this.zombiesReported.add(k);
        problem = `applied index ${e.index} after it was killed (${zombie}): a killed server keeps applying (kill() stops a server for good)`;
      }
    } else if (!Number.isInteger(e.index) || e.index < 1) problem = `applied index ${e.index} (the first index is 1)`;
    else if (last === undefined) {
      if (e.index > max + 1)
        problem = `began applying at index ${e.index}, but it has applied nothing beyond index ${max} (skipped ${skippedRange(max + 1, e.index - 1)})`;
    } else if (e.index <= last.index && last.snapshot) problem = `applied index ${e.index} after it ${last.how}, which holds it`;
    else if (e.index === last.index) problem = `applied index ${e.index} twice`;
    else if (e.index < last.index) problem = `applied index ${e.index} after index ${last.index} (out of order)`;
    else if (e.index > last.index + 1)
      problem = `applied index ${e.index} right after ${last.snapshot ? `it ${last.how}` : `index ${last.index}`} (skipped ${skippedRange(last.index + 1, e.index - 1)})`;
    if (problem !== undefined) {
      this.ctx.report('AO', {
        message: `server ${e.server} apply out of order ${e.index}: incarnation ${e.incarnation} ${problem}`,
        servers: [e.server],
      });
    }
    if (last === undefined || e.index > last.index) this.last.set(k, { index: e.index, how: `applied index ${e.index}`, snapshot: false });
    if (e.index > max) this.maxApplied[e.server] = e.index;
  }

  /** How a killed incarnation was killed, or undefined while it runs. */
  private killed(server: number, incarnation: number): string | undefined {
    const latest = this.latest[server];
    if (latest === undefined) return undefined;
    if (incarnation < latest.incarnation) return 'and the server restarted since';
    return latest.killedAt !== undefined ? `at t=${latest.killedAt} ms` : undefined;
  }

  private through(k: number, server: number, index: number, how: string): void {
    const last = this.last.get(k);
    if (last === undefined || index > last.index) this.last.set(k, { index, how, snapshot: true });
    if (index > (this.maxApplied[server] ?? 0)) this.maxApplied[server] = index;
  }
}

/**
 * LM: Log Matching (Figure 3). An (index, term) pair names one command and
 * one predecessor in every message that carries it (lab 2D: an
 * InstallSnapshot names its last included entry, whose command its snapshot
 * holds); and a follower accepts an AppendEntries only when it holds the
 * previous entry (Figure 2, receiver step 2), judged against what earlier
 * accepted AppendEntries put in its log. Through compaction the entry a
 * snapshot last includes stays held (Figure 13 keeps its term for this very
 * check); below it the follower has nothing to compare.
 */
export class LogMatching implements Monitor {
  readonly kinds: readonly EventKind[] = ['send', 'handled'];
  constructor(
    private readonly ctx: MonitorContext,
    private readonly log: LogFacts,
  ) {}

  observe(e: TesterEvent): void {
    if (e.kind === 'send' && e.method === RPC.InstallSnapshot && typeof e.from === 'number' && snapshotArgs(e.args)) {
      this.snapshotCarried(e.from, e.args);
      return;
    }
    if ((e.kind !== 'send' && e.kind !== 'handled') || e.method !== RPC.AppendEntries) return;
    if (e.kind === 'send' && typeof e.from === 'number' && wellFormed(e.args)) this.carried(e.from, e.args);
    else if (e.kind === 'handled' && typeof e.to === 'number' && typeof e.from === 'number' && wellFormed(e.args)) {
      if ((e.reply as AppendEntriesReply | null)?.success === true) this.acceptedPrev(e.from, e.to, e.args);
    }
  }

  private carried(from: number, a: AppendEntriesArgs): void {
    let prevTerm = a.prevLogIndex === 0 ? 0 : a.prevLogTerm;
    const lt = this.log.leaderTerm(from, a.term);
    for (let i = 0; i < a.entries.length; i++) {
      const entry = a.entries[i] as { term: number; command: unknown };
      const index = a.prevLogIndex + 1 + i;
      if (this.log.sentBefore(lt, index, entry)) {
        prevTerm = entry.term;
        continue;
      }
      const known = this.log.pair(index, entry.term);
      if (known !== undefined) {
        if (known.key !== commandKey(entry.command)) {
          this.ctx.report('LM', {
            message:
              `server ${from}'s term-${a.term} AppendEntries carries ${showCommand(entry.command)} at index ${index} term ${entry.term}, ` +
              `but ${known.firstSeen} carried ${showCommand(known.command)} there (one index and term, one command)`,
            servers: [from],
            term: entry.term,
          });
          return;
        }
        if (known.prevTerm !== undefined && known.prevTerm !== prevTerm) {
          this.ctx.report('LM', {
            message:
              `server ${from}'s term-${a.term} AppendEntries puts a term-${prevTerm} entry before index ${index} term ${entry.term}, ` +
              `but ${known.firstSeen} had a term-${known.prevTerm} entry before it (logs that share an entry agree on all before it)`,
            servers: [from],
            term: entry.term,
          });
          return;
        }
      }
      prevTerm = entry.term;
    }
  }

  // Lab 2D: an InstallSnapshot names its last included entry by (index,
  // term), and the tester's encoding says its command: one index and term,
  // one command, as in any message.
  private snapshotCarried(from: number, a: InstallSnapshotArgs): void {
    const s = wholeSnapshot(a);
    const command = s?.log[a.lastIncludedIndex];
    if (s === undefined || command === null) return;
    const known = this.log.pair(a.lastIncludedIndex, a.lastIncludedTerm);
    if (known === undefined || snapshotKey(known.command) === snapshotKey(command)) return;
    this.ctx.report('LM', {
      message:
        `server ${from}'s term-${a.term} InstallSnapshot holds ${showCommand(command)} at its last included entry, index ${a.lastIncludedIndex} term ${a.lastIncludedTerm}, ` +
        `but ${known.firstSeen} carried ${showCommand(known.command)} there (one index and term, one command)`,
      servers: [from],
      term: a.lastIncludedTerm,
    });
  }

  private acceptedPrev(from: number, to: number, a: AppendEntriesArgs): void {
    const p = a.prevLogIndex;
    // Lab 2D: inside its snapshot a follower no longer has the entry to
    // compare (Figure 13); the leader's entries there are LC's to judge.
    if (p === 0 || this.log.uncertain(to) || p < (this.log.compacted[to] ?? 0)) return;
    const held = this.log.held[to]?.[p];
    const length = this.log.length[to];
    let problem: string | undefined;
    if (held !== undefined && held !== a.prevLogTerm) problem = `its entry at index ${p} has term ${held}`;
    else if (held === undefined && length !== undefined && p > length) problem = `its log ends at index ${length}`;
    if (problem === undefined) return;
    this.ctx.report('LM', {
      message:
        `server ${to} accepted server ${from}'s term-${a.term} AppendEntries with prevLogIndex=${p} prevLogTerm=${a.prevLogTerm}, ` +
        `but ${problem} (Figure 2: reply false if the log does not contain an entry at prevLogIndex whose term matches prevLogTerm)`,
      servers: [to, from],
      term: a.term,
    });
  }
}

/** LAO: Leader Append-Only (Figure 3): within its term a leader never changes what it sent for an index. */
export class LeaderAppendOnly implements Monitor {
  readonly kinds: readonly EventKind[] = ['send'];
  constructor(
    private readonly ctx: MonitorContext,
    private readonly log: LogFacts,
  ) {}

  observe(e: TesterEvent): void {
    if (e.kind !== 'send' || e.method !== RPC.AppendEntries || typeof e.from !== 'number' || !wellFormed(e.args)) return;
    const a = e.args;
    const lt = this.log.leaderTerm(e.from, a.term);
    if (lt === undefined) return;
    const p = a.prevLogIndex;
    if (p > 0) {
      const before = lt.sent.get(p);
      if (before !== undefined && before.term !== a.prevLogTerm) {
        this.report(e.from, a.term, p, `a term-${a.prevLogTerm} entry (as prevLogTerm)`, `a term-${before.term} entry`, before.t);
        return;
      }
    }
    for (let i = 0; i < a.entries.length; i++) {
      const entry = a.entries[i] as { term: number; command: unknown };
      const index = p + 1 + i;
      const before = lt.sent.get(index);
      if (before === undefined || this.log.sentBefore(lt, index, entry)) continue;
      const changed = before.term !== entry.term || (before.hasCommand && before.key !== commandKey(entry.command));
      if (!changed) continue;
      const then = before.hasCommand ? `${showCommand(before.command)} (term ${before.term})` : `a term-${before.term} entry`;
      this.report(e.from, a.term, index, `${showCommand(entry.command)} (term ${entry.term})`, then, before.t);
      return;
    }
  }

  private report(leader: number, term: number, index: number, now: string, then: string, t: number): void {
    this.ctx.report('LAO', {
      message: `leader ${leader} of term ${term} sent ${now} at index ${index}, but earlier in term ${term} (t=${t} ms) it sent ${then} there: a leader never overwrites its own log`,
      servers: [leader],
      term,
    });
  }
}

/**
 * LC: Leader Completeness (Figure 3, §5.4). Once an entry is applied, every
 * leader of a term above every term said by then holds it: what it sends at
 * that index, the index start() gives it, and the log its RequestVote
 * described (the up-to-date check of §5.4.1) must all show it. Lab 2D: in
 * its log or in its snapshot, which holds only committed entries (§7).
 */
export class LeaderCompleteness implements Monitor {
  readonly kinds: readonly EventKind[] = ['apply', 'send', 'submit'];
  private readonly checkedLeaders = new Set<number>();
  constructor(
    private readonly ctx: MonitorContext,
    private readonly log: LogFacts,
    private readonly applied: Applied,
  ) {}

  observe(e: TesterEvent): void {
    if (e.kind === 'apply') this.note(e);
    else if (e.kind === 'submit') {
      if (!e.isLeader) return;
      const c = this.applied.first.get(e.index);
      if (c === undefined || e.term <= c.bound) return;
      this.ctx.report('LC', {
        message:
          `start() on leader ${e.server} of term ${e.term} returned index ${e.index}, so its log lacked index ${e.index}, ` +
          `which server ${c.server} had applied (${showCommand(c.command)}) at t=${c.t} ms: a leader of a later term holds every committed entry`,
        servers: [e.server, c.server],
        term: e.term,
      });
    } else if (e.kind === 'send' && e.method === RPC.AppendEntries && typeof e.from === 'number' && wellFormed(e.args)) {
      this.sent(e.from, e.args);
    } else if (e.kind === 'send' && e.method === RPC.InstallSnapshot && typeof e.from === 'number' && snapshotArgs(e.args)) {
      this.snapshotSent(e.from, e.args);
    }
  }

  // Lab 2D: a snapshot holds only committed entries (§7), whoever sends it:
  // its last included term is the term of the entry committed at its last
  // included index (Figure 13, "term of lastIncludedIndex"), and the
  // commands it holds are the ones applied there. A leader holds every
  // committed entry in its log or in its snapshot.
  private snapshotSent(leader: number, a: InstallSnapshotArgs): void {
    const first = this.applied.first;
    if (first.size === 0) return;
    const index = a.lastIncludedIndex;
    const last = first.get(index);
    if (last?.term !== undefined && last.term !== a.lastIncludedTerm) {
      this.ctx.report('LC', {
        message:
          `server ${leader}'s term-${a.term} InstallSnapshot says the last entry its snapshot includes, index ${index}, has term ${a.lastIncludedTerm}, ` +
          `but the entry committed there has term ${last.term} (server ${last.server} ${didFirst(last)} ${showCommand(last.command)} there at t=${last.t} ms): ` +
          'a snapshot holds only committed entries (§7), and lastIncludedTerm is the term of lastIncludedIndex (Figure 13)',
        servers: [leader, last.server],
        term: a.term,
      });
      return;
    }
    const s = wholeSnapshot(a);
    if (s === undefined) return;
    const through = lastHeld(s);
    for (let j = 1; j <= through; j++) {
      const c = first.get(j);
      if (c === undefined || sameAsApplied(c, s.log[j])) continue;
      this.ctx.report('LC', {
        message:
          `server ${leader}'s term-${a.term} InstallSnapshot through index ${index} holds ${showCommand(s.log[j])} at index ${j}, ` +
          `but server ${c.server} ${didFirst(c)} ${showCommand(c.command)} there at t=${c.t} ms: a snapshot holds only committed entries (§7)`,
        servers: [leader, c.server],
        term: a.term,
      });
      return;
    }
  }

  private note(e: ApplyEvent): void {
    if (!e.commandValid || this.applied.first.has(e.index)) return;
    recordApply(this.log, this.applied, this.ctx, {
      server: e.server,
      incarnation: e.incarnation,
      index: e.index,
      command: e.command,
      t: e.t,
      placed: placement(this.log, e.server, e.index),
      placedRpc: placedRpc(this.log, e.server, e.index),
    });
  }

  private sent(leader: number, a: AppendEntriesArgs): void {
    const first = this.applied.first;
    if (first.size === 0) return;
    const p = a.prevLogIndex;
    if (p > 0) {
      const c = first.get(p);
      if (c !== undefined && a.term > c.bound && c.term !== undefined && c.term !== a.prevLogTerm) {
        this.report(leader, a.term, p, `a term-${a.prevLogTerm} entry there (its prevLogTerm)`, c);
        return;
      }
    }
    for (let i = 0; i < a.entries.length; i++) {
      const entry = a.entries[i] as { term: number; command: unknown };
      const c = first.get(p + 1 + i);
      if (c === undefined || a.term <= c.bound) continue;
      if (!sameAsApplied(c, entry.command) || (c.term !== undefined && c.term !== entry.term)) {
        this.report(leader, a.term, p + 1 + i, `${showCommand(entry.command)} (term ${entry.term}) there`, c);
        return;
      }
    }
    this.checkElection(leader, a.term);
  }

  // §5.4.1: the leader's RequestVote for this term described its log; it
  // must be at least as up to date as the newest entry applied before.
  private checkElection(leader: number, term: number): void {
    const k = term * 1024 + leader;
    if (this.checkedLeaders.has(k)) return;
    this.checkedLeaders.add(k);
    const rv = this.log.lastRequestVote[leader];
    if (rv === undefined || rv.term !== term || !Number.isInteger(rv.lastLogIndex) || !Number.isInteger(rv.lastLogTerm)) return;
    const order = this.applied.order;
    for (let i = order.length - 1, steps = 0; i >= 0 && steps < 64; i--, steps++) {
      const index = order[i] as number;
      const c = this.applied.first.get(index) as FirstApply;
      if (term <= c.bound || c.term === undefined) continue;
      if (rv.lastLogTerm < c.term || (rv.lastLogTerm === c.term && rv.lastLogIndex < index)) {
        this.report(
          leader,
          term,
          index,
          `nothing of it: it won with a log ending at index ${rv.lastLogIndex} term ${rv.lastLogTerm} (its RequestVote), less up to date than index ${index} term ${c.term} (§5.4.1)`,
          c,
        );
      }
      return;
    }
  }

  private report(leader: number, term: number, index: number, what: string, c: FirstApply): void {
    this.ctx.report('LC', {
      message:
        `leader ${leader} of term ${term} holds ${what}, but server ${c.server} had applied ${showCommand(c.command)}` +
        `${c.term === undefined ? '' : ` (term ${c.term})`} at index ${index} at t=${c.t} ms, before any server spoke in term ${term}: ` +
        'a committed entry is in the log of every later leader',
      servers: [leader, c.server],
      term,
    });
  }
}

/**
 * CM: Commitment. A command is applied only once a majority has held it at
 * that index; and a leader's leaderCommit goes beyond what it knew to be
 * committed when it won only through an entry of its own term held by a
 * majority (§5.4.2, Figure 8).
 */
export class Commitment implements Monitor {
  readonly kinds: readonly EventKind[] = ['apply', 'send'];
  constructor(
    private readonly ctx: MonitorContext,
    private readonly log: LogFacts,
  ) {}

  observe(e: TesterEvent): void {
    if (e.kind === 'apply') this.applied(e);
    else if (e.kind === 'send' && e.method === RPC.AppendEntries && typeof e.from === 'number' && wellFormed(e.args)) this.leaderCommit(e.from, e.args);
  }

  private applied(e: ApplyEvent): void {
    const log = this.log;
    if (!e.commandValid || log.n > 30) return;
    const key = commandKey(e.command);
    const pairs = (log.pairsAt.get(e.index) ?? []).filter((p) => p.key === key);
    if (pairs.length === 0) {
      // In a cluster of one, the leader's log is seen only through start().
      if (log.n === 1) return;
      this.ctx.report('CM', {
        message: `server ${e.server} applied ${showCommand(e.command)} at index ${e.index}, but no AppendEntries and no start() ever put it at index ${e.index}`,
        servers: [e.server],
      });
      return;
    }
    let best = pairs[0] as (typeof pairs)[number];
    for (const p of pairs) if (log.holderCount(p) > log.holderCount(best)) best = p;
    if (log.holderCount(best) >= log.majority) return;
    this.ctx.report('CM', {
      message:
        `server ${e.server} applied ${showCommand(e.command)} at index ${e.index}, but only servers ${list(log.holderList(best))} ever held it there ` +
        `(term ${best.term}): a majority of ${log.n} is ${log.majority}`,
      servers: [e.server],
      term: best.term,
    });
  }

  private leaderCommit(leader: number, a: AppendEntriesArgs): void {
    const log = this.log;
    const lt = log.leaderTermOrNew(leader, a.term);
    const c = a.leaderCommit;
    if (c <= lt.inheritedCommit) return;
    const onMajority = log.majorityMatch(lt);
    const firstOwn = Math.min(lt.firstOwn, ownFirstIn(a));
    if (firstOwn <= onMajority && c <= onMajority) return;
    const why =
      firstOwn > onMajority
        ? `no entry of term ${a.term} is on a majority yet (${firstOwn === Infinity ? 'it has none' : `its first is index ${firstOwn}`}; a majority holds up to index ${onMajority}): ` +
          'an entry of an earlier term is committed only through one of the current term (§5.4.2, Figure 8)'
        : `a majority holds only up to index ${onMajority}`;
    this.ctx.report('CM', {
      message: `leader ${leader} of term ${a.term} sent leaderCommit=${c}, beyond index ${lt.inheritedCommit} (the most it could know committed when it won), yet ${why}`,
      servers: [leader],
      term: a.term,
    });
  }
}

function ownFirstIn(a: AppendEntriesArgs): number {
  for (let i = 0; i < a.entries.length; i++) if ((a.entries[i] as { term: number }).term === a.term) return a.prevLogIndex + 1 + i;
  return Infinity;
}

/**
 * SI: start()'s answer. A leader's start(cmd) returns the index cmd gets in
 * its log (the first index is 1); a server that said it was not leader does
 * not then send that command as an entry of its own term. A send made
 * inside start() is recorded after start()'s answer (the feed orders a
 * call's effects after the call's own), so every send is judged as it goes.
 */
export class StartIndex implements Monitor {
  readonly kinds: readonly EventKind[] = ['submit', 'send'];
  constructor(
    private readonly ctx: MonitorContext,
    private readonly log: LogFacts,
  ) {}

  observe(e: TesterEvent): void {
    if (e.kind === 'submit') {
      if (!e.isLeader) return;
      if (!Number.isInteger(e.index) || e.index < 1) {
        this.report(e.server, e.term, `start(${showCommand(e.command)}) on leader ${e.server} returned index ${e.index}; the first index is 1`);
        return;
      }
      const lt = this.log.leaderTerm(e.server, e.term);
      const twice = lt?.starts.get(e.index);
      if (twice !== undefined) {
        this.report(
          e.server,
          e.term,
          `start(${showCommand(e.command)}) on leader ${e.server} returned index ${e.index} in term ${e.term}, which start(${showCommand(twice.command)}) had returned at t=${twice.t} ms`,
        );
        return;
      }
      const sent = lt?.sent.get(e.index);
      if (sent !== undefined && sent.hasCommand && (sent.term !== e.term || sent.key !== commandKey(e.command))) {
        this.report(
          e.server,
          e.term,
          `start(${showCommand(e.command)}) on leader ${e.server} returned index ${e.index} in term ${e.term}, but it had sent ${showCommand(sent.command)} (term ${sent.term}) at index ${e.index} at t=${sent.t} ms`,
        );
      }
      return;
    }
    if (e.kind !== 'send' || e.method !== RPC.AppendEntries || typeof e.from !== 'number' || !wellFormed(e.args)) return;
    const a = e.args;
    const lt = this.log.leaderTerm(e.from, a.term);
    for (let i = 0; i < a.entries.length; i++) {
      const entry = a.entries[i] as { term: number; command: unknown };
      if (entry.term !== a.term) continue;
      const index = a.prevLogIndex + 1 + i;
      if (this.log.sentBefore(lt, index, entry)) continue;
      const started = lt?.starts.get(index);
      if (started !== undefined) {
        if (started.key !== commandKey(entry.command)) {
          this.report(
            e.from,
            a.term,
            `start(${showCommand(started.command)}) on leader ${e.from} returned index ${index} in term ${a.term} at t=${started.t} ms, but it sent ${showCommand(entry.command)} at index ${index}`,
          );
          return;
        }
        continue;
      }
      this.unexplained(e.from, a.term, index, entry.command);
    }
  }

  // A leader sent an entry of its own term that no start() answer explains.
  private unexplained(leader: number, term: number, index: number, command: unknown): void {
    const lt = this.log.leaderTerm(leader, term);
    const key = commandKey(command);
    const elsewhere = lt?.startsByKey.get(key);
    if (elsewhere !== undefined) {
      this.report(
        leader,
        term,
        `start(${showCommand(command)}) on leader ${leader} returned index ${elsewhere.join(', ')} in term ${term}, but it sent ${showCommand(command)} at index ${index}`,
      );
      return;
    }
    const refusedAt = this.log.refused[leader]?.get(key);
    if (refusedAt !== undefined) {
      this.report(
        leader,
        term,
        `server ${leader} answered start(${showCommand(command)}) with isLeader=false at t=${refusedAt} ms, yet sent ${showCommand(command)} as an entry of its own term ${term} at index ${index}`,
      );
    }
  }

  private report(server: number, term: number, message: string): void {
    this.ctx.report('SI', { message, servers: [server], term });
  }
}

/** The indexes an apply jumped over, named: "index 2", "indexes 2-4". */
function skippedRange(from: number, to: number): string {
  return from === to ? `index ${from}` : `indexes ${from}-${to}`;
}
