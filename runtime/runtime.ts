// A runtime is what one seed makes: a clock (virtual or real) and a family
// of random streams. Components get scoped views of it.
import type { Clock, ClockKind, OwnedClock, Timer } from './clock.ts';
import { Random } from './random.ts';
import { CALL_TIMER, enterCall, leaveCall } from './in-call.ts';
import { GlobalTimersClock } from './global-timers.ts';
import { RealClock } from './real-clock.ts';
import { VirtualClock, type SteppableClock } from './virtual-clock.ts';

export interface WorldOptions {
  /**
   * Virtual time for an implementation that uses setTimeout, Date and
   * Math.random directly: those globals are faked for this world's lifetime.
   */
  globalTimers?: boolean;
}

/** Time and randomness, as handed to the network, the tester and a Raft. */
export interface Runtime {
  /** Milliseconds since the run started. */
  now(): number;
  sleep(ms: number): Promise<void>;
  setTimer(ms: number, fn: () => void): Timer;
  /** This component's own random stream. */
  readonly random: Random;
}

export class World {
  readonly clock: OwnedClock;

  constructor(
    readonly kind: ClockKind,
    readonly seed: number,
    options: WorldOptions = {},
  ) {
    if (kind === 'real') this.clock = new RealClock();
    else if (options.globalTimers === true) this.clock = new GlobalTimersClock(this.random('globals'));
    else this.clock = new VirtualClock();
  }

  /** The virtual clock, for drivers; throws for a real-time world. */
  get virtualClock(): OwnedClock & SteppableClock {
    if (this.clock instanceof RealClock) throw new Error('this world runs in real time');
    return this.clock as OwnedClock & SteppableClock;
  }

  /** Ends the world: puts back any faked globals. */
  dispose(): void {
    if (this.clock instanceof GlobalTimersClock) this.clock.dispose();
  }

  /** A random stream of its own for the named component. */
  random(stream: string): Random {
    return new Random(this.seed, stream);
  }

  /** A runtime view for one component, with its own random stream. */
  runtime(stream: string, owner = -1): ScopedRuntime {
    return new ScopedRuntime(this.clock, this.random(stream), owner);
  }
}

/**
 * One component's view of the runtime. It counts the timers the component
 * sets, so the tester can tell when a killed server keeps running.
 */
export class ScopedRuntime implements Runtime {
  timersSet = 0;
  private killedAt = 0;
  private leakAfter: number | undefined;
  private onLeak: ((msAfterKill: number) => void) | undefined;

  constructor(
    private readonly clock: Clock,
    readonly random: Random,
    /** The server whose runtime this is (-1: none), named if one of its timer callbacks never returns. */
    private readonly owner = -1,
  ) {}

  now(): number {
    return this.clock.now();
  }

  setTimer(ms: number, fn: () => void): Timer {
    this.counted();
    const owner = this.owner;
    // Marked as the implementation's call: the watchdog names it if it never returns.
    return this.clock.setTimer(ms, () => {
      const before = enterCall(CALL_TIMER, owner);
      try {
        fn();
      } finally {
        leaveCall(before);
      }
    });
  }

  sleep(ms: number): Promise<void> {
    this.counted();
    return this.clock.sleep(ms);
  }

  /**
   * The component was killed: timers it set before may still fire, but
   * setting a new one more than `graceMs` later means it never stopped.
   */
  watchAfterKill(graceMs: number, onLeak: (msAfterKill: number) => void): void {
    this.killedAt = this.clock.now();
    this.leakAfter = this.killedAt + graceMs;
    this.onLeak = onLeak;
  }

  private counted(): void {
    this.timersSet++;
    if (this.leakAfter !== undefined && this.clock.now() > this.leakAfter) {
      const report = this.onLeak;
      this.leakAfter = undefined;
      this.onLeak = undefined;
      report?.(this.clock.now() - this.killedAt);
    }
  }
}
