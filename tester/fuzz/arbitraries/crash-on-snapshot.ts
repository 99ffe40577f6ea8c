// Fault kind `crash`, lab 2D: a server crashed between the trim and the
// persist, inside its next snapshot() call or InstallSnapshot handler (right
// after its first save there), then restarted later or left down.
import fc from 'fast-check';
import { rawServerArb } from './raw-server.ts';

/** The longest wait before a server crashed by crashOnSnapshot or crashOnInstall restarts, in virtual ms. */
const MAX_RESTART_AFTER_MS = 2000;

export type RawCrashOnSnapshot = { op: 'crashOnSnapshot' | 'crashOnInstall'; server: number; restartAfterMs: number | null };

// Mostly restarted: a server left down shows nothing of what it saved until the liveness phase.
export const rawCrashOnSnapshotArb: fc.Arbitrary<RawCrashOnSnapshot> = fc.record({
  op: fc.constantFrom('crashOnSnapshot' as const, 'crashOnInstall' as const),
  server: rawServerArb,
  restartAfterMs: fc.option(fc.integer({ min: 0, max: MAX_RESTART_AFTER_MS }), { freq: 4, nil: null }),
});
