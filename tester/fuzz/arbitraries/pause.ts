// A pause: the schedule's time, during which nothing is done to the cluster.
import fc from 'fast-check';

/** The longest single pause, in virtual ms. */
const MAX_PAUSE_MS = 2500;

export type RawPause = { op: 'pause'; ms: number };

export const rawPauseArb: fc.Arbitrary<RawPause> = fc.record({ op: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: MAX_PAUSE_MS }) });
