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

/** Lab 2D's highest drop rate: lower, so that the lag rounds' bursts commit while the faults hold. */
const MAX_DROP_PCT_2D = 20;
/** Lab 2D's lowest duplicate rate when duplicates are on: the few InstallSnapshots of a scenario should meet some. */
const MIN_DUPLICATE_PCT_2D = 20;
const MAX_DUPLICATE_PCT_2D = 50;

/**
 * Lab 2D's network: mostly unreliable, and then mostly with duplicates, so
 * that the InstallSnapshot the lag rounds provoke is lost, delayed,
 * reordered and duplicated like any other message (a duplicated or late
 * InstallSnapshot must not take a follower back, Figure 13 step 6). Long
 * reordering one time in three: with it, most bursts never commit before
 * the liveness phase (a reply late by up to 2.2 s for two messages in three).
 */
export const networkArb2D: fc.Arbitrary<NetworkProfile> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('reliable' as const), longDelays: fc.boolean() }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('unreliable' as const),
      requestDropPct: fc.integer({ min: 0, max: MAX_DROP_PCT_2D }),
      replyDropPct: fc.integer({ min: 0, max: MAX_DROP_PCT_2D }),
      maxDelayMs: fc.integer({ min: 0, max: MAX_SHORT_DELAY_MS }),
      longDelays: fc.boolean(),
      longReordering: fc.nat({ max: 3 }).map((x) => x === 3),
      duplicatePct: fc.oneof(
        { arbitrary: fc.constant(0), weight: 1 },
        { arbitrary: fc.integer({ min: MIN_DUPLICATE_PCT_2D, max: MAX_DUPLICATE_PCT_2D }), weight: 6 },
      ),
    }),
    weight: 8,
  },
);
