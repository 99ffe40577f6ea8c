// A module that copies setTimeout into a field when it loads (tinyraft does)
// runs in virtual time: the harness routes the globals before the module is
// first imported in a thread. Imported earlier than that, it is refused with
// the explanation, not left failing with "expected one leader, got none".
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_2A_TESTS } from '../../tester/lab2a.ts';
import { loadRaftModule } from '../../tester/raft-module.ts';
import { iterationSeed, runIteration } from '../../tester/stress/iteration.ts';
import type { StressSummary } from '../../tester/stress/summary.ts';
import { runCli } from '../support/run-cli.ts';

const MODULE = 'test/fixtures/captured-timers-raft.ts';

describe('timers captured when the module loads (timers = global)', function () {
  this.timeout(120_000);

  it('run on virtual time: the 2A tests pass, and replay exactly', async function () {
    const { make, timers } = await loadRaftModule(MODULE);
    expect(timers).to.equal('global');
    const runs: Promise<{ ok: boolean; message?: string; test: string }>[] = [];
    for (const test of LAB_2A_TESTS) {
      for (let i = 0; i < 4; i++) runs.push(runIteration(test, iterationSeed(3, test.name, i), { raft: make, globalTimers: true }));
    }
    const failures = (await Promise.all(runs)).filter((r) => !r.ok).map((r) => `${r.test}: ${r.message}`);
    expect(failures, failures.join('\n')).to.deep.equal([]);
    const hashOfRun = async (): Promise<string> => {
      const hash = createHash('sha256');
      const result = await runIteration(LAB_2A_TESTS[1]!, 8, { raft: make, globalTimers: true, record: (e) => hash.update(JSON.stringify(e)) });
      expect(result.ok, result.message).to.equal(true);
      return hash.digest('hex');
    };
    expect(await hashOfRun()).to.equal(await hashOfRun());
  });

  it("run in the stress loop's workers too (each thread routes before it imports)", async function () {
    const dir = mkdtempSync(join(tmpdir(), 'captured-'));
    const json = join(dir, 's.json');
    const result = await runCli('tester/stress/cli.ts', ['TestInitialElection2A', '-n', '6', '--seed', '2', '--out', dir, '--json', json, '--raft', MODULE]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    expect(summary.tests[0]?.failed).to.equal(0);
  });

  it('imported before the harness could route the globals: failed with that explanation', async function () {
    const result = await runCli('test/support/captured-before-router.ts', []);
    const outcome = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { ok: boolean; check: string; message: string };
    expect(outcome.ok).to.equal(false);
    expect(outcome.check).to.equal('RAFT');
    expect(outcome.message).to.match(
      /make\(\) of server 0: make\(\) set a real timer although the module says timers = 'global': it copied setTimeout\/setInterval before the harness could route them/,
    );
  });
});
