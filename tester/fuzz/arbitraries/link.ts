// Fault kind `link`: the one-way link from one server to another cut, or restored.
import fc from 'fast-check';
import { rawServerArb } from './raw-server.ts';

export type RawLink = { op: 'cut' | 'restore'; from: number; to: number };

export const rawLinkArb: fc.Arbitrary<RawLink> = fc.record({ op: fc.constantFrom('cut' as const, 'restore' as const), from: rawServerArb, to: rawServerArb });
