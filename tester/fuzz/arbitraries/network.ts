// The network's faults during the schedule: reliable, or unreliable with its
// own drop rates, short delay, long delays, long reordering and duplicates.
import fc from 'fast-check';
import type { NetworkProfile } from '../../execution/scenario.ts';

/** Highest drop and duplicate rates, in percent. */
const MAX_RATE_PCT = 30;
/** Highest short delay of an unreliable network, in ms (the lab uses 26). */
const MAX_SHORT_DELAY_MS = 100;

const percent = fc.integer({ min: 0, max: MAX_RATE_PCT });

export const networkArb: fc.Arbitrary<NetworkProfile> = fc.oneof(
  fc.record({ kind: fc.constant('reliable' as const), longDelays: fc.boolean() }),
  fc.record({
    kind: fc.constant('unreliable' as const),
    requestDropPct: percent,
    replyDropPct: percent,
    maxDelayMs: fc.integer({ min: 0, max: MAX_SHORT_DELAY_MS }),
    longDelays: fc.boolean(),
    longReordering: fc.boolean(),
    duplicatePct: percent,
  }),
);
