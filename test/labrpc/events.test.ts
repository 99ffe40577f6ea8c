// What the network publishes: every step of a call, with its virtual time,
// and every change of ends, links and servers.
import { expect } from 'chai';
import type { NetEvent } from '../../labrpc/events.ts';
import { Network } from '../../labrpc/network.ts';
import { Random } from '../../runtime/random.ts';
import { VirtualClock } from '../../runtime/virtual-clock.ts';
import { echoServer, ofKind, serverWith, simulate } from '../support/net-harness.ts';

/** A network whose events are recorded as JSON snapshots taken when published. */
function recordedNet(seed = 1): { clock: VirtualClock; net: Network; log: NetEvent[]; order: string[] } {
  const clock = new VirtualClock();
  const net = new Network(clock, new Random(seed, 'network'));
  const log: NetEvent[] = [];
  const order: string[] = [];
  net.subscribe((e) => {
    log.push(JSON.parse(JSON.stringify(e)) as NetEvent);
    order.push(`event ${e.kind}`);
  });
  return { clock, net, log, order };
}

describe('labrpc Network: events', function () {
  it('publishes server and end changes with their time', async function () {
    const { clock, net, log } = recordedNet();
    await simulate(clock, async () => {
      net.addServer('s', echoServer('s').server);
      net.makeEnd('c->s', 'c');
      net.connect('c->s', 's'); // connecting publishes nothing
      await clock.sleep(10);
      net.enable('c->s', true);
      net.enable('c->s', true); // no change, no event
      await clock.sleep(10);
      net.enable('c->s', false);
      net.setLink('c', 's', false);
      await clock.sleep(5);
      net.deleteServer('s');
      net.deleteServer('s'); // already gone, no event
    });
    expect(log).to.deep.equal([
      { kind: 'server', t: 0, name: 's', present: true },
      { kind: 'end', t: 10, end: 'c->s', from: 'c', to: 's', enabled: true },
      { kind: 'end', t: 20, end: 'c->s', from: 'c', to: 's', enabled: false },
      { kind: 'link', t: 20, from: 'c', to: 's', up: false },
      { kind: 'server', t: 25, name: 's', present: false },
    ]);
  });

  it('publishes the exact sequence of one simple reliable call, before the caller sees the reply', async function () {
    const { clock, net, log, order } = recordedNet();
    net.addServer('s', echoServer('s').server);
    const end = net.makeEnd('c->s', 'c');
    net.connect('c->s', 's');
    net.enable('c->s', true);
    const start = log.length;
    const reply = await simulate(clock, async () => {
      await clock.sleep(100);
      const r = await end.call('Echo.Say', { x: 1 });
      order.push('caller resumed');
      return r;
    });
    expect(reply).to.deep.equal({ x: 1, from: 's' });
    const base = { t: 100, id: 1, from: 'c', to: 's', method: 'Echo.Say' };
    expect(log.slice(start)).to.deep.equal([
      { kind: 'send', ...base, args: { x: 1 }, bytes: 7 },
      { kind: 'deliver', ...base, args: { x: 1 }, duplicate: false },
      { kind: 'handled', ...base, args: { x: 1 }, reply: { x: 1, from: 's' }, duplicate: false },
      { kind: 'reply', ...base, args: { x: 1 }, reply: { x: 1, from: 's' }, bytes: 18 },
    ]);
    expect(order.slice(-2)).to.deep.equal(['event reply', 'caller resumed']);
  });

  it('publishes the exact sequence of one failed call (disabled end): send, then fail with reason and delay', async function () {
    const { clock, net, log } = recordedNet(2);
    net.addServer('s', echoServer('s').server);
    const end = net.makeEnd('c->s', 'c');
    net.connect('c->s', 's');
    const start = log.length;
    const failedAt = await simulate(clock, async () => {
      await clock.sleep(200);
      expect(await end.call('Echo.Say', { x: 2 })).to.equal(null);
      return clock.now();
    });
    const waited = failedAt - 200;
    expect(waited).to.be.within(0, 99);
    const base = { id: 1, from: 'c', to: 's', method: 'Echo.Say' };
    expect(log.slice(start)).to.deep.equal([
      { kind: 'send', t: 200, ...base, args: { x: 2 }, bytes: 7 },
      { kind: 'fail', t: failedAt, ...base, args: { x: 2 }, reason: 'unreachable', afterMs: waited },
    ]);
  });

  it('publishes the unreliable short delay, the long-reordering delay and the drops, with their times', async function () {
    const { clock, net, log } = recordedNet(3);
    net.addServer('s', echoServer('s').server);
    const end = net.makeEnd('c->s', 'c');
    net.connect('c->s', 's');
    net.enable('c->s', true);
    net.reliable(false);
    net.longReordering(true);
    await simulate(clock, () => Promise.all(Array.from({ length: 300 }, (_, x) => end.call('Echo.Say', { x }))));
    const byId = new Map<number, NetEvent[]>();
    for (const e of log) if ('id' in e) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
    expect(byId.size).to.equal(300);
    const shapes = new Set<string>();
    for (const [id, events] of byId) {
      const kinds = events.map((e) => (e.kind === 'delay' ? `delay:${e.stage}` : e.kind === 'fail' ? `fail:${e.reason}` : e.kind));
      shapes.add(kinds.join(' '));
      // Times never go backwards within a call; a delay event says when the next step happens.
      for (let i = 1; i < events.length; i++) expect((events[i] as NetEvent).t).to.be.at.least((events[i - 1] as NetEvent).t);
      events.forEach((e, i) => {
        if (e.kind === 'delay') expect((events[i + 1] as NetEvent).t - e.t, `call ${id}`).to.equal(e.ms);
      });
    }
    // Every path a reliable-end call can take on this network.
    expect([...shapes].sort()).to.deep.equal(
      [
        'send deliver handled reply', // no request delay (0 ms), reply at once
        'send deliver handled delay:reply reply',
        'send delay:request deliver handled reply',
        'send delay:request deliver handled delay:reply reply',
        'send delay:request fail:request-dropped',
        'send delay:request deliver handled fail:reply-dropped',
        'send fail:request-dropped',
        'send deliver handled fail:reply-dropped',
      ].sort(),
    );
  });

  it('publishes duplicates, handler errors and misuse', async function () {
    const { clock, net, log } = recordedNet(4);
    net.addServer(
      's',
      serverWith('Svc', {
        Boom: (): never => {
          throw new Error('kaboom');
        },
        Ok: (): number => 1,
      }),
    );
    const end = net.makeEnd('c->s', 'c');
    net.connect('c->s', 's');
    net.enable('c->s', true);
    await simulate(clock, async () => {
      await end.call('Svc.Boom', {});
      await end.call('Svc.Missing', {});
      net.setDuplicateRate(1);
      await end.call('Svc.Ok', {});
      await clock.sleep(50);
    });
    const errors = ofKind(log, 'handler-error');
    expect(errors).to.deep.equal([{ kind: 'handler-error', t: 0, id: 1, from: 'c', to: 's', method: 'Svc.Boom', error: 'kaboom' }]);
    expect(ofKind(log, 'misuse')).to.deep.equal([
      { kind: 'misuse', t: 0, message: "labrpc: unknown method 'Svc.Missing' (known methods: Svc.Boom, Svc.Ok), called on server s" },
    ]);
    const dup = ofKind(log, 'duplicate');
    expect(dup).to.have.length(1);
    expect(dup[0]).to.include({ id: 3, from: 'c', to: 's', method: 'Svc.Ok', t: 0 });
    expect(dup[0]?.ms).to.be.within(0, 26);
    const copies = ofKind(log, 'deliver').filter((d) => d.id === 3);
    expect(copies.map((d) => [d.duplicate, d.t])).to.deep.equal([
      [false, 0],
      [true, dup[0]?.ms],
    ]);
  });

  it('unsubscribing stops the events; other listeners keep theirs', async function () {
    const { clock, net, log } = recordedNet();
    const mine: string[] = [];
    const unsubscribe = net.subscribe((e) => mine.push(e.kind));
    net.addServer('s', echoServer('s').server);
    unsubscribe();
    net.deleteServer('s');
    await simulate(clock, () => clock.sleep(1));
    expect(mine).to.deep.equal(['server']);
    expect(log.map((e) => e.kind)).to.deep.equal(['server', 'server']);
  });
});
