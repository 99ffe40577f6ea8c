// Work that needs no timer takes no virtual time (issue 11): between two
// timers of one world, every continuation runs, whether it comes from a
// promise, queueMicrotask, process.nextTick or setImmediate, for runtime and
// global-timer worlds alike; work waiting on real I/O is detected and named.
import { expect } from 'chai';
import { readFile } from 'node:fs';
import { GlobalTimersClock } from '../../runtime/global-timers.ts';
import { Random } from '../../runtime/random.ts';
import { pendingImmediates, runVirtual, type RunOutcome } from '../../runtime/settle-pump.ts';
import type { SteppableClock } from '../../runtime/virtual-clock.ts';
import { VirtualClock } from '../../runtime/virtual-clock.ts';
import type { OwnedClock } from '../../runtime/clock.ts';
import { runIteration } from '../../tester/stress/iteration.ts';
import { LAB_2A_TESTS } from '../../tester/lab2a.ts';
import { make as immediateStorageRaft } from '../fixtures/immediate-storage-raft.ts';
import { make as realIoRaft } from '../fixtures/real-io-raft.ts';

/** A chain of `depth` hops that mixes every kind of continuation Node has. */
function chain(depth: number, done: () => void): void {
  if (depth === 0) {
    done();
    return;
  }
  const next = (): void => chain(depth - 1, done);
  switch (depth % 4) {
    case 0:
      setImmediate(next);
      break;
    case 1:
      process.nextTick(next);
      break;
    case 2:
      queueMicrotask(next);
      break;
    default:
      void Promise.resolve().then(next);
  }
}

/** A timer at 10 ms starts a chain; timers every ms after it must wait for its end. */
async function chainEndsAt(clock: OwnedClock & SteppableClock, depth: number): Promise<{ endedAt: number; ticksBefore: number }> {
  let ticks = 0;
  let endedAt = -1;
  let ticksBefore = -1;
  const outcome: RunOutcome<void> = await runVirtual(clock, async () => {
    await new Promise<void>((resolve) => {
      clock.setTimer(10, () =>
        chain(depth, () => {
          endedAt = clock.now();
          ticksBefore = ticks;
          resolve();
        }),
      );
      for (let ms = 11; ms < 200; ms++) clock.setTimer(ms, () => ticks++);
    });
  }).outcome;
  expect(outcome.status).to.equal('done');
  return { endedAt, ticksBefore };
}

describe('continuations take no virtual time', function () {
  it('a chain of setImmediate, nextTick, queueMicrotask and promise hops ends at the instant it began (runtime timers)', async function () {
    const { endedAt, ticksBefore } = await chainEndsAt(new VirtualClock(), 40);
    expect({ endedAt, ticksBefore }).to.deep.equal({ endedAt: 10, ticksBefore: 0 });
    expect(pendingImmediates()).to.equal(0);
  });

  it('the same with global timers (setTimeout faked for the world)', async function () {
    const clock = new GlobalTimersClock(new Random(1, 'globals'));
    try {
      const { endedAt, ticksBefore } = await chainEndsAt(clock, 40);
      expect({ endedAt, ticksBefore }).to.deep.equal({ endedAt: 10, ticksBefore: 0 });
    } finally {
      clock.dispose();
    }
  });

  it('a Raft whose storage answers through setImmediate passes the 2A tests in virtual time, and replays exactly', async function () {
    this.timeout(20_000);
    for (const test of LAB_2A_TESTS) {
      const traces: string[][] = [[], []];
      for (const trace of traces) {
        const result = await runIteration(test, 7, { raft: immediateStorageRaft, record: (e) => trace.push(JSON.stringify(e)) });
        expect(result.ok, `${test.name}: ${result.message}`).to.equal(true);
      }
      expect(traces[0]).to.deep.equal(traces[1]);
    }
  });
});

describe('real I/O in virtual time', function () {
  it('is detected and named as such, not reported as a Raft bug', async function () {
    this.timeout(20_000);
    const result = await runIteration(LAB_2A_TESTS[0]!, 3, { raft: realIoRaft });
    expect(result.ok).to.equal(false);
    expect(result.check).to.equal('REAL-IO');
    expect(result.message).to.match(
      /^the implementation waits on real I\/O \(FSReqCallback in flight\): virtual time cannot wait for work outside the process/,
    );
    expect(result.message).to.match(/--clock real/);
  });
});

// A harness-level check that readFile really is the kind of request the pump looks for.
describe('realIoInFlight', function () {
  it('sees a file read in flight', async function () {
    const { realIoInFlight } = await import('../../runtime/settle-pump.ts');
    const done = new Promise<void>((resolve) => readFile(new URL(import.meta.url), () => resolve()));
    expect(realIoInFlight()).to.include('FSReqCallback');
    await done;
  });
});
