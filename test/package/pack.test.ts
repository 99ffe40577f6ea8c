// The harness as a dev dependency of someone else's project, end to end:
// `npm pack`, a fresh project holding only a small Raft, a package.json that
// says `"type": "module"` and a tsconfig of its own (settings the harness
// must not take up),
// an offline install of the tarball, then what a user runs there: the
// contract's types (import type ... from the package, checked by
// typecheck-raft), the stress loop, replay, the fuzzer, and their own mocha
// with registerLabTests.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/run-cli.ts';
import { packHarness, run, writeUserProject, type Run } from './user-project.ts';

const COMMANDS = ['init', 'stress', 'fuzz', 'replay', 'trace', 'mutants', 'typecheck-raft'];
/**
 * The commands run below only to ask for help (one process each). The others
 * run for real below (typecheck-raft, fuzz, replay), which loads them just as
 * well; stress both, since its usage line shows the bin's invocation.
 */
const HELP_ONLY = ['init', 'stress', 'trace', 'mutants'];
/** What proves each command loads from the package: its help, or its real run. */
const LOADED_BY: Record<string, string> = {
  init: 'help:init',
  stress: 'help:stress',
  trace: 'help:trace',
  mutants: 'help:mutants',
  fuzz: 'fuzz',
  replay: 'replay',
  'typecheck-raft': 'typecheck',
};

describe('the packed harness, installed into a fresh project (offline)', function () {
  this.timeout(180_000);
  let project: string;
  let bin: string;
  const timings: string[] = [];
  let runs: Record<string, Promise<Run>>;
  const outcome = (name: string): Promise<Run> => runs[name] as Promise<Run>;

  before(async function () {
    const started = performance.now();
    project = mkdtempSync(join(tmpdir(), 'user-project-'));
    const tarball = packHarness(ROOT, project);
    writeUserProject(ROOT, project, tarball);
    timings.push(`pack ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const installing = performance.now();
    const install = await run(project, 'npm', ['ci', '--offline', '--no-audit', '--no-fund']);
    timings.push(`install ${((performance.now() - installing) / 1000).toFixed(1)} s`);
    expect(install.code, install.out).to.equal(0);
    expect(install.out, 'a clean install').to.not.match(/npm warn/);
    bin = join(project, 'node_modules', '.bin', 'raft-harness');
    // The user's Raft: the example timer Raft, importing the contract's types from the package.
    const example = readFileSync(join(ROOT, 'examples', 'timer-raft.ts'), 'utf8');
    expect(example).to.include("from '../raft/contract.ts'");
    writeFileSync(join(project, 'raft.ts'), example.replace("from '../raft/contract.ts'", "from 'raft-election-harness'"));
    writeFileSync(
      join(project, 'broken.ts'),
      example
        .replace("from '../raft/contract.ts'", "from 'raft-election-harness'")
        .replace('return { term: this.term, isLeader', 'return { term: String(this.term), isLeader'),
    );
    // The project's own tsconfig, with settings that would change how classes and modules compile: the harness keeps its own.
    writeFileSync(
      join(project, 'tsconfig.json'),
      `${JSON.stringify({ compilerOptions: { target: 'ES5', module: 'commonjs', useDefineForClassFields: false, experimentalDecorators: true, verbatimModuleSyntax: false, strict: false } }, null, 2)}\n`,
    );
    mkdirSync(join(project, 'test'));
    writeFileSync(
      join(project, 'test', 'lab.test.js'),
      "import { registerLabTests } from 'raft-election-harness/mocha';\n\nregisterLabTests({ raft: 'raft.ts', tests: ['InitialElection2A', 'TestReElection2A'], seeds: 10, realTime: ['TestInitialElection2A'] });\n",
    );
    // Every command at once (they are independent): the tests below read their outcomes.
    runs = {
      typecheck: run(project, bin, ['typecheck-raft', 'raft.ts']),
      typecheckBroken: run(project, bin, ['typecheck-raft', 'broken.ts']),
      stress: run(project, bin, ['stress', 'TestInitialElection2A', '-n', '4', '--seed', '1', '-p', '1', '--raft', 'raft.ts', '--json', 'summary.json']),
      replay: run(project, bin, ['replay', '--test', 'TestInitialElection2A', '--seed', '1', '--raft', 'raft.ts', '--quiet']),
      fuzz: run(project, bin, ['fuzz', '--runs', '5', '--seed', '5', '-p', '1', '--raft', 'raft.ts']),
      mocha: run(project, join(project, 'node_modules', '.bin', 'mocha'), []),
      ...Object.fromEntries(HELP_ONLY.map((c) => [`help:${c}`, run(project, bin, [c, '--help'])])),
    };
  });

  after(function () {
    console.log(`      (${timings.join(', ')})`);
    rmSync(project, { recursive: true, force: true });
  });

  it('has only what a user needs: the commands, the contract, the mocha entry; no repository tests', function () {
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', 'raft-election-harness', 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).to.deep.equal({ 'raft-harness': 'bin/raft-harness.mjs' });
    const installed = (p: string): string => join(project, 'node_modules', 'raft-election-harness', p);
    expect(() => readFileSync(installed('raft/contract.ts'))).to.not.throw();
    expect(() => readFileSync(installed('test/stress/cli.test.ts'))).to.throw();
    expect(() => readFileSync(installed('test/mutants/mutants.test.ts'))).to.throw();
    expect(() => readFileSync(installed('test/mutants/index.ts'))).to.not.throw(); // the mutants command runs them
  });

  it('type-checks the user module against the contract, types imported from the package', async function () {
    const good = await outcome('typecheck');
    expect(good.code, good.out).to.equal(0);
    expect(good.out).to.equal('raft.ts: fits the contract\n');
    const bad = await outcome('typecheckBroken');
    expect(bad.code, bad.out).to.equal(1);
    expect(bad.out).to.match(/^ {2}broken\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'\.$/m);
  });

  it('runs the stress loop, and replay, with commands written as the user runs them', async function () {
    const stress = await outcome('stress');
    expect(stress.code, stress.out).to.equal(0);
    expect(stress.out).to.match(/PASS: 0 of 4 iterations failed/);
    expect(JSON.parse(readFileSync(join(project, 'summary.json'), 'utf8'))).to.include({ raft: 'raft.ts' });
    const replay = await outcome('replay');
    expect(replay.code, replay.out).to.equal(0);
    expect(replay.out).to.match(/^PASS TestInitialElection2A seed 1/m);
    const help = await outcome('help:stress');
    expect(help.code).to.equal(0);
    expect(help.out).to.match(/^usage: npx raft-harness stress /);
  });

  it('loads every command from the package (init, trace and mutants answer --help; the others ran above)', async function () {
    expect(Object.keys(LOADED_BY).sort()).to.deep.equal([...COMMANDS].sort());
    const helps = await Promise.all(HELP_ONLY.map((c) => outcome(`help:${c}`)));
    helps.forEach((r, i) => {
      expect(r.code, `${HELP_ONLY[i]}: ${r.out}`).to.equal(0);
      expect(r.out, HELP_ONLY[i]).to.match(new RegExp(`^usage: npx raft-harness ${HELP_ONLY[i]}`));
    });
    // A command that failed to load would exit non-zero with Node's error, not its own verdict.
    const loaded = await Promise.all(COMMANDS.map((c) => outcome(LOADED_BY[c] as string)));
    loaded.forEach((r, i) => expect(r.out, COMMANDS[i]).to.not.match(/ERR_MODULE_NOT_FOUND|ERR_UNKNOWN_FILE_EXTENSION|SyntaxError/));
  });

  it('runs the fuzzer', async function () {
    const fuzz = await outcome('fuzz');
    expect(fuzz.code, fuzz.out).to.equal(0);
    expect(fuzz.out).to.match(/^PASS: 5 scenarios/m);
  });

  it("runs the lab's tests in the user's own mocha, with no loader configured", async function () {
    const mocha = await outcome('mocha');
    expect(mocha.code, mocha.out).to.equal(0);
    expect(mocha.out).to.match(/lab tests on raft\.ts/);
    expect(mocha.out).to.match(/✔ TestInitialElection2A/);
    expect(mocha.out).to.match(/✔ TestReElection2A over 10 seeds/);
    expect(mocha.out).to.match(/3 passing/);
  });
});
