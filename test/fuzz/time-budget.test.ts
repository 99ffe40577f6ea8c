// The fuzzer's campaigns (issue 11) run on the stress loop's worker pool, so
// a hang is that scenario's failure and --time holds. This measures wall
// time: npm test runs it in its serial pass (test/support/run-suite.mjs),
// with nothing beside it.
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.ts';

const FUZZ = 'tester/fuzz/cli.ts';

describe('npm run fuzz: campaigns, --time', function () {
  this.timeout(90_000);
  let out: string;
  before(() => {
    out = mkdtempSync(join(tmpdir(), 'fuzz-campaign-'));
  });

  it("a Raft that sometimes hangs: the hang is a scenario's failure, and --time holds", async function () {
    const started = performance.now();
    // (Before: it never ended.) A budget of 8 s leaves room for worker threads that start slowly on a busy machine.
    // One scenario at a time per worker: a hang is attributed at once, without re-running its neighbours alone.
    const result = await runCli(FUZZ, [
      '--raft',
      'test/fixtures/sometimes-hangs-raft.ts',
      '--time',
      '8',
      '--timeout',
      '1',
      '--streams',
      '1',
      '--seed',
      '1',
      '--out',
      out,
    ]);
    const seconds = (performance.now() - started) / 1000;
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    expect(result.stdout).to.match(/FAIL: \[WATCHDOG\] the scenario stopped making progress/);
    expect(result.stdout).to.match(/\(the 8 s budget ran out\)/);
    expect(result.stdout).to.not.match(/^PASS/m);
    expect(seconds).to.be.below(8 + 6); // The budget, plus starting Node.
  });
});
