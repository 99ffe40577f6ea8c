// One round of the nemesis: the cut; optionally hold the replies inside the
// minority; optionally commands at once (for the leader just cut off, which
// still leads its minority); wait pauseMs (the majority elects); optionally
// commands for the leader of the moment then (the majority's); wait
// settleMs; optionally release what is held.
import fc from 'fast-check';
import { MAX_HOLD_REPLY_MS, MIN_HOLD_MS } from '../../cluster/nemesis.ts';
import { rawBurstArb, type RawBurst } from './burst.ts';
import { rawServerArb } from './raw-server.ts';

/**
 * The longest wait after a nemesis's cut: a few election timeouts, so that
 * the majority elects meanwhile, yet short enough that a few rounds fit in
 * the 2.2 s a reply may be held.
 */
const MAX_NEMESIS_PAUSE_MS = 1500;
/** The longest wait after a nemesis's commands for the new leader: a heartbeat or a few, to replicate them. */
const MAX_NEMESIS_SETTLE_MS = 500;
/** The most commands a nemesis round gives a leader at once. */
const MAX_NEMESIS_BURST = 30;

/** What a nemesis round does first: cut the leader of the moment off, or move the minority on. */
export type RawCut = { op: 'isolateLeader'; followers: number; pick: number } | { op: 'rotate'; by: number };

export interface RawRound {
  cut: RawCut;
  holdMs: number | null;
  burst: RawBurst | null;
  pauseMs: number;
  then: RawBurst | null;
  settleMs: number;
  release: boolean;
}

export const rawRoundArb: fc.Arbitrary<RawRound> = fc.record({
  // Mostly the leader of the moment, with followers that acknowledged it.
  cut: fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('isolateLeader' as const), followers: fc.nat({ max: 8 }), pick: fc.nat({ max: 8 }) }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant('rotate' as const), by: rawServerArb }), weight: 1 },
  ),
  // Mostly the lab's longest delay: replies must outlast the elections that follow.
  holdMs: fc.option(
    fc.oneof({ arbitrary: fc.constant(MAX_HOLD_REPLY_MS), weight: 2 }, { arbitrary: fc.integer({ min: MIN_HOLD_MS, max: MAX_HOLD_REPLY_MS }), weight: 1 }),
    {
      freq: 3,
      nil: null,
    },
  ),
  burst: fc.option(rawBurstArb(MAX_NEMESIS_BURST), { freq: 5, nil: null }),
  pauseMs: fc.integer({ min: 0, max: MAX_NEMESIS_PAUSE_MS }),
  then: fc.option(rawBurstArb(5), { freq: 5, nil: null }),
  settleMs: fc.integer({ min: 0, max: MAX_NEMESIS_SETTLE_MS }),
  // Seldom (one round in four): what is held should mostly arrive on its own,
  // after later rounds. Shrinks to false.
  release: fc.nat({ max: 3 }).map((x) => x === 3),
});
