// The fuzzer for graders: whether the lab's own checks fail each finding too
// (--checks), and JUnit XML for CI (--junit), read back with a real parser.
import { expect } from 'chai';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuzzUsageError, parseFuzzArgs } from '../../tester/fuzz/options.ts';
import type { FuzzReport } from '../../tester/fuzz/fuzz.ts';
import { runCli } from '../support/run-cli.ts';

const FUZZ = 'tester/fuzz/cli.ts';
type Xml = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'property'].includes(name),
});

function parseJUnit(text: string): Xml {
  expect(XMLValidator.validate(text), 'well-formed XML').to.equal(true);
  return parser.parse(text) as Xml;
}

function read(file: string): FuzzReport {
  return JSON.parse(readFileSync(file, 'utf8')) as FuzzReport;
}

describe('fuzz --checks and --junit', function () {
  // A guard against a hang, not a measure.
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-ci-'));

  it('refuses a bad --checks or --junit in one line', function () {
    expect(() => parseFuzzArgs(['--checks', 'monitors', '--out', dir])).to.throw(FuzzUsageError, /^--checks must be 'all' .* or 'lab' .*, got 'monitors'$/);
    expect(() => parseFuzzArgs(['--junit', dir, '--out', dir])).to.throw(FuzzUsageError, /^--junit: .* is a folder; give a file name$/);
  });

  it("says whether the lab's checks fail each finding too, and writes the same JUnit XML for the same seed", async function () {
    // E01 (votes for anyone): V1 fails it at once; the lab's checks pass the shrunk scenario.
    const args = (k: string): string[] => [
      '--raft',
      'test/fuzz/vote-for-anyone-raft.ts',
      '--runs',
      '30',
      '--seed',
      '3',
      '-p',
      '1',
      '--out',
      dir,
      '--json',
      join(dir, `${k}.json`),
      '--junit',
      join(dir, `${k}.xml`),
    ];
    const runs = await Promise.all([runCli(FUZZ, args('a')), runCli(FUZZ, args('b'))]);
    for (const r of runs) expect(r.code, r.stderr).to.equal(1);
    const out = runs[0]?.stdout ?? '';
    expect(out).to.match(/^lab: {5}only our monitors fail it: the lab's checks alone pass this scenario$/m);
    expect(out).to.match(/^the lab's checks: they fail 0 of 1 findings too; only our monitors: 1$/m);
    const report = read(join(dir, 'a.json'));
    expect(report.checks).to.equal('all');
    expect(report.findings.map((f) => [f.check, f.lab])).to.deep.equal([['V1', 'passes']]);
    const xml = readFileSync(join(dir, 'a.xml'), 'utf8');
    expect(xml).to.equal(readFileSync(join(dir, 'b.xml'), 'utf8'));

    const root = parseJUnit(xml).testsuites as Xml;
    expect(root).to.include({ name: 'raft-harness fuzz', tests: '1', failures: '1', errors: '0', skipped: '0' });
    const suite = (root.testsuite as Xml[])[0] as Xml;
    expect(suite).to.include({ name: 'fuzz', tests: '1', failures: '1' });
    const props = Object.fromEntries(((suite.properties as Xml).property as Xml[]).map((p) => [p.name, p.value]));
    expect(props).to.include({ seed: '3', raft: 'test/fuzz/vote-for-anyone-raft.ts', checks: 'all' });
    const testcase = (suite.testcase as Xml[])[0] as Xml;
    expect(testcase.name).to.equal('[V1] one vote per term');
    const failure = (testcase.failure as Xml[])[0] as Xml;
    const finding = report.findings[0];
    expect(failure.type).to.equal('V1');
    expect(failure.message).to.equal(
      `${finding?.message.split('\n')[0]} (${finding?.occurrences} scenarios failed it; only our monitors fail it (the lab's checks pass))`,
    );
    expect(failure['#text']).to.include(`seed 3, path ${finding?.path}: `);
    expect(failure['#text']).to.include(`replay: ${finding?.replay}`);
  });

  it("--checks lab: only the lab's checks judge, the replay command says so, and a clean JUnit case when nothing fails", async function () {
    // A Raft that never elects fails the liveness phase's leader check, the lab's checkOneLeader.
    const [passive, reference] = await Promise.all([
      runCli(FUZZ, [
        '--raft',
        'test/fixtures/passive-raft.ts',
        '--checks',
        'lab',
        '--runs',
        '3',
        '--seed',
        '3',
        '-p',
        '1',
        '--out',
        dir,
        '--json',
        join(dir, 'lab.json'),
      ]),
      runCli(FUZZ, ['--checks', 'lab', '--runs', '3', '--seed', '3', '-p', '1', '--out', dir, '--junit', join(dir, 'pass.xml')]),
    ]);
    expect(passive.code, passive.stderr).to.equal(1);
    expect(passive.stdout).to.match(/^fuzz: the lab's checks only \(--checks lab\)/m);
    const report = read(join(dir, 'lab.json'));
    expect(report.checks).to.equal('lab');
    expect(report.findings.map((f) => [f.check, f.lab])).to.deep.equal([['LAB', 'fails']]);
    expect(report.findings[0]?.message).to.match(/^expected a leader among the healed servers \{[\d,]+\} within 5000 ms, got none/);
    expect(report.findings[0]?.replay).to.match(/^npm run fuzz -- --seed 3 --path [\d:]+ --raft test\/fixtures\/passive-raft\.ts --checks lab$/);

    expect(reference.code, reference.stderr).to.equal(0);
    const root = parseJUnit(readFileSync(join(dir, 'pass.xml'), 'utf8')).testsuites as Xml;
    expect(root).to.include({ tests: '1', failures: '0', skipped: '0' });
    const testcase = (((root.testsuite as Xml[])[0] as Xml).testcase as Xml[])[0] as Xml;
    expect(testcase.name).to.equal('3 scenarios, no failure');
    expect(testcase.failure).to.equal(undefined);
  });
});
