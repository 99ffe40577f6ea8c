// Lab 2D: the service on a server snapshots its applied log through an
// index of the step's choosing (the snapshot applier itself only picks every
// tenth). Skipped when that server has not applied so far, so the index is
// drawn small enough that most are.
import fc from 'fast-check';
import { rawServerArb } from './raw-server.ts';

/** The highest index a snapshot step names: about what a scenario's commands reach. */
export const MAX_SNAPSHOT_INDEX = 150;

export type RawSnapshot = { op: 'snapshot'; server: number; index: number };

export const rawSnapshotArb: fc.Arbitrary<RawSnapshot> = fc.record({
  op: fc.constant('snapshot' as const),
  server: rawServerArb,
  index: fc.integer({ min: 1, max: MAX_SNAPSHOT_INDEX }),
});
