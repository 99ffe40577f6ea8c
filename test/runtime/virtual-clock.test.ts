// The virtual clock on its own, driven by hand (no pump): ordering, jumps,
// cancellation and the event count.
import { expect } from 'chai';
import fc from 'fast-check';
import { VirtualClock } from '../../runtime/virtual-clock.ts';

describe('VirtualClock', function () {
  it('starts at 0 with nothing pending', function () {
    const clock = new VirtualClock();
    expect(clock.kind).to.equal('virtual');
    expect(clock.now()).to.equal(0);
    expect(clock.pendingTimers()).to.equal(0);
    expect(clock.nextDue()).to.equal(undefined);
    expect(clock.runNext()).to.equal(false);
    expect(clock.eventsRun).to.equal(0);
  });

  it('jumps straight to the next due timer', function () {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimer(5000, () => seen.push(clock.now()));
    clock.setTimer(70, () => seen.push(clock.now()));
    expect(clock.nextDue()).to.equal(70);
    expect(clock.runNext()).to.equal(true);
    expect(clock.now()).to.equal(70);
    expect(clock.runNext()).to.equal(true);
    expect(clock.now()).to.equal(5000);
    expect(seen).to.deep.equal([70, 5000]);
    expect(clock.runNext()).to.equal(false);
    expect(clock.now(), 'time does not move when nothing is left').to.equal(5000);
  });

  it('measures a timer from the time it was set', function () {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimer(100, () => {
      clock.setTimer(50, () => seen.push(clock.now()));
    });
    while (clock.runNext());
    expect(seen).to.deep.equal([150]);
  });

  it('treats a negative or NaN delay as 0', function () {
    const clock = new VirtualClock();
    clock.setTimer(10, () => {});
    clock.runNext();
    const seen: number[] = [];
    clock.setTimer(-5, () => seen.push(clock.now()));
    clock.setTimer(Number.NaN, () => seen.push(clock.now()));
    while (clock.runNext());
    expect(seen).to.deep.equal([10, 10]);
  });

  it('runs timers due at the same instant in the order they were set', function () {
    const clock = new VirtualClock();
    const order: string[] = [];
    for (let i = 0; i < 20; i++) clock.setTimer(30, () => order.push(`a${i}`));
    clock.setTimer(10, () => {
      // Set at t=10 for t=30: after the twenty set earlier for t=30.
      clock.setTimer(20, () => order.push('late'));
    });
    while (clock.runNext());
    expect(order).to.deep.equal([...Array.from({ length: 20 }, (_, i) => `a${i}`), 'late']);
  });

  it('fires any mix of timers in (time, set order), cancelled ones never (property)', function () {
    fc.assert(
      fc.property(fc.array(fc.record({ ms: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean() }), { maxLength: 200 }), (specs) => {
        const clock = new VirtualClock();
        const fired: number[] = [];
        specs.forEach((spec, i) => {
          const timer = clock.setTimer(spec.ms, () => fired.push(i));
          if (spec.cancel) timer.cancel();
        });
        const live = specs.map((s, i) => ({ ...s, i })).filter((s) => !s.cancel);
        expect(clock.pendingTimers()).to.equal(live.length);
        while (clock.runNext());
        const expected = [...live].sort((a, b) => a.ms - b.ms || a.i - b.i).map((s) => s.i);
        expect(fired).to.deep.equal(expected);
        expect(clock.eventsRun).to.equal(live.length);
        expect(clock.pendingTimers()).to.equal(0);
      }),
      { numRuns: 200, seed: 42 },
    );
  });

  it('keeps (time, set order) when callbacks set timers as others fire, fractions and hundreds of timers included (property)', function () {
    // Each timer may set children when it fires; the expected order is a
    // simulation of the rule itself: always the pending timer with the
    // smallest (time, set order).
    type Spec = { ms: number; children: Spec[] };
    const spec: fc.Memo<Spec> = fc.memo((depth) =>
      fc.record({
        ms: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 40, noNaN: true })),
        children: depth <= 1 ? fc.constant([]) : fc.array(spec(depth - 1), { maxLength: 3 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(spec(3), { minLength: 1, maxLength: 300 }), (roots) => {
        const clock = new VirtualClock();
        const fired: number[] = [];
        let nextId = 0;
        const set = (s: Spec): void => {
          const seq = nextId++;
          clock.setTimer(s.ms, () => {
            fired.push(seq);
            for (const child of s.children) set(child);
          });
        };
        for (const root of roots) set(root);
        while (clock.runNext());
        // The reference: replay the same rule on a sorted list.
        const expected: number[] = [];
        const queue: { time: number; seq: number; spec: Spec }[] = [];
        let seq = 0;
        let now = 0;
        const add = (s: Spec): void => void queue.push({ time: now + s.ms, seq: seq++, spec: s });
        for (const root of roots) add(root);
        while (queue.length > 0) {
          queue.sort((a, b) => a.time - b.time || a.seq - b.seq);
          const next = queue.shift() as { time: number; seq: number; spec: Spec };
          now = next.time;
          expected.push(next.seq);
          for (const child of next.spec.children) add(child);
        }
        expect(fired).to.deep.equal(expected);
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it('cancel stops a timer, and is harmless on fired or already cancelled timers', function () {
    const clock = new VirtualClock();
    let a = 0;
    let b = 0;
    const ta = clock.setTimer(10, () => a++);
    const tb = clock.setTimer(20, () => b++);
    expect(clock.pendingTimers()).to.equal(2);
    clock.runNext();
    expect(a).to.equal(1);
    expect(clock.pendingTimers()).to.equal(1);
    ta.cancel(); // already fired
    ta.cancel();
    expect(clock.pendingTimers(), 'cancelling a fired timer changes nothing').to.equal(1);
    tb.cancel();
    tb.cancel(); // twice
    expect(clock.pendingTimers()).to.equal(0);
    expect(clock.nextDue()).to.equal(undefined);
    expect(clock.runNext()).to.equal(false);
    expect(b).to.equal(0);
    expect(clock.now(), 'a cancelled timer does not move time').to.equal(10);
  });

  it('a timer can cancel another one due at the same instant', function () {
    const clock = new VirtualClock();
    const order: string[] = [];
    clock.setTimer(5, () => {
      order.push('a');
      b.cancel();
    });
    const b = clock.setTimer(5, () => order.push('b'));
    clock.setTimer(5, () => order.push('c'));
    while (clock.runNext());
    expect(order).to.deep.equal(['a', 'c']);
    expect(clock.pendingTimers()).to.equal(0);
    expect(clock.eventsRun).to.equal(2);
  });

  it('cancelAll drops every pending timer and the clock stays usable', function () {
    const clock = new VirtualClock();
    let fired = 0;
    const timers = Array.from({ length: 10 }, (_, i) => clock.setTimer(i * 10, () => fired++));
    clock.runNext(); // the one at 0
    expect(clock.pendingTimers()).to.equal(9);
    clock.cancelAll();
    expect(clock.pendingTimers()).to.equal(0);
    expect(clock.nextDue()).to.equal(undefined);
    expect(clock.runNext()).to.equal(false);
    for (const t of timers) t.cancel(); // harmless after cancelAll
    expect(clock.pendingTimers()).to.equal(0);
    clock.setTimer(7, () => fired++);
    expect(clock.pendingTimers()).to.equal(1);
    expect(clock.runNext()).to.equal(true);
    expect(clock.now()).to.equal(7);
    expect(fired).to.equal(2);
  });

  it('sleep resolves at the right virtual time', async function () {
    const clock = new VirtualClock();
    let woke = -1;
    const done = clock.sleep(250).then(() => {
      woke = clock.now();
    });
    expect(clock.nextDue()).to.equal(250);
    clock.runNext();
    await done;
    expect(woke).to.equal(250);
  });

  it('counts the timers it ran (eventsRun), not the cancelled ones', function () {
    const clock = new VirtualClock();
    for (let i = 0; i < 7; i++) clock.setTimer(i, () => {});
    clock.setTimer(3, () => {}).cancel();
    while (clock.runNext());
    expect(clock.eventsRun).to.equal(7);
  });

  it('advanceTo moves time forward only', function () {
    const clock = new VirtualClock();
    clock.advanceTo(500);
    expect(clock.now()).to.equal(500);
    clock.advanceTo(100);
    expect(clock.now()).to.equal(500);
  });

  it('a throwing callback propagates out of runNext and leaves the clock consistent', function () {
    const clock = new VirtualClock();
    clock.setTimer(1, () => {
      throw new Error('boom');
    });
    let ran = false;
    clock.setTimer(2, () => {
      ran = true;
    });
    expect(() => clock.runNext()).to.throw('boom');
    expect(clock.now()).to.equal(1);
    expect(clock.pendingTimers()).to.equal(1);
    expect(clock.runNext()).to.equal(true);
    expect(ran).to.equal(true);
  });
});
