// A virtual clock for implementations that call setTimeout, setInterval,
// Date and performance directly, and Math.random: for the duration of one
// simulation those globals answer from a fake clock (@sinonjs/fake-timers)
// that serves as the simulation's only scheduler, and from the simulation's
// seeded stream. Globals belong to the whole thread, so only one such
// simulation may run in a thread at a time.
//
// The globals are not swapped for each simulation but routed: installed once
// per thread (installTimerRouter), before the implementation's module is
// first imported, they send each call to the current simulation's fake clock
// when there is one and to Node's own functions otherwise. So a module that
// copies setTimeout into a field when it loads (tinyraft does) holds the
// router, and its timers are virtual too.
import { withGlobal, type Clock as FakeClock } from '@sinonjs/fake-timers';
import type { OwnedClock, Timer } from './clock.ts';
import type { Random } from './random.ts';
import type { SteppableClock } from './virtual-clock.ts';

/** Date.now() at virtual time 0. */
const EPOCH = Date.UTC(2026, 0, 1);

// Node's own, captured before any routing (fake-timers copies what it mimics now, too).
const native = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  Date: globalThis.Date,
  performance: globalThis.performance,
  random: Math.random,
};
const fakeTimers = withGlobal(globalThis);
const NativeTimeout = (() => {
  const probe = native.setTimeout(() => {}, 0);
  native.clearTimeout(probe);
  return probe.constructor;
})();

/** The simulation whose fake clock the globals answer from, if any. */
let current: { fake: FakeClock; random: Random } | undefined;
let routed = false;

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * Routes setTimeout, clearTimeout, setInterval, clearInterval, Date,
 * performance.now and Math.random of this thread through the current
 * simulation, if any (Node's own otherwise). Idempotent; call it before an
 * implementation's module is first imported.
 */
export function installTimerRouter(): void {
  if (routed) return;
  routed = true;
  const g = globalThis as unknown as Record<string, unknown>;
  const schedule = (name: 'setTimeout' | 'setInterval') =>
    function routedSchedule(...args: unknown[]): unknown {
      const target = current !== undefined ? current.fake[name] : native[name];
      return (target as AnyFunction)(...args);
    };
  const cancel = (name: 'clearTimeout' | 'clearInterval') =>
    function routedCancel(handle: unknown): void {
      // A handle belongs to whoever made it: Node's timers or the fake clock.
      if (handle instanceof NativeTimeout || current === undefined) (native[name] as AnyFunction)(handle);
      else (current.fake[name] as AnyFunction)(handle);
    };
  g['setTimeout'] = Object.assign(schedule('setTimeout'), native.setTimeout);
  g['setInterval'] = Object.assign(schedule('setInterval'), native.setInterval);
  g['clearTimeout'] = cancel('clearTimeout');
  g['clearInterval'] = cancel('clearInterval');
  const dateNow = (): number => (current !== undefined ? current.fake.now : native.Date.now());
  // fake-timers types its Date loosely; it is a DateConstructor.
  const dateOf = (fallback: DateConstructor): DateConstructor => (current !== undefined ? current.fake.Date : fallback);
  g['Date'] = new Proxy(native.Date, {
    construct: (_, args) => Reflect.construct(dateOf(native.Date), args) as object,
    apply: (_, thisArg, args) => Reflect.apply(dateOf(native.Date), thisArg, args) as unknown,
    get: (target, prop) => (prop === 'now' ? dateNow : Reflect.get(dateOf(target), prop)) as unknown,
  });
  const performanceNow = (): number => (current !== undefined ? (current.fake.performance as Performance).now() : native.performance.now());
  const routedPerformance = new Proxy(native.performance, {
    get: (target, prop) => {
      if (prop === 'now') return performanceNow;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as AnyFunction).bind(target) : value;
    },
  });
  Object.defineProperty(globalThis, 'performance', { value: routedPerformance, configurable: true, writable: true, enumerable: true });
  Math.random = () => (current !== undefined ? current.random.float() : native.random());
}

/** The fake-timers heap is not part of its typed API; read its head when present. */
type Peekable = { timerHeap?: { peek(): { callAt: number } | undefined } };

export class GlobalTimersClock implements OwnedClock, SteppableClock {
  readonly kind = 'virtual' as const;
  eventsRun = 0;
  private readonly fake: FakeClock;
  private disposed = false;

  constructor(random: Random) {
    if (current !== undefined) {
      throw new Error('global timers are already faked for another simulation in this thread: such simulations must run one at a time');
    }
    installTimerRouter();
    this.fake = fakeTimers.createClock(EPOCH, Number.MAX_SAFE_INTEGER);
    current = { fake: this.fake, random };
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

  /** The globals answer from Node's own functions again. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (current?.fake === this.fake) current = undefined;
  }
}
