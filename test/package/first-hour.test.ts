// A student's first hour, end to end and offline, from an empty folder with
// only the packed tarball: `npm init -y` exactly as npm leaves it (npm 11
// writes "type": "commonjs"), the install, `npx raft-harness init`, the
// `npm install` it asks for, then the commands it prints: the stress loop
// and `npm test` (their own mocha). The skeleton never elects, so both
// fail, and the replay command a failure prints must reproduce it. Again in
// a project whose package.json says nothing about its type. In the
// CommonJS project, a Raft module loads as .ts, .mts, .cts, .js and .mjs,
// and may import the contract's values (index.cjs serves require()).
import { expect } from 'chai';
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/run-cli.ts';
import { addHarness, packHarness, run, type Run } from './user-project.ts';

/** A Raft in plain JavaScript (ESM syntax, as in the .ts skeleton) that never elects: it loads, runs, and fails. */
const JS_RAFT = `export const make = (peers, me, persister, applyCh, runtime) => {
  let dead = false;
  void (async () => { while (!dead) await runtime.sleep(30); })();
  return {
    getState: () => ({ term: 0, isLeader: false }),
    kill: () => { dead = true; },
    requestVote: () => ({ term: 0, voteGranted: false }),
    appendEntries: () => ({ term: 0, success: false }),
    start: () => ({ index: -1, term: 0, isLeader: false }),
  };
};
`;
const EXTENSIONS = ['ts', 'mts', 'cts', 'js', 'mjs'];

interface Project {
  dir: string;
  type: string | undefined;
  init: Run;
  initAgain: Run;
  runs: Record<string, Promise<Run>>;
}

/** The command lines under "Next:" in init's output. */
function nextCommands(out: string): string[] {
  const next = out.slice(out.indexOf('\nNext:\n') + 7);
  return next
    .split('\n')
    .filter((line) => line.startsWith('  '))
    .map((line) => (line.trim().split(/ {3,}/)[0] as string).trim());
}

/** `npx raft-harness replay ...` as printed, run as printed. */
function replayOf(out: string): string[] {
  const line = out.match(/npx raft-harness replay --test \S+ --seed \d+ --raft \S+/)?.[0];
  expect(line, out).to.be.a('string');
  return (line as string).split(' ');
}

async function setUp(tarballDir: string, tarball: string, keepType: boolean): Promise<Project> {
  const dir = mkdtempSync(join(tmpdir(), 'first-hour-'));
  const init = await run(dir, 'npm', ['init', '-y']);
  expect(init.code, init.out).to.equal(0);
  const pkgPath = join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as Record<string, unknown>;
  if (!keepType) {
    delete pkg['type'];
    writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
  }
  const copied = join(dir, 'raft-election-harness.tgz');
  writeFileSync(copied, readFileSync(join(tarballDir, tarball)));
  addHarness(ROOT, dir, copied);
  const install = await run(dir, 'npm', ['ci', '--offline', '--no-audit', '--no-fund']);
  expect(install.code, install.out).to.equal(0);
  const initialised = await run(dir, 'npx', ['raft-harness', 'init']);
  const initAgain = await run(dir, 'npx', ['raft-harness', 'init']);
  // The `npm install` init asks for (mocha): offline, from the lock file.
  addHarness(ROOT, dir, copied);
  const installMocha = await run(dir, 'npm', ['install', '--offline', '--no-audit', '--no-fund']);
  expect(installMocha.code, installMocha.out).to.equal(0);
  const runs: Record<string, Promise<Run>> = {
    // As printed, with fewer seeds than the 1000 it runs by default.
    // With a grader's outputs: JUnit XML, and the campaign's page (charts inlined: it works offline).
    stress: run(dir, 'npx', [
      'raft-harness',
      'stress',
      '--raft',
      'raft.ts',
      '-n',
      '1',
      '-p',
      '1',
      '--seed',
      '1',
      '--junit',
      'junit.xml',
      '--report',
      'report.html',
    ]),
    test: run(dir, 'npm', ['test']),
  };
  // What does not depend on the package's type, once (the compiler is the slowest part of the suite).
  if (keepType) {
    const bin = join(dir, 'node_modules', '.bin', 'raft-harness');
    runs['typecheck'] = run(dir, bin, ['typecheck-raft', 'raft.ts']);
    const skeleton = readFileSync(join(dir, 'raft.ts'), 'utf8');
    for (const ext of EXTENSIONS.slice(1)) writeFileSync(join(dir, `raft-copy.${ext}`), ext.endsWith('ts') ? skeleton : JS_RAFT);
    // The contract's values, not only its types: a CommonJS .ts file require()s the package (index.cjs), an .mts file imports it.
    const values = `import { RPC } from 'raft-election-harness';\nif (RPC.RequestVote !== 'Raft.RequestVote') throw new Error('no RPC names');\n`;
    writeFileSync(join(dir, 'values.ts'), values + skeleton);
    writeFileSync(join(dir, 'raft-copy.mts'), values + skeleton);
    runs['replay.values'] = run(dir, bin, ['replay', '--test', 'TestInitialElection2A', '--seed', '1', '--raft', 'values.ts', '--quiet']);
    writeFileSync(
      join(dir, 'good.ts'),
      readFileSync(join(ROOT, 'examples', 'timer-raft.ts'), 'utf8').replace("from '../raft/contract.ts'", "from 'raft-election-harness'"),
    );
    for (const ext of EXTENSIONS.slice(1))
      runs[`replay.${ext}`] = run(dir, bin, ['replay', '--test', 'TestInitialElection2A', '--seed', '1', '--raft', `raft-copy.${ext}`, '--quiet']);
    runs['fuzz'] = run(dir, bin, ['fuzz', '--runs', '5', '--seed', '5', '-p', '1', '--raft', 'good.ts']);
  }
  return { dir, type: keepType ? (pkg['type'] as string | undefined) : undefined, init: initialised, initAgain, runs };
}

describe("a student's first hour: npm init -y, the tarball, raft-harness init (offline)", function () {
  this.timeout(240_000);
  let tarballDir: string;
  const projects: Record<string, Promise<Project>> = {};

  before(function () {
    tarballDir = mkdtempSync(join(tmpdir(), 'first-hour-tarball-'));
    const tarball = packHarness(ROOT, tarballDir).slice(tarballDir.length + 1);
    // Both projects at once: most of their time is waiting (installs, real-time tests).
    projects['commonjs'] = setUp(tarballDir, tarball, true);
    projects['untyped'] = setUp(tarballDir, tarball, false);
    // A failed set-up fails the tests that await it, not the process.
    for (const p of Object.values(projects)) p.catch(() => undefined);
  });

  after(async function () {
    const settled = await Promise.allSettled(Object.values(projects));
    for (const p of settled) if (p.status === 'fulfilled') rmSync(p.value.dir, { recursive: true, force: true });
    rmSync(tarballDir, { recursive: true, force: true });
  });

  for (const [name, what] of [
    ['commonjs', 'a package.json as npm init -y leaves it ("type": "commonjs")'],
    ['untyped', 'a package.json with no type'],
  ] as const) {
    describe(what, function () {
      const project = (): Promise<Project> => projects[name] as Promise<Project>;

      it('init writes raft.ts, a mocha test and npm scripts, says so, and overwrites nothing when run again', async function () {
        const { dir, type, init, initAgain } = await project();
        if (name === 'commonjs') expect(type, 'what npm 11 writes').to.equal('commonjs');
        expect(init.code, init.out).to.equal(0);
        expect(init.out).to.match(/wrote {2}raft\.ts/);
        expect(init.out).to.match(/wrote {2}test\/raft\.test\.mjs/);
        expect(init.out).to.match(/added {2}to package\.json: script test \(mocha\); script stress .*; devDependency mocha \^/);
        expect(nextCommands(init.out)).to.deep.equal(['npm install', 'npx raft-harness stress --raft raft.ts', 'npm test']);
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };
        expect(pkg.scripts).to.include({ test: 'mocha', stress: 'raft-harness stress --raft raft.ts' });
        expect(pkg.devDependencies).to.have.property('mocha');
        if (name === 'untyped') expect(Object.keys(pkg), 'init adds no type').to.not.include('type');
        const raft = readFileSync(join(dir, 'raft.ts'), 'utf8');
        expect(raft).to.include("} from 'raft-election-harness';");
        expect(raft).to.not.match(/npm run \w+ --|\.\.\/raft\/contract/);
        expect(initAgain.code, initAgain.out).to.equal(0);
        expect(initAgain.out).to.match(/kept {3}raft\.ts/);
        expect(initAgain.out).to.match(/kept {3}test\/raft\.test\.mjs/);
        expect(initAgain.out).to.match(/kept {3}package\.json/);
        expect(readFileSync(join(dir, 'raft.ts'), 'utf8')).to.equal(raft);
      });

      // A replay loads raft.ts as the stress loop's workers and mocha just did: it runs in one project, not both.
      const replayed = name === 'commonjs';
      const sameForm = 'of the same form (run in the commonjs project)';

      it(`stress runs the skeleton (in worker threads) and fails it, with replay commands ${replayed ? 'that reproduce the failure' : sameForm}`, async function () {
        const { dir, runs } = await project();
        const stress = (await runs['stress']) as Run;
        expect(stress.code, stress.out).to.equal(1);
        expect(stress.out).to.match(/^FAIL: 3 of 3 iterations failed/m);
        const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
        expect(junit).to.match(/<testsuites\b[^>]*\btests="3"[^>]*\bfailures="3"/);
        expect(junit.match(/<testcase\b/g) ?? []).to.have.length(3);
        expect(junit).to.contain('npx raft-harness replay --test TestInitialElection2A');
        const page = readFileSync(join(dir, 'report.html'), 'utf8');
        expect(page).to.match(/Chart\.js v4/);
        expect(page).to.not.match(/<script[^>]+src=|<link[^>]+href="http/);
        const printed = replayOf(stress.out);
        if (!replayed) return;
        const replay = await run(dir, 'npx', printed.slice(1));
        expect(replay.code, replay.out).to.equal(1);
        expect(replay.out).to.match(/^FAIL Test\w+2A seed \d+: expected one leader, got none/m);
      });

      it(`npm test runs the lab tests in mocha: failures capped like --keep, each with a replay command ${replayed ? 'that reproduces it' : sameForm}`, async function () {
        const { dir, runs } = await project();
        const test = (await runs['test']) as Run;
        expect(test.code, test.out).to.not.equal(0);
        expect(test.out, test.out).to.match(/lab tests on raft\.ts/);
        expect(test.out, test.out).to.match(/6 failing/);
        expect(test.out).to.match(/100 of 100 seeds failed/);
        expect(test.out).to.match(/\.\.\. and 95 more failed seeds: \d+(, \d+){94}$/m);
        expect(test.out).to.not.match(/npm run replay/);
        const printed = replayOf(test.out);
        if (!replayed) return;
        const replay = await run(dir, 'npx', printed.slice(1));
        expect(replay.code, replay.out).to.equal(1);
        expect(replay.out).to.match(/^FAIL TestInitialElection2A seed \d+: expected one leader, got none/m);
      });

      if (name === 'commonjs') {
        it('the skeleton type-checks as it is', async function () {
          const typecheck = await (await project()).runs['typecheck'];
          expect(typecheck?.code, typecheck?.out).to.equal(0);
          expect(typecheck?.out).to.equal('raft.ts: fits the contract\n');
        });

        it("loads a Raft written as .mts, .cts, .js or .mjs (ESM syntax in each), or importing the contract's values, and runs the fuzzer", async function () {
          const { runs } = await project();
          for (const ext of [...EXTENSIONS.slice(1), 'values']) {
            const replay = (await runs[`replay.${ext}`]) as Run;
            expect(replay.out, ext).to.match(/^FAIL TestInitialElection2A seed 1: expected one leader, got none/m);
            expect(replay.code, `${ext}: ${replay.out}`).to.equal(1);
          }
          const fuzz = (await runs['fuzz']) as Run;
          expect(fuzz.code, fuzz.out).to.equal(0);
          expect(fuzz.out).to.match(/^PASS: 5 scenarios/m);
        });
      }
    });
  }
});
