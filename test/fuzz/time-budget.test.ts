// The fuzzer's campaigns (issue 11) run on the stress loop's worker pool, so
// a hang is that scenario's failure and --time holds. This measures wall
// time: npm test runs it in its real-time pass (test/support/run-suite.mjs),
// ahead of the CPU-bound files in the scheduler's queue.
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
    // (Before: it never ended.) A budget of 6 s leaves room for a worker thread that starts slowly on a busy machine.
    // One worker, one scenario at a time: a hang is attributed at once, without re-running its neighbours alone,
    // and the campaign, which spends its whole budget, takes one core, not every core, beside the rest of npm test.
    const result = await runCli(FUZZ, [
      '--raft',
      'test/fixtures/sometimes-hangs-raft.ts',
      '--time',
      '6',
      '-p',
      '1',
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
    expect(result.stdout).to.match(/\(the 6 s budget ran out\)/);
    expect(result.stdout).to.not.match(/^PASS/m);
    expect(seconds).to.be.below(6 + 6); // The budget, plus starting Node.
  });
});
