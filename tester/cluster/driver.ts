// The driver of one run: the world (clock and random streams) of one seed,
// the virtual-time pump or the real-time poll, the test's time limit, and the
// run's first failure, which stops the clock and wakes whatever the test
// awaits. Nothing here knows about Raft.
import { invocation } from '../cli-args.ts';
import { randomInt } from 'node:crypto';
import type { ClockKind } from '../../runtime/clock.ts';
import { MAX_SEED } from '../../runtime/random.ts';
import { World } from '../../runtime/runtime.ts';
import { runVirtual, type VirtualRun } from '../../runtime/settle-pump.ts';
import { wallNow } from '../../runtime/wall.ts';
import { TestFailure, describeError, roundTimes } from '../failure.ts';

/** In real time, how often the observer runs (virtual time runs it at every instant). */
export const REAL_TIME_POLL_MS = 10;

export interface DriverOptions {
  clock?: ClockKind;
  seed?: number;
  /** Say the seed in a failure's message (default true; see ConfigOptions). */
  seedInMessages?: boolean;
  globalTimers?: boolean;
  /** The lab's limit on one test, in ms on the run's clock. */
  timeLimitMs: number;
  /** The test's name and the --raft module, to print how to replay a failure. */
  testName?: string;
  raftModule?: string;
}

export class RunDriver {
  readonly world: World;
  readonly seed: number;
  private run: VirtualRun<void> | undefined;
  private finishRun: () => void = () => {};
  private failure: TestFailure | undefined;
  private rejectWaits: (error: TestFailure) => void = () => {};
  private readonly failed: Promise<never>;
  private stopped = false;
  private readonly createdAt = wallNow();

  constructor(private readonly options: DriverOptions) {
    this.seed = options.seed ?? randomInt(MAX_SEED);
    this.world = new World(options.clock ?? 'virtual', this.seed, { globalTimers: options.globalTimers === true });
    this.failed = new Promise<never>((_, reject) => {
      this.rejectWaits = reject;
    });
    this.failed.catch(() => {}); // Observed through wait(); never unhandled.
  }

  get kind(): ClockKind {
    return this.world.clock.kind;
  }

  now(): number {
    return this.world.clock.now();
  }

  /**
   * Starts time: in virtual time, a run of the pump whose every new instant
   * first calls `observe`; in real time, `observe` every REAL_TIME_POLL_MS.
   * Either way the time limit fails the test.
   */
  start(observe: () => void): void {
    const limit = this.options.timeLimitMs;
    const clock = this.world.clock;
    if (clock.kind === 'virtual') {
      const lifetime = new Promise<void>((resolve) => {
        this.finishRun = resolve;
      });
      // Once per instant, not per timer: the servers' tickers mostly fire at
      // the same instants.
      const virtual = this.world.virtualClock;
      let observedAt = -1;
      this.run = runVirtual(virtual, () => lifetime, {
        deadline: limit,
        beforeEach: () => {
          if (virtual.now() === observedAt) return;
          observedAt = virtual.now();
          observe();
        },
      });
      void this.run.outcome.then((outcome) => {
        if (outcome.status === 'deadline') this.fail(`test took longer than ${limit / 1000} seconds`, 'LAB');
        else if (outcome.status === 'stalled') this.fail('the simulation stalled: nothing is scheduled, yet the test is still waiting', 'RAFT');
        else if (outcome.status === 'failed') this.fail(`a timer callback threw: ${describeError(outcome.error)}`, 'RAFT');
        else if (outcome.status === 'real-io') {
          this.fail(
            `the implementation waits on real I/O (${[...new Set(outcome.requests)].join(', ')} in flight): virtual time cannot wait for ` +
              'work outside the process, so its timers would race ahead of the answer. This is not a Raft bug: keep state in the ' +
              'persister (memory), or run it with --clock real',
            'REAL-IO',
          );
        }
      });
    } else {
      clock.setTimer(limit, () => this.fail(`test took longer than ${limit / 1000} seconds`, 'LAB'));
      const poll = (): void => {
        if (this.stopped) return;
        observe();
        clock.setTimer(REAL_TIME_POLL_MS, poll);
      };
      poll();
    }
  }

  /** Ends the run: nothing stays scheduled, faked globals are put back. */
  stop(): void {
    this.stopped = true;
    this.finishRun();
    this.world.clock.cancelAll();
    this.world.dispose();
  }

  /** The test's time.Sleep: on the run's clock, and cut short by a failure. */
  sleep(ms: number): Promise<void> {
    return this.wait(this.world.clock.sleep(ms));
  }

  /** Awaits a promise, unless the run fails first. */
  wait<T>(promise: Promise<T>): Promise<T> {
    this.throwIfFailed();
    return Promise.race([promise, this.failed]);
  }

  /** The first failure of the run, if any. */
  get failureSeen(): TestFailure | undefined {
    return this.failure;
  }

  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Records the run's first failure, stops the clock, and wakes the test. */
  fail(message: string, check: string, t = this.now()): void {
    if (this.failure !== undefined) return;
    const where = `${this.kind} t=${Math.round(t)} ms${this.options.seedInMessages === false ? '' : `, seed ${this.seed}`}`;
    const command = this.replayCommand();
    const replay = command !== undefined ? `\nreplay: ${command}` : '';
    this.failure = new TestFailure(`${roundTimes(message)} (${where})${replay}`, check, t);
    this.run?.stop(this.failure);
    this.rejectWaits(this.failure);
  }

  /** The command that runs this iteration again (virtual time only: real time cannot be replayed). */
  replayCommand(): string | undefined {
    const { testName, raftModule } = this.options;
    if (testName === undefined || this.kind !== 'virtual') return undefined;
    return replayCommand(testName, this.seed, raftModule);
  }

  /** Timers the virtual clock ran (0 in real time). */
  eventsRun(): number {
    return this.kind === 'virtual' ? this.world.virtualClock.eventsRun : 0;
  }

  /** Wall-clock ms the run cost (in virtual time: its share of the steps it shared with other runs). */
  wallMs(): number {
    return this.run !== undefined ? this.run.wallMs() : wallNow() - this.createdAt;
  }
}

export function replayCommand(testName: string, seed: number, raftModule?: string): string {
  return `${invocation('replay')} --test ${testName} --seed ${seed}${raftModule !== undefined ? ` --raft ${raftModule}` : ''}`;
}
