// L21: "An InstallSnapshot older than the commit index is accepted: the
// snapshot goes backwards."
// Expected: AO ("snapshot moved backwards"): a late or duplicated
// InstallSnapshot whose last included index is the follower's own
// snapshot's, arriving after the follower has applied beyond it, is
// installed; its service goes back to the snapshot's state and the
// follower applies the entries after it again. The lab's checks pass it:
// its ingestSnap does not check that snapshots only move forward, and the
// commands applied again are the same ones, in order.
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class SnapshotGoesBack extends Raft {
  // BUG (L21): compares with its own snapshot, not with what it has
  // applied (commitIndex): a snapshot it already holds counts as new.
  protected override snapshotIsNewer(lastIncludedIndex: number): boolean {
    return lastIncludedIndex >= this.lastIncludedIndex;
  }
}

export const make = makeVariant(SnapshotGoesBack);
export { persists } from './variant.ts';
