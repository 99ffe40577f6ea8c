// A virtual clock for implementations that call setTimeout, setInterval,
// Date and performance directly, and Math.random: for the duration of one
// simulation those globals are swapped (by @sinonjs/fake-timers, with the
// faked functions listed explicitly) for a fake clock that serves as the
// simulation's only scheduler, and Math.random for the simulation's seeded
// stream. Globals belong to the whole thread, so only one such simulation
// may run in a thread at a time.
import { withGlobal, type Clock as FakeClock } from '@sinonjs/fake-timers';
import type { OwnedClock, Timer } from './clock.ts';
import type { Random } from './random.ts';
import type { SteppableClock } from './virtual-clock.ts';

const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] as const;
/** Date.now() at virtual time 0. */
const EPOCH = Date.UTC(2026, 0, 1);

let inUse = false;

/** The fake-timers heap is not part of its typed API; read its head when present. */
type Peekable = { timerHeap?: { peek(): { callAt: number } | undefined } };

export class GlobalTimersClock implements OwnedClock, SteppableClock {
  readonly kind = 'virtual' as const;
  eventsRun = 0;
  private readonly fake: FakeClock;
  private readonly realRandom = Math.random;
  private disposed = false;

  constructor(random: Random) {
    if (inUse) {
      throw new Error('global timers are already faked for another simulation in this thread: such simulations must run one at a time');
    }
    inUse = true;
    this.fake = withGlobal(globalThis).install({ now: EPOCH, toFake: [...FAKED], loopLimit: Number.MAX_SAFE_INTEGER });
    Math.random = () => random.float();
  }

  now(): number {
    return this.fake.now - EPOCH;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const id = this.fake.setTimeout(fn, Math.max(0, ms));
    return { cancel: () => this.fake.clearTimeout(id) };
  }

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.setTimer(ms, resolve);
    });
  }

  pendingTimers(): number {
    return this.fake.countTimers();
  }

  cancelAll(): void {
    const now = this.fake.now;
    this.fake.reset();
    this.fake.setSystemTime(now);
  }

  nextDue(): number | undefined {
    if (this.fake.countTimers() === 0) return undefined;
    const head = (this.fake as unknown as Peekable).timerHeap?.peek();
    return head === undefined ? this.now() : head.callAt - EPOCH;
  }

  runNext(): boolean {
    if (this.fake.countTimers() === 0) return false;
    this.eventsRun++;
    this.fake.next();
    return true;
  }

  advanceTo(time: number): void {
    if (time > this.now()) this.fake.setSystemTime(EPOCH + time);
  }

  /** Puts the real globals back. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.fake.uninstall();
    Math.random = this.realRandom;
    inUse = false;
  }
}
