// The lab's labrpc rules, one by one, in virtual time.
import { expect } from 'chai';
import type { FailEvent, Host } from '../../labrpc/events.ts';
import { LAB_TIMING, type ClientEnd, type Network } from '../../labrpc/network.ts';
import { Server, Service } from '../../labrpc/service.ts';
import type { VirtualClock } from '../../runtime/virtual-clock.ts';
import { echoServer, never, ofKind, serverWith, simulate, virtualNet, type EchoReply } from '../support/net-harness.ts';

/** An end named `name`, owned by `owner`, connected to `server` and enabled. */
function wire(net: Network, name: string, owner: Host, server: Host): ClientEnd {
  const end = net.makeEnd(name, owner);
  net.connect(name, server);
  net.enable(name, true);
  return end;
}

/** Calls and measures how long (virtual ms) the caller waited. */
async function timedCall<R>(clock: VirtualClock, end: ClientEnd, method: string, args: unknown): Promise<{ reply: R | null; ms: number }> {
  const t0 = clock.now();
  const reply = await end.call<R>(method, args);
  return { reply, ms: clock.now() - t0 };
}

function failReasons(events: ReturnType<typeof virtualNet>['events']): string[] {
  return ofKind(events, 'fail').map((e) => e.reason);
}

describe('labrpc Network: the lab rules (virtual time)', function () {
  describe('ends and reachability', function () {
    it('a new end starts disabled and unconnected; connect + enable make it work', async function () {
      const { clock, net, events } = virtualNet();
      const echo = echoServer('s');
      net.addServer('s', echo.server);
      const end = net.makeEnd('c->s', 'c');
      expect(end.name).to.equal('c->s');
      expect(end.owner).to.equal('c');
      expect(end.enabled).to.equal(false);
      expect(end.server).to.equal(undefined);
      const replies = await simulate(clock, async () => {
        const r1 = await end.call<EchoReply>('Echo.Say', { x: 1 }); // disabled, unconnected
        net.connect('c->s', 's');
        const r2 = await end.call<EchoReply>('Echo.Say', { x: 2 }); // connected, still disabled
        net.enable('c->s', true);
        const r3 = await end.call<EchoReply>('Echo.Say', { x: 3 });
        return [r1, r2, r3];
      });
      expect(replies).to.deep.equal([null, null, { x: 3, from: 's' }]);
      expect(echo.runs()).to.equal(1);
      expect(failReasons(events)).to.deep.equal(['unreachable', 'unreachable']);
    });

    const unreachable: { name: string; setup: (net: Network) => void }[] = [
      { name: 'a disabled end', setup: (net) => net.connect('e', 's') },
      { name: 'an unconnected end', setup: (net) => net.enable('e', true) },
      {
        name: 'an end whose server is missing',
        setup: (net) => {
          net.connect('e', 'nobody');
          net.enable('e', true);
        },
      },
      {
        name: 'an end whose server was deleted',
        setup: (net) => {
          net.connect('e', 's');
          net.enable('e', true);
          net.deleteServer('s');
        },
      },
    ];
    for (const longDelays of [false, true]) {
      const max = longDelays ? LAB_TIMING.longFailMaxMs : LAB_TIMING.shortFailMaxMs;
      for (const { name, setup } of unreachable) {
        it(`a call on ${name} fails after 0..${max} ms (longDelays ${longDelays})`, async function () {
          const { clock, net, events } = virtualNet(longDelays ? 21 : 12);
          net.longDelays(longDelays);
          const echo = echoServer('s');
          net.addServer('s', echo.server);
          const end = net.makeEnd('e', 'c');
          setup(net);
          const results = await simulate(clock, () => Promise.all(Array.from({ length: 300 }, (_, i) => timedCall(clock, end, 'Echo.Say', { x: i }))));
          const delays = results.map((r) => r.ms);
          expect(results.every((r) => r.reply === null)).to.equal(true);
          expect(echo.runs()).to.equal(0);
          expect(Math.max(...delays)).to.be.at.most(max);
          // The whole range is used, its bottom included: the short one is not the long one, and vice versa.
          // (A virtual duration is never negative, so a bound of 0 would prove nothing.)
          expect(Math.min(...delays)).to.be.below(longDelays ? 200 : 5);
          if (longDelays) expect(Math.max(...delays)).to.be.greaterThan(5000);
          else expect(Math.max(...delays)).to.be.greaterThan(90);
          const fails = ofKind(events, 'fail');
          expect(fails).to.have.length(300);
          expect(fails.every((f) => f.reason === 'unreachable')).to.equal(true);
          // The event says how long the caller waited, and carries the time it was seen.
          const sentAt = new Map(ofKind(events, 'send').map((s) => [s.id, s.t]));
          expect(fails.every((f) => f.t - (sentAt.get(f.id) as number) === f.afterMs)).to.equal(true);
        });
      }
    }

    it('reads the end’s state once when processing starts (a request in its delay keeps its server)', async function () {
      const { clock, net, events } = virtualNet(3);
      net.reliable(false);
      net.setUnreliableProfile({ requestDropRate: 0, replyDropRate: 0, maxDelayMs: 26 });
      net.addServer('s1', echoServer('s1').server);
      net.addServer('s2', echoServer('s2').server);
      const end = wire(net, 'e', 'c', 's1');
      const replies = await simulate(clock, async () => {
        const out: (EchoReply | null)[] = [];
        for (let i = 0; i < 20; i++) {
          net.connect('e', 's1');
          const pending = end.call<EchoReply>('Echo.Say', { x: i });
          await clock.sleep(0); // processing started: now move the end
          net.connect('e', 's2');
          out.push(await pending);
        }
        return out;
      });
      const delayed = ofKind(events, 'delay').filter((d) => d.stage === 'request');
      expect(delayed.length, 'most requests wait a little').to.be.greaterThan(10);
      expect(replies.map((r) => r?.from)).to.deep.equal(new Array(20).fill('s1'));
    });
    it('reads reliable and longReordering once when processing starts, not when the handler returns', async function () {
      const { clock, net, events } = virtualNet(8);
      net.addServer(
        's',
        serverWith('Svc', {
          Slow: async (args: { x: number }): Promise<number> => {
            await clock.sleep(10);
            return args.x;
          },
        }),
      );
      const end = wire(net, 'e', 'c', 's');
      clock.setTimer(5, () => {
        net.reliable(false);
        net.setUnreliableProfile({ requestDropRate: 1, replyDropRate: 1, maxDelayMs: 26 });
        net.longReordering(true);
      });
      const replies = await simulate(clock, () => Promise.all(Array.from({ length: 200 }, (_, x) => timedCall<number>(clock, end, 'Svc.Slow', { x }))));
      expect(replies).to.deep.equal(Array.from({ length: 200 }, (_, x) => ({ reply: x, ms: 10 })));
      expect(events.some((e) => e.kind === 'delay' || e.kind === 'fail')).to.equal(false);
      // The next call sees the new settings.
      expect(await simulate(clock, () => end.call('Svc.Slow', { x: 1 }))).to.equal(null);
      expect(failReasons(events)).to.deep.equal(['request-dropped']);
    });
  });

  describe('counting', function () {
    it('counts a request (count and bytes) before any check, even on a disabled end', async function () {
      const { clock, net } = virtualNet();
      const echo = echoServer('s');
      net.addServer('s', echo.server);
      const end = net.makeEnd('e', 'c');
      net.connect('e', 's'); // not enabled
      const args = { x: 12345 };
      const pending = end.call('Echo.Say', args);
      // Synchronously, before anything ran.
      expect(net.getTotalCount()).to.equal(1);
      expect(net.getTotalBytes()).to.equal(JSON.stringify(args).length);
      expect(await simulate(clock, () => pending)).to.equal(null);
      expect(net.getTotalCount()).to.equal(1);
      expect(net.getTotalBytes()).to.equal(JSON.stringify(args).length);
      expect(net.getCount('s'), 'the server received nothing').to.equal(0);
    });

    it('per-server counts count the requests delivered to each server’s handler', async function () {
      const { clock, net } = virtualNet();
      net.addServer('s1', echoServer('s1').server);
      net.addServer('s2', echoServer('s2').server);
      const e1 = wire(net, 'c->s1', 'c', 's1');
      const e2 = wire(net, 'c->s2', 'c', 's2');
      const off = net.makeEnd('off->s1', 'c');
      net.connect('off->s1', 's1');
      await simulate(clock, async () => {
        for (let i = 0; i < 3; i++) await e1.call('Echo.Say', { x: i });
        for (let i = 0; i < 2; i++) await e2.call('Echo.Say', { x: i });
        await off.call('Echo.Say', { x: 0 });
        await e1.call('Echo.Nope', { x: 0 }); // no such method: not delivered to a handler
      });
      expect(net.getCount('s1')).to.equal(3);
      expect(net.getCount('s2')).to.equal(2);
      expect(net.getTotalCount()).to.equal(7);
      expect(() => net.getCount('s3')).to.throw("labrpc: getCount: no server named 's3'");
    });

    it('counts reply bytes when the reply is delivered, not before, and never for a lost reply', async function () {
      const { clock, net, events } = virtualNet(4);
      net.addServer('s', serverWith('Svc', { Get: (): { value: string } => ({ value: 'abcdef' }) }));
      const end = wire(net, 'e', 'c', 's');
      const argsBytes = JSON.stringify({ k: 1 }).length;
      const replyBytes = JSON.stringify({ value: 'abcdef' }).length;
      net.longReordering(true);
      const atDelay: number[] = [];
      const unsubscribe = net.subscribe((e) => {
        if (e.kind === 'delay' && e.stage === 'reply') atDelay.push(net.getTotalBytes());
      });
      let calls = 0;
      await simulate(clock, async () => {
        // Until one reply is held back by long reordering (2 in 3 are).
        while (atDelay.length === 0) {
          calls++;
          const before = net.getTotalBytes();
          await end.call('Svc.Get', { k: 1 });
          expect(net.getTotalBytes() - before).to.equal(argsBytes + replyBytes);
        }
      });
      unsubscribe();
      expect(atDelay[0], 'while the reply is held back, only the request is counted').to.equal(calls * argsBytes + (calls - 1) * replyBytes);
      const delay = ofKind(events, 'delay').find((d) => d.stage === 'reply');
      const reply = ofKind(events, 'reply').find((r) => r.id === delay?.id);
      expect(reply?.t).to.equal((delay?.t as number) + (delay?.ms as number));
      expect(reply?.bytes).to.equal(replyBytes);

      // A dropped reply is never counted.
      net.longReordering(false);
      net.reliable(false);
      net.setUnreliableProfile({ requestDropRate: 0, replyDropRate: 1, maxDelayMs: 0 });
      const before = net.getTotalBytes();
      expect(await simulate(clock, () => end.call('Svc.Get', { k: 1 }))).to.equal(null);
      expect(net.getTotalBytes() - before).to.equal(argsBytes);
      expect(failReasons(events).at(-1)).to.equal('reply-dropped');
    });

    it('measures bytes as the UTF-8 length of the JSON encoding', async function () {
      const { clock, net, events } = virtualNet();
      net.addServer('s', serverWith('Svc', { M: (): { s: string } => ({ s: '日本' }) }));
      const end = wire(net, 'e', 'c', 's');
      const reply = await simulate(clock, () => end.call('Svc.M', { s: 'é€' }));
      expect(reply).to.deep.equal({ s: '日本' });
      // {"s":"é€"}: 8 ASCII bytes + 2 (é) + 3 (€) = 13; {"s":"日本"}: 8 + 3 + 3 = 14.
      expect(ofKind(events, 'send')[0]?.bytes).to.equal(13);
      expect(ofKind(events, 'reply')[0]?.bytes).to.equal(14);
      expect(net.getTotalBytes()).to.equal(27);
    });
  });

  describe('copies', function () {
    it('a handler mutating its args does not touch the caller’s object, nor a later mutation the handler’s', async function () {
      const { clock, net } = virtualNet();
      const seen: unknown[] = [];
      net.addServer(
        's',
        serverWith('Svc', {
          Mutate: (args: { list: number[]; nested: { v: number } }): boolean => {
            seen.push(JSON.parse(JSON.stringify(args)));
            args.list.push(99);
            args.nested.v = -1;
            return true;
          },
        }),
      );
      const end = wire(net, 'e', 'c', 's');
      const mine = { list: [1, 2], nested: { v: 1 } };
      await simulate(clock, async () => {
        const pending = end.call('Svc.Mutate', mine);
        mine.list.push(3); // after the call was made: the request already left
        expect(await pending).to.equal(true);
      });
      expect(mine).to.deep.equal({ list: [1, 2, 3], nested: { v: 1 } });
      expect(seen).to.deep.equal([{ list: [1, 2], nested: { v: 1 } }]);
    });

    it('the caller mutating a reply does not touch the server’s object', async function () {
      const { clock, net } = virtualNet();
      const state = { votes: [1], leader: { id: 0 } };
      net.addServer('s', serverWith('Svc', { State: (): typeof state => state }));
      const end = wire(net, 'e', 'c', 's');
      await simulate(clock, async () => {
        const first = await end.call<typeof state>('Svc.State', {});
        expect(first).to.deep.equal(state);
        expect(first).to.not.equal(state);
        first?.votes.push(2);
        if (first !== null) first.leader.id = 7;
        const second = await end.call<typeof state>('Svc.State', {});
        expect(second).to.deep.equal({ votes: [1], leader: { id: 0 } });
      });
      expect(state).to.deep.equal({ votes: [1], leader: { id: 0 } });
    });

    it('two deliveries of one request get two distinct copies', async function () {
      const { clock, net } = virtualNet();
      net.setDuplicateRate(1);
      const got: { n: number[] }[] = [];
      net.addServer(
        's',
        serverWith('Svc', {
          Keep: (args: { n: number[] }): number => {
            got.push(args);
            args.n.push(got.length);
            return got.length;
          },
        }),
      );
      const end = wire(net, 'e', 'c', 's');
      await simulate(clock, async () => {
        await end.call('Svc.Keep', { n: [] });
        await clock.sleep(100);
      });
      expect(got).to.have.length(2);
      expect(got[0]).to.not.equal(got[1]);
      expect(got).to.deep.equal([{ n: [1] }, { n: [2] }]);
    });
  });

  describe('calls in flight and handlers that take time', function () {
    it('several calls in flight on one end complete independently, out of order', async function () {
      const { clock, net } = virtualNet();
      net.addServer(
        's',
        serverWith('Svc', {
          Wait: async (args: { ms: number }): Promise<{ ms: number; t: number }> => {
            await clock.sleep(args.ms);
            return { ms: args.ms, t: clock.now() };
          },
        }),
      );
      const end = wire(net, 'e', 'c', 's');
      const order: number[] = [];
      const replies = await simulate(clock, () =>
        Promise.all(
          [300, 100, 200].map(async (ms) => {
            const reply = await end.call<{ ms: number; t: number }>('Svc.Wait', { ms });
            order.push(ms);
            return { reply, at: clock.now() };
          }),
        ),
      );
      expect(order).to.deep.equal([100, 200, 300]);
      expect(replies).to.deep.equal([
        { reply: { ms: 300, t: 300 }, at: 300 },
        { reply: { ms: 100, t: 100 }, at: 100 },
        { reply: { ms: 200, t: 200 }, at: 200 },
      ]);
      expect(net.getCount('s')).to.equal(3);
    });

    const deaths: { name: string; at: number; failAt: number; kill: (net: Network) => void }[] = [
      { name: 'its end is disabled', at: 150, failAt: 200, kill: (net) => net.enable('e', false) },
      { name: 'its server is deleted', at: 250, failAt: 300, kill: (net) => net.deleteServer('s') },
      { name: 'its server is replaced', at: 30, failAt: 100, kill: (net) => net.addServer('s', new Server()) },
    ];
    for (const { name, at, failAt, kill } of deaths) {
      it(`a handler that never returns: the caller fails at the next 100 ms check after ${name}`, async function () {
        const { clock, net, events } = virtualNet();
        net.addServer('s', serverWith('Svc', { Hang: (): Promise<number> => never<number>() }));
        const end = wire(net, 'e', 'c', 's');
        clock.setTimer(at, () => kill(net));
        const result = await simulate(clock, () => timedCall(clock, end, 'Svc.Hang', {}));
        expect(result).to.deep.equal({ reply: null, ms: failAt });
        const fail = ofKind(events, 'fail')[0] as FailEvent;
        expect(fail.reason).to.equal('server-dead');
        expect(fail.t).to.equal(failAt);
        expect(clock.pendingTimers(), 'the dead-check stops once the call is over').to.equal(0);
      });
    }

    it('a handler that never returns, on a healthy server, never completes (the 100 ms checks go on)', async function () {
      const { clock, net } = virtualNet();
      net.addServer('s', serverWith('Svc', { Hang: (): Promise<number> => never<number>() }));
      const end = wire(net, 'e', 'c', 's');
      const winner = await simulate(clock, () => Promise.race([end.call('Svc.Hang', {}).then(() => 'call'), clock.sleep(60_000).then(() => 'timeout')]));
      expect(winner).to.equal('timeout');
      expect(clock.pendingTimers(), 'a dead-check is still pending').to.equal(1);
      expect(clock.nextDue()).to.equal(60_000);
    });

    it('a handler that returns after its end was disabled: failure when it returns', async function () {
      const { clock, net, events } = virtualNet();
      let ran = 0;
      net.addServer(
        's',
        serverWith('Svc', {
          Slow: async (): Promise<string> => {
            await clock.sleep(50);
            ran++;
            return 'late';
          },
        }),
      );
      const end = wire(net, 'e', 'c', 's');
      clock.setTimer(20, () => net.enable('e', false));
      const result = await simulate(clock, () => timedCall(clock, end, 'Svc.Slow', {}));
      expect(result).to.deep.equal({ reply: null, ms: 50 });
      expect(ran).to.equal(1);
      expect(ofKind(events, 'handled')).to.have.length(1);
      expect(failReasons(events)).to.deep.equal(['server-dead']);
    });

    it('a synchronous handler that disables its own end: failure (checked again after it returns)', async function () {
      const { clock, net, events } = virtualNet();
      net.addServer(
        's',
        serverWith('Svc', {
          Cut: (): string => {
            net.enable('e', false);
            return 'reply';
          },
        }),
      );
      const end = wire(net, 'e', 'c', 's');
      expect(await simulate(clock, () => end.call('Svc.Cut', {}))).to.equal(null);
      expect(failReasons(events)).to.deep.equal(['server-dead']);
    });

    it('discards the result of a handler whose server was replaced while it ran; the new server serves', async function () {
      const { clock, net, events } = virtualNet();
      const slow = serverWith('Svc', {
        Get: async (): Promise<string> => {
          await clock.sleep(50);
          return 'old';
        },
      });
      net.addServer('s', slow);
      const end = wire(net, 'e', 'c', 's');
      clock.setTimer(20, () => net.addServer('s', serverWith('Svc', { Get: (): string => 'new' })));
      const results = await simulate(clock, async () => [await timedCall(clock, end, 'Svc.Get', {}), await timedCall(clock, end, 'Svc.Get', {})]);
      expect(results).to.deep.equal([
        { reply: null, ms: 50 },
        { reply: 'new', ms: 0 },
      ]);
      expect(failReasons(events)).to.deep.equal(['server-dead']);
      expect(slow.count).to.equal(1);
      expect(net.getCount('s'), 'the new server counts its own').to.equal(1);
    });

    it('a handler returning undefined: failure (no reply), though it ran', async function () {
      const { clock, net, events } = virtualNet();
      let ran = 0;
      net.addServer(
        's',
        serverWith('Svc', {
          Nothing: (): undefined => {
            ran++;
            return undefined;
          },
          Later: async (): Promise<undefined> => {
            ran++;
            await clock.sleep(5);
            return undefined;
          },
        }),
      );
      const end = wire(net, 'e', 'c', 's');
      const replies = await simulate(clock, async () => [await end.call('Svc.Nothing', {}), await end.call('Svc.Later', {})]);
      expect(replies).to.deep.equal([null, null]);
      expect(ran).to.equal(2);
      expect(failReasons(events)).to.deep.equal(['no-reply', 'no-reply']);
    });
  });

  describe('misuse and errors', function () {
    it('an unknown method fails the call and a misuse event names it and the known methods', async function () {
      const { clock, net, events } = virtualNet();
      net.addServer('s', serverWith('Raft', { RequestVote: (): number => 1, AppendEntries: (): number => 2 }));
      const end = wire(net, 'e', 'c', 's');
      expect(await simulate(clock, () => end.call('Raft.RequestVotes', {}))).to.equal(null);
      const misuse = ofKind(events, 'misuse');
      expect(misuse).to.have.length(1);
      expect(misuse[0]?.message).to.equal(
        "labrpc: unknown method 'Raft.RequestVotes' (known methods: Raft.RequestVote, Raft.AppendEntries), called on server s",
      );
      expect(failReasons(events)).to.deep.equal(['bad-call']);
      expect(net.getCount('s')).to.equal(0);
    });

    it('an unknown service fails the call and a misuse event names it and the known services', async function () {
      const { clock, net, events } = virtualNet();
      const server = new Server();
      server.addService(new Service('Raft', { RequestVote: (): number => 1 }));
      server.addService(new Service('KV', { Get: (): number => 1 }));
      net.addServer(0, server);
      net.addServer(1, new Server());
      const end = wire(net, 'e', 'c', 0);
      const other = wire(net, 'e2', 'c', 1);
      const replies = await simulate(clock, async () => [await end.call('Raftt.RequestVote', {}), await other.call('NoDot', {})]);
      expect(replies).to.deep.equal([null, null]);
      expect(ofKind(events, 'misuse').map((m) => m.message)).to.deep.equal([
        "labrpc: unknown service 'Raftt' in 'Raftt.RequestVote' (known services: Raft, KV), called on server 0",
        "labrpc: unknown service '' in 'NoDot' (known services: none), called on server 1",
      ]);
      expect(failReasons(events)).to.deep.equal(['bad-call', 'bad-call']);
    });

    it('a duplicate end name throws a clear error', function () {
      const { net } = virtualNet();
      net.makeEnd('0->1', 0);
      expect(() => net.makeEnd('0->1', 0)).to.throw("labrpc: makeEnd: an end named '0->1' already exists");
      net.deleteEnd('0->1');
      expect(() => net.makeEnd('0->1', 0), 'a deleted name can be used again').to.not.throw();
    });

    it('connect and enable on an unknown end throw a clear error', function () {
      const { net } = virtualNet();
      expect(() => net.connect('ghost', 's')).to.throw("labrpc: connect: no end named 'ghost'");
      expect(() => net.enable('ghost', true)).to.throw("labrpc: enable: no end named 'ghost'");
    });

    it('after cleanup(), calls resolve null and other operations throw a clear error', async function () {
      const { clock, net, events } = virtualNet();
      const echo = echoServer('s');
      net.addServer('s', echo.server);
      const end = wire(net, 'e', 'c', 's');
      net.cleanup();
      expect(await simulate(clock, () => end.call('Echo.Say', { x: 1 }))).to.equal(null);
      expect(echo.runs()).to.equal(0);
      expect(failReasons(events)).to.deep.equal(['network-closed']);
      const ops: [string, () => void][] = [
        ['makeEnd', () => net.makeEnd('f', 'c')],
        ['connect', () => net.connect('e', 's')],
        ['enable', () => net.enable('e', false)],
        ['addServer', () => net.addServer('t', new Server())],
        ['setLink', () => net.setLink('c', 's', false)],
      ];
      for (const [op, run] of ops) expect(run, op).to.throw(`labrpc: ${op}: the network was cleaned up`);
    });

    it('a call in flight when the network is cleaned up still completes', async function () {
      const { clock, net } = virtualNet();
      net.addServer(
        's',
        serverWith('Svc', {
          Slow: async (): Promise<string> => {
            await clock.sleep(10);
            return 'ok';
          },
        }),
      );
      const end = wire(net, 'e', 'c', 's');
      const off = net.makeEnd('off', 'c');
      const [slow, failing] = await simulate(clock, async () => {
        const a = end.call('Svc.Slow', {});
        const b = off.call('Svc.Slow', {});
        await clock.sleep(1);
        net.cleanup();
        return Promise.all([a, b]);
      });
      expect(slow).to.equal('ok');
      expect(failing).to.equal(null);
    });

    it('a handler that throws fails the call, records a handler-error event, and the network keeps working', async function () {
      const { clock, net, events } = virtualNet();
      let calls = 0;
      net.addServer(
        's',
        serverWith('Svc', {
          Flaky: (args: { n: number }): number => {
            calls++;
            if (args.n === 0) throw new Error('handler bug');
            return args.n;
          },
          Rejects: async (): Promise<number> => {
            await clock.sleep(3);
            throw new Error('async handler bug');
          },
        }),
      );
      const end = wire(net, 'e', 'c', 's');
      const replies = await simulate(clock, async () => [
        await end.call('Svc.Flaky', { n: 0 }),
        await end.call('Svc.Flaky', { n: 5 }),
        await end.call('Svc.Rejects', {}),
        await end.call('Svc.Flaky', { n: 6 }),
      ]);
      expect(replies).to.deep.equal([null, 5, null, 6]);
      expect(calls).to.equal(3);
      expect(ofKind(events, 'handler-error').map((e) => [e.id, e.method, e.error])).to.deep.equal([
        [1, 'Svc.Flaky', 'handler bug'],
        [3, 'Svc.Rejects', 'async handler bug'],
      ]);
      expect(failReasons(events)).to.deep.equal(['handler-error', 'handler-error']);
    });

    it('call() never rejects and always completes, whatever goes wrong', async function () {
      const { clock, net, events } = virtualNet();
      interface Cyclic {
        self?: Cyclic;
      }
      const cyclic: Cyclic = {};
      cyclic.self = cyclic;
      net.addServer(
        's',
        serverWith('Svc', {
          Throw: (): never => {
            throw new Error('x');
          },
          ThrowString: (): never => {
            // A handler that throws a string: the network must report it all the same.
            // eslint-disable-next-line @typescript-eslint/only-throw-error
            throw 'not an Error';
          },
          Reject: (): Promise<never> => Promise.reject(new Error('y')),
          Undefined: (): undefined => undefined,
          BigReply: (): { n: bigint } => ({ n: 1n }),
          FunctionReply: (): (() => number) => () => 1,
          SymbolReply: (): symbol => Symbol('s'),
          Echo: (a: unknown): unknown => a,
        }),
      );
      const end = wire(net, 'e', 'c', 's');
      const off = net.makeEnd('off', 'c');
      const calls: [string, () => Promise<unknown>][] = [
        ['disabled end', () => off.call('Svc.Echo', {})],
        ['unknown method', () => end.call('Svc.Nope', {})],
        ['unknown service', () => end.call('Nope.Echo', {})],
        ['handler throws', () => end.call('Svc.Throw', {})],
        ['handler throws a non-Error', () => end.call('Svc.ThrowString', {})],
        ['handler rejects', () => end.call('Svc.Reject', {})],
        ['handler returns undefined', () => end.call('Svc.Undefined', {})],
        ['args with a bigint', () => end.call('Svc.Echo', { n: 1n })],
        ['cyclic args', () => end.call('Svc.Echo', cyclic)],
        ['undefined args', () => end.call('Svc.Echo', undefined)],
        ['reply with a bigint', () => end.call('Svc.BigReply', {})],
        ['reply that is a function', () => end.call('Svc.FunctionReply', {})],
        ['reply that is a symbol', () => end.call('Svc.SymbolReply', {})],
      ];
      const settled = await simulate(
        clock,
        async () => {
          const all = Promise.allSettled(calls.map(([, call]) => call()));
          const guard = clock.sleep(10_000).then(() => 'some call never completed');
          return Promise.race([all, guard]);
        },
        { deadline: 20_000 },
      );
      expect(settled).to.not.be.a('string');
      const results = settled as PromiseSettledResult<unknown>[];
      results.forEach((r, i) => {
        expect(r, calls[i]?.[0]).to.deep.equal({ status: 'fulfilled', value: null });
      });
      expect(ofKind(events, 'handler-error').map((e) => e.error)).to.deep.equal(['x', 'not an Error', 'y']);
      const misuse = ofKind(events, 'misuse').map((m) => m.message);
      expect(misuse.some((m) => m.includes('arguments of Svc.Echo cannot be encoded'))).to.equal(true);
      expect(misuse.some((m) => m.includes('reply of Svc.BigReply cannot be encoded'))).to.equal(true);
      expect(misuse.some((m) => m.includes('reply of Svc.FunctionReply cannot be encoded'))).to.equal(true);
      // And the network still works.
      expect(await simulate(clock, () => end.call('Svc.Echo', { ok: true }))).to.deep.equal({ ok: true });
    });
  });
});
