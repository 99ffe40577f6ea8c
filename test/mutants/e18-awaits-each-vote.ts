// E18: "The candidate or leader awaits each RPC in turn (or all of them)
// before going on."
// Expected: LV, ST.
import type { RequestVoteArgs, RequestVoteReply } from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import { Candidate, Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class AwaitsEachVote extends Raft {
  // The reference's collectVotes, with one change.
  override async collectVotes(term: number): Promise<void> {
    const args: RequestVoteArgs = { term, candidateId: this.me, lastLogIndex: 0, lastLogTerm: 0 };
    const majority = this.majority();
    const won = (): boolean => this.role === Candidate && this.currentTerm === term && this.getGrantedVotes() >= majority;
    if (won()) {
      this.becomeLeader(); // A cluster of one elects itself at once.
      return;
    }
    for (let i = 0; i < this.peers.length; i++) {
      if (i === this.me) continue;
      if (this.role !== Candidate || this.currentTerm !== term) return;
      // BUG (E18): the reference asks every peer at once; this waits for each
      // reply (or failure: up to 7 s for an unreachable peer) before asking the next.
      const reply = await (this.peers[i] as (typeof this.peers)[number]).call<RequestVoteReply>(RPC.RequestVote, args);
      if (reply !== null && !this.killed()) {
        if (reply.term > this.currentTerm) this.becomeFollower(reply.term);
        else if (reply.voteGranted && this.grantCounts(term)) this.votes.add(i);
      }
      if (won()) {
        this.becomeLeader();
        return;
      }
    }
  }
}

export const make = makeVariant(AwaitsEachVote);
export { persists } from './variant.ts';
