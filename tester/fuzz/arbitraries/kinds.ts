// Swarm testing: the fault kinds a scenario uses at all, each on with
// probability 1/2. The nemesis's bit is drawn with its block, last (nemesis.ts).
import fc from 'fast-check';
import type { FaultKind } from '../../execution/scenario.ts';

export type RawKinds = Record<Exclude<FaultKind, 'nemesis'>, boolean>;

export const rawKindsArb: fc.Arbitrary<RawKinds> = fc.record({
  disconnect: fc.boolean(),
  partition: fc.boolean(),
  link: fc.boolean(),
  crash: fc.boolean(),
  heal: fc.boolean(),
});
