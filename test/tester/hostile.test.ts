// A misbehaving implementation is a failure of that iteration, with a
// message that names the cause; the harness itself goes on.
import { expect } from 'chai';
import { TestInitialElection2A } from '../../tester/lab2a.ts';
import { LAB_2A_TESTS } from '../../tester/lab2a.ts';
import { runIteration } from '../../tester/stress/iteration.ts';
import { HOSTILE } from '../fixtures/hostile.ts';

describe('hostile implementations', function () {
  this.timeout(60_000);
  for (const [what, { make, cause }] of Object.entries(HOSTILE)) {
    it(`reports ${what}, by name`, async function () {
      const result = await runIteration({ name: 'TestInitialElection2A', run: TestInitialElection2A }, 7, { raft: make });
      expect(result.ok).to.equal(false);
      expect(result.message).to.match(cause);
      expect(result.message).to.include('replay: npm run replay -- --test TestInitialElection2A --seed 7');
    });
  }

  it('goes on after each of them: a batch of all of them, then the reference, all complete', async function () {
    const hostile = Object.values(HOSTILE).map(({ make }) => runIteration(LAB_2A_TESTS[1]!, 3, { raft: make }));
    const results = await Promise.all(hostile);
    expect(results.map((r) => r.ok)).to.deep.equal(results.map(() => false));
    const after = await runIteration(LAB_2A_TESTS[1]!, 3);
    expect(after.ok, after.message).to.equal(true);
  });
});

describe('a failure in real time, as mocha prints it', function () {
  this.timeout(30_000);

  it("is the check and the message (where, replay), not the harness's call stack", async function () {
    const failing = HOSTILE['getState() that throws'];
    if (failing === undefined) throw new Error('fixture missing');
    let caught: unknown;
    try {
      await TestInitialElection2A({ clock: 'real', raft: failing.make });
    } catch (error) {
      caught = error;
    }
    expect(caught, 'the run must fail').to.be.instanceOf(Error);
    const stack = (caught as Error).stack ?? '';
    expect(stack).to.match(/^TestFailure \[RAFT\]: server \d's getState\(\) threw: no state here/);
    expect(stack).to.not.match(/\n\s+at /);
  });
});
