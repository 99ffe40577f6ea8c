// L03: "A follower sets commitIndex to leaderCommit without capping it at
// the index of the last new entry."
// Expected: SMS, CM.
import type { AppendEntriesArgs } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class CommitUncapped extends Raft {
  // BUG (L03): the reference takes min(leaderCommit, index of last new entry) (Figure 2, receiver rule 5).
  protected override followerCommitIndex(args: AppendEntriesArgs): number {
    return args.leaderCommit;
  }
}

export const make = makeVariant(CommitUncapped);
