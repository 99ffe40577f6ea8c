// Commands for the leader of the moment, as a nemesis round gives them.
import fc from 'fast-check';
import { MAX_COMMAND } from './submit.ts';

export interface RawBurst {
  command: number;
  count: number;
}

export const rawBurstArb = (max: number): fc.Arbitrary<RawBurst> =>
  fc.record({ command: fc.integer({ min: 1, max: MAX_COMMAND }), count: fc.integer({ min: 1, max }) });
