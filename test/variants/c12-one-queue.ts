// C12: the Go mutex style, translated to JavaScript as ONE async queue.
//
// What sets this variant apart: every piece of work that touches Raft state
// is a task on a single promise chain (an async mutex). RPC handlers are
// async and resolve once their task has run; the 15 ms ticker, every RPC
// reply and the sending part of start() enqueue tasks too. Tasks are plain
// synchronous functions: an RPC is handed to the network from inside a task
// but never awaited there (holding the queue across the network is the
// classic deadlock); its reply comes back as a NEW task that re-checks term
// and role before acting. start() answers at once: it reads the state and
// appends to the log directly (nothing else runs in between in JavaScript's
// single thread), and enqueues the AppendEntries broadcast, which skips
// peers that already have an AppendEntries in flight (its reply, or the next
// heartbeat, carries the new entries: no pile of copies of a long suffix).
//
// Written from the Raft paper's Figure 2 and §5 and the MIT 6.824 lab's
// stated rules, independently of the project's reference Raft and the other
// variants. Labs 2A, 2B, 2C (no snapshots). Heartbeat 120 ms, election
// timeouts 300-600 ms, fast backup with the lab's xTerm/xIndex/xLen hints.
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
  RaftTiming,
  RequestVoteArgs,
  RequestVoteReply,
  StartResult,
} from '../../raft/contract.ts';
import type { Timer } from '../../runtime/clock.ts';
import { LogJson } from './log-json.ts';

const HEARTBEAT_MS = 120;
const ELECTION_MIN_MS = 300;
const ELECTION_MAX_MS = 600;
const TICK_MS = 15;

const RV = 'Raft.RequestVote';
const AE = 'Raft.AppendEntries';

export const persists = true;
export const timing: RaftTiming = { heartbeatMs: HEARTBEAT_MS, electionTimeoutMs: [ELECTION_MIN_MS, ELECTION_MAX_MS] };

type Role = 'follower' | 'candidate' | 'leader';

interface Saved {
  currentTerm: number;
  votedFor: number | null;
  log: LogEntry[];
}

class OneQueueRaft implements RaftPeer {
  // ---- persistent state (Figure 2) ----
  private currentTerm = 0;
  private votedFor: number | null = null;
  /** log[0] is a sentinel of term 0; real entries start at index 1. */
  private log: LogEntry[] = [{ term: 0, command: null }];

  // ---- volatile state ----
  private commitIndex = 0;
  private lastApplied = 0;
  private role: Role = 'follower';
  private nextIndex: number[] = [];
  private matchIndex: number[] = [];
  /** AppendEntries of this leadership sent to each peer and not yet answered (or failed). */
  private inflight: number[] = [];
  private votes = new Set<number>();

  private electionDeadline = 0;
  private nextHeartbeatAt = 0;
  private dead = false;
  private tickTimer: Timer | null = null;
  /** A broadcast task from start() is already waiting in the queue. */
  private broadcastQueued = false;

  /** The one queue: the tail of the promise chain every task joins. */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly logJson = new LogJson();

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
    private readonly applyCh: ApplyChannel,
    private readonly runtime: RaftRuntime,
  ) {
    this.restore();
    this.resetElectionDeadline();
    this.scheduleTick();
  }

  // ---- the queue ----

  /** Runs `task` after every task enqueued before it; nothing else touches the state meanwhile. */
  private enqueue<T>(task: () => T): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  // ---- the tester's interface ----

  getState(): RaftState {
    return { term: this.currentTerm, isLeader: !this.dead && this.role === 'leader' };
  }

  kill(): void {
    this.dead = true;
    if (this.tickTimer !== null) {
      this.tickTimer.cancel();
      this.tickTimer = null;
    }
  }

  requestVote(args: RequestVoteArgs): Promise<RequestVoteReply> {
    return this.enqueue(() => this.handleRequestVote(args));
  }

  appendEntries(args: AppendEntriesArgs): Promise<AppendEntriesReply> {
    return this.enqueue(() => this.handleAppendEntries(args));
  }

  start(command: unknown): StartResult {
    // Synchronous: no task is half-run while we are here (one thread, and
    // tasks never await), so reading and appending directly is safe.
    if (this.dead || this.role !== 'leader') {
      return { index: -1, term: this.currentTerm, isLeader: false };
    }
    this.log.push({ term: this.currentTerm, command });
    this.persist();
    const index = this.lastIndex();
    const term = this.currentTerm;
    if (!this.broadcastQueued) {
      this.broadcastQueued = true;
      void this.enqueue(() => {
        this.broadcastQueued = false;
        if (this.dead || this.role !== 'leader' || this.currentTerm !== term) return;
        // Peers with an AppendEntries in flight get the new entries when it
        // is answered (or with the next heartbeat): no pile of copies.
        for (let peer = 0; peer < this.peers.length; peer++) {
          if (peer !== this.me && this.inflight[peer] === 0) this.sendAppendEntries(peer);
        }
        this.advanceCommit(); // a one-server cluster commits on its own
      });
    }
    return { index, term, isLeader: true };
  }

  // ---- persistence ----

  private persist(): void {
    const log = this.logJson.of(this.log);
    const votedFor = this.votedFor === null ? 'null' : String(this.votedFor);
    this.persister.saveRaftState(`{"currentTerm":${this.currentTerm},"votedFor":${votedFor},"log":${log}}`);
  }

  private restore(): void {
    const text = this.persister.readRaftState();
    if (!text) return;
    const saved = JSON.parse(text) as Saved;
    this.currentTerm = saved.currentTerm;
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

  private resetElectionDeadline(): void {
    this.electionDeadline = this.runtime.now() + this.runtime.random.between(ELECTION_MIN_MS, ELECTION_MAX_MS);
  }

  /** Figure 2, all servers: a higher term turns us into its follower. The caller persists. */
  private adoptTerm(term: number): void {
    const wasLeader = this.role === 'leader';
    this.currentTerm = term;
    this.votedFor = null;
    this.role = 'follower';
    // A leader kept no election deadline while it led: give it a fresh one.
    if (wasLeader) this.resetElectionDeadline();
  }

  // ---- the ticker: a task every TICK_MS ----

  private scheduleTick(): void {
    this.tickTimer = this.runtime.setTimer(TICK_MS, () => {
      if (this.dead) return;
      void this.enqueue(() => this.tick());
      this.scheduleTick();
    });
  }

  private tick(): void {
    if (this.dead) return;
    const now = this.runtime.now();
    if (this.role === 'leader') {
      if (now >= this.nextHeartbeatAt) this.broadcastAppendEntries();
    } else if (now >= this.electionDeadline) {
      this.startElection();
    }
  }

  // ---- elections ----

  private startElection(): void {
    this.currentTerm += 1;
    this.votedFor = this.me;
    this.role = 'candidate';
    this.votes = new Set([this.me]);
    this.persist();
    this.resetElectionDeadline();
    if (this.votes.size >= this.majority()) {
      this.becomeLeader();
      return;
    }
    const args: RequestVoteArgs = {
      term: this.currentTerm,
      candidateId: this.me,
      lastLogIndex: this.lastIndex(),
      lastLogTerm: this.lastTerm(),
    };
    for (let peer = 0; peer < this.peers.length; peer++) {
      if (peer === this.me) continue;
      const p = peer;
      // Sent outside the queue: the reply comes back as a new task.
      void (this.peers[p] as Peer).call<RequestVoteReply>(RV, args).then((reply) => {
        if (reply !== null && !this.dead) void this.enqueue(() => this.onVoteReply(p, args, reply));
      });
    }
  }

  private onVoteReply(peer: number, args: RequestVoteArgs, reply: RequestVoteReply): void {
    if (this.dead) return;
    if (reply.term > this.currentTerm) {
      this.adoptTerm(reply.term);
      this.persist();
      return;
    }
    // Re-check: still the candidate of the term this request was for?
    if (this.role !== 'candidate' || this.currentTerm !== args.term) return;
    if (!reply.voteGranted || reply.term !== args.term) return;
    this.votes.add(peer);
    if (this.votes.size >= this.majority()) this.becomeLeader();
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.nextIndex = this.peers.map(() => this.lastIndex() + 1);
    this.matchIndex = this.peers.map(() => 0);
    this.matchIndex[this.me] = this.lastIndex();
    this.inflight = this.peers.map(() => 0);
    this.broadcastAppendEntries(); // the first heartbeat goes out at once
  }

  private handleRequestVote(args: RequestVoteArgs): RequestVoteReply {
    if (this.dead) return { term: this.currentTerm, voteGranted: false };
    let changed = false;
    if (args.term > this.currentTerm) {
      this.adoptTerm(args.term);
      changed = true;
    }
    let granted = false;
    if (args.term === this.currentTerm && (this.votedFor === null || this.votedFor === args.candidateId)) {
      const upToDate = args.lastLogTerm > this.lastTerm() || (args.lastLogTerm === this.lastTerm() && args.lastLogIndex >= this.lastIndex());
      if (upToDate) {
        granted = true;
        if (this.votedFor !== args.candidateId) {
          this.votedFor = args.candidateId;
          changed = true;
        }
        this.resetElectionDeadline();
      }
    }
    if (changed) this.persist();
    return { term: this.currentTerm, voteGranted: granted };
  }

  // ---- replication ----

  private broadcastAppendEntries(): void {
    this.nextHeartbeatAt = this.runtime.now() + HEARTBEAT_MS;
    for (let peer = 0; peer < this.peers.length; peer++) {
      if (peer !== this.me) this.sendAppendEntries(peer);
    }
  }

  /** Hands one AppendEntries to the network; the reply is processed as a new task. */
  private sendAppendEntries(peer: number): void {
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
    this.inflight[peer] = (this.inflight[peer] as number) + 1;
    void (this.peers[peer] as Peer).call<AppendEntriesReply>(AE, args).then((reply) => {
      if (!this.dead) void this.enqueue(() => this.onAppendReply(peer, args, reply));
    });
  }

  private onAppendReply(peer: number, args: AppendEntriesArgs, reply: AppendEntriesReply | null): void {
    if (this.dead) return;
    const sameLeadership = this.role === 'leader' && this.currentTerm === args.term;
    if (sameLeadership) this.inflight[peer] = Math.max(0, (this.inflight[peer] as number) - 1);
    if (reply === null) return; // lost: the next heartbeat carries the same
    if (reply.term > this.currentTerm) {
      this.adoptTerm(reply.term);
      this.persist();
      return;
    }
    // Re-check: still the leader of the term this request was sent in?
    if (this.role !== 'leader' || this.currentTerm !== args.term) return;
    const match = this.matchIndex[peer] as number;
    if (reply.success) {
      const newMatch = args.prevLogIndex + args.entries.length;
      if (newMatch > match) this.matchIndex[peer] = newMatch;
      const next = (this.matchIndex[peer] as number) + 1;
      if (next > (this.nextIndex[peer] as number)) this.nextIndex[peer] = next;
      this.advanceCommit();
      // Entries appended meanwhile go out now if nothing else is on its way.
      if (this.inflight[peer] === 0 && (this.nextIndex[peer] as number) <= this.lastIndex()) {
        this.sendAppendEntries(peer);
      }
      return;
    }
    // Refused at our term: back up past the conflict, a whole term at a time.
    let target: number;
    if (reply.xTerm === undefined || reply.xTerm < 0) {
      target = reply.xLen ?? args.prevLogIndex;
    } else {
      let lastOfTerm = -1;
      for (let i = args.prevLogIndex; i > 0; i--) {
        const t = this.termAt(i);
        if (t === reply.xTerm) {
          lastOfTerm = i;
          break;
        }
        if (t < reply.xTerm) break;
      }
      target = lastOfTerm > 0 ? lastOfTerm + 1 : (reply.xIndex ?? args.prevLogIndex);
    }
    // Never past the refused prevLogIndex, never at or below what is known to match.
    target = Math.max(Math.min(target, args.prevLogIndex), match + 1, 1);
    if (target < (this.nextIndex[peer] as number)) {
      this.nextIndex[peer] = target;
      this.sendAppendEntries(peer); // retry at once
    }
  }

  /** §5.3/§5.4.2: commit the highest index of the current term a majority holds. */
  private advanceCommit(): void {
    this.matchIndex[this.me] = this.lastIndex();
    for (let n = this.lastIndex(); n > this.commitIndex; n--) {
      if (this.termAt(n) !== this.currentTerm) break; // only entries of our own term by counting
      let count = 0;
      for (const m of this.matchIndex) if (m >= n) count++;
      if (count >= this.majority()) {
        this.commitIndex = n;
        break;
      }
    }
    this.applyCommitted();
  }

  private applyCommitted(): void {
    while (this.lastApplied < this.commitIndex && !this.dead) {
      this.lastApplied += 1;
      const entry = this.log[this.lastApplied] as LogEntry;
      this.applyCh.send({ commandValid: true, command: entry.command, commandIndex: this.lastApplied });
    }
  }

  private handleAppendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    if (this.dead || args.term < this.currentTerm) return { term: this.currentTerm, success: false };
    let changed = false;
    if (args.term > this.currentTerm) {
      this.adoptTerm(args.term);
      changed = true;
    }
    // The leader of our term: a candidate steps down, everyone waits again.
    this.role = 'follower';
    this.resetElectionDeadline();

    if (args.prevLogIndex > this.lastIndex()) {
      if (changed) this.persist();
      return { term: this.currentTerm, success: false, xTerm: -1, xIndex: -1, xLen: this.lastIndex() + 1 };
    }
    const prevTerm = this.termAt(args.prevLogIndex);
    if (prevTerm !== args.prevLogTerm) {
      let first = args.prevLogIndex;
      while (first > 1 && this.termAt(first - 1) === prevTerm) first--;
      if (changed) this.persist();
      return { term: this.currentTerm, success: false, xTerm: prevTerm, xIndex: first, xLen: this.lastIndex() + 1 };
    }
    // Receiver rules 3 and 4: cut only at a real conflict, append what is new.
    for (let i = 0; i < args.entries.length; i++) {
      const index = args.prevLogIndex + 1 + i;
      const entry = args.entries[i] as LogEntry;
      if (index <= this.lastIndex()) {
        if (this.termAt(index) === entry.term) continue;
        this.log.length = index;
      }
      this.log.push({ term: entry.term, command: entry.command });
      changed = true;
    }
    if (changed) this.persist();
    // Rule 5.
    const newCommit = Math.min(args.leaderCommit, args.prevLogIndex + args.entries.length);
    if (newCommit > this.commitIndex) {
      this.commitIndex = newCommit;
      this.applyCommitted();
    }
    return { term: this.currentTerm, success: true };
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => new OneQueueRaft(peers, me, persister, applyCh, runtime);
