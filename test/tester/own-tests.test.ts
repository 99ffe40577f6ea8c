// Our stricter tests (every monitor fatal) over a few seeds each, in virtual time.
import { expect } from 'chai';
import { OWN_TESTS } from '../../tester/own-tests.ts';
import { iterationSeed, runIteration } from '../../tester/stress/iteration.ts';
import { iterationOptionsFor, raftUnderTest } from '../support/raft-under-test.ts';
import { makeQuirky } from '../fixtures/quirky-raft.ts';

const SEEDS = 20;

describe(`our own stricter tests in virtual time (${SEEDS} seeds each)`, function () {
  this.timeout(120_000);
  for (const test of OWN_TESTS) {
    it(`${test.name} over ${SEEDS} seeds`, async function () {
      const raft = await raftUnderTest();
      const results = await Promise.all(
        Array.from({ length: SEEDS }, (_, i) =>
          runIteration(test, iterationSeed(11, test.name, i), iterationOptionsFor(raft)),
        ),
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
