// L22: "The snapshot is not reloaded on restart."
// Expected: DUR, then the lab's own check, in TestSnapshotInit2D: the
// restarted server keeps the log's offset but not the snapshot, so its next
// save, Save(state, nil) in the lab, erases the stored snapshot; after the
// next restart the tester finds none, and the server applies from after an
// offset the service never saw (DUR: those entries are in neither its
// snapshot nor its log; the lab's applier: "expected index 1, got 10").
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class SnapshotNotReloaded extends Raft {
  constructor(...args: ConstructorParameters<typeof Raft>) {
    super(...args);
    // BUG (L22): the snapshot read back from the persister is dropped.
    this.snapshotData = '';
  }
}

export const make = makeVariant(SnapshotNotReloaded);
export { persists } from './variant.ts';
