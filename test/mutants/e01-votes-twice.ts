// E01: "RequestVote grants a vote for an equal or higher term without
// checking whom it already voted for in that term."
// Expected: V1, ES (the catalogue of known election bugs).
import type { RequestVoteArgs, RequestVoteReply } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class VotesTwice extends Raft {
  override requestVote(args: RequestVoteArgs): RequestVoteReply {
    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    if (args.term < this.currentTerm) return { term: this.currentTerm, voteGranted: false };
    // BUG (E01): the reference refuses here when votedFor is another candidate.
    this.votedFor = args.candidateId;
    this.persist();
    this.resetElectionTimer();
    return { term: this.currentTerm, voteGranted: true };
  }
}

export const make = makeVariant(VotesTwice);
export { persists } from './variant.ts';
