// The liveness phase: every server healed, or a majority (the mask's
// members, topped up to a majority of the drawn cluster); the calm hold
// after its leader; a reliable network or small delays.
import fc from 'fast-check';
import { MAX_SERVERS } from '../../execution/scenario.ts';
import { CALM_MAX_DELAY_MS } from '../../monitors/facts.ts';

/** The longest calm hold after the liveness leader, in virtual ms. */
const MAX_HOLD_MS = 3000;

export interface RawLiveness {
  all: boolean;
  mask: boolean[];
  holdMs: number;
  delayMs: number;
}

export const rawLivenessArb: fc.Arbitrary<RawLiveness> = fc.record({
  all: fc.boolean(),
  mask: fc.array(fc.boolean(), { minLength: MAX_SERVERS, maxLength: MAX_SERVERS }),
  holdMs: fc.integer({ min: 0, max: MAX_HOLD_MS }),
  delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: CALM_MAX_DELAY_MS })),
});
