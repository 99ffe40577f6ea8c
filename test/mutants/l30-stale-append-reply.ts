// L30: "Term confusion on AppendEntries replies: the leader handles the reply
// to an AppendEntries without checking that it is still leader in the term
// the request was sent in."
// Expected: CM (a command applied before a majority held it), SMS, LC.
//
// As students write it: the reply handler checks that the server leads now
// (`if rf.state != Leader { return }`) but not that it leads in the term of
// the request (`args.Term != rf.currentTerm`). A server that led term T, lost
// leadership, had its log overwritten (§5.3) and leads again in T' > T takes
// a success reply to its term-T request as news about its term-T' log: it
// sets matchIndex for entries the follower holds in another version, or not
// at all, counts that replica for an entry of T' and commits it without a
// majority (Figure 2's commit rule counts replicas of the leader's log).
// The reply must arrive after a re-election: a leader and a follower that
// acknowledged it cut off together, their replies held across the
// elections that follow (the fuzzer's nemesis).
import { Leader, Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class ConfusesReplyTerms extends Raft {
  // BUG (L30): the reference also requires `this.currentTerm === term`, the
  // term the request was sent in.
  protected override stillLeads(_term: number): boolean {
    return this.role === Leader;
  }
}

export const make = makeVariant(ConfusesReplyTerms);
export { persists } from './variant.ts';
