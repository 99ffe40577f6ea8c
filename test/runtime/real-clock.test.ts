// The real clock on Node's timers. Waits are kept to tens of milliseconds.
import { expect } from 'chai';
import { RealClock } from '../../runtime/real-clock.ts';

describe('RealClock', function () {
  this.timeout(5000);

  it('starts near 0 and moves forward', async function () {
    const clock = new RealClock();
    expect(clock.kind).to.equal('real');
    const t0 = clock.now();
    expect(t0).to.be.at.least(0).and.below(50);
    await new Promise((resolve) => setTimeout(resolve, 15));
    expect(clock.now()).to.be.greaterThan(t0);
  });

  it('sleep waits about the time asked', async function () {
    const clock = new RealClock();
    const t0 = clock.now();
    await clock.sleep(30);
    const elapsed = clock.now() - t0;
    // Node may fire a timer up to a millisecond early by this measure.
    expect(elapsed).to.be.at.least(29);
    expect(elapsed).to.be.below(500);
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('setTimer fires once, in due order, and counts as pending until then', async function () {
    const clock = new RealClock();
    const fired: string[] = [];
    clock.setTimer(25, () => fired.push('late'));
    clock.setTimer(5, () => fired.push('early'));
    expect(clock.pendingTimers()).to.equal(2);
    await clock.sleep(10);
    expect(fired).to.deep.equal(['early']);
    expect(clock.pendingTimers()).to.equal(1);
    await clock.sleep(30);
    expect(fired).to.deep.equal(['early', 'late']);
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('a negative delay fires as soon as possible', async function () {
    const clock = new RealClock();
    let fired = false;
    clock.setTimer(-10, () => {
      fired = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fired).to.equal(true);
  });

  it('cancel stops a timer, and is harmless on fired or cancelled timers', async function () {
    const clock = new RealClock();
    let a = 0;
    let b = 0;
    const ta = clock.setTimer(5, () => a++);
    const tb = clock.setTimer(15, () => b++);
    tb.cancel();
    tb.cancel();
    expect(clock.pendingTimers()).to.equal(1);
    await clock.sleep(30);
    expect(a).to.equal(1);
    expect(b).to.equal(0);
    ta.cancel(); // already fired
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('cancelAll cancels every pending timer and the clock stays usable', async function () {
    const clock = new RealClock();
    let fired = 0;
    for (let i = 0; i < 10; i++) clock.setTimer(5 + i, () => fired++);
    expect(clock.pendingTimers()).to.equal(10);
    clock.cancelAll();
    expect(clock.pendingTimers()).to.equal(0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fired).to.equal(0);
    await clock.sleep(5);
    clock.setTimer(1, () => fired++);
    await clock.sleep(10);
    expect(fired).to.equal(1);
  });
});
