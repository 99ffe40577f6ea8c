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
import type { AppendEntriesArgs, AppendEntriesReply, LogEntry, Peer } from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import { Leader, Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class ConfusesReplyTerms extends Raft {
  // The reference's sendAppendEntries, but for the one condition.
  protected override sendAppendEntries(peer: number): void {
    const term = this.currentTerm;
    const next = Math.min(this.nextIndex[peer] ?? 1, this.log.length);
    const prevLogIndex = next - 1;
    const args: AppendEntriesArgs = {
      term,
      leaderId: this.me,
      prevLogIndex,
      prevLogTerm: (this.log[prevLogIndex] as LogEntry).term,
      entries: this.entriesFrom(next),
      leaderCommit: this.commitIndex,
    };
    void (this.peers[peer] as Peer).call<AppendEntriesReply>(RPC.AppendEntries, args).then((reply) => {
      if (reply === null || this.killed()) return;
      if (reply.term > this.currentTerm) this.becomeFollower(reply.term);
      // BUG (L30): the reference also requires `this.currentTerm === term`
      // (the term the request was sent in).
      else if (this.role === Leader) this.onAppendReply(peer, args, reply);
    });
  }
}

export const make = makeVariant(ConfusesReplyTerms);
