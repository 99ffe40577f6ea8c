// npx raft-harness init: sets up the project in the current folder the way a
// student starts lab 2A: raft.ts from the skeleton (its types imported from
// the package), a mocha test file that runs the lab's tests on it, npm
// scripts, and mocha as a dev dependency. It never overwrites a file, and
// says what it wrote and what to type next.
// Exit code: 0 done (whatever was kept), 2 bad input (no package.json).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, parseCommandLine } from './cli-args.ts';

const USAGE = `usage: npx raft-harness init

Sets up the project in the current folder (run \`npm init -y\` first):
  raft.ts              the skeleton, its types imported from the package
  test/raft.test.mjs   the lab's tests on raft.ts in your own mocha
  package.json         scripts test (mocha) and stress; mocha as a dev dependency
Nothing that exists is overwritten.`;

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What `npm init` writes as the test script: a placeholder, not a choice of the user's. */
const NPM_PLACEHOLDER_TEST = 'echo "Error: no test specified" && exit 1';
const RAFT_FILE = 'raft.ts';
const TEST_FILE = join('test', 'raft.test.mjs');

interface PackageJson {
  name?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** The user's raft.ts: the skeleton, with the contract imported from the package and a header for their project. */
export function userSkeleton(packageRoot: string = PACKAGE_ROOT): string {
  const skeleton = readFileSync(join(packageRoot, 'examples', 'skeleton.ts'), 'utf8');
  const ours = packageJson(join(packageRoot, 'package.json')).name ?? 'raft-election-harness';
  const body = skeleton.slice(skeleton.indexOf('import type {'));
  if (!body.includes("from '../raft/contract.ts'")) throw new Error("examples/skeleton.ts no longer imports '../raft/contract.ts'");
  const header = `// Your Raft: fill in the election (lab 2A), then the log (2B) and
// persistence (2C). It compiles as it is, and fails the tests: it never
// elects anyone.
//
//   npx raft-harness typecheck-raft ${RAFT_FILE}   its types against the contract
//   npm test                               the lab's tests (test/raft.test.mjs)
//   npm run stress                         the stress loop (npx raft-harness stress --help)
`;
  return header + body.replace("from '../raft/contract.ts'", `from '${ours}'`);
}

/** The user's mocha test file. */
export function userTest(packageRoot: string = PACKAGE_ROOT): string {
  const ours = packageJson(join(packageRoot, 'package.json')).name ?? 'raft-election-harness';
  return `// The lab's tests on raft.ts in your own mocha (npm test): each test once in
// real time, as go test would, and over many seeds in virtual time, where
// every failing seed prints the command that replays it.
import { registerLabTests } from '${ours}/mocha';

registerLabTests({
  raft: new URL('../${RAFT_FILE}', import.meta.url),
  tests: ['2A'], // then '2B', '2C': names or patterns, as raft-harness stress takes them
  seeds: 100, // per test, in virtual time
});
`;
}

function packageJson(path: string): PackageJson {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
}

/** Writes `text` to `path` unless something is there; says which. */
function writeNew(dir: string, path: string, text: string, what: string, said: string[]): void {
  const file = join(dir, path);
  if (existsSync(file)) {
    said.push(`  kept   ${path.padEnd(20)} (it exists; nothing written)`);
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  said.push(`  wrote  ${path.padEnd(20)} ${what}`);
}

export function init(dir: string): { code: number; out: string } {
  const pkgPath = join(dir, 'package.json');
  if (!existsSync(pkgPath))
    return { code: 2, out: `init: no package.json in ${dir}: run \`npm init -y\` there first, then \`npm install --save-dev\` the harness` };
  let pkg: PackageJson;
  try {
    pkg = packageJson(pkgPath);
  } catch (error) {
    return { code: 2, out: `init: ${pkgPath} is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const ours = packageJson(join(PACKAGE_ROOT, 'package.json')) as PackageJson & { devDependencies: Record<string, string> };
  const said: string[] = [];
  writeNew(dir, RAFT_FILE, userSkeleton(), 'the skeleton: fill in the election (2A) and the log (2B)', said);
  writeNew(dir, TEST_FILE, userTest(), "the lab's 2A tests on raft.ts, run by mocha", said);

  // package.json: only what is missing is added (and npm's placeholder test script replaced).
  const added: string[] = [];
  const scripts = { ...pkg.scripts };
  if (scripts['test'] === undefined || scripts['test'] === NPM_PLACEHOLDER_TEST) {
    scripts['test'] = 'mocha';
    added.push('script test (mocha)');
  }
  if (scripts['stress'] === undefined) {
    scripts['stress'] = `raft-harness stress --raft ${RAFT_FILE}`;
    added.push(`script stress (raft-harness stress --raft ${RAFT_FILE})`);
  }
  const hasMocha = pkg.dependencies?.['mocha'] !== undefined || pkg.devDependencies?.['mocha'] !== undefined;
  const devDependencies = { ...pkg.devDependencies };
  if (!hasMocha) {
    // The mocha this harness is tested with.
    devDependencies['mocha'] = ours.devDependencies['mocha'] ?? '*';
    added.push(`devDependency mocha ${devDependencies['mocha']}`);
  }
  // Listed but not installed (or just added): npm install fetches it.
  const needsInstall = !hasMocha || !existsSync(join(dir, 'node_modules', 'mocha'));
  if (added.length > 0) {
    const updated: PackageJson = { ...pkg, scripts, ...(Object.keys(devDependencies).length > 0 && { devDependencies }) };
    // As npm writes it: two spaces, a final newline.
    writeFileSync(pkgPath, `${JSON.stringify(updated, null, 2)}\n`);
    said.push(`  added  to package.json: ${added.join('; ')}`);
  } else said.push('  kept   package.json         (its scripts test and stress, and mocha, are there)');

  const next: [string, string][] = [
    ...(needsInstall ? [['npm install', 'installs mocha'] as [string, string]] : []),
    [`npx raft-harness stress --raft ${RAFT_FILE}`, 'the stress loop: 1000 seeds per 2A test (-n 20 for fewer)'],
    ['npm test', "the lab's tests in your mocha"],
  ];
  const width = Math.max(...next.map(([command]) => command.length)) + 3;
  return {
    code: 0,
    out: `raft-harness init in ${dir}:\n${said.join('\n')}\n\nNext:\n${next.map(([command, what]) => `  ${command.padEnd(width)}${what}`).join('\n')}`,
  };
}

function main(): number {
  try {
    if (parseCommandLine(process.argv.slice(2), {}, false) === 'help') {
      console.log(USAGE);
      return 0;
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`init: ${error.message} (npx raft-harness init --help for usage)`);
    return 2;
  }
  const { code, out } = init(resolve(process.cwd()));
  (code === 0 ? console.log : console.error)(out);
  return code;
}

// Run as the command, not when a test imports init().
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
