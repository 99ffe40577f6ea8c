// E12: "A heartbeat does not reset the follower's election timer."
// Expected: ST.
import type { AppendEntriesArgs, AppendEntriesReply } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class HeartbeatKeepsTimer extends Raft {
  private handlingAppend = false;

  // Everything else an AppendEntries does stays the reference's (the log included).
  override appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    this.handlingAppend = true;
    try {
      return super.appendEntries(args);
    } finally {
      this.handlingAppend = false;
    }
  }

  protected override resetElectionTimer(): void {
    // BUG (E12): the reference resets the timer on a heartbeat too (note 10).
    if (!this.handlingAppend) super.resetElectionTimer();
  }
}

export const make = makeVariant(HeartbeatKeepsTimer);
export { persists } from './variant.ts';
