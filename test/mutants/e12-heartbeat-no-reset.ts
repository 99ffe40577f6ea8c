// E12: "A heartbeat does not reset the follower's election timer."
// Expected: ST.
import type { AppendEntriesArgs, AppendEntriesReply } from '../../raft/contract.ts';
import { Candidate, Follower, Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class HeartbeatKeepsTimer extends Raft {
  override appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    if (args.term < this.currentTerm) return { term: this.currentTerm, success: false };
    if (args.term > this.currentTerm) this.becomeFollower(args.term);
    else if (this.role === Candidate) this.role = Follower;
    // BUG (E12): the reference calls this.resetElectionTimer() here.
    return { term: this.currentTerm, success: true };
  }
}

export const make = makeVariant(HeartbeatKeepsTimer);
