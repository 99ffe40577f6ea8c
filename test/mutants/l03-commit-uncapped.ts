// L03: "A follower sets commitIndex to leaderCommit without capping it at
// the index of the last new entry."
// Expected: SMS, CM.
//
// Behind the reference's leader the cap never bites: it sends its whole log
// tail from a nextIndex that never lies before the follower's first
// conflicting entry, so the last new entry is at or past leaderCommit, or
// the request truncates the follower's stale suffix. The bug shows behind a
// leader that is correct in another way: it starts every follower's
// nextIndex at 1 (Figure 2 says last log index + 1; any lower value is safe,
// only slower) and sends at most BATCH entries per AppendEntries (Figure 2:
// "may send more than one for efficiency"). Its followers cap commitIndex at
// the end of their own log instead of at the last new entry, the usual form
// of the bug: a suffix left over from an old term, after a batch that
// matches, gets committed.
import type { AppendEntriesArgs, LogEntry } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

const BATCH = 8;

export class CommitUncapped extends Raft {
  // BUG (L03): the reference takes min(leaderCommit, index of last new entry) (Figure 2, receiver rule 5).
  protected override followerCommitIndex(args: AppendEntriesArgs): number {
    return Math.min(args.leaderCommit, this.lastLogIndex());
  }

  /** Figure 2's leader, with every nextIndex starting at 1 (safe, slower). */
  protected override becomeLeader(): void {
    super.becomeLeader();
    this.nextIndex = new Array<number>(this.peers.length).fill(1);
  }

  /** At most BATCH entries per AppendEntries (heartbeats and retries alike). */
  protected override entriesFrom(next: number): LogEntry[] {
    return this.log.slice(next, next + BATCH);
  }
}

export const make = makeVariant(CommitUncapped);
export { persists } from './variant.ts';
