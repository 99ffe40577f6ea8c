// The network's extras, off by default: one-way links, partitions,
// duplication, the unreliable profile and held replies.
import { expect } from 'chai';
import { LAB_UNRELIABLE, type ClientEnd, type Network } from '../../labrpc/network.ts';
import { echoServer, expectRate, ofKind, simulate, virtualNet, type EchoReply } from '../support/net-harness.ts';

/** Full mesh among hosts 0..n-1: end "i->j" owned by i, connected to server j, enabled. */
function mesh(net: Network, n: number): { ends: ClientEnd[][]; runs: (() => number)[] } {
  const runs: (() => number)[] = [];
  for (let j = 0; j < n; j++) {
    const echo = echoServer(String(j));
    net.addServer(j, echo.server);
    runs.push(echo.runs);
  }
  const ends = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      const end = net.makeEnd(`${i}->${j}`, i);
      net.connect(`${i}->${j}`, j);
      net.enable(`${i}->${j}`, true);
      return end;
    }),
  );
  return { ends, runs };
}

function endAt(ends: ClientEnd[][], i: number, j: number): ClientEnd {
  return (ends[i] as ClientEnd[])[j] as ClientEnd;
}

describe('labrpc Network: extras', function () {
  it('is calm by default: reliable, no reordering, no duplicates, no cut link', function () {
    const { net } = virtualNet();
    expect(net.isReliable()).to.equal(true);
    expect(net.isLongReordering()).to.equal(false);
    expect(net.getDuplicateRate()).to.equal(0);
    expect(net.isCalm()).to.equal(true);
    net.setLink(0, 1, false);
    expect(net.isCalm()).to.equal(false);
    net.healLinks();
    expect(net.isCalm()).to.equal(true);
  });

  it('setLink(from, to, false) cuts only that direction: requests from→to and replies to calls to→from', async function () {
    const { clock, net, events } = virtualNet();
    const { ends, runs } = mesh(net, 3);
    net.setLink(0, 1, false);
    expect(net.linkUp(0, 1)).to.equal(false);
    expect(net.linkUp(1, 0)).to.equal(true);
    expect(net.linkUp(0, 2)).to.equal(true);
    const outcome = await simulate(clock, async () => {
      const out: Record<string, EchoReply | null> = {};
      for (const [i, j] of [
        [0, 1],
        [1, 0],
        [0, 2],
        [2, 0],
        [1, 2],
        [2, 1],
      ] as const) {
        out[`${i}->${j}`] = await endAt(ends, i, j).call<EchoReply>('Echo.Say', { x: i });
      }
      return out;
    });
    expect(outcome).to.deep.equal({
      '0->1': null, // request path cut
      '1->0': null, // reply path (0 to 1) cut
      '0->2': { x: 0, from: '2' },
      '2->0': { x: 2, from: '0' },
      '1->2': { x: 1, from: '2' },
      '2->1': { x: 2, from: '1' },
    });
    const fails = ofKind(events, 'fail');
    expect(fails.map((f) => [f.from, f.to, f.reason])).to.deep.equal([
      [0, 1, 'link-down'],
      [1, 0, 'reply-link-down'],
    ]);
    expect(fails[0]?.afterMs, 'a cut request link fails like an unreachable end').to.be.within(0, 99);
    expect(runs[1]?.(), 'server 1 never saw the request from 0').to.equal(1);
    expect(runs[0]?.(), 'server 0 handled the request from 1').to.equal(2);
  });

  it("setLink on the reply path: the handler runs but the caller gets failure ('reply-link-down')", async function () {
    const { clock, net, events } = virtualNet();
    const { ends, runs } = mesh(net, 2);
    net.setLink(1, 0, false); // replies from 1 to 0 are lost
    const reply = await simulate(clock, () => endAt(ends, 0, 1).call('Echo.Say', { x: 1 }));
    expect(reply).to.equal(null);
    expect(runs[1]?.()).to.equal(1);
    expect(ofKind(events, 'fail').map((f) => [f.reason, f.t])).to.deep.equal([['reply-link-down', 0]]);
    net.setLink(1, 0, true);
    expect(await simulate(clock, () => endAt(ends, 0, 1).call('Echo.Say', { x: 2 }))).to.deep.equal({ x: 2, from: '1' });
  });

  it('setLink publishes a link event only when the link changes', function () {
    const { net, events } = virtualNet();
    net.setLink('a', 'b', false);
    net.setLink('a', 'b', false);
    net.setLink('a', 'b', true);
    net.setLink('a', 'b', true);
    expect(ofKind(events, 'link').map((e) => [e.from, e.to, e.up])).to.deep.equal([
      ['a', 'b', false],
      ['a', 'b', true],
    ]);
  });

  it('partition(groups): links inside a group up, between groups down; unnamed hosts keep theirs', async function () {
    const { clock, net } = virtualNet();
    const { ends } = mesh(net, 4);
    net.setLink(3, 0, false); // host 3 is not named below: this stays cut
    net.partition([[0, 1], [2]]);
    const reach = await simulate(clock, async () => {
      const out: string[] = [];
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          if (i !== j && (await endAt(ends, i, j).call('Echo.Say', { x: 0 })) !== null) out.push(`${i}${j}`);
        }
      }
      return out;
    });
    // A call i->j needs the link i->j (request) and j->i (reply).
    expect(reach).to.deep.equal(['01', '10', '13', '23', '31', '32']);
    const up = (a: number, b: number): boolean => net.linkUp(a, b);
    expect([up(0, 1), up(1, 0), up(0, 2), up(2, 0), up(1, 2), up(2, 1)]).to.deep.equal([true, true, false, false, false, false]);
    expect([up(3, 0), up(0, 3), up(3, 1), up(2, 3)], 'host 3 was not named').to.deep.equal([false, true, true, true]);
    expect(() => net.partition([[0], [0, 1]])).to.throw('labrpc: host 0 is in two groups of the partition');
  });

  it('healLinks() restores every cut link', async function () {
    const { clock, net, events } = virtualNet();
    const { ends } = mesh(net, 3);
    net.partition([[0], [1], [2]]);
    net.healLinks();
    expect(net.isCalm()).to.equal(true);
    const replies = await simulate(clock, async () => {
      const out: (EchoReply | null)[] = [];
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out.push(await endAt(ends, i, j).call<EchoReply>('Echo.Say', { x: i }));
      return out;
    });
    expect(replies.every((r) => r !== null)).to.equal(true);
    const links = ofKind(events, 'link');
    expect(links.filter((l) => !l.up)).to.have.length(6);
    expect(links.filter((l) => l.up)).to.have.length(6);
  });

  it('setDuplicateRate(1): every request reaches the handler twice, the caller gets exactly one reply', async function () {
    const { clock, net, events } = virtualNet(5);
    const { ends, runs } = mesh(net, 2);
    net.setDuplicateRate(1);
    expect(net.getDuplicateRate()).to.equal(1);
    expect(net.isCalm()).to.equal(false);
    let resolutions = 0;
    const replies = await simulate(clock, async () => {
      const out = await Promise.all(
        Array.from({ length: 20 }, (_, x) =>
          endAt(ends, 0, 1)
            .call<EchoReply>('Echo.Say', { x })
            .then((r) => {
              resolutions++;
              return r;
            }),
        ),
      );
      await clock.sleep(100); // let the copies land
      return out;
    });
    expect(replies).to.deep.equal(Array.from({ length: 20 }, (_, x) => ({ x, from: '1' })));
    expect(resolutions).to.equal(20);
    expect(runs[1]?.()).to.equal(40);
    expect(net.getCount(1)).to.equal(40);
    expect(ofKind(events, 'reply')).to.have.length(20);
    expect(ofKind(events, 'duplicate')).to.have.length(20);
    const delivers = ofKind(events, 'deliver');
    expect(delivers.filter((d) => d.duplicate)).to.have.length(20);
    expect(ofKind(events, 'handled').filter((d) => d.duplicate)).to.have.length(20);
  });

  it('a duplicate rate between 0 and 1 duplicates that share of requests', async function () {
    const { clock, net, events } = virtualNet(6);
    const { ends } = mesh(net, 2);
    net.setDuplicateRate(0.25);
    const N = 4000;
    await simulate(clock, async () => {
      await Promise.all(Array.from({ length: N }, (_, x) => endAt(ends, 0, 1).call('Echo.Say', { x })));
      await clock.sleep(100);
    });
    expectRate(ofKind(events, 'duplicate').length, N, 0.25, 5, 'duplicate rate');
  });

  it('setUnreliableProfile changes the rates and the delay of the unreliable network', async function () {
    const { clock, net, events } = virtualNet(7);
    const { ends } = mesh(net, 2);
    net.reliable(false);
    net.setUnreliableProfile({ requestDropRate: 0.5, replyDropRate: 0, maxDelayMs: 3 });
    const N = 4000;
    await simulate(clock, () => Promise.all(Array.from({ length: N }, (_, x) => endAt(ends, 0, 1).call('Echo.Say', { x }))));
    const fails = ofKind(events, 'fail');
    expectRate(fails.filter((f) => f.reason === 'request-dropped').length, N, 0.5, 5, 'request drops');
    expect(fails.filter((f) => f.reason === 'reply-dropped')).to.have.length(0);
    const delays = ofKind(events, 'delay').map((d) => d.ms);
    expect(new Set(delays)).to.deep.equal(new Set([1, 2, 3]));
    // A profile of no faults makes the unreliable network reliable in effect.
    net.setUnreliableProfile({ requestDropRate: 0, replyDropRate: 0, maxDelayMs: 0 });
    const before = events.length;
    const replies = await simulate(clock, () => Promise.all(Array.from({ length: 200 }, (_, x) => endAt(ends, 0, 1).call('Echo.Say', { x }))));
    expect(replies.every((r) => r !== null)).to.equal(true);
    expect(events.slice(before).some((e) => e.kind === 'delay')).to.equal(false);
    // The profile only matters while the network is unreliable.
    net.setUnreliableProfile({ requestDropRate: 1, replyDropRate: 1, maxDelayMs: 26 });
    net.reliable(true);
    expect(await simulate(clock, () => endAt(ends, 0, 1).call('Echo.Say', { x: 1 }))).to.not.equal(null);
    expect(LAB_UNRELIABLE).to.deep.equal({ requestDropRate: 0.1, replyDropRate: 0.1, maxDelayMs: 26 });
  });

  it('rejects bad rates with a clear error', function () {
    const { net } = virtualNet();
    for (const bad of [-0.1, 1.5, Number.NaN]) {
      expect(() => net.setDuplicateRate(bad)).to.throw(`labrpc: duplicate rate must be between 0 and 1, got ${bad}`);
      expect(() => net.setUnreliableProfile({ requestDropRate: bad, replyDropRate: 0, maxDelayMs: 1 })).to.throw(
        `labrpc: drop rate must be between 0 and 1, got ${bad}`,
      );
      expect(() => net.setUnreliableProfile({ requestDropRate: 0, replyDropRate: bad, maxDelayMs: 1 })).to.throw(
        `labrpc: drop rate must be between 0 and 1, got ${bad}`,
      );
    }
    expect(() => net.setUnreliableProfile({ requestDropRate: 0, replyDropRate: 0, maxDelayMs: -1 })).to.throw('labrpc: maxDelayMs must be >= 0, got -1');
    expect(() => net.setUnreliableProfile({ requestDropRate: 0, replyDropRate: 0, maxDelayMs: Number.NaN })).to.throw('labrpc: maxDelayMs must be >= 0');
    expect(net.getDuplicateRate(), 'a rejected rate changes nothing').to.equal(0);
  });

  describe('held replies (a nemesis)', function () {
    it('holds replies between hosts of the group ms each, whatever the links do meanwhile; others pass at once', async function () {
      const { clock, net, events } = virtualNet();
      const { ends } = mesh(net, 3);
      net.holdReplies([0, 1], 500);
      expect(net.isCalm()).to.equal(false);
      const arrived: Record<string, number> = {};
      await simulate(clock, async () => {
        const calls = (
          [
            [0, 1],
            [1, 0],
            [0, 2],
            [2, 0],
          ] as const
        ).map(async ([i, j]) => {
          const reply = await endAt(ends, i, j).call<EchoReply>('Echo.Say', { x: i });
          expect(reply).to.deep.equal({ x: i, from: String(j) });
          arrived[`${i}->${j}`] = clock.now();
        });
        // Cut after the handlers ran: a held reply is already on the wire.
        await Promise.resolve();
        net.partition([[0], [1], [2]]);
        await Promise.all(calls);
      });
      expect(arrived).to.deep.equal({ '0->1': 500, '1->0': 500, '0->2': 0, '2->0': 0 });
      const holds = ofKind(events, 'delay').filter((e) => e.stage === 'reply');
      expect(holds.map((e) => [e.from, e.to, e.ms])).to.deep.equal([
        [0, 1, 500],
        [1, 0, 500],
      ]);
    });

    it('releaseReplies() delivers every held reply at once, in the order held, and stops holding', async function () {
      const { clock, net } = virtualNet();
      const { ends } = mesh(net, 2);
      net.holdReplies([0, 1], 2199);
      const order: string[] = [];
      await simulate(clock, async () => {
        const a = endAt(ends, 0, 1)
          .call<EchoReply>('Echo.Say', { x: 0 })
          .then(() => order.push(`0->1 at ${clock.now()}`));
        const b = endAt(ends, 1, 0)
          .call<EchoReply>('Echo.Say', { x: 1 })
          .then(() => order.push(`1->0 at ${clock.now()}`));
        await clock.sleep(300);
        expect(net.releaseReplies()).to.equal(2);
        await Promise.all([a, b]);
        // Not held any more.
        await endAt(ends, 0, 1).call<EchoReply>('Echo.Say', { x: 0 });
        order.push(`again at ${clock.now()}`);
      });
      expect(order).to.deep.equal(['0->1 at 300', '1->0 at 300', 'again at 300']);
      expect(net.getHold()).to.equal(undefined);
      expect(net.isCalm()).to.equal(true);
    });
  });
});
