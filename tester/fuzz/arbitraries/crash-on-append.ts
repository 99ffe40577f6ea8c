// Fault kind `crash`, aimed: a server crashed in the middle of its next
// AppendEntries that carries entries, then restarted later or left down.
import fc from 'fast-check';
import { rawServerArb } from './raw-server.ts';

/** The longest wait before a server crashed by crashOnAppend restarts, in virtual ms. */
const MAX_RESTART_AFTER_MS = 2000;

export type RawCrashOnAppend = { op: 'crashOnAppend'; server: number; beforeReply: boolean; restartAfterMs: number | null };

export const rawCrashOnAppendArb: fc.Arbitrary<RawCrashOnAppend> = fc.record({
  op: fc.constant('crashOnAppend' as const),
  server: rawServerArb,
  beforeReply: fc.boolean(),
  restartAfterMs: fc.option(fc.integer({ min: 0, max: MAX_RESTART_AFTER_MS }), { nil: null }),
});
