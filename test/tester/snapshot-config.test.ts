// The lab's 2D side of the config layer: the snapshot applier and ingestSnap
// with their exact texts, start1's restore of the stored snapshot, the
// Raft.InstallSnapshot registration, Log size too large, the refusal of a 2C
// implementation, the re-entrant snapshot() call and the JavaScript forms of
// the lab's apply-channel deadlock, and the events and trace lines they make.
import { expect } from 'chai';
import {
  MESSAGE_FIELDS,
  OPTIONAL_ARGS_FIELDS,
  RPC,
  type ApplyChannel,
  type ApplyMsg,
  type InstallSnapshotReply,
  type MakeRaft,
  type RaftPeer,
} from '../../raft/contract.ts';
import { Raft, make as referenceMake } from '../../raft/raft.ts';
import { Applier, decodeSnapshot, encodeSnapshot } from '../../tester/cluster/applier.ts';
import { makeConfig } from '../../tester/config.ts';
import type { TesterEvent } from '../../tester/events.ts';
import { LAB_2A_TESTS } from '../../tester/lab2a.ts';
import { LAB_2B_TESTS } from '../../tester/lab2b.ts';
import { LAB_2C_TESTS } from '../../tester/lab2c.ts';
import { LAB_2D_TESTS } from '../../tester/lab2d.ts';
import { LAB_CHECKS_ONLY, LAB_TESTS, LAB_TEST_LIMITS } from '../../tester/monitors/index.ts';
import { shapeProblem } from '../../tester/monitors/shape.ts';
import { RaftModuleError, inProcessRaft, refuseLacking } from '../../tester/raft-module.ts';
import { registeredTest, selectTests } from '../../tester/tests.ts';
import { describeLine } from '../../tester/trace/describe.ts';
import { formatEvent } from '../../tester/trace/format.ts';
import { parseTrace } from '../../tester/trace/input.ts';
import { toStructured } from '../../tester/trace/structured.ts';
import { CALL_SNAPSHOT, describeCall, enterCall, leaveCall, shareCallSlot } from '../../runtime/in-call.ts';
import { StubSnapshotRaft, make as stubMake } from '../support/snapshot-stub-raft.ts';

const TestSnapshotBasic2D = registeredTest('TestSnapshotBasic2D').run;
const TestSnapshotInit2D = registeredTest('TestSnapshotInit2D').run;

async function failureOf(run: () => Promise<void>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

function snapshotApplier(n = 3): { applier: Applier; errors: string[]; misuse: string[] } {
  const errors: string[] = [];
  const misuse: string[] = [];
  const applier = new Applier(n, { onApply: () => {}, onError: (e) => errors.push(e), onMisuse: (e) => misuse.push(e) });
  return { applier, errors, misuse };
}

const cmd = (index: number, command: unknown = index * 100): ApplyMsg => ({ commandValid: true, command, commandIndex: index });

/** The stand-in Raft with snapshot() replaced. */
function stubWith(snapshot: (raft: StubSnapshotRaft, index: number, data: string) => unknown): MakeRaft {
  return (peers, me, persister, applyCh, runtime) => {
    const raft = new (class extends StubSnapshotRaft {
      override snapshot(index: number, data: string): void {
        // What the replacement returns (a promise, say) is what snapshot() returns.
        return snapshot(this, index, data) as void;
      }
    })(peers, me, persister, applyCh, runtime);
    void raft.ticker();
    return raft;
  };
}

/** An async mutex, as a JavaScript Raft might hold one across its apply loop. */
class Mutex {
  private held = false;
  private readonly waiters: (() => void)[] = [];
  async lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  unlock(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.held = false;
  }
}

/**
 * The JavaScript form of the lab's deadlock: the apply loop holds the Raft's
 * lock while it sends, and after a send waits for the snapshot the service
 * asked for to be saved; saving it needs the lock.
 */
class DeadlockRaft extends StubSnapshotRaft {
  private readonly mu = new Mutex();
  private saving: Promise<void> | undefined;
  private applying = false;

  protected override applyCommitted(): void {
    if (!this.applying) void this.applyLoop();
  }

  private async applyLoop(): Promise<void> {
    this.applying = true;
    await this.mu.lock();
    try {
      while (this.lastApplied < this.commitIndex && !this.killed()) {
        this.lastApplied++;
        this.applyCh.send({ commandValid: true, command: this.log[this.lastApplied]?.command, commandIndex: this.lastApplied });
        if (this.saving !== undefined) await this.saving;
      }
    } finally {
      this.mu.unlock();
      this.applying = false;
    }
  }

  // Deliberately a promise where the contract says void: the harness must watch what snapshot() returns.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  override async snapshot(index: number, data: string): Promise<void> {
    this.saving = (async () => {
      await this.mu.lock();
      try {
        super.snapshot(index, data);
      } finally {
        this.mu.unlock();
      }
    })();
    await this.saving;
  }
}

describe("config: the lab's snapshot applier and the 2D tester (2D)", function () {
  this.timeout(120_000);

  describe('the snapshot applier', function () {
    it("asks for a snapshot of the applied log after every tenth command, from inside that apply, in the tester's encoding", function () {
      const { applier, errors } = snapshotApplier(1);
      const calls: [number, string][] = [];
      const channel = applier.channel(0, 1, 'snapshot', (index, data) => calls.push([index, data]));
      for (let k = 1; k <= 20; k++) channel.send(cmd(k));
      expect(errors).to.deep.equal([]);
      expect(calls.map(([index]) => index)).to.deep.equal([9, 19]);
      expect(calls[0]![1]).to.equal(encodeSnapshot(9, [null, 100, 200, 300, 400, 500, 600, 700, 800, 900]));
      expect(decodeSnapshot(calls[1]![1])).to.deep.equal({ lastIncludedIndex: 19, log: [null, ...Array.from({ length: 19 }, (_, j) => (j + 1) * 100)] });
      expect(applier.lastApplied[0]).to.equal(20);
    });

    it('wants each command right after the last one applied: "expected index X, got k"', function () {
      const { applier, errors } = snapshotApplier();
      const channel = applier.channel(1, 1, 'snapshot');
      channel.send(cmd(1));
      channel.send(cmd(3));
      expect(errors).to.deep.equal(['server 1 apply out of order, expected index 2, got 3']);
      channel.send(cmd(3)); // lastApplied moved to 3 anyway, as in the lab
      expect(errors[1]).to.equal('server 1 apply out of order, expected index 4, got 3');
    });

    it("keeps checkLogs and its prevok rule: a different command anywhere, or a gap in the server's own log", function () {
      const { applier, errors } = snapshotApplier();
      applier.channel(0, 1, 'snapshot').send(cmd(1, 5));
      applier.channel(1, 1, 'snapshot').send(cmd(1, 6));
      expect(errors).to.deep.equal(['commit index=1 server=1 6 != server=0 5']);
      // A snapshot that leaves index 11 out of server 2's log: 12 comes in order but has no predecessor.
      const channel = applier.channel(2, 1, 'snapshot');
      channel.send({
        commandValid: false,
        command: null,
        commandIndex: 0,
        snapshotValid: true,
        snapshot: JSON.stringify({ lastIncludedIndex: 12, log: [null, 1] }),
        snapshotIndex: 12,
        snapshotTerm: 1,
      });
      channel.send(cmd(13));
      expect(errors[1]).to.equal('server 2 apply out of order 13');
    });

    it("takes in a snapshot ApplyMsg: the server's applied log and lastApplied become the snapshot's", function () {
      const { applier, errors } = snapshotApplier();
      const channel = applier.channel(0, 1, 'snapshot');
      channel.send(cmd(1));
      const log = [null, ...Array.from({ length: 19 }, (_, j) => (j + 1) * 100)];
      channel.send({
        commandValid: false,
        command: null,
        commandIndex: 0,
        snapshotValid: true,
        snapshot: encodeSnapshot(19, log),
        snapshotIndex: 19,
        snapshotTerm: 2,
      });
      expect(errors).to.deep.equal([]);
      expect(applier.lastApplied[0]).to.equal(19);
      expect(applier.nCommitted(19)).to.deep.equal({ count: 1, command: 1900 });
      channel.send(cmd(20));
      channel.send(cmd(22));
      expect(errors).to.deep.equal(['server 0 apply out of order, expected index 21, got 22']);
    });

    it("ingestSnap's texts: nil snapshot, snapshot decode error, snapshot doesn't match m.SnapshotIndex", function () {
      const { applier, errors } = snapshotApplier();
      const channel = applier.channel(2, 1, 'snapshot');
      const snap = (snapshot: unknown, snapshotIndex: number): ApplyMsg => ({
        commandValid: false,
        command: null,
        commandIndex: 0,
        snapshotValid: true,
        snapshot: snapshot as string,
        snapshotIndex,
        snapshotTerm: 1,
      });
      channel.send(snap(undefined, 9));
      channel.send(snap('{"lastIncludedIndex":9', 9));
      channel.send(snap(encodeSnapshot(9, [null]), 19));
      expect(errors).to.deep.equal([
        'nil snapshot (server 2 sent a snapshot ApplyMsg for index 9 with no snapshot)',
        'snapshot decode error (server 2\'s snapshot for index 9: it is not the text snapshot() was given: "{\\"lastIncludedIndex\\":9")',
        "server 2 snapshot doesn't match m.SnapshotIndex (the snapshot holds the log up to index 9; snapshotIndex is 19)",
      ]);
      expect(applier.ingestSnap(0, encodeSnapshot(9, [null, 1]), -1)).to.equal('');
      expect(applier.lastApplied[0]).to.equal(9);
    });

    it('the plain applier (2B, 2C) is unchanged: snapshot messages are ignored and nothing is asked of the server', function () {
      const { applier, errors } = snapshotApplier(1);
      const channel = applier.channel(0, 1);
      for (let k = 1; k <= 10; k++) channel.send(cmd(k));
      channel.send({ commandValid: false, command: null, commandIndex: 0, snapshotValid: true, snapshot: 'anything', snapshotIndex: 3, snapshotTerm: 1 });
      expect(errors).to.deep.equal([]);
      expect(applier.lastApplied[0]).to.equal(0);
    });

    it("a send from inside snapshot() is the lab's deadlock, named as such", function () {
      const { applier, errors, misuse } = snapshotApplier(1);
      const channel = applier.channel(0, 1, 'snapshot', () => channel.send(cmd(10)));
      for (let k = 1; k <= 9; k++) channel.send(cmd(k));
      expect(errors).to.deep.equal([]);
      expect(misuse).to.have.length(1);
      expect(misuse[0]).to.match(/^server 0 sent on its apply channel from inside snapshot\(\): .*the apply-channel deadlock\)$/);
      expect(applier.lastApplied[0], 'the send from inside snapshot() is not taken in').to.equal(9);
    });
  });

  describe('the 2D tests on a stand-in snapshot-capable Raft (the reference, persisting only the log after its snapshot)', function () {
    it("TestSnapshotBasic2D and TestSnapshotInit2D print the lab's Passed lines; snapshot calls are events", async function () {
      for (const test of [TestSnapshotBasic2D, TestSnapshotInit2D]) {
        const output: string[] = [];
        const events: TesterEvent[] = [];
        await test({ seed: 5, raft: inProcessRaft(stubMake), print: (line) => output.push(line), record: (e) => events.push(e) });
        expect(output.at(-1)).to.match(/^ {2}\.\.\. Passed -- +\d+\.\d +3 +\d+ +\d+ +[1-9]\d*$/);
        const snapshots = events.filter((e) => e.kind === 'snapshot');
        expect(snapshots.length).to.be.greaterThan(0);
        expect(snapshots.every((e) => e.kind === 'snapshot' && (e.index + 1) % 10 === 0 && e.size > 0)).to.equal(true);
        if (test === TestSnapshotInit2D) {
          // Restarted servers were handed their stored snapshots before make().
          expect(events.some((e) => e.kind === 'start' && e.incarnation > 1 && e.snapshotIndex === 9)).to.equal(true);
        }
      }
    });

    it('a Raft that never trims its log fails TestSnapshotBasic2D with "Log size too large"', async function () {
      const noTrim: MakeRaft = (peers, me, persister, applyCh, runtime) => {
        const raft = referenceMake(peers, me, persister, applyCh, runtime) as Raft;
        return Object.assign(raft, { snapshot: () => {}, installSnapshot: (): InstallSnapshotReply => ({ term: raft.currentTerm }) });
      };
      const message = await failureOf(() => TestSnapshotBasic2D({ seed: 2, raft: inProcessRaft(noTrim), print: () => {} }));
      expect(message.split('\n')[0]).to.match(/^Log size too large \(virtual t=\d+ ms, seed 2\)$/);
    });

    it('a Raft that applies from 1 again after a restart fails TestSnapshotInit2D with "expected index X, got 1"', async function () {
      // The stand-in, but forgetting its snapshot's index at a restart.
      const forgets: MakeRaft = (peers, me, persister, applyCh, runtime) => {
        const raft = stubMake(peers, me, persister, applyCh, runtime) as StubSnapshotRaft;
        raft.lastApplied = 0;
        raft.commitIndex = 0;
        return raft;
      };
      const message = await failureOf(() => TestSnapshotInit2D({ seed: 4, raft: inProcessRaft(forgets), print: () => {}, policy: LAB_CHECKS_ONLY }));
      expect(message.split('\n')[0]).to.match(/^apply error: server \d apply out of order, expected index 10, got 1 \(virtual t=\d+ ms, seed 4\)$/);
    });

    it('start1 ingests the stored snapshot before make() (index -1) and fails at once on one it cannot decode', async function () {
      const garbage = stubWith((raft, index) => StubSnapshotRaft.prototype.snapshot.call(raft, index, 'not a snapshot'));
      const cfg = makeConfig(3, false, { seed: 6, raft: inProcessRaft(garbage), print: () => {}, snapshot: true });
      try {
        for (let k = 1; k <= 10; k++) await cfg.one(k, 3, true);
        cfg.crash1(0);
        const message = await failureOf(async () => cfg.start1(0, cfg.applierSnap));
        expect(message.split('\n')[0]).to.match(
          /^snapshot decode error \(server 0's stored snapshot: it is not the text snapshot\(\) was given: "not a snapshot"\) \(virtual t=\d+ ms, seed 6\)$/,
        );
      } finally {
        await cfg.cleanup().catch(() => {});
      }
    });

    it('a snapshot a server delivers is taken in, and its apply event carries it (a trace of it reads back)', async function () {
      const channels: ApplyChannel[] = [];
      const raft: MakeRaft = (peers, me, persister, applyCh, runtime) => {
        channels[me] = applyCh;
        return stubMake(peers, me, persister, applyCh, runtime);
      };
      const events: TesterEvent[] = [];
      // The snapshot below goes back from index 12 to 9: the lab takes it in
      // (its ingestSnap does not check that snapshots move forward); AO, which
      // does, is off here.
      const policy = { ...LAB_TESTS, AO: 'off' } as const;
      const cfg = makeConfig(3, false, {
        seed: 8,
        raft: inProcessRaft(raft),
        print: () => {},
        record: (e) => events.push(e),
        snapshot: true,
        policy,
        limits: LAB_TEST_LIMITS,
      });
      try {
        for (let k = 1; k <= 12; k++) await cfg.one(k * 10, 3, true);
        const log = [null, ...Array.from({ length: 9 }, (_, j) => (j + 1) * 10)];
        // As a Raft may send it: no commandIndex.
        channels[2]!.send({ commandValid: false, snapshotValid: true, snapshot: encodeSnapshot(9, log), snapshotIndex: 9, snapshotTerm: 1 } as ApplyMsg);
        expect(cfg.applier.lastApplied[2]).to.equal(9);
        expect(cfg.nCommitted(12).count, "server 2's applied log is now the snapshot's").to.equal(2);
        const applied = events.filter((e) => e.kind === 'apply' && e.snapshotValid === true);
        expect(applied).to.deep.equal([
          {
            kind: 'apply',
            t: cfg.now(),
            server: 2,
            incarnation: 1,
            commandValid: false,
            command: undefined,
            index: 0,
            snapshotValid: true,
            snapshot: encodeSnapshot(9, log),
            snapshotIndex: 9,
            snapshotTerm: 1,
          },
        ]);
        const parsed = parseTrace(events.map((e) => JSON.stringify(e)).join('\n'), 'test');
        expect(parsed.events.filter((e) => e.kind === 'apply' && e.snapshotValid === true)).to.have.length(1);
      } finally {
        await cfg.cleanup();
      }
    });

    it('registers Raft.InstallSnapshot on the server when the implementation has installSnapshot()', async function () {
      const replies: unknown[] = [];
      const raft: MakeRaft = (peers, me, persister, applyCh, runtime) => {
        const peer = stubMake(peers, me, persister, applyCh, runtime);
        if (me === 0) {
          runtime.setTimer(100, () => {
            void peers[1]!
              .call(RPC.InstallSnapshot, { term: 0, leaderId: 0, lastIncludedIndex: 0, lastIncludedTerm: 0, data: '' })
              .then((r) => replies.push(r));
          });
        }
        return peer;
      };
      const events: TesterEvent[] = [];
      // The hand-made InstallSnapshot comes from no leader (QC would say so): only its delivery is judged here.
      const cfg = makeConfig(3, false, {
        seed: 7,
        raft: inProcessRaft(raft),
        print: () => {},
        record: (e) => events.push(e),
        snapshot: true,
        policy: LAB_CHECKS_ONLY,
      });
      try {
        await cfg.sleep(200);
        expect(replies).to.have.length(1);
        expect(replies[0]).to.have.property('term');
        expect(events.some((e) => e.kind === 'handled' && e.method === RPC.InstallSnapshot && e.to === 1)).to.equal(true);
      } finally {
        await cfg.cleanup();
      }
    });
  });

  describe("snapshot(): its failures, and the JavaScript forms of the lab's apply-channel deadlock", function () {
    it("a snapshot() that throws is the implementation's failure, named", async function () {
      const throwing = stubWith(() => {
        throw new Error('the log is locked');
      });
      const message = await failureOf(() => TestSnapshotBasic2D({ seed: 3, raft: inProcessRaft(throwing), print: () => {} }));
      expect(message.split('\n')[0]).to.match(
        /^server \d's snapshot\(9\) threw: the log is locked \(the tester calls it from inside the server's apply, as the lab's applier does\) \(virtual t=\d+ ms, seed 3\)$/,
      );
    });

    it('an apply loop that holds its lock while sending, and a snapshot() that needs the lock: a clear failure after 1 s, not a hang', async function () {
      const deadlock: MakeRaft = (peers, me, persister, applyCh, runtime) => {
        const raft = new DeadlockRaft(peers, me, persister, applyCh, runtime);
        void raft.ticker();
        return raft;
      };
      const message = await failureOf(() => TestSnapshotBasic2D({ seed: 3, raft: inProcessRaft(deadlock), print: () => {} }));
      // Both halves of the cycle: the snapshot pending, and the apply it was called from stuck with it.
      expect(message.split('\n')[0]).to.match(
        /^server (\d)'s snapshot\(9\) has not returned after 1000 ms \(it returned a promise that is still pending\), and server \1 has applied nothing since index 9, .*: the tester calls snapshot\(\) .*the lab's apply-channel deadlock \(virtual t=\d+ ms, seed 3\)$/,
      );
    });

    it('a snapshot() whose promise never settles while its server applies on: named, with how far it applied', async function () {
      const forgotten = stubWith((raft, index, data) => {
        // Saved at once, but the promise it hands back is left pending (a lock released on some other path, say).
        StubSnapshotRaft.prototype.snapshot.call(raft, index, data);
        return new Promise<void>(() => {});
      });
      const message = await failureOf(() => TestSnapshotBasic2D({ seed: 3, raft: inProcessRaft(forgotten), print: () => {} }));
      expect(message.split('\n')[0]).to.match(
        /^server (\d)'s snapshot\(9\) has not returned after 1000 ms \(it returned a promise that is still pending\), although server \1 has applied on, to index \d+: .*the lab's apply-channel deadlock/,
      );
    });

    it("a snapshot() whose promise rejects is the implementation's failure", async function () {
      const rejecting = stubWith(() => Promise.reject(new Error('no room')));
      const message = await failureOf(() => TestSnapshotBasic2D({ seed: 3, raft: inProcessRaft(rejecting), print: () => {} }));
      expect(message.split('\n')[0]).to.match(/^server \d's snapshot\(9\) threw: no room \(its promise rejected\)/);
    });

    it('a snapshot() that sends on the apply channel is the deadlock, named', async function () {
      const resends = stubWith((raft, index, data) => {
        raft.applyCh.send({ commandValid: false, command: null, commandIndex: 0, snapshotValid: true, snapshot: data, snapshotIndex: index, snapshotTerm: 1 });
      });
      const message = await failureOf(() => TestSnapshotBasic2D({ seed: 3, raft: inProcessRaft(resends), print: () => {} }));
      expect(message.split('\n')[0]).to.match(/^server \d sent on its apply channel from inside snapshot\(\)/);
    });

    it('the watchdog names a snapshot() that never returns control', function () {
      const buffer = shareCallSlot();
      const before = enterCall(CALL_SNAPSHOT, 2);
      expect(describeCall(buffer)).to.equal("server 2's snapshot() (called from inside its apply)");
      leaveCall(before);
    });
  });

  describe('registration and refusal', function () {
    it('the seven 2D tests are registered in the lab\'s order, and a pattern "2D" selects them', function () {
      expect(LAB_2D_TESTS.map((t) => t.name)).to.deep.equal([
        'TestSnapshotBasic2D',
        'TestSnapshotInstall2D',
        'TestSnapshotInstallUnreliable2D',
        'TestSnapshotInstallCrash2D',
        'TestSnapshotInstallUnCrash2D',
        'TestSnapshotAllCrash2D',
        'TestSnapshotInit2D',
      ]);
      expect(selectTests(['2D']).map((t) => t.name)).to.deep.equal(LAB_2D_TESTS.map((t) => t.name));
    });

    it('refuses a 2C implementation for a 2D test at once, in one line; it still runs 2A-2C', async function () {
      if (typeof (Raft.prototype as Partial<RaftPeer>).snapshot === 'function') this.skip(); // the reference compacts: nothing to refuse
      const events: TesterEvent[] = [];
      const message = await failureOf(() =>
        TestSnapshotBasic2D({ seed: 1, raft: inProcessRaft(referenceMake), print: () => {}, record: (e) => events.push(e) }),
      );
      expect(message.split('\n')[0]).to.match(
        /^this test needs snapshot\(index, snapshot\), installSnapshot\(args\) \(lab 2D\): the implementation has no snapshot\(index, snapshot\), installSnapshot\(args\), so it can run only the 2A-2C tests \(virtual t=0 ms, seed 1\)$/,
      );
      expect(
        events.some((e) => e.kind === 'submit' || e.kind === 'send'),
        'no command was submitted, no RPC sent',
      ).to.equal(false);
    });

    it('drivers refuse a module without snapshot() for 2D tests in one line, naming lab 2D', function () {
      const only2C = { make: referenceMake, lacks: ['snapshot', 'installSnapshot'] };
      expect(() => refuseLacking([...LAB_2A_TESTS, ...LAB_2B_TESTS, ...LAB_2C_TESTS], only2C, 'my-raft.ts')).to.not.throw();
      expect(() => refuseLacking([...LAB_2C_TESTS, ...LAB_2D_TESTS], only2C, 'my-raft.ts'))
        .to.throw(RaftModuleError)
        .with.property(
          'message',
          '--raft: my-raft.ts: make() returns an object without snapshot(index, snapshot), installSnapshot(args), which TestSnapshotBasic2D, TestSnapshotInstall2D, TestSnapshotInstallUnreliable2D and 4 more need (lab 2D); it can run only the 2A-2C tests',
        );
      const only2A = { make: referenceMake, lacks: ['start', 'snapshot', 'installSnapshot'] };
      expect(() => refuseLacking(LAB_2B_TESTS, only2A, 'my-raft.ts'))
        .to.throw(RaftModuleError)
        .with.property(
          'message',
          '--raft: my-raft.ts: make() returns an object without start(command), which TestBasicAgree2B, TestRPCBytes2B, TestFollowerFailure2B and 7 more need (lab 2B); it can run only the 2A tests',
        );
      expect(() => refuseLacking(LAB_2D_TESTS, only2A, 'my-raft.ts')).to.throw(
        RaftModuleError,
        /without start\(command\), snapshot\(index, snapshot\), installSnapshot\(args\), which .* need \(labs 2B and 2D\); it can run only the 2A tests$/,
      );
    });
  });

  it("the message-shape check (WF) knows InstallSnapshot: Figure 13's fields and types, offset and done optional", function () {
    const spec = MESSAGE_FIELDS[RPC.InstallSnapshot];
    const optional = OPTIONAL_ARGS_FIELDS[RPC.InstallSnapshot];
    const args = { term: 2, leaderId: 0, lastIncludedIndex: 9, lastIncludedTerm: 1, data: '{}' };
    expect(shapeProblem(spec.args, args, optional)).to.equal(undefined);
    expect(shapeProblem(spec.args, { ...args, offset: 0, done: true }, optional)).to.equal(undefined);
    expect(shapeProblem(spec.args, { ...args, data: 5, done: 1 }, optional)).to.equal(
      "field 'done' should be a boolean, got 1; field 'data' should be a string, got 5",
    );
    expect(shapeProblem(spec.reply, { term: 2 })).to.equal(undefined);
  });

  describe('events and traces', function () {
    const events: TesterEvent[] = [
      { kind: 'cluster', t: 0, n: 3, seed: 1, clock: 'virtual' },
      { kind: 'start', t: 0, server: 1, incarnation: 2, snapshotIndex: 19 },
      {
        kind: 'apply',
        t: 5,
        server: 1,
        incarnation: 2,
        commandValid: false,
        command: null,
        index: 0,
        snapshotValid: true,
        snapshot: encodeSnapshot(29, [null]),
        snapshotIndex: 29,
        snapshotTerm: 3,
      },
      { kind: 'snapshot', t: 6, server: 1, incarnation: 2, index: 39, size: 321 },
    ];

    it('trace lines say what the snapshot events are', function () {
      const lines = toStructured(events).filter((l) => l.server === 1);
      const texts = lines.map((l) => describeLine(l).text);
      expect(texts).to.include('started #2 from snapshot ≤19');
      expect(texts).to.include('apply snapshot ≤29 T3');
      expect(texts).to.include('snapshot(39) 321B');
      expect(formatEvent(events[3]!)).to.match(/S1 snapshot\(39\) called by the tester \(321 bytes\)$/);
      expect(formatEvent(events[2]!)).to.match(/S1 applies a snapshot up to index 29 \(term 3\) \(incarnation 2\)$/);
    });

    it('a recorded trace with snapshot events reads back', function () {
      const parsed = parseTrace(events.map((e) => JSON.stringify(e)).join('\n'), 'test');
      expect(parsed.events.map((e) => e.kind)).to.deep.equal(['cluster', 'start', 'apply', 'snapshot']);
    });
  });
});
