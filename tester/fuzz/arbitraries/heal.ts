// Fault kind `heal`: every link restored, every server connected.
import fc from 'fast-check';

export type RawHeal = { op: 'heal' };

export const rawHealArb: fc.Arbitrary<RawHeal> = fc.record({ op: fc.constant('heal' as const) });
