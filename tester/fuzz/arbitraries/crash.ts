// Fault kind `crash`: a server crashed (its persister kept), or restarted.
import fc from 'fast-check';
import { rawServerArb } from './raw-server.ts';

export type RawCrash = { op: 'crash' | 'restart'; server: number };

export const rawCrashArb: fc.Arbitrary<RawCrash> = fc.record({ op: fc.constantFrom('crash' as const, 'restart' as const), server: rawServerArb });
