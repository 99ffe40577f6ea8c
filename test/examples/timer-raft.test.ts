// The second Raft, on plain setTimeout and Math.random: it passes the lab's
// 2A tests in both clocks and replays exactly in virtual time, because the
// harness fakes those globals for each iteration.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { LAB_2A_TESTS } from '../../tester/lab2a.ts';
import { loadRaftModule } from '../../tester/raft-module.ts';
import { iterationSeed, runIteration } from '../../tester/execution/iteration.ts';

const MODULE = 'examples/timer-raft.ts';
const SEEDS = 20;

describe('examples/timer-raft.ts (global timers)', function () {
  this.timeout(120_000);

  it('declares its timers, and the harness loads it', async function () {
    const module = await loadRaftModule(MODULE);
    expect(module.timers).to.equal('global');
  });

  it(`passes the three 2A tests in virtual time (${SEEDS} seeds each)`, async function () {
    const raft = await loadRaftModule(MODULE);
    const runs = LAB_2A_TESTS.flatMap((test) => Array.from({ length: SEEDS }, (_, i) => runIteration(test, iterationSeed(5, test.name, i), { raft })));
    const failures = (await Promise.all(runs)).filter((r) => !r.ok).map((r) => `${r.test} seed ${r.seed}: ${r.message}`);
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it('passes the three 2A tests in real time, on the real timers', async function () {
    const raft = await loadRaftModule(MODULE);
    const results = await Promise.all(LAB_2A_TESTS.map((test) => runIteration(test, 1, { clock: 'real', raft })));
    const failures = results.filter((r) => !r.ok).map((r) => `${r.test}: ${r.message}`);
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it('replays exactly: the same seed gives the same events, and the globals are put back', async function () {
    const raft = await loadRaftModule(MODULE);
    const realSetTimeout = globalThis.setTimeout;
    const realRandom = Math.random;
    const hashOfRun = async (): Promise<string> => {
      const hash = createHash('sha256');
      const result = await runIteration(LAB_2A_TESTS[2]!, 77, { raft, record: (e) => hash.update(JSON.stringify(e)) });
      expect(result.ok, result.message).to.equal(true);
      return hash.digest('hex');
    };
    expect(await hashOfRun()).to.equal(await hashOfRun());
    expect(globalThis.setTimeout).to.equal(realSetTimeout);
    expect(Math.random).to.equal(realRandom);
  });
});
