// The lab's RPC and byte budgets, judged as they are spent (BUD): the 2B
// tests state them through cfg.budget(), so a Raft that goes over fails at
// the instant it does, with the lab's words; the lab's own end-of-window
// check still stands behind it.
import { expect } from 'chai';
import { makeConfig } from '../../tester/config.ts';
import { TestFailure, roundTimes } from '../../tester/failure.ts';
import { registeredTest } from '../../tester/tests.ts';
import { LAB_TESTS } from '../../tester/monitors/index.ts';
import { make as fastHeartbeats } from '../mutants/e16-fast-heartbeats.ts';
import { inProcessRaft } from '../../tester/raft-module.ts';

describe("the lab's budgets as the 2B tests state them (BUD)", function () {
  this.timeout(60_000);

  it('TestCount2B: a Raft that heartbeats every 20 ms goes over its idle-second budget, and fails at that instant', async function () {
    let failure: unknown;
    const output: string[] = [];
    try {
      // HB would name the fast heartbeats first; here only the budget judges them.
      await registeredTest('TestCount2B').run({
        raft: inProcessRaft(fastHeartbeats),
        seed: 3,
        policy: { ...LAB_TESTS, HB: 'off' },
        print: (line) => output.push(line),
      });
    } catch (error) {
      failure = error;
    }
    expect(failure, output.join('\n')).to.be.instanceOf(TestFailure);
    const f = failure as TestFailure;
    expect(f.check, f.message).to.equal('BUD');
    expect(f.message).to.include('too many RPCs (61) for 1 second of idleness (at most 60)');
  });

  it('a window counts delivered RPCs and bytes as rpcCount and bytesTotal do', async function () {
    const cfg = makeConfig(3, false, { seed: 5, print: () => {} });
    try {
      await cfg.checkOneLeader();
      const rpcs0 = [0, 1, 2].reduce((n, j) => n + cfg.rpcCount(j), 0);
      const bytes0 = cfg.bytesTotal();
      const window = cfg.budget({ what: 'for a second', maxRpcs: 1000, maxBytes: 1_000_000 });
      await cfg.sleep(1000);
      const rpcs1 = [0, 1, 2].reduce((n, j) => n + cfg.rpcCount(j), 0);
      expect(window.rpcs).to.be.greaterThan(0);
      expect(window.rpcs).to.equal(rpcs1 - rpcs0);
      expect(window.bytes).to.equal(cfg.bytesTotal() - bytes0);
      window.close();
    } finally {
      await cfg.cleanup().catch((error: unknown) => expect(error).to.be.instanceOf(TestFailure)); // It rethrows the run's failure.
    }
  });
});

describe('virtual times in messages are rounded', function () {
  it('to whole milliseconds, wherever a message says t=', function () {
    expect(roundTimes('a leader since t=1454.1870878078043 ms (at t=20 ms), t=0.5 ms')).to.equal('a leader since t=1454 ms (at t=20 ms), t=1 ms');
  });

  it("in a run's failure, the test's message and where it failed", async function () {
    const cfg = makeConfig(3, false, { seed: 1 });
    try {
      cfg.fail('server 0 did something at t=1454.1870878078043 ms', 'RAFT');
      expect(cfg.failureSeen?.message).to.match(/^server 0 did something at t=1454 ms \(virtual t=0 ms, seed 1\)/);
    } finally {
      await cfg.cleanup().catch((error: unknown) => expect(error).to.be.instanceOf(TestFailure)); // It rethrows the run's failure.
    }
  });
});
