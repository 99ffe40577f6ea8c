// The fuzzer's campaigns (issue 11): a campaign goes on after a failure,
// groups failures by check, shrinks each keeping its check and reports each
// with its own replay; the same command line gives the same report whatever
// -p; a --path that does not belong to the seed is refused. (A hang and
// --time: time-budget.test.ts, which npm test runs apart: it measures wall
// time.)
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarioAt } from '../../tester/fuzz/fuzz.ts';
import { runCli } from '../support/run-cli.ts';

const FUZZ = 'tester/fuzz/cli.ts';

describe('npm run fuzz: campaigns', function () {
  this.timeout(90_000);
  let out: string;
  before(() => {
    out = mkdtempSync(join(tmpdir(), 'fuzz-campaign-'));
  });

  it('goes on after a failure and reports each distinct one, shrunk keeping its check, with its own replay; the same whatever -p', async function () {
    const args = ['--raft', 'test/fixtures/two-bugs-raft.ts', '--runs', '60', '--seed', '3', '--out', out];
    const [one, two] = await Promise.all([runCli(FUZZ, [...args, '-p', '1']), runCli(FUZZ, [...args, '-p', '2'])]);
    for (const r of [one, two]) expect(r.code, r.stdout + r.stderr).to.equal(1);
    const stable = (text: string): string[] => text.split('\n').filter((l) => !/^fuzz:|scenarios\/s|^trace:|^page:/.test(l));
    expect(stable(one.stdout)).to.deep.equal(stable(two.stdout));
    expect(one.stdout).to.match(/^FAIL: 2 distinct failures \(\[V1\] x\d+, \[WF\] x\d+\) in 60 scenarios/m);
    const replays = [...one.stdout.matchAll(/^replay: {2}npm run fuzz -- --seed 3 --path ([\d:]+) --raft test\/fixtures\/two-bugs-raft\.ts$/gm)].map(
      (m) => m[1] as string,
    );
    expect(replays).to.have.length(2);
    // Each shrunk counterexample keeps its own check: V1 in a small cluster, WF needs 5 servers.
    expect(scenarioAt(3, replays[1] as string).n).to.be.at.least(5);
    const again = await Promise.all(
      replays.map((path) => runCli(FUZZ, ['--seed', '3', '--path', path, '--raft', 'test/fixtures/two-bugs-raft.ts', '--out', out])),
    );
    expect(again.map((r) => /^FAIL: \[(\w+)\]/m.exec(r.stdout)?.[1])).to.deep.equal(['V1', 'WF']);
  });

  it('refuses a --path that does not belong to the seed, before any work', async function () {
    const result = await runCli(FUZZ, ['--seed', '3', '--path', '5:9999:3', '--out', out]);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim()).to.equal(
      'fuzz: --path 5:9999:3 does not belong to seed 3: fast-check finds no scenario there (give the seed the path was printed with)',
    );
    expect(result.stdout).to.equal('');
  });
});
