// Correct variant C08: leader election and log replication (lab 2B) with the
// lab's fast backup (xTerm, xIndex, xLen), batched sends, timer callbacks,
// and everything Figure 2 calls persistent actually persisted.
//
// Written from Figure 2 of the Raft paper and the lab's 2C text on backing
// up, independently of the reference Raft. A refused AppendEntries carries
// hints: the term of the follower's entry at prevLogIndex (xTerm, -1 if it
// has none there), the first index it holds of that term (xIndex), and its
// log length (xLen). The leader then skips a whole term per round trip:
// to just after its own last entry of xTerm if it has that term, else to
// xIndex; to xLen if the follower's log is too short.
//
// There is no loop: an election timer (runtime.setTimer) reset as Figure 2
// says, a heartbeat timer every 120 ms while leading, and a short batching
// timer: start() only appends, and the entries of every start() within
// 2 ms leave together in one AppendEntries per follower. Election timeouts
// 300-600 ms: with 200-400 ms, TestFigure8Unreliable2C failed about one seed
// in a hundred (seed 1562169667: vote replies up to 2.2 s late, candidates
// timing out before their votes arrive, 38 terms in the final one()'s 10 s),
// which the lab's text warns of: timeouts well above the paper's 150-300 ms.
// currentTerm, votedFor and the log are written to the persister
// before any reply or request that relies on them.
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  ApplyChannel,
  LogEntry,
  MakeRaft,
  Peer,
  Persister,
  RaftPeer,
  RaftRuntime,
  RaftState,
  RequestVoteArgs,
  RequestVoteReply,
  StartResult,
} from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import type { Timer } from '../../runtime/clock.ts';
import { LogJson } from './log-json.ts';

/** This module persists term, vote and log: crash and restart faults apply to it. */
export const persists = true;

const HEARTBEAT_MS = 120;
const ELECTION_TIMEOUT_MS: readonly [number, number] = [300, 600];
const BATCH_MS = 2;

interface Saved {
  term: number;
  votedFor: number;
  /** Entries from index 1 on (index 0 is implicit: term 0). */
  entries: LogEntry[];
}

class FastBackupRaft implements RaftPeer {
  private readonly logJson = new LogJson();
  private term = 0;
  /** -1: no vote in this term. */
  private votedFor = -1;
  /** The entry at index i; index 0 is a sentinel of term 0. */
  private log: LogEntry[] = [{ term: 0, command: null }];
  private commitIndex = 0;
  private lastApplied = 0;
  private leading = false;
  private candidate = false;
  private killed = false;
  private nextIndex: number[] = [];
  private matchIndex: number[] = [];
  private inFlight: boolean[] = [];
  private electionTimer: Timer | undefined;
  private heartbeatTimer: Timer | undefined;
  private batchTimer: Timer | undefined;

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
    private readonly applyCh: ApplyChannel,
    private readonly rt: RaftRuntime,
  ) {
    const blob = persister.readRaftState();
    if (blob !== '') {
      const saved = JSON.parse(blob) as Saved;
      this.term = saved.term;
      this.votedFor = saved.votedFor;
      this.log = [{ term: 0, command: null }, ...saved.entries];
    }
    // commitIndex and lastApplied are volatile (Figure 2): after a restart the
    // log is applied again from index 1 as it becomes known to be committed.
    this.resetElectionTimer();
  }

  private persist(): void {
    // The text of JSON.stringify({ term, votedFor, entries: log[1..] }) (a Saved).
    this.persister.saveRaftState(`{"term":${JSON.stringify(this.term)},"votedFor":${JSON.stringify(this.votedFor)},"entries":${this.logJson.of(this.log)}}`);
  }

  // ---- the contract ----

  getState(): RaftState {
    return { term: this.term, isLeader: this.leading };
  }

  kill(): void {
    this.killed = true;
    this.electionTimer?.cancel();
    this.heartbeatTimer?.cancel();
    this.batchTimer?.cancel();
  }

  start(command: unknown): StartResult {
    if (this.killed || !this.leading) return { index: -1, term: this.term, isLeader: false };
    this.log.push({ term: this.term, command });
    this.persist();
    const index = this.log.length - 1;
    this.matchIndex[this.me] = index;
    this.maybeCommit();
    if (this.batchTimer === undefined) {
      this.batchTimer = this.rt.setTimer(BATCH_MS, () => {
        this.batchTimer = undefined;
        this.flush();
      });
    }
    return { index, term: this.term, isLeader: true };
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    this.seeTerm(args.term);
    let voteGranted = false;
    if (args.term === this.term && (this.votedFor === -1 || this.votedFor === args.candidateId) && this.isUpToDate(args)) {
      if (this.votedFor !== args.candidateId) {
        this.votedFor = args.candidateId;
        this.persist();
      }
      voteGranted = true;
      this.resetElectionTimer();
    }
    return { term: this.term, voteGranted };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    this.seeTerm(args.term);
    if (args.term < this.term) return { term: this.term, success: false };
    this.candidate = false;
    this.resetElectionTimer();

    const lastIndex = this.log.length - 1;
    if (args.prevLogIndex > lastIndex) {
      return { term: this.term, success: false, xTerm: -1, xIndex: -1, xLen: this.log.length };
    }
    const conflictTerm = (this.log[args.prevLogIndex] as LogEntry).term;
    if (conflictTerm !== args.prevLogTerm) {
      let first = args.prevLogIndex;
      while (first > 1 && (this.log[first - 1] as LogEntry).term === conflictTerm) first--;
      return { term: this.term, success: false, xTerm: conflictTerm, xIndex: first, xLen: this.log.length };
    }
    // Find the first entry that is new or conflicts; cut there only on a conflict (Figure 2, step 3).
    let changed = false;
    let k = 0;
    for (; k < args.entries.length; k++) {
      const at = args.prevLogIndex + 1 + k;
      if (at >= this.log.length) break;
      if ((this.log[at] as LogEntry).term !== (args.entries[k] as LogEntry).term) {
        this.log.length = at;
        break;
      }
    }
    if (k < args.entries.length) {
      for (const e of args.entries.slice(k)) this.log.push({ term: e.term, command: e.command });
      changed = true;
    }
    if (changed) this.persist();
    const lastNew = args.prevLogIndex + args.entries.length;
    const target = Math.min(args.leaderCommit, lastNew);
    if (target > this.commitIndex) {
      this.commitIndex = target;
      this.applyNew();
    }
    return { term: this.term, success: true };
  }

  // ---- terms, votes, roles ----

  private seeTerm(term: number): void {
    if (term <= this.term) return;
    this.term = term;
    this.votedFor = -1;
    this.persist();
    this.candidate = false;
    if (this.leading) {
      this.leading = false;
      this.heartbeatTimer?.cancel();
      this.batchTimer?.cancel();
      this.batchTimer = undefined;
      this.resetElectionTimer();
    }
  }

  /** §5.4.1: the candidate's last entry has a later term, or the same term and an index at least as high. */
  private isUpToDate(args: RequestVoteArgs): boolean {
    const lastIndex = this.log.length - 1;
    const lastTerm = (this.log[lastIndex] as LogEntry).term;
    return args.lastLogTerm !== lastTerm ? args.lastLogTerm > lastTerm : args.lastLogIndex >= lastIndex;
  }

  private resetElectionTimer(): void {
    this.electionTimer?.cancel();
    if (this.killed) return;
    const ms = this.rt.random.between(ELECTION_TIMEOUT_MS[0], ELECTION_TIMEOUT_MS[1]);
    this.electionTimer = this.rt.setTimer(ms, () => this.campaign());
  }

  private campaign(): void {
    if (this.killed || this.leading) return;
    this.term += 1;
    this.votedFor = this.me;
    this.candidate = true;
    this.persist();
    this.resetElectionTimer();
    const term = this.term;
    const lastLogIndex = this.log.length - 1;
    const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex, lastLogTerm: (this.log[lastLogIndex] as LogEntry).term };
    const yes = new Set<number>([this.me]);
    if (yes.size * 2 > this.peers.length) return this.lead();
    this.peers.forEach((peer, i) => {
      if (i === this.me) return;
      void peer.call<RequestVoteReply>(RPC.RequestVote, args).then((reply) => {
        if (this.killed || reply === null) return;
        this.seeTerm(reply.term);
        if (!reply.voteGranted || !this.candidate || this.term !== term) return;
        yes.add(i);
        if (yes.size * 2 > this.peers.length) this.lead();
      });
    });
  }

  private lead(): void {
    this.candidate = false;
    this.leading = true;
    this.electionTimer?.cancel();
    const next = this.log.length;
    this.nextIndex = this.peers.map(() => next);
    this.matchIndex = this.peers.map((_, i) => (i === this.me ? next - 1 : 0));
    this.inFlight = this.peers.map(() => false);
    this.heartbeat(); // Figure 2: upon election, at once.
  }

  // ---- replication ----

  private heartbeat(): void {
    if (this.killed || !this.leading) return;
    this.heartbeatTimer = this.rt.setTimer(HEARTBEAT_MS, () => this.heartbeat());
    for (let i = 0; i < this.peers.length; i++) if (i !== this.me) this.send(i);
  }

  /** New entries go out to every follower not already busy with a request. */
  private flush(): void {
    if (this.killed || !this.leading) return;
    for (let i = 0; i < this.peers.length; i++) {
      if (i !== this.me && !this.inFlight[i] && (this.nextIndex[i] as number) < this.log.length) this.send(i);
    }
  }

  private send(i: number): void {
    const next = this.nextIndex[i] as number;
    const args: AppendEntriesArgs = {
      term: this.term,
      leaderId: this.me,
      prevLogIndex: next - 1,
      prevLogTerm: (this.log[next - 1] as LogEntry).term,
      entries: this.log.slice(next),
      leaderCommit: this.commitIndex,
    };
    this.inFlight[i] = true;
    void (this.peers[i] as Peer).call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => this.onReply(i, args, reply));
  }

  private onReply(i: number, args: AppendEntriesArgs, reply: AppendEntriesReply | null): void {
    if (this.killed) return;
    if (args.term === this.term) this.inFlight[i] = false;
    if (reply === null) return;
    this.seeTerm(reply.term);
    if (!this.leading || this.term !== args.term) return;
    if (reply.success) {
      const matched = args.prevLogIndex + args.entries.length;
      this.matchIndex[i] = Math.max(this.matchIndex[i] as number, matched);
      this.nextIndex[i] = Math.max(this.nextIndex[i] as number, matched + 1);
      this.maybeCommit();
      if ((this.nextIndex[i] as number) < this.log.length) this.send(i); // More arrived meanwhile.
      return;
    }
    // Refused by the consistency check. Ignore it if nextIndex has moved since
    // the request (a newer reply already did the work).
    if ((this.nextIndex[i] as number) !== args.prevLogIndex + 1) return;
    // Always at least one entry back, never below what the follower is known to hold.
    const retry = Math.max((this.matchIndex[i] as number) + 1, Math.min(this.backupTo(reply, args), args.prevLogIndex));
    if (retry > args.prevLogIndex) return; // Nothing further back to try: wait for the heartbeat.
    this.nextIndex[i] = retry;
    this.send(i);
  }

  /** The lab's fast backup: where to try next, from the follower's hints. */
  private backupTo(reply: AppendEntriesReply, args: AppendEntriesArgs): number {
    const { xTerm, xIndex, xLen } = reply;
    if (xTerm === undefined || xIndex === undefined || xLen === undefined) return args.prevLogIndex; // No hints: one entry back.
    if (xTerm === -1) return xLen;
    let last = -1;
    for (let k = this.log.length - 1; k > 0; k--) {
      const t = (this.log[k] as LogEntry).term;
      if (t === xTerm) {
        last = k;
        break;
      }
      if (t < xTerm) break; // Terms only grow along the log: xTerm is not in it.
    }
    return last === -1 ? xIndex : last + 1;
  }

  /** Figure 2: the highest N of the current term that a majority holds becomes committed (§5.4.2, Figure 8). */
  private maybeCommit(): void {
    for (let n = this.log.length - 1; n > this.commitIndex && (this.log[n] as LogEntry).term === this.term; n--) {
      const holders = this.matchIndex.filter((m) => m >= n).length;
      if (holders * 2 > this.peers.length) {
        this.commitIndex = n;
        this.applyNew();
        return;
      }
    }
  }

  private applyNew(): void {
    while (!this.killed && this.lastApplied < this.commitIndex) {
      this.lastApplied += 1;
      const e = this.log[this.lastApplied] as LogEntry;
      this.applyCh.send({ commandValid: true, command: e.command, commandIndex: this.lastApplied });
    }
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => new FastBackupRaft(peers, me, persister, applyCh, runtime);
