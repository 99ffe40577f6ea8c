// Our stricter tests (every monitor fatal) over a few seeds each, in virtual time.
import { expect } from 'chai';
import { OWN_TESTS } from '../../tester/own-tests.ts';
import { iterationSeed, runIteration } from '../../tester/stress/iteration.ts';
import { iterationOptionsFor, raftUnderTest } from '../support/raft-under-test.ts';
import { makeQuirky } from '../fixtures/quirky-raft.ts';
import { MUTANTS } from '../mutants/index.ts';

const SEEDS = 20;

describe(`our own stricter tests in virtual time (${SEEDS} seeds each)`, function () {
  this.timeout(120_000);
  for (const test of OWN_TESTS) {
    it(`${test.name} over ${SEEDS} seeds`, async function () {
      const raft = await raftUnderTest();
      // A 2A-only module (no start()) runs only the election tests.
      if (test.requires?.some((m) => raft.lacks?.includes(m) === true) === true) this.skip();
      const results = await Promise.all(
        Array.from({ length: SEEDS }, (_, i) => runIteration(test, iterationSeed(11, test.name, i), iterationOptionsFor(raft))),
      );
      const failures = results.filter((r) => !r.ok).map((r) => `seed ${r.seed}: ${r.message}`);
      expect(failures, failures.join('\n\n')).to.deep.equal([]);
    });
  }
});

describe('our own tests can fail', function () {
  this.timeout(60_000);

  // Before checkOneLeaderAmong, TestPartitionHeal fell back on the lab's
  // checkOneLeader, which found the stale leader on the minority side (a
  // partition disconnects nobody) and passed whatever the majority did.
  it('TestPartitionHeal fails when the majority side never elects', async function () {
    const test = OWN_TESTS.find((t) => t.name === 'TestPartitionHeal') as (typeof OWN_TESTS)[number];
    const raft = makeQuirky({ heartbeatMs: 100, electionTimeoutMs: [300, 600], bugNeverElectsAfterALeader: true });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => runIteration(test, iterationSeed(12, test.name, i), { raft })));
    for (const r of results) {
      expect(r.ok, `seed ${r.seed} passed`).to.equal(false);
      expect(r.message).to.match(/no leader among \{[0-9, ]+\}|expected one leader among/);
    }
  });
});

describe('TestMinorityLeaderLateReplies catches the bugs only a nemesis finds', function () {
  this.timeout(120_000);
  const test = OWN_TESTS.find((t) => t.name === 'TestMinorityLeaderLateReplies') as (typeof OWN_TESTS)[number];

  // L30 needs the replies of the old leader's first term to arrive once it
  // leads again; L31 only its matchIndex of that term. Both commit an entry
  // of the new term that no majority holds.
  for (const id of ['L30', 'L31']) {
    it(`${id} fails it with CM on every one of 5 seeds`, async function () {
      const mutant = MUTANTS.find((m) => m.id === id);
      if (mutant === undefined) throw new Error(`no mutant ${id}`);
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => runIteration(test, iterationSeed(13, test.name, i), { raft: mutant.make, raftModule: mutant.file })),
      );
      for (const r of results) {
        expect(r.ok, `seed ${r.seed} passed`).to.equal(false);
        expect(r.check, `seed ${r.seed}: ${r.message ?? ''}`).to.equal('CM');
      }
    });
  }
});
