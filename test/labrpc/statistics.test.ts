// The network's numbers, measured over tens of thousands of calls in virtual
// time. Tolerances are ±5 standard deviations of the estimate: a correct
// network fails by chance less than once in a million runs, and a wrong rate
// (5% or 20% instead of 10%, say) fails every time. The seeds are fixed, so
// every run sees the same draws.
import { expect } from 'chai';
import type { NetEvent } from '../../labrpc/events.ts';
import { LAB_TIMING, Network } from '../../labrpc/network.ts';
import { Random } from '../../runtime/random.ts';
import { VirtualClock } from '../../runtime/virtual-clock.ts';
import { echoServer, expectRate, maxOf, mean, median, minOf, simulate } from '../support/net-harness.ts';

interface CallRecord {
  sentAt: number;
  deliveredAt?: number;
  handledAt?: number;
  repliedAt?: number;
  failedAt?: number;
  reason?: string;
  requestDelay?: number;
  replyDelay?: number;
  failAfter?: number;
}

interface Measured {
  clock: VirtualClock;
  net: Network;
  calls: Map<number, CallRecord>;
  callerWaits: number[];
  servers: string[];
  delivered: Map<string, number>;
  replyBytes: number;
  requestBytes: number;
}

/** Makes `n` calls from `parallel` concurrent callers over 3 servers and records every call's life. */
async function measure(seed: number, n: number, configure: (net: Network) => void, options: { enabled?: boolean; parallel?: number } = {}): Promise<Measured> {
  const clock = new VirtualClock();
  const net = new Network(clock, new Random(seed, 'network'));
  const servers = ['s0', 's1', 's2'];
  const calls = new Map<number, CallRecord>();
  const delivered = new Map<string, number>();
  const m: Measured = { clock, net, calls, callerWaits: [], servers, delivered, replyBytes: 0, requestBytes: 0 };
  net.subscribe((e: NetEvent) => {
    if (!('id' in e)) return;
    if (e.kind === 'send') {
      calls.set(e.id, { sentAt: e.t });
      m.requestBytes += e.bytes;
      return;
    }
    const c = calls.get(e.id) as CallRecord;
    switch (e.kind) {
      case 'delay':
        if (e.stage === 'request') c.requestDelay = e.ms;
        else c.replyDelay = e.ms;
        break;
      case 'deliver':
        c.deliveredAt = e.t;
        delivered.set(String(e.to), (delivered.get(String(e.to)) ?? 0) + 1);
        break;
      case 'handled':
        c.handledAt = e.t;
        break;
      case 'reply':
        c.repliedAt = e.t;
        m.replyBytes += e.bytes;
        break;
      case 'fail':
        c.failedAt = e.t;
        c.reason = e.reason;
        c.failAfter = e.afterMs;
        break;
      default:
        break;
    }
  });
  servers.forEach((s) => net.addServer(s, echoServer(s).server));
  const ends = servers.map((s) => {
    const end = net.makeEnd(`c->${s}`, 'c');
    net.connect(`c->${s}`, s);
    if (options.enabled ?? true) net.enable(`c->${s}`, true);
    return end;
  });
  configure(net);
  const parallel = options.parallel ?? 1000;
  await simulate(clock, async () => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) {
        const x = next++;
        const t0 = clock.now();
        await ends[x % ends.length]?.call('Echo.Say', { x });
        m.callerWaits.push(clock.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
  });
  expect(calls.size).to.equal(n);
  return m;
}

function records(m: Measured, keep: (c: CallRecord) => boolean = () => true): CallRecord[] {
  return [...m.calls.values()].filter(keep);
}

describe('labrpc Network: statistics in virtual time', function () {
  this.timeout(20_000);

  describe('reliable(false): the lab’s unreliable network', function () {
    const N = 30_000;
    let m: Measured;
    before(async function () {
      m = await measure(101, N, (net) => net.reliable(false));
    });

    it('every call completes: a reply or a failure, each exactly once', function () {
      const all = records(m);
      expect(m.callerWaits).to.have.length(N);
      expect(all.filter((c) => (c.repliedAt === undefined) === (c.failedAt === undefined))).to.have.length(0);
    });

    it('drops 10% of requests', function () {
      const dropped = records(m, (c) => c.reason === 'request-dropped').length;
      expectRate(dropped, N, 0.1, 5, 'request drop rate');
    });

    it('drops 10% of the replies of requests that were handled', function () {
      const handled = records(m, (c) => c.handledAt !== undefined);
      const dropped = handled.filter((c) => c.reason === 'reply-dropped').length;
      expect(handled.length).to.equal(N - records(m, (c) => c.reason === 'request-dropped').length);
      expectRate(dropped, handled.length, 0.1, 5, 'reply drop rate');
      // Nothing else goes wrong on this network.
      expect(new Set(records(m, (c) => c.reason !== undefined).map((c) => c.reason))).to.deep.equal(new Set(['request-dropped', 'reply-dropped']));
    });

    it('delays each request by a uniform 0..26 ms before it is processed', function () {
      // The time from send to the request's fate (delivered or dropped); a 0 ms
      // delay publishes no delay event, so time is measured, not the events.
      const delays = records(m).map((c) => (c.deliveredAt ?? c.failedAt ?? NaN) - c.sentAt);
      expect(delays.filter((d) => !Number.isInteger(d))).to.deep.equal([]);
      expect(minOf(delays)).to.equal(0);
      expect(maxOf(delays)).to.equal(26);
      const sd = Math.sqrt((27 * 27 - 1) / 12);
      expect(Math.abs(mean(delays) - 13), `mean delay ${mean(delays)}`).to.be.below((5 * sd) / Math.sqrt(N));
      // Roughly flat: every one of the 27 values holds 1/27 of the calls.
      const histogram = new Array<number>(27).fill(0);
      for (const d of delays) histogram[d] = (histogram[d] as number) + 1;
      histogram.forEach((count, ms) => expectRate(count, N, 1 / 27, 5, `share of ${ms} ms delays`));
      // The events agree with the times.
      expect(records(m, (c) => c.requestDelay !== undefined && c.requestDelay !== (c.deliveredAt ?? c.failedAt ?? NaN) - c.sentAt)).to.have.length(0);
    });

    it('adds no other delay: handled replies arrive when handled (no long reordering)', function () {
      expect(records(m, (c) => c.repliedAt !== undefined && c.repliedAt !== c.handledAt)).to.have.length(0);
      expect(records(m, (c) => c.replyDelay !== undefined)).to.have.length(0);
    });

    it('counts add up: total = calls, per-server = delivered, bytes = requests + delivered replies', function () {
      expect(m.net.getTotalCount()).to.equal(N);
      const deliveredTotal = records(m, (c) => c.deliveredAt !== undefined).length;
      let perServer = 0;
      for (const s of m.servers) {
        expect(m.net.getCount(s), s).to.equal(m.delivered.get(s));
        perServer += m.net.getCount(s);
      }
      expect(perServer).to.equal(deliveredTotal);
      expect(m.net.getTotalBytes()).to.equal(m.requestBytes + m.replyBytes);
      expect(m.replyBytes).to.be.greaterThan(0);
    });
  });

  describe('longReordering(true)', function () {
    const N = 20_000;
    let m: Measured;
    before(async function () {
      m = await measure(202, N, (net) => net.longReordering(true));
    });

    it('delays 2/3 of the replies', function () {
      const delayed = records(m, (c) => c.replyDelay !== undefined).length;
      expect(records(m, (c) => c.repliedAt !== undefined)).to.have.length(N);
      expectRate(delayed, N, 2 / 3, 5, 'share of delayed replies');
    });

    it('delays them by 200..2199 ms, skewed low (200 + rand(0 .. rand(0..1999)))', function () {
      const delays = records(m, (c) => c.replyDelay !== undefined).map((c) => (c.repliedAt as number) - (c.handledAt as number));
      expect(records(m, (c) => c.replyDelay !== undefined && c.replyDelay !== (c.repliedAt as number) - (c.handledAt as number))).to.have.length(0);
      expect(minOf(delays)).to.equal(200); // P(200) ≈ 0.4%: ~55 of 13,000
      expect(maxOf(delays)).to.be.at.most(2199);
      expect(maxOf(delays)).to.be.greaterThan(1900);
      // Mean 200 + 1999/4 = 699.75; sd ≈ 441.
      expect(Math.abs(mean(delays) - 699.75), `mean ${mean(delays)}`).to.be.below((5 * 441) / Math.sqrt(delays.length));
      // Median ≈ 200 + 2000 × 0.187 ≈ 573, far below the midpoint 1199 of a flat spread.
      const med = median(delays);
      expect(med, `median ${med}`).to.be.within(540, 610);
      // P(rand(0..rand(0..1999)) > 999) ≈ P(UV > 1/2) = 1 - (1/2 - 1/2 ln 1/2) ≈ 0.1534 (0.5 if flat).
      expectRate(delays.filter((d) => d > 1199).length, delays.length, 0.1534, 5, 'share above the midpoint');
    });

    it('reorders replies: many calls complete after calls sent later', function () {
      // Each worker sends sequentially, so look across the whole run: replies in a different order than sends.
      const byReply = records(m).sort((a, b) => (a.repliedAt as number) - (b.repliedAt as number));
      let inversions = 0;
      for (let i = 1; i < byReply.length; i++) if ((byReply[i] as CallRecord).sentAt < (byReply[i - 1] as CallRecord).sentAt) inversions++;
      expect(inversions).to.be.greaterThan(N / 10);
    });
  });

  describe('failure delays of a disabled end', function () {
    const N = 10_000;
    for (const longDelays of [false, true]) {
      const max = longDelays ? LAB_TIMING.longFailMaxMs : LAB_TIMING.shortFailMaxMs;
      const expectedMean = max / 2;
      const sd = Math.sqrt(((max + 1) ** 2 - 1) / 12);
      it(`${longDelays ? 'with' : 'without'} longDelays: uniform 0..${max} ms, mean ≈ ${expectedMean}`, async function () {
        const m = await measure(longDelays ? 303 : 304, N, (net) => net.longDelays(longDelays), { enabled: false });
        const waits = m.callerWaits;
        expect(records(m, (c) => c.reason !== 'unreachable')).to.have.length(0);
        // (No bound of 0 on the minimum: a virtual wait is never negative; the bottom of the range is checked below.)
        expect(maxOf(waits)).to.be.at.most(max);
        if (longDelays) {
          expect(minOf(waits)).to.be.below(20);
          expect(maxOf(waits)).to.be.above(max - 20);
        } else {
          expect(minOf(waits)).to.equal(0);
          expect(maxOf(waits)).to.equal(99);
        }
        expect(Math.abs(mean(waits) - expectedMean), `mean ${mean(waits)}`).to.be.below((5 * sd) / Math.sqrt(N));
        // The caller waited exactly what the fail event says.
        expect(records(m, (c) => (c.failedAt as number) - c.sentAt !== c.failAfter)).to.have.length(0);
        // Counted, though nothing was delivered.
        expect(m.net.getTotalCount()).to.equal(N);
        for (const s of m.servers) expect(m.net.getCount(s)).to.equal(0);
        expect(m.net.getTotalBytes()).to.equal(m.requestBytes);
      });
    }
  });
});
