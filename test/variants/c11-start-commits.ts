// C11: start() commits. A correct Raft (2A, 2B, 2C) whose start() does real
// work synchronously: the leader appends and persists the command, then at
// once recomputes its commit index (in a one-server cluster the leader alone
// is a majority, so the entry commits inside start()), applies everything
// newly committed by calling applyCh.send() before start() returns, and sends
// the AppendEntries to every follower right away (fire-and-forget; a
// follower far behind is left to heartbeats and retries). There is
// no applier loop anywhere: wherever the commit index advances (start(), an
// AppendEntries reply on the leader, the AppendEntries handler on a
// follower) the newly committed entries are applied on the spot. Timing runs
// on timer callbacks (runtime.setTimer), no loops: a 250-500 ms election
// timeout, a 100 ms heartbeat. Refused AppendEntries back up with the lab's
// xTerm/xIndex/xLen hints and are retried at once. A one-server cluster
// elects itself without any vote and commits in start().
//
// Written from the Raft paper's Figure 2 and §5 and the MIT 6.824 lab's text,
// independently of the project's reference Raft and of the other variants.
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
import type { Timer } from '../../runtime/clock.ts';
import { LogJson } from './log-json.ts';

const HEARTBEAT_MS = 100;
const ELECTION_MIN_MS = 250;
const ELECTION_MAX_MS = 500;
/**
 * start() sends at once to a follower whose backlog (what it lacks, the new
 * entry included) is at most this many entries; one further behind is being
 * brought up by heartbeats and refusal retries, and resending it its whole
 * backlog on every start() would make the bytes sent grow with the square
 * of the log.
 */
const START_SEND_MAX_BACKLOG = 16;

type Role = 'follower' | 'candidate' | 'leader';

interface Saved {
  term: number;
  votedFor: number | null;
  log: LogEntry[];
}

class StartCommitsRaft implements RaftPeer {
  // Persistent state (Figure 2). log[0] is a sentinel of term 0.
  private currentTerm = 0;
  private votedFor: number | null = null;
  private log: LogEntry[] = [{ term: 0, command: null }];
  private readonly logJson = new LogJson();

  // Volatile state.
  private commitIndex = 0;
  private lastApplied = 0;
  private role: Role = 'follower';
  private dead = false;
  private votes = 0;

  // Leader state, reset on each election won.
  private nextIndex: number[] = [];
  private matchIndex: number[] = [];

  private electionTimer: Timer | null = null;
  private heartbeatTimer: Timer | null = null;

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
    private readonly applyCh: ApplyChannel,
    private readonly runtime: RaftRuntime,
  ) {
    this.readPersisted();
    this.resetElectionTimer();
  }

  // ---- persistence ----

  private persist(): void {
    const logText = this.logJson.of(this.log);
    this.persister.saveRaftState(`{"term":${this.currentTerm},"votedFor":${JSON.stringify(this.votedFor)},"log":${logText}}`);
  }

  private readPersisted(): void {
    const text = this.persister.readRaftState();
    if (!text) return;
    const saved = JSON.parse(text) as Saved;
    this.currentTerm = saved.term;
    this.votedFor = saved.votedFor;
    this.log = [{ term: 0, command: null }, ...saved.log];
  }

  // ---- helpers ----

  private lastIndex(): number {
    return this.log.length - 1;
  }

  private lastTerm(): number {
    return (this.log[this.lastIndex()] as LogEntry).term;
  }

  private termAt(index: number): number {
    return (this.log[index] as LogEntry).term;
  }

  private majority(): number {
    return Math.floor(this.peers.length / 2) + 1;
  }

  /** Takes in a higher term: forget the vote, become a follower (the caller persists). */
  private adoptTerm(term: number): void {
    this.currentTerm = term;
    this.votedFor = null;
    this.becomeFollower();
  }

  private becomeFollower(): void {
    if (this.role === 'leader') {
      this.heartbeatTimer?.cancel();
      this.heartbeatTimer = null;
      this.resetElectionTimer(); // a leader keeps no election timer running
    }
    this.role = 'follower';
  }

  private resetElectionTimer(): void {
    this.electionTimer?.cancel();
    if (this.dead) return;
    const ms = this.runtime.random.between(ELECTION_MIN_MS, ELECTION_MAX_MS);
    this.electionTimer = this.runtime.setTimer(ms, () => this.onElectionTimeout());
  }

  // ---- apply, synchronously, wherever commitIndex moves ----

  private applyCommitted(): void {
    while (!this.dead && this.lastApplied < this.commitIndex) {
      this.lastApplied++;
      const entry = this.log[this.lastApplied] as LogEntry;
      this.applyCh.send({ commandValid: true, command: entry.command, commandIndex: this.lastApplied });
    }
  }

  /** Leader: the highest index of the current term held by a majority is committed (§5.4.2). */
  private advanceLeaderCommit(): void {
    if (this.role !== 'leader') return;
    this.matchIndex[this.me] = this.lastIndex();
    for (let n = this.lastIndex(); n > this.commitIndex; n--) {
      if (this.termAt(n) !== this.currentTerm) break; // earlier entries have earlier terms
      let count = 0;
      for (let i = 0; i < this.peers.length; i++) if ((this.matchIndex[i] ?? 0) >= n) count++;
      if (count >= this.majority()) {
        this.commitIndex = n;
        break;
      }
    }
    this.applyCommitted();
  }

  // ---- elections ----

  private onElectionTimeout(): void {
    this.electionTimer = null;
    if (this.dead || this.role === 'leader') return;
    this.startElection();
  }

  private startElection(): void {
    this.role = 'candidate';
    this.currentTerm++;
    this.votedFor = this.me;
    this.persist();
    this.resetElectionTimer();
    this.votes = 1;
    if (this.votes >= this.majority()) {
      this.becomeLeader(); // a one-server cluster needs no votes
      return;
    }
    const args: RequestVoteArgs = {
      term: this.currentTerm,
      candidateId: this.me,
      lastLogIndex: this.lastIndex(),
      lastLogTerm: this.lastTerm(),
    };
    for (let i = 0; i < this.peers.length; i++) {
      if (i === this.me) continue;
      void this.askVote(i, args);
    }
  }

  private async askVote(peer: number, args: RequestVoteArgs): Promise<void> {
    const reply = await (this.peers[peer] as Peer).call<RequestVoteReply>('Raft.RequestVote', args);
    if (this.dead || reply === null) return;
    if (reply.term > this.currentTerm) {
      this.adoptTerm(reply.term);
      this.persist();
      return;
    }
    if (this.role !== 'candidate' || this.currentTerm !== args.term || !reply.voteGranted) return;
    this.votes++;
    if (this.votes >= this.majority()) this.becomeLeader();
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.electionTimer?.cancel();
    this.electionTimer = null;
    this.nextIndex = this.peers.map(() => this.lastIndex() + 1);
    this.matchIndex = this.peers.map(() => 0);
    this.matchIndex[this.me] = this.lastIndex();
    this.sendHeartbeats();
  }

  private sendHeartbeats(): void {
    this.heartbeatTimer = null;
    if (this.dead || this.role !== 'leader') return;
    for (let i = 0; i < this.peers.length; i++) if (i !== this.me) void this.sendAppend(i);
    this.heartbeatTimer = this.runtime.setTimer(HEARTBEAT_MS, () => this.sendHeartbeats());
  }

  // ---- replication (leader side) ----

  private async sendAppend(peer: number): Promise<void> {
    const next = this.nextIndex[peer] as number;
    const prevLogIndex = next - 1;
    const args: AppendEntriesArgs = {
      term: this.currentTerm,
      leaderId: this.me,
      prevLogIndex,
      prevLogTerm: this.termAt(prevLogIndex),
      entries: this.log.slice(next),
      leaderCommit: this.commitIndex,
    };
    const reply = await (this.peers[peer] as Peer).call<AppendEntriesReply>('Raft.AppendEntries', args);
    if (this.dead || reply === null) return;
    if (reply.term > this.currentTerm) {
      this.adoptTerm(reply.term);
      this.persist();
      return;
    }
    if (this.role !== 'leader' || this.currentTerm !== args.term) return;
    if (reply.success) {
      const matched = args.prevLogIndex + args.entries.length;
      if (matched > (this.matchIndex[peer] as number)) this.matchIndex[peer] = matched;
      if (matched + 1 > (this.nextIndex[peer] as number)) this.nextIndex[peer] = matched + 1;
      this.advanceLeaderCommit();
      return;
    }
    // Refused: back up past the conflict, unless a newer reply already moved nextIndex.
    if (this.nextIndex[peer] !== args.prevLogIndex + 1) return;
    let back: number;
    if (reply.xTerm === undefined) {
      back = reply.xLen ?? args.prevLogIndex;
    } else {
      let last = -1;
      for (let i = args.prevLogIndex; i > 0; i--) {
        const t = this.termAt(i);
        if (t === reply.xTerm) {
          last = i;
          break;
        }
        if (t < reply.xTerm) break;
      }
      back = last > 0 ? last + 1 : (reply.xIndex ?? args.prevLogIndex);
    }
    this.nextIndex[peer] = Math.max(1, Math.min(back, args.prevLogIndex));
    void this.sendAppend(peer);
  }

  // ---- RPC handlers ----

  getState(): RaftState {
    return { term: this.currentTerm, isLeader: this.role === 'leader' && !this.dead };
  }

  kill(): void {
    this.dead = true;
    this.electionTimer?.cancel();
    this.electionTimer = null;
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    if (this.dead) return { term: this.currentTerm, voteGranted: false };
    if (args.term < this.currentTerm) return { term: this.currentTerm, voteGranted: false };
    let changed = false;
    if (args.term > this.currentTerm) {
      this.adoptTerm(args.term);
      changed = true;
    }
    const upToDate = args.lastLogTerm > this.lastTerm() || (args.lastLogTerm === this.lastTerm() && args.lastLogIndex >= this.lastIndex());
    let granted = false;
    if ((this.votedFor === null || this.votedFor === args.candidateId) && upToDate) {
      if (this.votedFor === null) changed = true;
      this.votedFor = args.candidateId;
      granted = true;
    }
    if (changed) this.persist();
    if (granted) this.resetElectionTimer();
    return { term: this.currentTerm, voteGranted: granted };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    if (this.dead) return { term: this.currentTerm, success: false };
    if (args.term < this.currentTerm) return { term: this.currentTerm, success: false };
    let changed = false;
    if (args.term > this.currentTerm) {
      this.adoptTerm(args.term);
      changed = true;
    } else {
      this.becomeFollower(); // a candidate of this term yields to its leader
    }
    this.resetElectionTimer();

    if (args.prevLogIndex > this.lastIndex()) {
      if (changed) this.persist();
      return { term: this.currentTerm, success: false, xLen: this.log.length };
    }
    const conflictTerm = this.termAt(args.prevLogIndex);
    if (conflictTerm !== args.prevLogTerm) {
      let first = args.prevLogIndex;
      while (first > 1 && this.termAt(first - 1) === conflictTerm) first--;
      if (changed) this.persist();
      return { term: this.currentTerm, success: false, xTerm: conflictTerm, xIndex: first, xLen: this.log.length };
    }

    // Receiver rules 3 and 4: drop a conflicting suffix, append what is new,
    // and keep everything that already matches (an old request must not
    // shorten the log).
    for (let i = 0; i < args.entries.length; i++) {
      const index = args.prevLogIndex + 1 + i;
      const entry = args.entries[i] as LogEntry;
      if (index <= this.lastIndex()) {
        if (this.termAt(index) === entry.term) continue;
        this.log.length = index;
      }
      for (let j = i; j < args.entries.length; j++) {
        const e = args.entries[j] as LogEntry;
        this.log.push({ term: e.term, command: e.command });
      }
      changed = true;
      break;
    }
    if (changed) this.persist();

    // Receiver rule 5, then apply at once.
    const lastNew = args.prevLogIndex + args.entries.length;
    if (args.leaderCommit > this.commitIndex) {
      const target = Math.min(args.leaderCommit, lastNew);
      if (target > this.commitIndex) this.commitIndex = target;
      this.applyCommitted();
    }
    return { term: this.currentTerm, success: true };
  }

  // ---- the idiom: start() persists, commits, applies and sends ----

  start(command: unknown): StartResult {
    if (this.dead || this.role !== 'leader') return { index: -1, term: this.currentTerm, isLeader: false };
    const term = this.currentTerm;
    this.log.push({ term, command });
    const index = this.lastIndex();
    this.persist();
    this.advanceLeaderCommit(); // alone in the cluster: commits and applies right here
    for (let i = 0; i < this.peers.length; i++) {
      if (i === this.me || this.dead || this.role !== 'leader') continue;
      if (index - (this.nextIndex[i] as number) + 1 <= START_SEND_MAX_BACKLOG) void this.sendAppend(i);
    }
    return { index, term, isLeader: true };
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => new StartCommitsRaft(peers, me, persister, applyCh, runtime);

export const persists = true;

export const timing = { heartbeatMs: HEARTBEAT_MS, electionTimeoutMs: [ELECTION_MIN_MS, ELECTION_MAX_MS] as const };
