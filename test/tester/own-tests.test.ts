// Our stricter tests (every monitor fatal) over a few seeds each, in virtual time.
import { expect } from 'chai';
import { OWN_TESTS } from '../../tester/own-tests.ts';
import { iterationSeed, runIteration } from '../../tester/stress/iteration.ts';
import { iterationOptionsFor, raftUnderTest } from '../support/raft-under-test.ts';

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
