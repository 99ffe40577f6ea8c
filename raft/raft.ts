// The reference leader election (lab 2A), as the design in
// shared/seed/lab2A-leader-election.md lays it out: one ticker loop that
// sleeps 30 ms, checks the heartbeat or election timer, and acts.
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  ApplyChannel,
  MakeRaft,
  Peer,
  Persister,
  RaftPeer,
  RaftRuntime,
  RaftState,
  RequestVoteArgs,
  RequestVoteReply,
} from './contract.ts';
import { RPC } from './contract.ts';

export const Follower = 1;
export const Candidate = 2;
export const Leader = 3;
export type Role = typeof Follower | typeof Candidate | typeof Leader;

export interface ElectionTiming {
  /** How long the ticker sleeps between checks (ElectionSleepTime). */
  tickerSleepMs: number;
  /** How often a leader sends heartbeats (HeartBeatSendTime). */
  heartbeatMs: number;
  /** Election timeouts are uniform in [min, max] (ElectionTimeOutMin/Max). */
  electionTimeoutMinMs: number;
  electionTimeoutMaxMs: number;
}

export const DEFAULT_TIMING: Readonly<ElectionTiming> = {
  tickerSleepMs: 30,
  heartbeatMs: 110,
  electionTimeoutMinMs: 150,
  electionTimeoutMaxMs: 300,
};

const NOBODY = -1;

export class Raft implements RaftPeer {
  // Note 11: the initial term is 0.
  currentTerm = 0;
  votedFor = NOBODY;
  role: Role = Follower;
  private dead = false;
  private electionResetAt: number;
  private electionTimeout: number;
  // The protected members and the two hooks (majority, grantCounts) are for
  // the harness's broken variants (test/mutants): each subclasses this class
  // and changes one decision.
  protected lastHeartbeatAt = 0;
  /** Servers that granted their vote in the current election, ourselves included. */
  protected votes = new Set<number>();

  constructor(
    readonly peers: Peer[],
    readonly me: number,
    readonly persister: Persister,
    readonly applyCh: ApplyChannel,
    readonly runtime: RaftRuntime,
    readonly timing: ElectionTiming = DEFAULT_TIMING,
  ) {
    this.electionResetAt = runtime.now();
    this.electionTimeout = this.getRandElectionTimeOut();
    this.readPersist(persister.readRaftState());
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

  // ---- RPC handlers ----

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    // Note 5: a higher term turns anyone into a follower of that term first.
    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    if (args.term < this.currentTerm) return { term: this.currentTerm, voteGranted: false };
    // Note 6: one vote per term (granting the same candidate again is fine).
    if (this.votedFor !== NOBODY && this.votedFor !== args.candidateId) {
      return { term: this.currentTerm, voteGranted: false };
    }
    this.votedFor = args.candidateId;
    this.persist();
    this.resetElectionTimer(); // Note 10: granting a vote resets the timer.
    return { term: this.currentTerm, voteGranted: true };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    if (args.term < this.currentTerm) return { term: this.currentTerm, success: false };
    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    // An equal-term heartbeat means someone won this term: a candidate yields.
    else if (this.role === Candidate) this.role = Follower;
    this.resetElectionTimer(); // Note 10: a heartbeat from the leader resets it.
    return { term: this.currentTerm, success: true };
  }

  // ---- the ticker ----

  async ticker(): Promise<void> {
    while (!this.killed()) {
      await this.runtime.sleep(this.timing.tickerSleepMs);
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
    const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex: 0, lastLogTerm: 0 };
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
            // Note 4: the world may have moved on while we waited.
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

  sendHeartBeats(): void {
    this.lastHeartbeatAt = this.runtime.now();
    const term = this.currentTerm;
    const args: AppendEntriesArgs = { term, leaderId: this.me, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 };
    this.peers.forEach((peer, i) => {
      if (i === this.me) return;
      void peer.call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => {
        if (reply !== null && !this.killed() && reply.term > this.currentTerm) this.becomeFollower(reply.term);
      });
    });
  }

  isHeartBeatTimeOut(): boolean {
    return this.runtime.now() - this.lastHeartbeatAt >= this.timing.heartbeatMs;
  }

  getRandElectionTimeOut(): number {
    return this.runtime.random.between(this.timing.electionTimeoutMinMs, this.timing.electionTimeoutMaxMs);
  }

  // ---- persistence ----
  // Beyond the 2A design: currentTerm and votedFor survive a crash (Figure 2
  // of the Raft paper), so a restarted server cannot vote twice in a term.

  protected persist(): void {
    this.persister.saveRaftState(JSON.stringify({ currentTerm: this.currentTerm, votedFor: this.votedFor }));
  }

  private readPersist(state: string): void {
    if (state === '') return;
    const saved = JSON.parse(state) as { currentTerm: number; votedFor: number };
    this.currentTerm = saved.currentTerm;
    this.votedFor = saved.votedFor;
  }

  // ---- transitions ----

  protected becomeLeader(): void {
    this.role = Leader;
    this.sendHeartBeats(); // Notes 2 and 9: heartbeat at once on winning.
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
export function makeWithTiming(timing: Partial<ElectionTiming>): MakeRaft {
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
