// A deliberately broken Raft for the fuzzer's tests (bug E01 of
// shared/reference/election-checks.md): RequestVote grants a vote for an
// equal or higher term without checking whom it already voted for.
import type { MakeRaft, RequestVoteArgs, RequestVoteReply } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';

class VoteForAnyone extends Raft {
  override requestVote(args: RequestVoteArgs): RequestVoteReply {
    if (args.term >= this.currentTerm) this.votedFor = -1; // Forgets its vote.
    return super.requestVote(args);
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => {
  const raft = new VoteForAnyone(peers, me, persister, applyCh, runtime);
  void raft.ticker();
  return raft;
};
