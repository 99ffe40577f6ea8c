// The reference Raft. Leader election (lab 2A) as the 2A design lays it out:
// one ticker loop that sleeps 30 ms, checks the heartbeat or election timer,
// and acts. Log replication (lab 2B) as Figure 2 of the Raft paper says, the
// design being silent there: the consistency check on prevLogIndex and
// prevLogTerm, truncation only on a conflict, commitment of current-term
// entries by counting (§5.4.2, Figure 8), applies in index order, nextIndex
// backing up by term with the lab's xTerm/xIndex/xLen hints, and the
// up-to-date check on votes (§5.4.1). Term, vote and log are persisted on
// every change, before any reply that depends on them (Figure 2, "Persistent
// state on all servers").
//
// Entries travel with the heartbeats (every 110 ms, the design's
// HeartBeatSendTime): the lab asks for at most ten heartbeats a second, and
// start() must return at once. A refused AppendEntries is retried at once,
// further back (Figure 2, "decrement nextIndex and retry").
//
// Timing: the design's functions, ticker (30 ms) and heartbeat (110 ms),
// but election timeouts of 250-500 ms (still drawn at random per server and
// per reset), not its 150-300 ms. The lab's text says why: the tester limits
// heartbeats to about ten a second, so timeouts must be larger than the
// paper's 150-300 ms while still electing within five seconds. 250-500 ms
// is the smallest range that never missed TestFigure8Unreliable2C's final
// one() (BENCHMARKS.md has the runs behind that).
//
// Log compaction (lab 2D) as Figure 13 and §7 of the paper say: the service
// hands over a snapshot of its state through snapshot(index, data), and the
// log keeps only what follows it. log[0] then stands for the last entry the
// snapshot includes (its term, no command), so index i lives at
// log[i - lastIncludedIndex]; with no snapshot, lastIncludedIndex is 0 and
// log[0] is the old sentinel, and every index, message and saved byte is
// what it was before compaction existed. A follower whose next entry the
// leader has compacted away gets InstallSnapshot instead of AppendEntries.
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  ApplyChannel,
  InstallSnapshotArgs,
  InstallSnapshotReply,
  LogEntry,
  MakeRaft,
  Peer,
  Persister,
  RaftPeer,
  RaftRuntime,
  RaftState,
  RaftTiming,
  RequestVoteArgs,
  RequestVoteReply,
  StartResult,
} from './contract.ts';
import { RPC } from './contract.ts';

export const Follower = 1;
export const Candidate = 2;
export const Leader = 3;
export type Role = typeof Follower | typeof Candidate | typeof Leader;

/** How long the ticker sleeps between checks (the design's ElectionSleepTime). */
export const TICKER_SLEEP_MS = 30;

/**
 * The reference's timing, in the contract's shape: heartbeats every
 * HeartBeatSendTime, election timeouts uniform in [ElectionTimeOutMin, Max]
 * (250-500 ms rather than the design's 150-300, as the header says).
 */
export const DEFAULT_TIMING: Readonly<RaftTiming> = {
  heartbeatMs: 110,
  electionTimeoutMs: [250, 500],
};

const NOBODY = -1;

/** What the log holds at index 0: nothing, in term 0, so that prevLogIndex 0 always matches. */
const SENTINEL: LogEntry = { term: 0, command: null };

/** Each log entry's JSON text, computed once (entries are never changed in place). */
const encodedEntries = new WeakMap<LogEntry, string>();

/** What persist() writes (JSON): Figure 2's persistent state, and Figure 13's snapshot metadata. */
interface PersistentState {
  currentTerm: number;
  votedFor: number;
  /** The entries at indexes lastIncludedIndex + 1, lastIncludedIndex + 2, ... */
  log: LogEntry[];
  /** Written only once there is a snapshot (absent means 0: the state is then byte for byte the 2C one). */
  lastIncludedIndex?: number;
  lastIncludedTerm?: number;
}

/** Figure 13's chunks of one snapshot, gathered until the one marked done. */
interface PartialSnapshot {
  lastIncludedIndex: number;
  lastIncludedTerm: number;
  data: string;
}

export class Raft implements RaftPeer {
  // Figure 2: currentTerm is "initialized to 0 on first boot".
  currentTerm = 0;
  votedFor = NOBODY;
  role: Role = Follower;
  /**
   * log[i - lastIncludedIndex] holds index i. log[0] is a sentinel: with no
   * snapshot, nothing in term 0 (the first real entry has index 1, as in
   * the lab); after one, the snapshot's last included entry (its term).
   */
  log: LogEntry[] = [SENTINEL];
  /** Figure 13: the snapshot replaces every entry up through this index (0: no snapshot). */
  lastIncludedIndex = 0;
  /** The latest snapshot (the service's bytes), as saved with the state; '' when there is none. */
  snapshotData = '';
  /** Highest index known to be committed (Figure 2: volatile state on all servers). */
  commitIndex = 0;
  /** Highest index sent on the apply channel. */
  lastApplied = 0;
  /** Leaders: for each server, the index of the next entry to send it. */
  nextIndex: number[] = [];
  /** Leaders: for each server, the highest index known to be replicated on it. */
  matchIndex: number[] = [];
  private dead = false;
  /** The chunks of an InstallSnapshot received so far (Figure 13, steps 2-5). */
  private partialSnapshot: PartialSnapshot | undefined;
  private electionResetAt: number;
  private electionTimeout: number;
  // The protected members and the hooks (majority, grantCounts,
  // candidateUpToDate, prevLogMatches, mergeEntries, followerCommitIndex,
  // countsTowardCommit, backUp, retryAfterRefusal, entriesFrom,
  // applyCommitted, snapshotIsNewer) are for the harness's broken variants (test/mutants):
  // each subclasses this class and changes one decision.
  protected lastHeartbeatAt = 0;
  /** Servers that granted their vote in the current election, ourselves included. */
  protected votes = new Set<number>();

  constructor(
    readonly peers: Peer[],
    readonly me: number,
    readonly persister: Persister,
    readonly applyCh: ApplyChannel,
    readonly runtime: RaftRuntime,
    readonly timing: RaftTiming = DEFAULT_TIMING,
  ) {
    this.electionResetAt = runtime.now();
    this.electionTimeout = this.getRandElectionTimeOut();
    this.readPersist(persister.readRaftState());
    // Lab 2D: the service reads the snapshot itself at a restart; what it
    // holds is applied, so applies continue after it.
    if (this.lastIncludedIndex > 0) {
      this.snapshotData = persister.readSnapshot();
      this.commitIndex = this.lastIncludedIndex;
      this.lastApplied = this.lastIncludedIndex;
    }
  }

  getState(): RaftState {
    return { term: this.currentTerm, isLeader: this.role === Leader };
  }

  kill(): void {
    this.dead = true;
  }

  killed(): boolean {
    return this.dead;
  }

  /**
   * The lab's Start(): a leader appends the command to its log and answers at
   * once with the index it will have if it is ever committed; it reaches the
   * followers with the next heartbeat. Anyone else declines.
   */
  start(command: unknown): StartResult {
    if (this.killed() || this.role !== Leader) return { index: -1, term: this.currentTerm, isLeader: false };
    this.log.push({ term: this.currentTerm, command });
    this.persist();
    const index = this.lastLogIndex();
    this.matchIndex[this.me] = index;
    return { index, term: this.currentTerm, isLeader: true };
  }

  lastLogIndex(): number {
    return this.lastIncludedIndex + this.log.length - 1;
  }

  lastLogTerm(): number {
    return (this.log[this.log.length - 1] as LogEntry).term;
  }

  /** The term of the last entry the snapshot includes (0 with no snapshot). */
  lastIncludedTerm(): number {
    return (this.log[0] as LogEntry).term;
  }

  /** The entry at `index`, which must lie in lastIncludedIndex .. lastLogIndex(). */
  entryAt(index: number): LogEntry {
    return this.log[index - this.lastIncludedIndex] as LogEntry;
  }

  // ---- RPC handlers ----

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    // Figure 2, all servers: "If RPC request or response contains term T > currentTerm: set currentTerm = T, convert to follower".
    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    if (args.term < this.currentTerm) return { term: this.currentTerm, voteGranted: false };
    // Figure 2, RequestVote: grant only "if votedFor is null or candidateId" (one vote per term; the same candidate again is fine).
    if (this.votedFor !== NOBODY && this.votedFor !== args.candidateId) {
      return { term: this.currentTerm, voteGranted: false };
    }
    // §5.4.1: only for a candidate whose log is at least as up-to-date as ours.
    if (!this.candidateUpToDate(args)) return { term: this.currentTerm, voteGranted: false };
    this.votedFor = args.candidateId;
    this.persist();
    this.resetElectionTimer(); // Figure 2, followers: "granting vote to candidate" resets the election timeout.
    return { term: this.currentTerm, voteGranted: true };
  }

  /** §5.4.1: the later last term wins; with equal last terms, the longer log. */
  protected candidateUpToDate(args: RequestVoteArgs): boolean {
    const myTerm = this.lastLogTerm();
    return args.lastLogTerm > myTerm || (args.lastLogTerm === myTerm && args.lastLogIndex >= this.lastLogIndex());
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    if (args.term < this.currentTerm) return { term: this.currentTerm, success: false };
    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    // An equal-term heartbeat means someone won this term: a candidate yields.
    else if (this.role === Candidate) this.role = Follower;
    this.resetElectionTimer(); // Figure 2, followers: "receiving AppendEntries RPC from current leader" resets it.

    // A message from before our snapshot (a late one, or sent before the
    // leader heard of our install): what it carries up to lastIncludedIndex
    // is committed, so already in the snapshot; the rest follows it.
    if (args.prevLogIndex < this.lastIncludedIndex) {
      if (args.prevLogIndex + args.entries.length <= this.lastIncludedIndex) return { term: this.currentTerm, success: true };
      args = this.afterSnapshot(args);
    }
    // Figure 2, receiver rule 2: reply false if the log has no entry at
    // prevLogIndex whose term matches prevLogTerm, with the lab's hints.
    const off = this.lastIncludedIndex;
    if (args.prevLogIndex > this.lastLogIndex()) {
      return { term: this.currentTerm, success: false, xTerm: -1, xIndex: -1, xLen: off + this.log.length };
    }
    if (!this.prevLogMatches(args)) {
      const xTerm = (this.log[args.prevLogIndex - off] as LogEntry).term;
      let xIndex = args.prevLogIndex;
      while (xIndex > off + 1 && (this.log[xIndex - 1 - off] as LogEntry).term === xTerm) xIndex--;
      return { term: this.currentTerm, success: false, xTerm, xIndex, xLen: off + this.log.length };
    }
    // Rules 3 and 4: truncate only at a conflict, append what is new.
    if (this.mergeEntries(args)) this.persist();
    // Rule 5: commitIndex = min(leaderCommit, index of last new entry).
    const commit = this.followerCommitIndex(args);
    if (commit > this.commitIndex) {
      this.commitIndex = commit;
      this.applyCommitted();
    }
    return { term: this.currentTerm, success: true };
  }

  /**
   * The part of an AppendEntries that follows lastIncludedIndex, for one
   * whose prevLogIndex lies inside the snapshot and whose entries reach past
   * it. A leader of the current term holds every committed entry (§5.4,
   * Leader Completeness), so what it sends up to lastIncludedIndex is the
   * snapshot's own: the rest follows the snapshot's last entry. Rule 5's cap
   * (prevLogIndex + entries.length) is unchanged.
   */
  protected afterSnapshot(args: AppendEntriesArgs): AppendEntriesArgs {
    const skip = this.lastIncludedIndex - args.prevLogIndex;
    return { ...args, prevLogIndex: this.lastIncludedIndex, prevLogTerm: this.lastIncludedTerm(), entries: args.entries.slice(skip) };
  }

  /** Figure 2, receiver rule 2 (the caller has checked that prevLogIndex exists). */
  protected prevLogMatches(args: AppendEntriesArgs): boolean {
    return (this.log[args.prevLogIndex - this.lastIncludedIndex] as LogEntry).term === args.prevLogTerm;
  }

  /**
   * Figure 2, receiver rules 3 and 4: an existing entry that conflicts with a
   * new one (same index, other term) is deleted with all that follow it; an
   * entry already held is kept, so that a stale, reordered AppendEntries
   * never erases newer entries. Returns whether the log changed.
   */
  protected mergeEntries(args: AppendEntriesArgs): boolean {
    const entries = args.entries;
    const off = this.lastIncludedIndex;
    for (let i = 0; i < entries.length; i++) {
      const at = args.prevLogIndex + 1 + i - off; // its place in this.log
      const entry = entries[i] as LogEntry;
      if (at < this.log.length) {
        if ((this.log[at] as LogEntry).term === entry.term) continue;
        this.log.length = at; // the conflict and everything after it
      }
      for (let j = i; j < entries.length; j++) {
        const e = entries[j] as LogEntry;
        this.log.push({ term: e.term, command: e.command });
      }
      return true;
    }
    return false;
  }

  /** Figure 2, receiver rule 5: capped at the last entry this message vouches for. */
  protected followerCommitIndex(args: AppendEntriesArgs): number {
    return Math.min(args.leaderCommit, args.prevLogIndex + args.entries.length);
  }

  /**
   * Figure 2, all servers: apply log[lastApplied+1 .. commitIndex], in order,
   * once each. The service may call snapshot() from inside send(), trimming
   * the log: each entry is looked up afresh.
   */
  protected applyCommitted(): void {
    while (this.lastApplied < this.commitIndex && !this.killed()) {
      this.lastApplied++;
      const entry = this.log[this.lastApplied - this.lastIncludedIndex] as LogEntry;
      this.applyCh.send({ commandValid: true, command: entry.command, commandIndex: this.lastApplied });
    }
  }

  // ---- log compaction (lab 2D: Figure 13, §7) ----

  /**
   * The service's snapshot of its state through `index` (§7): the log keeps
   * only the entries after it, log[0] keeping the term of `index` for the
   * consistency check, and the state and the snapshot are saved together, so
   * a crash finds both or neither. An index already inside the snapshot is
   * old news; one beyond what was applied cannot be the service's state.
   * Called from inside applyCh.send() (the lab's applier does): it only
   * trims and saves, and applyCommitted() looks each entry up afresh.
   */
  snapshot(index: number, snapshot: string): void {
    if (this.killed() || index <= this.lastIncludedIndex || index > this.lastApplied) return;
    const rest = this.log.slice(index - this.lastIncludedIndex);
    rest[0] = { term: (rest[0] as LogEntry).term, command: null };
    this.log = rest;
    this.lastIncludedIndex = index;
    this.snapshotData = snapshot;
    this.persist();
  }

  /**
   * Figure 13, InstallSnapshot receiver.
   *
   * Not newer: a snapshot through an index this server has already committed
   * is ignored (after the term rules, like any message of the leader). Its
   * commitIndex is at least lastIncludedIndex, so that index is also at
   * least its own snapshot's; and its service has applied everything up to
   * commitIndex (applies run to commitIndex at once), more than the
   * snapshot holds. Installing it would take the service back to an older
   * state and make it apply those commands again; §7's case of a snapshot
   * that "describes a prefix of its log" is then one the service will
   * compact on its own. A snapshot beyond commitIndex is installed, keeping
   * the entries after its last included one if the log holds that entry
   * (step 6), discarding the whole log otherwise (step 7).
   */
  installSnapshot(args: InstallSnapshotArgs): InstallSnapshotReply {
    // 1. Reply immediately if term < currentTerm. (A dead instance installs nothing.)
    if (args.term < this.currentTerm || this.killed()) return { term: this.currentTerm };
    // As AppendEntries: a higher term makes a follower of it, an equal one ends a candidacy.
    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    else if (this.role === Candidate) this.role = Follower;
    this.resetElectionTimer();
    // 2-5. The whole snapshot, once its last chunk is in.
    const data = this.gatherChunks(args);
    if (data === undefined || !this.snapshotIsNewer(args.lastIncludedIndex)) return { term: this.currentTerm };
    const index = args.lastIncludedIndex;
    const base: LogEntry = { term: args.lastIncludedTerm, command: null };
    if (index <= this.lastLogIndex() && this.entryAt(index).term === args.lastIncludedTerm) {
      // 6. An entry with the same index and term: keep the entries that follow it.
      const rest = this.log.slice(index - this.lastIncludedIndex);
      rest[0] = base;
      this.log = rest;
    } else {
      // 7. Discard the entire log.
      this.log = [base];
    }
    this.lastIncludedIndex = index;
    this.snapshotData = data;
    this.persist();
    // 8. Reset the state machine: the service gets the snapshot, in order
    // with the applies (everything before it has been sent; the next apply
    // is index + 1).
    this.commitIndex = index;
    this.lastApplied = index;
    this.applyCh.send({
      commandValid: false,
      command: null,
      commandIndex: 0,
      snapshotValid: true,
      snapshot: data,
      snapshotTerm: args.lastIncludedTerm,
      snapshotIndex: index,
    });
    return { term: this.currentTerm };
  }

  /**
   * Whether a snapshot through `lastIncludedIndex` is newer than what this
   * server has: only one beyond commitIndex is (see installSnapshot()).
   */
  protected snapshotIsNewer(lastIncludedIndex: number): boolean {
    return lastIncludedIndex > this.commitIndex;
  }

  /**
   * Figure 13, steps 2-5: a chunk at offset 0 starts a snapshot, each next
   * one must continue it (same index and term, at the length gathered so
   * far: offsets count the string's characters), and the one marked done
   * completes it. Returns the whole snapshot then, undefined before. Our
   * leader sends each snapshot whole, in one call.
   */
  private gatherChunks(args: InstallSnapshotArgs): string | undefined {
    const offset = args.offset ?? 0;
    const done = args.done ?? true;
    if (offset === 0 && done) {
      this.partialSnapshot = undefined;
      return args.data;
    }
    let partial = this.partialSnapshot;
    if (offset === 0) {
      partial = { lastIncludedIndex: args.lastIncludedIndex, lastIncludedTerm: args.lastIncludedTerm, data: '' };
      this.partialSnapshot = partial;
    } else if (
      partial === undefined ||
      partial.lastIncludedIndex !== args.lastIncludedIndex ||
      partial.lastIncludedTerm !== args.lastIncludedTerm ||
      partial.data.length !== offset
    ) {
      return undefined;
    }
    partial.data += args.data;
    if (!done) return undefined;
    this.partialSnapshot = undefined;
    return partial.data;
  }

  /**
   * Figure 13 from the leader's side: its snapshot, for a follower whose
   * next entry the log no longer holds.
   */
  protected sendInstallSnapshot(peer: number): void {
    const term = this.currentTerm;
    const args: InstallSnapshotArgs = {
      term,
      leaderId: this.me,
      lastIncludedIndex: this.lastIncludedIndex,
      lastIncludedTerm: this.lastIncludedTerm(),
      data: this.snapshotData,
    };
    void (this.peers[peer] as Peer).call<InstallSnapshotReply>(RPC.InstallSnapshot, args).then((reply) => {
      if (reply === null || this.killed()) return;
      if (reply.term > this.currentTerm) this.becomeFollower(reply.term);
      else if (this.stillLeads(term)) this.onInstallSnapshotReply(peer, args);
    });
  }

  /**
   * The follower holds everything through the snapshot's last included
   * index (it installed the snapshot, or had committed that far already):
   * matchIndex and nextIndex from what was sent, never moving back (the
   * snapshot may be older than what the leader has heard since). Then what
   * follows, at once rather than at the next heartbeat.
   */
  protected onInstallSnapshotReply(peer: number, args: InstallSnapshotArgs): void {
    const match = args.lastIncludedIndex;
    if (match > (this.matchIndex[peer] ?? 0)) this.matchIndex[peer] = match;
    if (match + 1 > (this.nextIndex[peer] ?? 1)) this.nextIndex[peer] = match + 1;
    if ((this.nextIndex[peer] ?? 1) <= this.lastLogIndex()) this.sendAppendEntries(peer);
  }

  // ---- the ticker ----

  async ticker(): Promise<void> {
    while (!this.killed()) {
      await this.runtime.sleep(TICKER_SLEEP_MS);
      if (this.killed()) return;
      if (this.role === Leader) {
        if (this.isHeartBeatTimeOut()) this.sendHeartBeats();
      } else if (this.runtime.now() - this.electionResetAt >= this.electionTimeout) {
        this.startElection();
      }
    }
  }

  startElection(): void {
    this.currentTerm++;
    this.role = Candidate;
    this.votedFor = this.me;
    this.votes = new Set([this.me]);
    this.persist();
    this.resetElectionTimer();
    void this.collectVotes(this.currentTerm);
  }

  /**
   * Asks every peer for its vote at once and resolves as soon as the outcome
   * is known (note 8: no waiting for the rest once a majority has voted).
   */
  collectVotes(term: number): Promise<void> {
    const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex: this.lastLogIndex(), lastLogTerm: this.lastLogTerm() };
    const majority = this.majority();
    let answered = 1; // We answered ourselves.
    return new Promise<void>((decided) => {
      const tally = (): void => {
        if (this.role === Candidate && this.currentTerm === term && this.getGrantedVotes() >= majority) {
          this.becomeLeader();
          decided();
        } else if (answered === this.peers.length || this.role !== Candidate || this.currentTerm !== term) {
          decided();
        }
      };
      this.peers.forEach((peer, i) => {
        if (i === this.me) return;
        void peer.call<RequestVoteReply>(RPC.RequestVote, args).then((reply) => {
          answered++;
          if (reply !== null && !this.killed()) {
            if (reply.term > this.currentTerm) this.becomeFollower(reply.term);
            // The lab's guidance on RPC replies: the term and role may have changed while the RPC was out, so check them again.
            else if (reply.voteGranted && this.grantCounts(term)) this.votes.add(i);
          }
          tally();
        });
      });
      tally(); // A cluster of one elects itself at once.
    });
  }

  getGrantedVotes(): number {
    return this.votes.size;
  }

  /** Votes that win an election: a majority of the cluster, ourselves included. */
  protected majority(): number {
    return Math.floor(this.peers.length / 2) + 1;
  }

  /** A grant answering our term-`term` request counts only if we are still a candidate in that term. */
  protected grantCounts(term: number): boolean {
    return this.role === Candidate && this.currentTerm === term;
  }

  /**
   * One AppendEntries to every peer, carrying whatever it lacks from its
   * nextIndex on (Figure 2: heartbeats are AppendEntries too).
   */
  sendHeartBeats(): void {
    this.lastHeartbeatAt = this.runtime.now();
    this.advanceCommitIndex(); // A cluster of one commits on its own.
    this.peers.forEach((_, i) => {
      if (i !== this.me) this.sendAppendEntries(i);
    });
  }

  /**
   * One AppendEntries to one peer, from its nextIndex on, in the current
   * term; or, when the log no longer holds the entry before nextIndex,
   * InstallSnapshot (Figure 13).
   */
  protected sendAppendEntries(peer: number): void {
    const term = this.currentTerm;
    const off = this.lastIncludedIndex;
    const next = Math.min(this.nextIndex[peer] ?? 1, off + this.log.length);
    if (next <= off) {
      this.sendInstallSnapshot(peer);
      return;
    }
    const prevLogIndex = next - 1;
    const args: AppendEntriesArgs = {
      term,
      leaderId: this.me,
      prevLogIndex,
      prevLogTerm: (this.log[prevLogIndex - off] as LogEntry).term,
      entries: this.entriesFrom(next),
      leaderCommit: this.commitIndex,
    };
    void (this.peers[peer] as Peer).call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => {
      if (reply === null || this.killed()) return;
      if (reply.term > this.currentTerm) this.becomeFollower(reply.term);
      else if (this.stillLeads(term)) this.onAppendReply(peer, args, reply);
    });
  }

  /**
   * Whether a reply to a request sent in `term` still speaks to this server:
   * the world may have moved on while it waited, and a reply counts only
   * for the leader of the term the request was sent in (Figure 2's
   * nextIndex and matchIndex are a term's leader state).
   */
  protected stillLeads(term: number): boolean {
    return this.role === Leader && this.currentTerm === term;
  }

  /** What an AppendEntries from nextIndex `next` carries: all the follower lacks. */
  protected entriesFrom(next: number): LogEntry[] {
    return this.log.slice(next - this.lastIncludedIndex);
  }

  /** The answer to an AppendEntries of the current term, while still its leader. */
  protected onAppendReply(peer: number, args: AppendEntriesArgs, reply: AppendEntriesReply): void {
    if (reply.success) {
      // From what was sent, not from the log as it is now: the log may have
      // grown since, and a late reply must not vouch for more (§5.3).
      const match = args.prevLogIndex + args.entries.length;
      if (match > (this.matchIndex[peer] ?? 0)) this.matchIndex[peer] = match;
      if (match + 1 > (this.nextIndex[peer] ?? 1)) this.nextIndex[peer] = match + 1;
      this.advanceCommitIndex();
    } else if (this.nextIndex[peer] === args.prevLogIndex + 1) {
      // Only the answer to what we would send now moves nextIndex: a stale
      // rejection says nothing about the follower's log as it is.
      const next = Math.max(this.backUp(args, reply), (this.matchIndex[peer] ?? 0) + 1, 1);
      this.nextIndex[peer] = next;
      if (next <= args.prevLogIndex) this.retryAfterRefusal(peer); // it moved back
    }
  }

  /**
   * Figure 2: "If AppendEntries fails because of log inconsistency: decrement
   * nextIndex and retry", at once rather than at the next heartbeat. Under
   * TestFigure8Unreliable2C's long reordering, waiting a heartbeat per step
   * left the final one() short of its 10 s about once in 900 seeds. The retry
   * always carries entries (nextIndex went back), so it is not a heartbeat
   * in the lab's ten-a-second sense, and it happens only while logs differ.
   */
  protected retryAfterRefusal(peer: number): void {
    this.sendAppendEntries(peer);
  }

  /**
   * Where nextIndex goes after a rejection: by term, with the lab's hints (a
   * follower without the entry at prevLogIndex: its log length; a conflict
   * in a term we hold: just after our last entry of that term; otherwise the
   * first index the follower holds in the conflicting term). Without hints,
   * one entry back (§5.3).
   */
  protected backUp(args: AppendEntriesArgs, reply: AppendEntriesReply): number {
    const { xTerm, xIndex, xLen } = reply;
    if (xTerm === undefined || xLen === undefined || xIndex === undefined) return args.prevLogIndex;
    if (xTerm === -1) return Math.min(xLen, args.prevLogIndex);
    // Down to the snapshot's last entry, whose term log[0] keeps; below it,
    // the terms are gone (the follower's xIndex then, maybe a snapshot).
    const off = this.lastIncludedIndex;
    for (let i = Math.min(args.prevLogIndex, this.lastLogIndex()); i > 0 && i >= off; i--) {
      const term = (this.log[i - off] as LogEntry).term;
      if (term === xTerm) return i + 1;
      if (term < xTerm) break;
    }
    return xIndex;
  }

  /**
   * Figure 2, leaders: the highest N > commitIndex held by a majority whose
   * entry is of the current term; earlier terms' entries commit only with it
   * (§5.4.2, Figure 8).
   */
  protected advanceCommitIndex(): void {
    if (this.role !== Leader) return;
    this.matchIndex[this.me] = this.lastLogIndex();
    const majority = this.majority();
    for (let n = this.lastLogIndex(); n > this.commitIndex; n--) {
      if (!this.countsTowardCommit(n)) break;
      let holders = 0;
      for (let i = 0; i < this.peers.length; i++) if ((this.matchIndex[i] ?? 0) >= n) holders++;
      if (holders >= majority) {
        this.commitIndex = n;
        this.applyCommitted();
        return;
      }
    }
  }

  /** Whether counting replicas may commit index n: only for entries of the current term (Figure 8). */
  protected countsTowardCommit(n: number): boolean {
    return (this.log[n - this.lastIncludedIndex] as LogEntry).term === this.currentTerm;
  }

  isHeartBeatTimeOut(): boolean {
    return this.runtime.now() - this.lastHeartbeatAt >= this.timing.heartbeatMs;
  }

  getRandElectionTimeOut(): number {
    const [min, max] = this.timing.electionTimeoutMs;
    return this.runtime.random.between(min, max);
  }

  // ---- persistence ----
  // Figure 2's persistent state (currentTerm, votedFor, log[]) survives a
  // crash, so a restarted server cannot vote twice in a term nor forget what
  // it acknowledged.

  protected persist(): void {
    // The same text as JSON.stringify of a PersistentState, but each entry is
    // encoded once, not at every save: a leader saves its whole log on every
    // start(). (Keyed by the entry object, so however the log is changed,
    // the text follows it.)
    let log = '';
    for (let i = 1; i < this.log.length; i++) {
      const entry = this.log[i] as LogEntry;
      let json = encodedEntries.get(entry);
      if (json === undefined) {
        json = JSON.stringify(entry);
        encodedEntries.set(entry, json);
      }
      log += i === 1 ? json : `,${json}`;
    }
    if (this.lastIncludedIndex === 0) {
      this.persister.saveRaftState(`{"currentTerm":${this.currentTerm},"votedFor":${this.votedFor},"log":[${log}]}`);
      return;
    }
    // With a snapshot: its metadata with the state, and both saved at once
    // (the lab's Save(state, snapshot)), so that the stored snapshot always
    // matches the stored lastIncludedIndex, and no save ever erases it.
    const state = `{"currentTerm":${this.currentTerm},"votedFor":${this.votedFor},"log":[${log}],"lastIncludedIndex":${this.lastIncludedIndex},"lastIncludedTerm":${this.lastIncludedTerm()}}`;
    this.persister.save(state, this.snapshotData);
  }

  private readPersist(state: string): void {
    if (state === '') return;
    const saved = JSON.parse(state) as Partial<PersistentState>;
    this.currentTerm = saved.currentTerm ?? 0;
    this.votedFor = saved.votedFor ?? NOBODY;
    this.lastIncludedIndex = saved.lastIncludedIndex ?? 0;
    const base = this.lastIncludedIndex === 0 ? SENTINEL : { term: saved.lastIncludedTerm ?? 0, command: null };
    this.log = [base, ...(saved.log ?? [])];
  }

  // ---- transitions ----

  protected becomeLeader(): void {
    this.role = Leader;
    // Figure 2, volatile state on leaders, reinitialized after election.
    this.nextIndex = new Array<number>(this.peers.length).fill(this.lastLogIndex() + 1);
    this.matchIndex = new Array<number>(this.peers.length).fill(0);
    this.matchIndex[this.me] = this.lastLogIndex();
    this.sendHeartBeats(); // Figure 2, leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each server".
  }

  protected becomeFollower(term: number): void {
    this.currentTerm = term;
    this.votedFor = NOBODY;
    this.role = Follower;
    this.persist();
  }

  protected resetElectionTimer(): void {
    this.electionResetAt = this.runtime.now();
    this.electionTimeout = this.getRandElectionTimeOut();
  }
}

/** A `make` with other timing constants (the defaults are the design's). */
export function makeWithTiming(timing: Partial<RaftTiming>): MakeRaft {
  const full = { ...DEFAULT_TIMING, ...timing };
  return (peers, me, persister, applyCh, runtime) => {
    const raft = new Raft(peers, me, persister, applyCh, runtime, full);
    void raft.ticker();
    return raft;
  };
}

/** currentTerm and votedFor survive a crash (see persist()): the drivers may crash and restart it. */
export const persists = true;

/** The lab's Make(): returns at once, the ticker runs in the background. */
export const make: MakeRaft = makeWithTiming(DEFAULT_TIMING);
