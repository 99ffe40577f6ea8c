// The stress loop for graders and for the loop of fixing a Raft: would the
// lab's own checks fail each failure too (--checks), JUnit XML for CI
// (--junit), and running exactly the failing seeds again (--rerun).
import { expect } from 'chai';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStressArgs, UsageError } from '../../tester/stress/options.ts';
import type { StressSummary, TestSummary } from '../../tester/stress/summary.ts';
import { runCli } from '../support/run-cli.ts';

const STRESS = 'tester/stress/cli.ts';
const REPLAY = 'tester/stress/replay-cli.ts';
/** Grants any vote of a term at least its own (E01): the V1 monitor fails it; the lab's checks only sometimes (two leaders in a term). */
const VOTE_FOR_ANYONE = 'test/fuzz/vote-for-anyone-raft.ts';
/** Seed 2, 6 iterations of TestManyElections2A: 4 fail V1, the lab's checks fail 2 of those. */
const CAMPAIGN = ['TestManyElections2A', '-n', '6', '--seed', '2', '-p', '2', '--raft', VOTE_FOR_ANYONE];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'stress-ci-'));
}

function read(file: string): StressSummary {
  return JSON.parse(readFileSync(file, 'utf8')) as StressSummary;
}

/** Every failure as (test, iteration, seed, check, lab verdict): what must be the same run after run. */
function failuresOf(summary: StressSummary): string[] {
  return summary.tests.flatMap((t) => t.failures.map((f) => `${t.name} #${f.iteration} seed ${f.seed} [${f.check}] lab ${f.lab ?? '?'}`));
}

type Xml = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'property'].includes(name),
});

/** Parses JUnit XML with a real XML parser, after checking it is well-formed. */
function parseJUnit(text: string): Xml {
  expect(XMLValidator.validate(text), 'well-formed XML').to.equal(true);
  return parser.parse(text) as Xml;
}

describe('stress --checks, --junit, --rerun: bad input', function () {
  const cases: [string, string[], RegExp][] = [
    [
      'an unknown --checks',
      ['--checks', 'some'],
      /^--checks must be 'all' \(every monitor and the lab's checks\) or 'lab' \(the lab's checks only\), got 'some'$/,
    ],
    ['a folder as --junit', ['--junit', 'test'], /^--junit: .*test is a folder; give a file name$/],
    ['a missing summary', ['--rerun', 'no/such/summary.json'], /^--rerun: no such file: no\/such\/summary\.json$/],
    ['a folder as the summary', ['--rerun', 'test'], /^--rerun: test is a folder; give the JSON summary of a campaign/],
    ['a file that is not JSON', ['--rerun', 'README.md'], /^--rerun: README\.md is not a stress summary \(stress --json FILE\): /],
    [
      'JSON that is not a summary',
      ['--rerun', 'package.json'],
      /^--rerun: package\.json is not a stress summary \(stress --json FILE\): no tests with their failures$/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(`refuses ${what} in one line`, function () {
      expect(() => parseStressArgs(args)).to.throw(UsageError, message);
    });
  }

  it('refuses a summary without failures, and what would choose other iterations', function () {
    const dir = tempDir();
    const clean = join(dir, 'clean.json');
    const failing = join(dir, 'failing.json');
    const test: TestSummary = {
      name: 'TestReElection2A',
      total: 2,
      failed: 0,
      meanMs: 1,
      stdMs: 0,
      meanWallMs: 1,
      stdWallMs: 0,
      meanRpcs: 1,
      checks: {},
      failures: [],
    };
    const summary: StressSummary = {
      clock: 'virtual',
      seed: 1,
      raft: 'built-in',
      iterations: 2,
      shard: '1/1',
      wallSeconds: 1,
      interrupted: false,
      worstLoopDelayMs: 0,
      memory: { earlyHeapMb: 0, lateHeapMb: 0, peakRssMb: 0 },
      tests: [test],
    };
    writeFileSync(clean, JSON.stringify(summary));
    expect(() => parseStressArgs(['--rerun', clean])).to.throw(UsageError, /^--rerun: .*clean\.json records no failure: nothing to run again$/);
    const failure = { iteration: 1, seed: 99, check: 'LAB', message: 'x', log: undefined, replay: undefined };
    writeFileSync(failing, JSON.stringify({ ...summary, tests: [{ ...test, failed: 1, failures: [failure] }] }));
    expect(() => parseStressArgs(['--rerun', failing, '-n', '5'])).to.throw(UsageError, /-n cannot be given with it$/);
    expect(() => parseStressArgs(['--rerun', failing, '--seed', '5'])).to.throw(UsageError, /--seed cannot be given with it$/);
    expect(() => parseStressArgs(['--rerun', failing, '2A'])).to.throw(UsageError, /give no TESTS with it/);
    const parsed = parseStressArgs(['--rerun', failing]);
    if (parsed === 'help') throw new Error('help');
    expect(parsed.rerun?.jobs).to.deep.equal([{ test: 'TestReElection2A', iteration: 1, seed: 99 }]);
    expect(parsed.tests.map((t) => t.name)).to.deep.equal(['TestReElection2A']);
    expect(parsed.raftModule).to.equal(undefined);
  });

  it('exits 2 with one line on stderr for a missing summary, before any work', async function () {
    this.timeout(30_000);
    const result = await runCli(STRESS, ['--rerun', 'no/such/summary.json']);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.deep.equal(['stress: --rerun: no such file: no/such/summary.json']);
    expect(result.stdout).to.equal('');
  });
});

describe("stress: the lab's checks, JUnit XML and --rerun, end to end", function () {
  // A guard against a hang, not a measure.
  this.timeout(300_000);
  const dir = tempDir();
  const json = join(dir, 'all.json');
  const junit = join(dir, 'all.xml');
  let stdout = '';
  let summary: StressSummary;

  before(async function () {
    const result = await runCli(STRESS, [...CAMPAIGN, '--keep', '1', '--out', dir, '--json', json, '--junit', junit]);
    expect(result.code, result.stderr).to.equal(1);
    stdout = result.stdout;
    summary = read(json);
  });

  it("says of every failure whether the lab's checks fail it too, and splits the summary", function () {
    const test = summary.tests[0] as TestSummary;
    expect(summary.checks).to.equal('all');
    expect(test.failed).to.equal(4);
    expect(test.failures.map((f) => f.lab)).to.deep.equal(['passes', 'fails', 'fails', 'passes']);
    expect(test.labFailed).to.equal(2);
    expect(test.labUnknown).to.equal(0);
    // The lab's own message, from the lab's checkOneLeader.
    for (const f of test.failures.filter((x) => x.lab === 'fails')) expect(f.labMessage).to.match(/^term \d+ has 2 \(>1\) leaders/);
    expect(stdout).to.include(
      "the lab's checks: 2 of these failures fail them too (the Go tester would have failed them); only our monitors: 2 (the lab's checks pass them)",
    );
    expect(stdout).to.match(/│ TestManyElections2A │ V1 +│ +4 │ +2 │ +1 │/);
  });

  it('keeps every failure, with its test and seed, in the JSON summary beyond --keep', function () {
    const test = summary.tests[0] as TestSummary;
    expect(test.failures.filter((f) => f.log !== undefined)).to.have.length(1);
    for (const f of test.failures) {
      expect(f.seed).to.be.a('number');
      expect(f.replay).to.equal(`npm run replay -- --test TestManyElections2A --seed ${f.seed} --raft ${VOTE_FOR_ANYONE}`);
    }
  });

  it("replays a failure that only our monitors see as a pass under --checks lab, and one the lab's checks see as their failure", async function () {
    const test = summary.tests[0] as TestSummary;
    const onlyOurs = test.failures.find((f) => f.lab === 'passes');
    const theLabs = test.failures.find((f) => f.lab === 'fails');
    const common = ['--test', 'TestManyElections2A', '--raft', VOTE_FOR_ANYONE, '--quiet', '--checks', 'lab'];
    const [pass, fail] = await Promise.all([
      runCli(REPLAY, [...common, '--seed', String(onlyOurs?.seed)]),
      runCli(REPLAY, [...common, '--seed', String(theLabs?.seed)]),
    ]);
    expect(pass.code, pass.stdout).to.equal(0);
    expect(pass.stdout).to.match(new RegExp(`^PASS TestManyElections2A seed ${onlyOurs?.seed} `, 'm'));
    expect(fail.code, fail.stdout).to.equal(1);
    expect(fail.stdout).to.include(`FAIL TestManyElections2A seed ${theLabs?.seed}: ${theLabs?.labMessage}`);
  });

  it('writes JUnit XML that a real parser reads back: testsuites/testsuite/testcase/failure, with the counts', function () {
    const doc = parseJUnit(readFileSync(junit, 'utf8'));
    const root = doc.testsuites as Xml;
    expect(root).to.include({ name: 'raft-harness stress', tests: '1', failures: '1', errors: '0', skipped: '0' });
    const suites = root.testsuite as Xml[];
    expect(suites).to.have.length(1);
    const suite = suites[0] as Xml;
    expect(suite).to.include({ tests: '1', failures: '1', errors: '0', skipped: '0' });
    const props = Object.fromEntries(((suite.properties as Xml).property as Xml[]).map((p) => [p.name, p.value]));
    expect(props).to.include({ seed: '2', clock: 'virtual', raft: VOTE_FOR_ANYONE, checks: 'all', iterations: '6' });
    const cases = suite.testcase as Xml[];
    expect(cases.map((c) => c.name)).to.deep.equal(['TestManyElections2A']);
    const failures = (cases[0] as Xml).failure as Xml[];
    expect(failures).to.have.length(1);
    const failure = failures[0] as Xml;
    expect(failure.type).to.equal('V1');
    expect(failure.message).to.match(/^4 of 6 iterations failed \(V1 4\); the lab's checks fail 2 of them; first: seed \d+ \[V1\] \[V1\] one vote per term/);
    const text = failure['#text'] as string;
    for (const f of summary.tests[0]?.failures ?? []) {
      expect(text).to.include(`#${f.iteration} seed ${f.seed} [V1]: ${f.message.split('\n')[0]}`);
      expect(text).to.include(`replay: ${f.replay}`);
    }
    expect(text.match(/only our monitors fail it/g)).to.have.length(2);
    expect(text.match(/the lab's checks fail it too/g)).to.have.length(2);
  });

  it('--rerun runs exactly the failing seeds again, with the same verdicts, and the same report run after run', async function () {
    const runs = await Promise.all(
      ['a', 'b'].map((k) =>
        runCli(STRESS, ['--rerun', json, '-p', '1', '--out', dir, '--json', join(dir, `rerun-${k}.json`), '--junit', join(dir, `rerun-${k}.xml`)]),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr).to.equal(1);
    expect(runs[0]?.stdout).to.match(
      /^stress: 4 failing iterations of .*all\.json again \(TestManyElections2A\) \| clock virtual \| seed 2 \| raft test\/fuzz\/vote-for-anyone-raft\.ts/m,
    );
    const again = read(join(dir, 'rerun-a.json'));
    expect(again.rerunOf).to.equal(json);
    expect(again.tests.map((t) => [t.name, t.total, t.failed])).to.deep.equal([['TestManyElections2A', 4, 4]]);
    expect(failuresOf(again)).to.deep.equal(failuresOf(summary));
    expect(readFileSync(join(dir, 'rerun-a.xml'), 'utf8')).to.equal(readFileSync(join(dir, 'rerun-b.xml'), 'utf8'));
    expect(failuresOf(read(join(dir, 'rerun-b.json')))).to.deep.equal(failuresOf(summary));
  });

  it("--checks lab fails exactly the iterations whose failure the lab's checks fail too, with replay commands that say --checks lab", async function () {
    const labJson = join(dir, 'lab.json');
    const result = await runCli(STRESS, [...CAMPAIGN, '--checks', 'lab', '--out', dir, '--json', labJson]);
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stdout).to.match(/\| the lab's checks only$/m);
    const lab = read(labJson);
    expect(lab.checks).to.equal('lab');
    const expected = (summary.tests[0]?.failures ?? []).filter((f) => f.lab === 'fails').map((f) => f.seed);
    const failures = lab.tests[0]?.failures ?? [];
    expect(failures.map((f) => f.seed)).to.deep.equal(expected);
    for (const f of failures) {
      expect(f.check).to.equal('LAB');
      expect(f.lab).to.equal('fails');
      expect(f.replay).to.match(/ --checks lab$/);
      expect(f.message).to.match(/\nreplay: npm run replay -- .* --checks lab$/);
    }
  });
});
