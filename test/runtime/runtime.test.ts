// World: one seed makes a clock and a family of random streams; components
// get scoped views that count the timers they set.
import { expect } from 'chai';
import { Random } from '../../runtime/random.ts';
import { RealClock } from '../../runtime/real-clock.ts';
import { World } from '../../runtime/runtime.ts';
import { runVirtual } from '../../runtime/settle-pump.ts';
import { VirtualClock } from '../../runtime/virtual-clock.ts';

describe('World and ScopedRuntime', function () {
  it('makes a virtual or a real clock', function () {
    const virtual = new World('virtual', 1);
    expect(virtual.clock).to.be.instanceOf(VirtualClock);
    expect(virtual.virtualClock).to.equal(virtual.clock);
    const real = new World('real', 1);
    expect(real.clock).to.be.instanceOf(RealClock);
    expect(() => real.virtualClock).to.throw('this world runs in real time');
  });

  it('gives each named component the stream Random(seed, name) would', function () {
    const world = new World('virtual', 1234);
    const a = world.random('network');
    const b = new Random(1234, 'network');
    expect(Array.from({ length: 50 }, () => a.intn(1e6))).to.deep.equal(Array.from({ length: 50 }, () => b.intn(1e6)));
    const scoped = world.runtime('raft-1').random;
    const direct = new Random(1234, 'raft-1');
    expect(Array.from({ length: 50 }, () => scoped.intn(1e6))).to.deep.equal(Array.from({ length: 50 }, () => direct.intn(1e6)));
    const other = new World('virtual', 1235).random('network');
    const same = new World('virtual', 1234).random('network');
    expect(Array.from({ length: 20 }, () => other.intn(1e6))).to.not.deep.equal(Array.from({ length: 20 }, () => same.intn(1e6)));
  });

  it('scoped runtimes share the clock and count the timers they set', async function () {
    const world = new World('virtual', 9);
    const clock = world.virtualClock;
    const r1 = world.runtime('one');
    const r2 = world.runtime('two');
    const outcome = await runVirtual(clock, async () => {
      r1.setTimer(5, () => {});
      await r1.sleep(10);
      expect(r2.now()).to.equal(10);
      await r2.sleep(3);
      await r2.sleep(3);
      return r1.now();
    }).outcome;
    expect(outcome).to.deep.equal({ status: 'done', value: 16 });
    expect(r1.timersSet).to.equal(2);
    expect(r2.timersSet).to.equal(2);
    expect(clock.eventsRun).to.equal(4);
  });
});
