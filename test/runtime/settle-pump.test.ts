// runVirtual and the shared settle pump: promise continuations settle between
// two timers, and every way a run can end.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFile, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeSimulations, runVirtual, type RunOutcome } from '../../runtime/settle-pump.ts';
import { VirtualClock } from '../../runtime/virtual-clock.ts';
import { never } from '../support/net-harness.ts';

async function awaitChain(n: number): Promise<void> {
  // Each await of a non-promise is one turn of the microtask queue: the chain being measured.
  // eslint-disable-next-line @typescript-eslint/await-thenable
  for (let i = 0; i < n; i++) await null;
}

/** A small concurrent program: tasks sleeping, chaining awaits and logging. */
async function program(clock: VirtualClock, k: number): Promise<string[]> {
  const log: string[] = [];
  const task = async (name: string, steps: number[]): Promise<void> => {
    for (const ms of steps) {
      await clock.sleep(ms);
      await awaitChain(10 + ((ms * 7 + k) % 40));
      log.push(`${clock.now()}:${name}`);
    }
  };
  await Promise.all([task('a', [10, 10, 10, k % 5]), task('b', [20, 0, 5 + k]), task('c', [30, 1, 1, 1])]);
  log.push(`end:${clock.now()}:${clock.eventsRun}`);
  return log;
}

function expectStatus<T, S extends RunOutcome<T>['status']>(outcome: RunOutcome<T>, status: S): Extract<RunOutcome<T>, { status: S }> {
  expect(outcome.status).to.equal(status);
  return outcome as Extract<RunOutcome<T>, { status: S }>;
}

describe('runVirtual and the settle pump', function () {
  it('runs every continuation caused by a timer before the next timer, even at the same instant', async function () {
    const clock = new VirtualClock();
    const order: string[] = [];
    const outcome = await runVirtual(clock, async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const chain = (async () => {
        await gate;
        await awaitChain(50);
        order.push('A: chain of 50 awaits done');
      })();
      clock.setTimer(10, () => {
        order.push('A');
        release();
      });
      clock.setTimer(10, () => order.push('B'));
      await chain;
      await clock.sleep(0);
    }).outcome;
    expectStatus(outcome, 'done');
    expect(order).to.deep.equal(['A', 'A: chain of 50 awaits done', 'B']);
  });

  it('(control) the same timers run back to back without the pump let B overtake the chain', async function () {
    // Shows that the test above can fail: without a yield between timers the
    // chain would finish after B.
    const clock = new VirtualClock();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chain = (async () => {
      await gate;
      await awaitChain(50);
      order.push('chain');
    })();
    clock.setTimer(10, release);
    clock.setTimer(10, () => order.push('B'));
    clock.runNext();
    clock.runNext();
    await chain;
    expect(order).to.deep.equal(['B', 'chain']);
  });

  it('sleepers woken at the same instant see each other’s continuations in order', async function () {
    const clock = new VirtualClock();
    const order: string[] = [];
    const outcome = await runVirtual(clock, async () => {
      await Promise.all([
        (async () => {
          await clock.sleep(10);
          await awaitChain(50);
          order.push('first sleeper finished its 50 awaits');
        })(),
        (async () => {
          await clock.sleep(10);
          order.push('second sleeper');
        })(),
      ]);
    }).outcome;
    expectStatus(outcome, 'done');
    expect(order).to.deep.equal(['first sleeper finished its 50 awaits', 'second sleeper']);
  });

  it("reports 'done' with the value, leaving later timers unrun", async function () {
    const clock = new VirtualClock();
    let lateRan = false;
    clock.setTimer(1000, () => {
      lateRan = true;
    });
    const outcome = await runVirtual(clock, async () => {
      await clock.sleep(40);
      return 'value';
    }).outcome;
    expect(expectStatus(outcome, 'done').value).to.equal('value');
    expect(clock.now()).to.equal(40);
    expect(lateRan).to.equal(false);
    expect(clock.pendingTimers()).to.equal(1);
  });

  it('counts the events it ran (eventsRun)', async function () {
    const clock = new VirtualClock();
    const outcome = await runVirtual(clock, async () => {
      for (let i = 0; i < 25; i++) await clock.sleep(i % 3);
      const timers = Array.from({ length: 5 }, () => clock.setTimer(7, () => {}));
      timers[0]?.cancel();
      await clock.sleep(8);
    }).outcome;
    expectStatus(outcome, 'done');
    expect(clock.eventsRun).to.equal(25 + 4 + 1);
  });

  it("stops at the deadline: 'deadline' outcome, time advanced to the deadline", async function () {
    const clock = new VirtualClock();
    const ran: number[] = [];
    for (const t of [100, 200, 300, 301, 5000]) clock.setTimer(t, () => ran.push(t));
    const outcome = await runVirtual(clock, () => clock.sleep(10_000), { deadline: 300 }).outcome;
    expectStatus(outcome, 'deadline');
    expect(ran, 'a timer due exactly at the deadline still runs').to.deep.equal([100, 200, 300]);
    expect(clock.now()).to.equal(300);
  });

  it('advances to the deadline even when the next timer is far beyond it', async function () {
    const clock = new VirtualClock();
    const outcome = await runVirtual(clock, () => clock.sleep(1_000_000), { deadline: 120_000 }).outcome;
    expectStatus(outcome, 'deadline');
    expect(clock.now()).to.equal(120_000);
    expect(clock.eventsRun).to.equal(0);
  });

  it("reports 'stalled' when nothing is scheduled and main still waits", async function () {
    const clock = new VirtualClock();
    const outcome = await runVirtual(clock, async () => {
      await clock.sleep(10);
      await clock.sleep(20);
      await never<void>();
    }).outcome;
    expectStatus(outcome, 'stalled');
    expect(clock.now()).to.equal(30);
    expect(clock.eventsRun).to.equal(2);
  });

  it("reports 'failed' when a timer callback throws, and runs nothing after it", async function () {
    const clock = new VirtualClock();
    const ran: number[] = [];
    clock.setTimer(50, () => {
      throw new Error('boom in a timer');
    });
    clock.setTimer(60, () => ran.push(60));
    const outcome = await runVirtual(clock, () => clock.sleep(100)).outcome;
    const failed = expectStatus(outcome, 'failed');
    expect(failed.error).to.be.instanceOf(Error);
    expect((failed.error as Error).message).to.equal('boom in a timer');
    expect(ran).to.deep.equal([]);
    expect(clock.now()).to.equal(50);
  });

  it("reports 'failed' when main rejects or throws synchronously", async function () {
    const clock = new VirtualClock();
    const rejected = await runVirtual(clock, async () => {
      await clock.sleep(5);
      throw new Error('main rejected');
    }).outcome;
    expect((expectStatus(rejected, 'failed').error as Error).message).to.equal('main rejected');

    const thrown = await runVirtual(new VirtualClock(), (): Promise<void> => {
      throw new Error('main threw');
    }).outcome;
    expect((expectStatus(thrown, 'failed').error as Error).message).to.equal('main threw');
  });

  it("reports 'stopped' with the reason after stop(), running no later timer", async function () {
    const clock = new VirtualClock();
    const ran: number[] = [];
    const run = runVirtual(clock, async () => {
      for (;;) {
        await clock.sleep(10);
        ran.push(clock.now());
      }
    });
    clock.setTimer(55, () => run.stop('monitor saw a violation'));
    const outcome = await run.outcome;
    expect(expectStatus(outcome, 'stopped').reason).to.equal('monitor saw a violation');
    expect(clock.now()).to.equal(55);
    expect(ran).to.deep.equal([10, 20, 30, 40, 50]);
    expect(run.finished).to.equal(true);
  });

  it('stop() before the first step runs nothing; the first reason wins', async function () {
    const clock = new VirtualClock();
    const run = runVirtual(clock, () => clock.sleep(10));
    run.stop('first');
    run.stop('second');
    const outcome = await run.outcome;
    expect(expectStatus(outcome, 'stopped').reason).to.equal('first');
    expect(clock.eventsRun).to.equal(0);
    expect(clock.now()).to.equal(0);
  });

  it('calls beforeEach once before each timer, with time not yet advanced', async function () {
    const clock = new VirtualClock();
    const seen: number[] = [];
    const outcome = await runVirtual(
      clock,
      async () => {
        await clock.sleep(10);
        await clock.sleep(15);
      },
      { beforeEach: () => seen.push(clock.now()) },
    ).outcome;
    expectStatus(outcome, 'done');
    expect(seen).to.deep.equal([0, 10]);
    expect(clock.eventsRun).to.equal(2);
  });

  it('runs many simulations in parallel on the shared pump, each exactly as alone', async function () {
    const K = 40;
    const alone: string[][] = [];
    for (let k = 0; k < K; k++) {
      const clock = new VirtualClock();
      const outcome = await runVirtual(clock, () => program(clock, k)).outcome;
      alone.push(expectStatus(outcome, 'done').value);
    }
    const clocks = Array.from({ length: K }, () => new VirtualClock());
    const runs = clocks.map((clock, k) => runVirtual(clock, () => program(clock, k)));
    expect(activeSimulations()).to.equal(K);
    const outcomes = await Promise.all(runs.map((r) => r.outcome));
    expect(activeSimulations()).to.equal(0);
    outcomes.forEach((outcome, k) => {
      expect(expectStatus(outcome, 'done').value, `simulation ${k}`).to.deep.equal(alone[k]);
    });
    // The programs differ, so the comparison is not trivially equal.
    expect(new Set(alone.map((log) => log.join('|'))).size).to.be.greaterThan(1);
  });

  it('keeps each run correct when runs of different kinds end at different times', async function () {
    const a = new VirtualClock();
    const b = new VirtualClock();
    const c = new VirtualClock();
    const d = new VirtualClock();
    const order: string[] = [];
    let nested: Promise<RunOutcome<number>> | undefined;
    const [ra, rb, rc, rd] = await Promise.all([
      runVirtual(a, async () => {
        chainThenB(a, order, 'a');
        await a.sleep(100);
        return 'a';
      }).outcome,
      runVirtual(b, () => b.sleep(10_000), { deadline: 50 }).outcome,
      runVirtual(c, () => never<void>()).outcome,
      runVirtual(d, async () => {
        await d.sleep(5);
        // A run started from inside another run's timer joins the pump. (Its
        // outcome is awaited outside: d's main waiting on it would stall d.)
        const inner = new VirtualClock();
        nested = runVirtual(inner, async () => {
          await inner.sleep(1000);
          return inner.now();
        }).outcome;
        return d.now();
      }).outcome,
    ]);
    expect(expectStatus(ra, 'done').value).to.equal('a');
    expect(a.now()).to.equal(100);
    expect(order).to.deep.equal(['a: chain', 'a: B']);
    expectStatus(rb, 'deadline');
    expect(b.now()).to.equal(50);
    expectStatus(rc, 'stalled');
    expect(expectStatus(rd, 'done').value).to.equal(5);
    expect(nested).to.not.equal(undefined);
    expect(expectStatus(await (nested as Promise<RunOutcome<number>>), 'done').value).to.equal(1000);
  });
});

describe('the settle pump and real I/O', function () {
  /**
   * A read that stays in flight, spending nothing, until released: a FIFO
   * nobody has opened for writing (its open waits in libuv's thread pool).
   */
  function readThatWaits(): { release: () => void } {
    const dir = mkdtempSync(join(tmpdir(), 'pump-io-'));
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    readFile(fifo, () => rmSync(dir, { recursive: true, force: true }));
    return { release: () => closeSync(openSync(fifo, 'w')) };
  }

  it('judges a run that starts during a pause for real I/O, instead of leaving it outside the pause for ever', async function () {
    this.timeout(30_000);
    const forever = (clock: VirtualClock) => async (): Promise<void> => {
      for (;;) await clock.sleep(1);
    };
    const a = new VirtualClock();
    const b = new VirtualClock();
    const read = readThatWaits();
    const runA = runVirtual(a, forever(a));
    let runB: ReturnType<typeof runVirtual<void>> | undefined;
    try {
      // The pause has begun once a's virtual time stands still while wall time passes.
      for (let last = -1; a.now() !== last;) {
        last = a.now();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      runB = runVirtual(b, forever(b));
      // Both are judged (REAL-IO, at the pause's limit); before, b waited outside the pause and was never judged.
      const limit = new Promise<'not judged'>((resolve) => setTimeout(() => resolve('not judged'), 20_000).unref());
      const outcomes = await Promise.race([Promise.all([runA.outcome, runB.outcome]), limit]);
      expect(outcomes, 'b was never judged').to.not.equal('not judged');
      const [outcomeA, outcomeB] = outcomes as [RunOutcome<void>, RunOutcome<void>];
      expect(expectStatus(outcomeA, 'real-io').requests).to.include('FSReqCallback');
      expect(expectStatus(outcomeB, 'real-io').requests).to.include('FSReqCallback');
    } finally {
      // Whatever the verdict, neither the read nor a run outlives the test.
      read.release();
      runA.stop('the test is over');
      runB?.stop('the test is over');
    }
  });
});

/** Timer A releases a 50-await chain; timer B at the same instant must see it done. */
function chainThenB(clock: VirtualClock, order: string[], name: string): void {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  void (async () => {
    await gate;
    await awaitChain(50);
    order.push(`${name}: chain`);
  })();
  clock.setTimer(20, release);
  clock.setTimer(20, () => order.push(`${name}: B`));
}
