// Fault kind `nemesis`: a block of rounds (nemesis-round.ts), inserted as
// one before the at-th step of the schedule (modulo its length + 1).
import fc from 'fast-check';
import { rawRoundArb, type RawRound } from './nemesis-round.ts';

/** The most rounds in a nemesis block. */
const MAX_NEMESIS_ROUNDS = 8;

export interface RawNemesis {
  at: number;
  rounds: RawRound[];
}

// Half the scenarios use the nemesis (freq 2: null once in two), as the
// other kinds' swarm bits.
export const rawNemesisArb: fc.Arbitrary<RawNemesis | null> = fc.option(
  fc.record({ at: fc.nat({ max: 1000 }), rounds: fc.array(rawRoundArb, { minLength: 1, maxLength: MAX_NEMESIS_ROUNDS, size: 'max' }) }),
  { freq: 2, nil: null },
);
