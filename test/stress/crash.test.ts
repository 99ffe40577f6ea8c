// A crash inside the implementation (an exception or a rejection nobody
// catches, from its own callbacks) is that iteration's failure, with the
// stack: not the watchdog's, the same verdict on replay, and the campaign
// goes on with a fresh worker.
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StressSummary } from '../../tester/stress/summary.ts';
import { runCli } from '../support/run-cli.ts';

const CRASHING = 'test/fixtures/crashing-raft.ts';

describe('a crash inside the implementation', function () {
  this.timeout(120_000);

  it('is the failure of its iteration, with its stack, and replays to the same verdict', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'stress-crash-'));
    const json = join(dir, 'summary.json');
    const result = await runCli('tester/stress/cli.ts', [
      'TestInitialElection2A',
      '-n',
      '4',
      '--seed',
      '21',
      '--timeout',
      '20',
      '--out',
      dir,
      '--json',
      json,
      '--raft',
      CRASHING,
    ]);
    expect(result.code, result.stderr).to.equal(1);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as StressSummary;
    const test = summary.tests[0];
    expect([test?.total, test?.failed, test?.checks]).to.deep.equal([4, 4, { CRASH: 4 }]);
    // Each iteration costs what it ran, not a watchdog's budget.
    expect(test?.meanWallMs).to.be.below(5000);
    const messages = test?.failures.map((f) => f.message) ?? [];
    expect(
      messages.some((m) => /promise rejection handled by nobody: Error: disk full while saving term \d+\n\s+at writeToDisk .*crashing-raft\.ts/.test(m)),
    ).to.equal(true);
    expect(
      messages.some((m) => /exception thrown from a callback, caught by nobody: Error: bad state in the apply loop\n\s+at .*crashing-raft\.ts/.test(m)),
    ).to.equal(true);
    for (const m of messages) expect(m).to.match(/virtual t=300 ms/);
    const failure = test?.failures[0];
    const replay = await runCli('tester/stress/replay-cli.ts', [
      '--test',
      'TestInitialElection2A',
      '--seed',
      String(failure?.seed),
      '--raft',
      CRASHING,
      '--quiet',
    ]);
    expect(replay.code, replay.stderr).to.equal(1);
    expect(replay.stdout).to.include(`FAIL TestInitialElection2A seed ${failure?.seed}: ${failure?.message.split('\n')[0]}`);
  });
});
