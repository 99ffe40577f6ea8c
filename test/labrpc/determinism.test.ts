// One seed, one history: the same scenario with the same seed gives the same
// event log, in this process, alongside other simulations, and in a fresh
// process; another seed gives another log.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hashLog, runScenario } from '../support/determinism-scenario.ts';

const run = promisify(execFile);
const SEED = 2026;
const childScript = fileURLToPath(new URL('../support/determinism-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function kindsOf(log: readonly string[]): Set<string> {
  const kinds = new Set<string>();
  for (const line of log) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as { kind: string; reason?: string; stage?: string };
    kinds.add([e.kind, e.reason ?? e.stage].filter((x) => x !== undefined).join(':'));
  }
  return kinds;
}

describe('labrpc Network: determinism', function () {
  this.timeout(20_000);
  let first: string[];

  before(async function () {
    first = await runScenario(SEED);
  });

  it('the scenario exercises the unreliable network (so that equal logs mean something)', function () {
    expect(first.length).to.be.greaterThan(1000);
    const kinds = kindsOf(first);
    for (const kind of [
      'send',
      'deliver',
      'handled',
      'reply',
      'delay:request',
      'delay:reply',
      'fail:request-dropped',
      'fail:reply-dropped',
      'fail:unreachable',
      'end',
      'server',
    ]) {
      expect(kinds.has(kind), kind).to.equal(true);
    }
    expect(first.filter((l) => l.startsWith('{"kind":"send"'))).to.have.length(240);
  });

  it('gives an identical event log for the same seed, run after run', async function () {
    const second = await runScenario(SEED);
    expect(second.length).to.equal(first.length);
    // Line by line, so that a difference shows where it starts.
    const firstDiff = first.findIndex((line, i) => line !== second[i]);
    expect(firstDiff, `first difference at line ${firstDiff}:\n${first[firstDiff]}\n${second[firstDiff]}`).to.equal(-1);
    expect(hashLog(second)).to.equal(hashLog(first));
  });

  it('gives the same log when several simulations share the pump at once', async function () {
    const logs = await Promise.all([runScenario(SEED), runScenario(SEED + 1), runScenario(SEED), runScenario(SEED + 2)]);
    expect(hashLog(logs[0] as string[])).to.equal(hashLog(first));
    expect(hashLog(logs[2] as string[])).to.equal(hashLog(first));
    expect(hashLog(logs[1] as string[])).to.equal(hashLog(await runScenario(SEED + 1)));
  });

  it('gives a different log for a different seed', async function () {
    const other = await runScenario(SEED + 1);
    expect(hashLog(other)).to.not.equal(hashLog(first));
    // Not merely a different tail: the histories part early.
    const firstDiff = first.findIndex((line, i) => line !== other[i]);
    expect(firstDiff).to.be.at.least(0).and.below(200);
  });

  it('gives the same log in a fresh process (node --import tsx)', async function () {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', childScript, String(SEED)], { cwd: repoRoot, timeout: 15_000 });
    const child = JSON.parse(stdout.trim()) as { seed: number; hash: string; lines: number };
    expect(child).to.deep.equal({ seed: SEED, hash: hashLog(first), lines: first.length });
  });
});
