// A second, independently written leader election, in the style many people
// write their own: plain setTimeout/setInterval, Date.now and Math.random,
// and nothing of the harness's runtime. The harness can still run it in
// virtual time (it swaps those globals for the iteration's virtual clock and
// seeded random stream), because this module says so:
export const timers = 'global';

import type { AppendEntriesArgs, AppendEntriesReply, MakeRaft, Peer, Persister, RaftPeer, RequestVoteArgs, RequestVoteReply } from '../raft/contract.ts';

const HEARTBEAT_MS = 120;

type Role = 'follower' | 'candidate' | 'leader';

class TimerRaft implements RaftPeer {
  private term = 0;
  private votedFor: number | null = null;
  private role: Role = 'follower';
  private electionTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(
    private readonly peers: Peer[],
    private readonly me: number,
    private readonly persister: Persister,
  ) {
    // Term and vote survive a crash, or a restarted server could vote twice in a term.
    const saved = persister.readRaftState();
    if (saved !== '') ({ term: this.term, votedFor: this.votedFor } = JSON.parse(saved) as { term: number; votedFor: number | null });
    this.armElectionTimer();
  }

  private save(): void {
    this.persister.saveRaftState(JSON.stringify({ term: this.term, votedFor: this.votedFor }));
  }

  getState(): { term: number; isLeader: boolean } {
    return { term: this.term, isLeader: this.role === 'leader' };
  }

  kill(): void {
    this.stopped = true;
    clearTimeout(this.electionTimer);
    clearInterval(this.heartbeatTimer);
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    this.observeTerm(args.term);
    const grant = args.term === this.term && (this.votedFor === null || this.votedFor === args.candidateId);
    if (grant) {
      this.votedFor = args.candidateId;
      this.save();
      this.armElectionTimer();
    }
    return { term: this.term, voteGranted: grant };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    this.observeTerm(args.term);
    if (args.term < this.term) return { term: this.term, success: false };
    if (this.role !== 'follower') this.becomeFollower();
    this.armElectionTimer();
    return { term: this.term, success: true };
  }

  // An election timer that is re-armed, rather than a ticker that polls.
  private armElectionTimer(): void {
    clearTimeout(this.electionTimer);
    if (this.stopped) return;
    const timeout = 200 + Math.floor(Math.random() * 200);
    this.electionTimer = setTimeout(() => this.campaign(), timeout);
  }

  private campaign(): void {
    if (this.stopped || this.role === 'leader') return;
    this.role = 'candidate';
    this.term += 1;
    this.votedFor = this.me;
    this.save();
    const term = this.term;
    let votes = 1;
    const needed = Math.floor(this.peers.length / 2) + 1;
    this.armElectionTimer();
    if (votes >= needed) this.becomeLeader();
    this.peers.forEach((peer, i) => {
      if (i === this.me) return;
      const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex: 0, lastLogTerm: 0 };
      void peer.call<RequestVoteReply>('Raft.RequestVote', args).then((reply) => {
        if (reply === null || this.stopped) return;
        this.observeTerm(reply.term);
        if (this.role !== 'candidate' || this.term !== term || !reply.voteGranted) return;
        votes += 1;
        if (votes === needed) this.becomeLeader();
      });
    });
  }

  private becomeLeader(): void {
    this.role = 'leader';
    clearTimeout(this.electionTimer);
    this.broadcastHeartbeat();
    this.heartbeatTimer = setInterval(() => this.broadcastHeartbeat(), HEARTBEAT_MS);
  }

  private becomeFollower(): void {
    this.role = 'follower';
    clearInterval(this.heartbeatTimer);
    this.armElectionTimer();
  }

  private observeTerm(term: number): void {
    if (term <= this.term) return;
    this.term = term;
    this.votedFor = null;
    this.save();
    if (this.role !== 'follower') this.becomeFollower();
  }

  private broadcastHeartbeat(): void {
    if (this.stopped || this.role !== 'leader') return;
    const term = this.term;
    this.peers.forEach((peer, i) => {
      if (i === this.me) return;
      const args: AppendEntriesArgs = { term, leaderId: this.me, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 };
      void peer.call<AppendEntriesReply>('Raft.AppendEntries', args).then((reply) => {
        if (reply !== null && !this.stopped) this.observeTerm(reply.term);
      });
    });
  }
}

export const make: MakeRaft = (peers, me, persister) => new TimerRaft(peers, me, persister);
