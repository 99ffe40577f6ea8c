// A subset of the statistical checks on the real clock, on a small sample:
// the network behaves the same when time is Node's own.
import { expect } from 'chai';
import { Network } from '../../labrpc/network.ts';
import { Random } from '../../runtime/random.ts';
import { RealClock } from '../../runtime/real-clock.ts';
import { echoServer, expectRate, maxOf, median, minOf } from '../support/net-harness.ts';

describe('labrpc Network: statistics in real time', function () {
  this.timeout(10_000);
  const N = 3000;
  const WAVE = 300;
  let measuring = false;
  let sent = new Map<number, number>();
  let delayMs = new Map<number, number>();
  let reachedAt = new Map<number, number>();
  let dropped = 0;
  let delivered = 0;
  let realMs = 0;
  let clock: RealClock;

  before(async function () {
    clock = new RealClock();
    const net = new Network(clock, new Random(404, 'network'));
    sent = new Map();
    delayMs = new Map();
    reachedAt = new Map();
    net.subscribe((e) => {
      if (!measuring) return;
      if (e.kind === 'send') sent.set(e.id, e.t);
      else if (e.kind === 'delay' && e.stage === 'request') delayMs.set(e.id, e.ms);
      else if (e.kind === 'deliver') {
        delivered++;
        reachedAt.set(e.id, e.t);
      } else if (e.kind === 'fail' && e.reason === 'request-dropped') {
        dropped++;
        reachedAt.set(e.id, e.t);
      }
    });
    net.addServer('s', echoServer('s').server);
    const end = net.makeEnd('c->s', 'c');
    net.connect('c->s', 's');
    net.enable('c->s', true);
    net.reliable(false);
    // A warm-up wave (not measured: JIT compilation would show up as lag),
    // then waves of calls in parallel, so that the event loop keeps up.
    measuring = false;
    await Promise.all(Array.from({ length: WAVE }, (_, x) => end.call('Echo.Say', { x })));
    measuring = true;
    const t0 = clock.now();
    for (let wave = 0; wave < N / WAVE; wave++) {
      await Promise.all(Array.from({ length: WAVE }, (_, x) => end.call('Echo.Say', { x: wave * WAVE + x })));
    }
    realMs = clock.now() - t0;
    expect(clock.pendingTimers(), 'no timer left behind').to.equal(0);
  });

  it('runs quickly (waves of calls in parallel)', function () {
    expect(realMs).to.be.below(2000);
  });

  it('drops 10% of requests', function () {
    expect(dropped + delivered).to.equal(N);
    expectRate(dropped, N, 0.1, 5, 'request drop rate');
  });

  it('draws request delays over the whole 0..26 ms range, 0 for 1 in 27', function () {
    const drawn = [...delayMs.values()];
    expect(minOf(drawn)).to.equal(1); // a 0 ms delay publishes no delay event
    expect(maxOf(drawn)).to.equal(26);
    expectRate(N - drawn.length, N, 1 / 27, 5, 'share of 0 ms delays');
  });

  it('really waits the drawn delay before processing a request', function () {
    const waitedFor = new Map<number, number[]>();
    const early: string[] = [];
    for (const [id, t] of sent) {
      const waited = (reachedAt.get(id) as number) - t;
      const ms = delayMs.get(id) ?? 0;
      // Node may fire a timer up to a millisecond early by performance.now().
      if (waited < ms - 1) early.push(`call ${id} drew ${ms} ms, waited ${waited.toFixed(2)}`);
      waitedFor.set(ms, [...(waitedFor.get(ms) ?? []), waited]);
    }
    expect(early).to.deep.equal([]);
    // The event loop adds a lag of its own (a wave is sent at once), but a
    // longer draw means a longer wait: compare short and long draws.
    const short = [0, 1, 2, 3, 4, 5].flatMap((ms) => waitedFor.get(ms) ?? []);
    const long = [21, 22, 23, 24, 25, 26].flatMap((ms) => waitedFor.get(ms) ?? []);
    expect(median(long) - median(short), 'median wait of 21..26 ms draws minus that of 0..5 ms draws').to.be.within(10, 30);
  });
});
