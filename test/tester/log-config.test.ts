// The lab's 2B helpers in the config layer: the applier's checks and their
// exact texts, one()'s budgets, nCommitted, wait, the Passed line's commands,
// the refusal of a 2A-only implementation, and the submit/apply events.
import { expect } from 'chai';
import type { ApplyChannel, ApplyMsg, MakeRaft, Persister, RaftPeer } from '../../raft/contract.ts';
import { make as referenceMake } from '../../raft/raft.ts';
import { Applier } from '../../tester/cluster/applier.ts';
import { ONE_AGREEMENT_MS, ONE_TIMEOUT_MS, makeConfig } from '../../tester/config.ts';
import type { TesterEvent } from '../../tester/events.ts';
import { LAB_2A_TESTS } from '../../tester/lab2a.ts';
import { LAB_2B_TESTS, TestBasicAgree2B } from '../../tester/lab2b.ts';
import { RaftModuleError, refuseLacking } from '../../tester/raft-module.ts';
import { LAB_CHECKS_ONLY } from '../../tester/monitors/index.ts';

/** The reference Raft, with its apply channel replaced by `onApply(me, msg, send)`. */
function withApplies(onApply: (me: number, msg: ApplyMsg, send: (m: ApplyMsg) => void) => void): MakeRaft {
  return (peers, me, persister, applyCh, runtime) => referenceMake(peers, me, persister, { send: (m) => onApply(me, m, (x) => applyCh.send(x)) }, runtime);
}

async function failureOf(run: () => Promise<void>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe("config: the lab's log helpers (2B)", function () {
  this.timeout(60_000);

  describe('the applier', function () {
    it('stores what each server applied and raises maxIndex', function () {
      const errors: string[] = [];
      const applier = new Applier(3, { onApply: () => {}, onError: (e) => errors.push(e) });
      applier.channel(0, 1).send({ commandValid: true, command: 100, commandIndex: 1 });
      applier.channel(1, 1).send({ commandValid: true, command: 100, commandIndex: 1 });
      applier.channel(1, 1).send({ commandValid: true, command: 'x', commandIndex: 2 });
      expect(errors).to.deep.equal([]);
      expect(applier.maxIndex).to.equal(2);
      expect(applier.nCommitted(1)).to.deep.equal({ count: 2, command: 100 });
      expect(applier.nCommitted(2)).to.deep.equal({ count: 1, command: 'x' });
      expect(applier.nCommitted(3)).to.deep.equal({ count: 0, command: undefined });
    });

    it('reports an apply out of order as the lab does', function () {
      const errors: string[] = [];
      const applier = new Applier(3, { onApply: () => {}, onError: (e) => errors.push(e) });
      applier.channel(2, 1).send({ commandValid: true, command: 7, commandIndex: 2 });
      expect(errors).to.deep.equal(['server 2 apply out of order 2']);
    });

    it('reports a different command at an index another server applied, naming both', function () {
      const errors: string[] = [];
      const applier = new Applier(3, { onApply: () => {}, onError: (e) => errors.push(e) });
      applier.channel(0, 1).send({ commandValid: true, command: 101, commandIndex: 1 });
      applier.channel(1, 1).send({ commandValid: true, command: 202, commandIndex: 1 });
      expect(errors).to.deep.equal(['commit index=1 server=1 202 != server=0 101']);
      expect(applier.nCommitted(1).error).to.equal('committed values do not match: index 1, 101, 202');
    });

    it("skips messages that are not commandValid, and keeps a crashed incarnation's channel working", function () {
      const errors: string[] = [];
      const seen: number[] = [];
      const applier = new Applier(1, { onApply: (_s, incarnation) => seen.push(incarnation), onError: (e) => errors.push(e) });
      const old = applier.channel(0, 1);
      applier.channel(0, 2).send({ commandValid: false, command: null, commandIndex: 5 });
      old.send({ commandValid: true, command: 1, commandIndex: 1 });
      expect(errors).to.deep.equal([]);
      expect(seen).to.deep.equal([2, 1]);
      expect(applier.nCommitted(1).count).to.equal(1);
    });
  });

  it('fails the test with "apply error: ..." when a server applies out of order', async function () {
    // Each server holds index 1 back and applies it after index 2.
    const raft = withApplies((_me, msg, send) => {
      if (msg.commandIndex === 1) held = msg;
      else {
        send(msg);
        if (held !== undefined) send(held);
        held = undefined;
      }
    });
    let held: ApplyMsg | undefined;
    // The lab's own check, alone (the AO monitor catches the same apply first, with its own text).
    const cfg = makeConfig(3, false, { seed: 4, raft, print: () => {}, policy: LAB_CHECKS_ONLY });
    try {
      const leader = await cfg.checkOneLeader();
      for (const command of [1, 2, 3]) cfg.start(leader, command);
      const message = await failureOf(async () => {
        await cfg.wait(3, 3, -1);
      });
      expect(message).to.match(/^apply error: server \d apply out of order 2 \(virtual t=\d+ ms, seed 4\)/);
    } finally {
      await cfg.cleanup().catch(() => {});
    }
  });

  it('fails the test with the lab\'s "commit index=" text when servers apply different commands', async function () {
    const raft = withApplies((me, msg, send) => send(me === 2 && msg.commandIndex === 2 ? { ...msg, command: 999 } : msg));
    // The lab's own check, alone (SMS catches the same apply first, with its own text).
    const message = await failureOf(() => TestBasicAgree2B({ seed: 4, raft, print: () => {}, policy: LAB_CHECKS_ONLY }));
    expect(message).to.match(/^apply error: commit index=2 server=\d 200 != server=2 999|^apply error: commit index=2 server=2 999 != server=\d 200/);
  });

  it("one() without retry gives up 2 s after a leader accepted, with the lab's text", async function () {
    const raft = withApplies(() => {}); // nothing is ever applied
    const cfg = makeConfig(3, false, { seed: 8, raft, print: () => {} });
    try {
      await cfg.checkOneLeader();
      const t0 = cfg.now();
      const message = await failureOf(async () => {
        await cfg.one(100, 3, false);
      });
      expect(message).to.match(/^one\(100\) failed to reach agreement/);
      const waited = cfg.failureSeen!.t - t0;
      expect(waited).to.be.within(ONE_AGREEMENT_MS, ONE_AGREEMENT_MS + 100);
    } finally {
      await cfg.cleanup().catch(() => {});
    }
  });

  it('one() with retry keeps submitting for 10 s, then gives up', async function () {
    const raft = withApplies(() => {});
    const submits: number[] = [];
    const cfg = makeConfig(3, false, { seed: 8, raft, print: () => {}, record: (e) => e.kind === 'submit' && e.isLeader && submits.push(e.t) });
    try {
      await cfg.checkOneLeader();
      const t0 = cfg.now();
      const message = await failureOf(async () => {
        await cfg.one(100, 3, true);
      });
      expect(message).to.match(/^one\(100\) failed to reach agreement/);
      expect(cfg.failureSeen!.t - t0).to.be.within(ONE_TIMEOUT_MS, ONE_TIMEOUT_MS + ONE_AGREEMENT_MS + 100);
      expect(submits.length, 'a new Start() every 2 s').to.equal(5);
    } finally {
      await cfg.cleanup().catch(() => {});
    }
  });

  it('wait() returns the value once enough servers applied it, and -1 once the term moved on', async function () {
    const cfg = makeConfig(3, false, { seed: 2, print: () => {} });
    try {
      const index = await cfg.one(42, 3, false);
      const { term } = cfg.getStateOf(await cfg.checkOneLeader());
      expect(await cfg.wait(index, 3, term)).to.equal(42);
      expect(await cfg.wait(index, 3, -1)).to.equal(42);
      // Not yet applied, and the servers are past term-1: someone has moved on.
      const next = cfg.start(await cfg.checkOneLeader(), 43);
      expect(await cfg.wait(next.index, 3, term - 1)).to.equal(-1);
      expect(await cfg.wait(next.index, 3, term)).to.equal(43);
      cfg.end();
    } finally {
      await cfg.cleanup();
    }
  });

  it("wait() fails with the lab's text when too few servers apply", async function () {
    const raft = withApplies((me, msg, send) => me === 0 && send(msg)); // only server 0 applies
    const cfg = makeConfig(3, false, { seed: 2, raft, print: () => {}, policy: LAB_CHECKS_ONLY });
    try {
      const leader = await cfg.checkOneLeader();
      const { index } = cfg.start(leader, 5);
      const message = await failureOf(async () => {
        await cfg.wait(index, 3, -1);
      });
      expect(message).to.match(/^only [01] decided for index 1; wanted 3/);
    } finally {
      await cfg.cleanup().catch(() => {});
    }
  });

  it('the Passed line counts the commands committed during the test, and the events show submits and applies', async function () {
    const lines: string[] = [];
    const events: TesterEvent[] = [];
    await TestBasicAgree2B({ seed: 6, print: (l) => lines.push(l), record: (e) => events.push(e) });
    expect(lines[0]).to.equal('Test (2B): basic agreement ...');
    expect(lines[1]).to.match(/^ {2}\.\.\. Passed -- {2}[ \d]\d\.\d {2}3 [ \d]{3}\d [ \d]{6}\d {4}3$/);
    const submits = events.filter((e) => e.kind === 'submit' && e.isLeader);
    expect(submits.map((e) => (e as { command: unknown }).command)).to.deep.equal([100, 200, 300]);
    const applies = events.filter((e) => e.kind === 'apply');
    expect(applies).to.have.length(9);
    expect(applies.every((e) => e.kind === 'apply' && e.incarnation === 1 && e.commandValid)).to.equal(true);
  });

  it('refuses a 2A-only implementation at once, in one line naming start()', async function () {
    const only2A: MakeRaft = (...args) => {
      const raft: RaftPeer = referenceMake(...args);
      return { getState: () => raft.getState(), kill: () => raft.kill(), requestVote: (a) => raft.requestVote(a), appendEntries: (a) => raft.appendEntries(a) };
    };
    const events: TesterEvent[] = [];
    const message = await failureOf(() => TestBasicAgree2B({ seed: 1, raft: only2A, print: () => {}, record: (e) => events.push(e) }));
    expect(message.split('\n')[0]).to.match(
      /^this test needs start\(command\) \(lab 2B\): the implementation has no start\(command\), so it can run only the 2A tests \(virtual t=0 ms, seed 1\)$/,
    );
    expect(
      events.some((e) => e.kind === 'step' && e.name === 'one'),
      'no step of the test ran',
    ).to.equal(false);
  });

  it('drivers refuse a module without start() for 2B tests in one line, and let it run the 2A tests', function () {
    const only2A = { make: referenceMake, lacks: ['start'] };
    expect(() => refuseLacking(LAB_2A_TESTS, only2A, 'my-raft.ts')).to.not.throw();
    expect(() => refuseLacking([...LAB_2A_TESTS, ...LAB_2B_TESTS], only2A, 'my-raft.ts'))
      .to.throw(RaftModuleError)
      .with.property(
        'message',
        '--raft: my-raft.ts: make() returns an object without start(command), which TestBasicAgree2B, TestRPCBytes2B, TestFollowerFailure2B and 7 more need (lab 2B); it can run only the 2A tests',
      );
    expect(() => refuseLacking(LAB_2B_TESTS, { make: referenceMake, lacks: [] }, 'my-raft.ts')).to.not.throw();
  });

  describe('crash1 and start1, as the lab has them (2C)', function () {
    it('what the old instance saves after crash1 is lost; the new instance reads a copy of what was saved before', async function () {
      const persisters: Persister[][] = [[], [], []];
      const raft: MakeRaft = (peers, me, persister, applyCh, runtime) => {
        persisters[me]!.push(persister);
        return referenceMake(peers, me, persister, applyCh, runtime);
      };
      const events: TesterEvent[] = [];
      const cfg = makeConfig(3, false, { seed: 3, raft, print: () => {}, record: (e) => events.push(e) });
      try {
        await cfg.one(7, 3, false);
        const before = persisters[0]![0]!.readRaftState();
        expect(JSON.parse(before).log).to.deep.equal([{ term: JSON.parse(before).log[0].term, command: 7 }]);
        cfg.crash1(0);
        const persistEvents = (): number => events.filter((e) => e.kind === 'persist' && e.server === 0).length;
        const seen = persistEvents();
        persisters[0]![0]!.saveRaftState('written by the zombie');
        expect(persistEvents(), 'a zombie write is no persist event').to.equal(seen);
        cfg.start1(0);
        const fresh = persisters[0]![1]!;
        expect(fresh).to.not.equal(persisters[0]![0]);
        expect(fresh.readRaftState()).to.equal(before);
        cfg.connect(0);
        await cfg.one(8, 3, true);
        expect(events.some((e) => e.kind === 'persist' && e.server === 0 && e.incarnation === 2)).to.equal(true);
        cfg.end();
      } finally {
        await cfg.cleanup();
      }
    });

    it("a crashed incarnation's apply channel still works, and its late applies are judged", async function () {
      const channels: ApplyChannel[] = [];
      const raft: MakeRaft = (peers, me, persister, applyCh, runtime) => {
        if (me === 1) channels.push(applyCh);
        return referenceMake(peers, me, persister, applyCh, runtime);
      };
      const events: TesterEvent[] = [];
      // The lab's checks alone: the monitors (SMS) would name it first.
      const cfg = makeConfig(3, false, { seed: 3, raft, print: () => {}, record: (e) => events.push(e), policy: LAB_CHECKS_ONLY });
      try {
        await cfg.one(7, 3, false);
        cfg.crash1(1);
        channels[0]!.send({ commandValid: true, command: 99, commandIndex: 1 }); // a zombie applies something else at 1
        const message = await failureOf(async () => {
          await cfg.sleep(10);
        });
        expect(message).to.match(/^apply error: commit index=1 server=1 99 != server=\d 7/);
        expect(events.some((e) => e.kind === 'apply' && e.server === 1 && e.incarnation === 1 && e.command === 99)).to.equal(true);
      } finally {
        await cfg.cleanup().catch(() => {});
      }
    });
  });
});
