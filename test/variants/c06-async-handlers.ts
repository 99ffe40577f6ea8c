// Correct variant C06: RPC handlers that return promises, a Go-style lock,
// and persistence that takes time.
//
// Written from Figure 2 of the Raft paper, independently of the reference
// Raft, the way a port of a Go solution often looks: every piece of work
// (each RPC handler, each timer expiry, each reply) runs under one
// asynchronous mutex, so it sees and changes the state alone, as
// `rf.mu.Lock()` would. The handlers are `async` and answer only once the
// state they depend on is durable: persisting writes term and vote and then
// waits a millisecond (a stand-in for fsync) before the reply goes out.
//
// Election timeouts 400-800 ms, driven by a runtime timer; a 130 ms
// heartbeat timer while leading.
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  MakeRaft,
  Peer,
  Persister,
  RaftPeer,
  RaftRuntime,
  RaftState,
  RequestVoteArgs,
  RequestVoteReply,
} from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import type { Timer } from '../../runtime/clock.ts';

/** This module persists term and vote: crash and restart faults apply to it. */
export const persists = true;

const HEARTBEAT_PERIOD_MS = 130;
const ELECTION_TIMEOUT_FLOOR_MS = 400;
const ELECTION_TIMEOUT_SPREAD_MS = 400;
const FSYNC_MS = 1;

/** Declared, so the checks may also hold it to its own timing (raft/contract.ts, RaftModule.timing). */
export const timing = {
  heartbeatMs: HEARTBEAT_PERIOD_MS,
  electionTimeoutMs: [ELECTION_TIMEOUT_FLOOR_MS, ELECTION_TIMEOUT_FLOOR_MS + ELECTION_TIMEOUT_SPREAD_MS] as const,
};

/** One holder at a time, in arrival order: the asynchronous counterpart of sync.Mutex. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(critical: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(critical);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

class LockedRaft implements RaftPeer {
  private readonly mu = new Mutex();
  private currentTerm = 0;
  private votedFor: number | null = null;
  private leader = false;
  private candidate = false;
  private dead = false;
  private electionTimer: Timer | undefined;
  /** Bumped at every re-arm: an expiry queued behind the lock checks it is still the current one. */
  private electionEpoch = 0;
  private heartbeatTimer: Timer | undefined;

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
    private readonly rt: RaftRuntime,
  ) {
    const blob = persister.readRaftState();
    if (blob !== '') {
      const saved = JSON.parse(blob) as { currentTerm: number; votedFor: number | null };
      this.currentTerm = saved.currentTerm;
      this.votedFor = saved.votedFor;
    }
    this.armElectionTimer();
  }

  getState(): RaftState {
    // Reads two fields; no await between them, so no lock is needed to see them together.
    return { term: this.currentTerm, isLeader: this.leader };
  }

  kill(): void {
    this.dead = true;
    this.electionTimer?.cancel();
    this.heartbeatTimer?.cancel();
  }

  async requestVote(args: RequestVoteArgs): Promise<RequestVoteReply> {
    return this.mu.run(async () => {
      let dirty = this.observeTerm(args.term);
      let voteGranted = false;
      if (args.term === this.currentTerm && (this.votedFor === null || this.votedFor === args.candidateId)) {
        dirty ||= this.votedFor !== args.candidateId;
        this.votedFor = args.candidateId;
        voteGranted = true;
        this.armElectionTimer();
      }
      if (dirty) await this.persist();
      return { term: this.currentTerm, voteGranted };
    });
  }

  async appendEntries(args: AppendEntriesArgs): Promise<AppendEntriesReply> {
    return this.mu.run(async () => {
      const dirty = this.observeTerm(args.term);
      if (dirty) await this.persist();
      if (args.term < this.currentTerm) return { term: this.currentTerm, success: false };
      this.candidate = false;
      this.armElectionTimer();
      return { term: this.currentTerm, success: true };
    });
  }

  // ---- under the lock ----

  /** Writes term and vote, then waits for the "disk" before anything that depends on them goes out. */
  private async persist(): Promise<void> {
    this.persister.saveRaftState(JSON.stringify({ currentTerm: this.currentTerm, votedFor: this.votedFor }));
    await this.rt.sleep(FSYNC_MS);
  }

  /** Figure 2: a higher term makes this server a follower of it. Returns whether durable state changed. */
  private observeTerm(term: number): boolean {
    if (term <= this.currentTerm) return false;
    this.currentTerm = term;
    this.votedFor = null;
    this.candidate = false;
    if (this.leader) {
      this.leader = false;
      this.heartbeatTimer?.cancel();
      this.armElectionTimer();
    }
    return true;
  }

  private armElectionTimer(): void {
    this.electionTimer?.cancel();
    this.electionEpoch += 1;
    if (this.dead) return;
    const epoch = this.electionEpoch;
    const ms = ELECTION_TIMEOUT_FLOOR_MS + this.rt.random.intn(ELECTION_TIMEOUT_SPREAD_MS + 1);
    this.electionTimer = this.rt.setTimer(ms, () => void this.mu.run(() => this.electionTimeout(epoch)));
  }

  private async electionTimeout(epoch: number): Promise<void> {
    // The expiry waited for the lock: a heartbeat or a vote handled meanwhile
    // re-armed the timer, and this expiry is void (Figure 2: a follower
    // converts only if the timeout elapses without hearing from the leader).
    if (this.dead || this.leader || epoch !== this.electionEpoch) return;
    this.currentTerm += 1;
    this.votedFor = this.me;
    this.candidate = true;
    this.armElectionTimer();
    // The vote for itself is durable before any RequestVote claims it. Nothing
    // else runs meanwhile: the lock is held across the wait.
    await this.persist();
    if (this.dead) return;
    const term = this.currentTerm;
    const grants = new Set<number>([this.me]);
    if (grants.size * 2 > this.peers.length) {
      this.becomeLeader();
      return;
    }
    const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex: 0, lastLogTerm: 0 };
    this.peers.forEach((peer, i) => {
      if (i === this.me) return;
      void peer.call<RequestVoteReply>(RPC.RequestVote, args).then((reply) =>
        this.mu.run(async () => {
          if (reply === null || this.dead) return;
          if (this.observeTerm(reply.term)) {
            await this.persist();
            return;
          }
          if (!reply.voteGranted || !this.candidate || this.currentTerm !== term) return;
          grants.add(i);
          if (grants.size * 2 > this.peers.length) this.becomeLeader();
        }),
      );
    });
  }

  private becomeLeader(): void {
    this.candidate = false;
    this.leader = true;
    this.electionTimer?.cancel();
    this.heartbeat(); // Figure 2: upon election, at once.
  }

  private heartbeat(): void {
    if (this.dead || !this.leader) return;
    this.heartbeatTimer = this.rt.setTimer(HEARTBEAT_PERIOD_MS, () => void this.mu.run(() => this.heartbeat()));
    const args: AppendEntriesArgs = {
      term: this.currentTerm,
      leaderId: this.me,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      leaderCommit: 0,
    };
    this.peers.forEach((peer, i) => {
      if (i === this.me) return;
      void peer.call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) =>
        this.mu.run(async () => {
          if (reply !== null && !this.dead && this.observeTerm(reply.term)) await this.persist();
        }),
      );
    });
  }
}

export const make: MakeRaft = (peers, me, persister, _applyCh, runtime) => new LockedRaft(peers, me, persister, runtime);
