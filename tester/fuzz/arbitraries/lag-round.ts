// Lab 2D: a round that makes a leader send InstallSnapshot (Figure 13). A
// server is cut off (disconnected, or crashed); the others elect if it led;
// the leader of the moment gets a burst of commands and time to commit
// them, so that the snapshot applier has every server that applies them
// snapshot past what the cut-off one holds (a snapshot every tenth command);
// then the server comes back (connected, or restarted), and is given time
// to catch up while the network's faults still hold, so that its
// InstallSnapshot is dropped, delayed, reordered and duplicated like any
// other message. Optionally a crashOnInstall waits for it as it comes back,
// and a crashOnSnapshot on some server during the burst.
import fc from 'fast-check';
import { rawBurstArb, type RawBurst } from './burst.ts';
import { rawServerArb } from './raw-server.ts';

/** The wait after the cut: past the reference's longest election timeout (500 ms), mostly, so that a new leader takes the burst. */
const MIN_ELECT_MS = 600;
const MAX_ELECT_MS = 1500;
/** The burst: at least a snapshot interval's worth (10), so that the leader snapshots past the cut-off server. */
const MIN_LAG_BURST = 10;
const MAX_LAG_BURST = 60;
/**
 * The wait for the burst to commit, and after the server is back: at least
 * a few of the reference's 110 ms heartbeats, so that the leader does it
 * while the network's faults still hold.
 */
const MIN_SETTLE_MS = 300;
const MAX_SETTLE_MS = 1500;
const MIN_CATCH_UP_MS = 300;
const MAX_CATCH_UP_MS = 1500;
/** The longest wait before a server crashed by the round's crash triggers restarts. */
const MAX_RESTART_AFTER_MS = 1000;

export interface RawLagRound {
  /** The server cut off (modulo n). */
  server: number;
  /** Cut off by a crash (restarted to come back) rather than disconnected (connected to come back). */
  crash: boolean;
  electMs: number;
  burst: RawBurst;
  settleMs: number;
  /** A crashOnSnapshot armed on this server (modulo n) as the burst starts, restarted restartAfterMs later; null: none. */
  crashOnSnapshot: { server: number; restartAfterMs: number } | null;
  /** A crashOnInstall armed on the cut-off server just before it comes back, restarted this many ms later; null: none. */
  crashOnInstall: number | null;
  catchUpMs: number;
}

export const rawLagRoundArb: fc.Arbitrary<RawLagRound> = fc.record({
  server: rawServerArb,
  crash: fc.boolean(),
  electMs: fc.integer({ min: MIN_ELECT_MS, max: MAX_ELECT_MS }),
  burst: rawBurstArb(MAX_LAG_BURST, MIN_LAG_BURST),
  settleMs: fc.integer({ min: MIN_SETTLE_MS, max: MAX_SETTLE_MS }),
  crashOnSnapshot: fc.option(fc.record({ server: rawServerArb, restartAfterMs: fc.integer({ min: 0, max: MAX_RESTART_AFTER_MS }) }), { freq: 3, nil: null }),
  crashOnInstall: fc.option(fc.integer({ min: 0, max: MAX_RESTART_AFTER_MS }), { freq: 3, nil: null }),
  catchUpMs: fc.integer({ min: MIN_CATCH_UP_MS, max: MAX_CATCH_UP_MS }),
});

/** The most lag rounds in a 2D scenario. */
const MIN_LAG_ROUNDS = 2;
const MAX_LAG_ROUNDS = 5;

export interface RawLag {
  at: number;
  rounds: RawLagRound[];
}

// Nine 2D scenarios in ten have lag rounds (shrinks to none); half of
// those open the schedule, before its other faults can leave no majority
// to commit the bursts (shrinks to there).
export const rawLagArb: fc.Arbitrary<RawLag | null> = fc.option(
  fc.record({
    at: fc.oneof(fc.constant(0), fc.nat({ max: 1000 })),
    rounds: fc.array(rawLagRoundArb, { minLength: MIN_LAG_ROUNDS, maxLength: MAX_LAG_ROUNDS, size: 'max' }),
  }),
  { freq: 10, nil: null },
);
