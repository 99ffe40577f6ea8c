// A runtime is what one seed makes: a clock (virtual or real) and a family
// of random streams. Components get scoped views of it.
import type { Clock, ClockKind, OwnedClock, Timer } from './clock.ts';
import { Random } from './random.ts';
import { RealClock } from './real-clock.ts';
import { VirtualClock } from './virtual-clock.ts';

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
  ) {
    this.clock = kind === 'virtual' ? new VirtualClock() : new RealClock();
  }

  /** The virtual clock, for drivers; throws for a real-time world. */
  get virtualClock(): VirtualClock {
    if (!(this.clock instanceof VirtualClock)) throw new Error('this world runs in real time');
    return this.clock;
  }

  /** A random stream of its own for the named component. */
  random(stream: string): Random {
    return new Random(this.seed, stream);
  }

  /** A runtime view for one component, with its own random stream. */
  runtime(stream: string): ScopedRuntime {
    return new ScopedRuntime(this.clock, this.random(stream));
  }
}

/**
 * One component's view of the runtime. It counts the timers the component
 * sets, so the tester can tell when a killed server keeps running.
 */
export class ScopedRuntime implements Runtime {
  timersSet = 0;

  constructor(
    private readonly clock: Clock,
    readonly random: Random,
  ) {}

  now(): number {
    return this.clock.now();
  }

  setTimer(ms: number, fn: () => void): Timer {
    this.timersSet++;
    return this.clock.setTimer(ms, fn);
  }

  sleep(ms: number): Promise<void> {
    this.timersSet++;
    return this.clock.sleep(ms);
  }
}
