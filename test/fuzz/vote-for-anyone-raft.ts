// A deliberately broken Raft for the fuzzer's tests (bug E01 of
// the catalogue of known election bugs, docs/mutants-and-variants.md): RequestVote grants a vote for an
// equal or higher term without checking whom it already voted for.
import type { MakeRaft, RaftTiming, RequestVoteArgs, RequestVoteReply } from '../../raft/contract.ts';
import { DEFAULT_TIMING, Raft } from '../../raft/raft.ts';

class VoteForAnyone extends Raft {
  override requestVote(args: RequestVoteArgs): RequestVoteReply {
    if (args.term >= this.currentTerm) this.votedFor = -1; // Forgets its vote.
    return super.requestVote(args);
  }
}

// The 2A design's 150-300 ms election timeouts, which the reference had when
// the fuzzer found this Raft's stored scenario (test/regressions/e01-vote-for-anyone.json):
// the scenario replays event for event only with the timing it was found with.
const FOUND_WITH: RaftTiming = { ...DEFAULT_TIMING, electionTimeoutMs: [150, 300] };

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => {
  const raft = new VoteForAnyone(peers, me, persister, applyCh, runtime, FOUND_WITH);
  void raft.ticker();
  return raft;
};
