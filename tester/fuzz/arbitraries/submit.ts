// Client commands: start(command) on a server, a burst of them at once or
// spread in the background (the lab's Backup starts 50 on a cut-off leader).
import fc from 'fast-check';
import { rawServerArb } from './raw-server.ts';

/** Client commands are drawn from 1..MAX_COMMAND: small enough that duplicates happen. */
export const MAX_COMMAND = 200;
/**
 * A client step starts up to this many commands at once (the lab's Backup
 * starts 50 on a cut-off leader): long divergent logs are what make backing
 * up nextIndex slow.
 */
const MAX_BURST = 60;
/** The longest gap between the commands of one client step, in virtual ms (0: all at once). */
const MAX_COMMAND_GAP_MS = 50;

export type RawSubmit = { op: 'submit'; server: number; command: number; count: number; everyMs: number };

export const rawSubmitArb: fc.Arbitrary<RawSubmit> = fc.record({
  op: fc.constant('submit' as const),
  server: rawServerArb,
  command: fc.integer({ min: 1, max: MAX_COMMAND }),
  count: fc.integer({ min: 1, max: MAX_BURST }),
  everyMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: MAX_COMMAND_GAP_MS })),
});
