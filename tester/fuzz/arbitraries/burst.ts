// Commands for the leader of the moment, as a nemesis round (or a 2D lag round) gives them.
import fc from 'fast-check';
import { MAX_COMMAND } from './submit.ts';

export interface RawBurst {
  command: number;
  count: number;
}

export const rawBurstArb = (max: number, min = 1): fc.Arbitrary<RawBurst> =>
  fc.record({ command: fc.integer({ min: 1, max: MAX_COMMAND }), count: fc.integer({ min, max }) });
