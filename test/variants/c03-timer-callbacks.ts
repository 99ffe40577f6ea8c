// Correct variant C03: timer callbacks instead of a loop, and the paper's
// short election timeouts.
//
// Written from Figure 2 of the Raft paper, independently of the reference
// Raft, as closures rather than a class. There is no loop at all: one
// election timer (runtime.setTimer), cancelled and set again whenever Figure 2
// says to reset it, and, while leading, one heartbeat timer that sets itself
// again every 100 ms (10 a second, the lab's limit). Election timeouts are the
// paper's 150-300 ms (§5.2, §9.3). Nothing is persisted.
import type { AppendEntriesArgs, AppendEntriesReply, MakeRaft, RaftPeer, RequestVoteArgs, RequestVoteReply } from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import type { Timer } from '../../runtime/clock.ts';

const HEARTBEAT_EVERY_MS = 100;
const ELECTION_TIMEOUT_LOW_MS = 150;
const ELECTION_TIMEOUT_HIGH_MS = 300;

/** Declared, so the checks may also hold it to its own timing (raft/contract.ts, RaftModule.timing). */
export const timing = { heartbeatMs: HEARTBEAT_EVERY_MS, electionTimeoutMs: [ELECTION_TIMEOUT_LOW_MS, ELECTION_TIMEOUT_HIGH_MS] as const };

export const make: MakeRaft = (peers, me, _persister, _applyCh, runtime): RaftPeer => {
  let term = 0;
  let votedFor: number | undefined;
  let state: 'follower' | 'candidate' | 'leader' = 'follower';
  let dead = false;
  let electionTimer: Timer | undefined;
  let heartbeatTimer: Timer | undefined;
  const majority = Math.floor(peers.length / 2) + 1;

  function resetElectionTimer(): void {
    electionTimer?.cancel();
    if (dead) return;
    const timeout = runtime.random.between(ELECTION_TIMEOUT_LOW_MS, ELECTION_TIMEOUT_HIGH_MS);
    electionTimer = runtime.setTimer(timeout, onElectionTimeout);
  }

  function stopHeartbeats(): void {
    heartbeatTimer?.cancel();
    heartbeatTimer = undefined;
  }

  function stepDown(newTerm: number): void {
    term = newTerm;
    votedFor = undefined;
    if (state === 'leader') {
      stopHeartbeats();
      resetElectionTimer(); // A leader has no election timer running: start one.
    }
    state = 'follower';
  }

  function onElectionTimeout(): void {
    if (dead || state === 'leader') return;
    term += 1;
    state = 'candidate';
    votedFor = me;
    resetElectionTimer(); // A split vote ends in a new election (§5.2).
    const electionTerm = term;
    let votes = 1;
    if (votes >= majority) becomeLeader();
    const args: RequestVoteArgs = { term: electionTerm, candidateId: me, lastLogIndex: 0, lastLogTerm: 0 };
    peers.forEach((peer, i) => {
      if (i === me) return;
      void peer.call<RequestVoteReply>(RPC.RequestVote, args).then((reply) => {
        if (dead || reply === null) return;
        if (reply.term > term) return stepDown(reply.term);
        if (state !== 'candidate' || term !== electionTerm || !reply.voteGranted) return;
        votes += 1;
        if (votes === majority) becomeLeader();
      });
    });
  }

  function becomeLeader(): void {
    state = 'leader';
    electionTimer?.cancel();
    sendHeartbeats(); // Figure 2: upon election, at once.
  }

  function sendHeartbeats(): void {
    if (dead || state !== 'leader') return;
    heartbeatTimer = runtime.setTimer(HEARTBEAT_EVERY_MS, sendHeartbeats);
    const args: AppendEntriesArgs = { term, leaderId: me, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 };
    peers.forEach((peer, i) => {
      if (i === me) return;
      void peer.call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => {
        if (!dead && reply !== null && reply.term > term) stepDown(reply.term);
      });
    });
  }

  resetElectionTimer();

  return {
    getState: () => ({ term, isLeader: state === 'leader' }),

    kill(): void {
      dead = true;
      electionTimer?.cancel();
      stopHeartbeats();
    },

    requestVote(args: RequestVoteArgs): RequestVoteReply {
      if (args.term > term) stepDown(args.term);
      if (args.term < term) return { term, voteGranted: false };
      if (votedFor !== undefined && votedFor !== args.candidateId) return { term, voteGranted: false };
      votedFor = args.candidateId;
      resetElectionTimer(); // Figure 2: granting a vote resets the election timer.
      return { term, voteGranted: true };
    },

    appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
      if (args.term > term) stepDown(args.term);
      if (args.term < term) return { term, success: false };
      state = 'follower'; // A candidate of this term learns of its leader (§5.2).
      resetElectionTimer();
      return { term, success: true };
    },
  };
};
