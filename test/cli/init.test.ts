// `raft-harness init` on projects that are not fresh: what exists is kept,
// only what is missing is added, and the skeleton it writes is the
// repository's, its import rewritten to the package (the end-to-end run from
// `npm init -y` is test/package/first-hour.test.ts).
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, userSkeleton } from '../../tester/init-cli.ts';
import { ROOT, runCli } from '../support/run-cli.ts';

describe('raft-harness init', function () {
  let dir: string;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'init-'));
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes no arguments: a mistake is one line and exit 2, as in every command', async function () {
    this.timeout(60_000);
    const r = await runCli('tester/init-cli.ts', ['--frob'], { env: { RAFT_HARNESS_BIN: '1' } });
    expect(r.code).to.equal(2);
    expect(r.stderr.trim()).to.equal("init: unknown option '--frob' (npx raft-harness init --help for usage)");
  });

  it('refuses, in one line, a folder without package.json', function () {
    const result = init(dir);
    expect(result.code).to.equal(2);
    expect(result.out).to.equal(`init: no package.json in ${dir}: run \`npm init -y\` there first, then \`npm install --save-dev\` the harness`);
  });

  it("keeps the user's files and scripts, and adds only what is missing", function () {
    const pkg = { name: 'mine', type: 'module', scripts: { test: 'mocha --recursive' }, devDependencies: { mocha: '^11.0.0' } };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
    writeFileSync(join(dir, 'raft.ts'), '// mine\n');
    mkdirSync(join(dir, 'node_modules', 'mocha'), { recursive: true });
    const result = init(dir);
    expect(result.code).to.equal(0);
    expect(result.out).to.match(/kept {3}raft\.ts/);
    expect(result.out).to.match(/wrote {2}test\/raft\.test\.mjs/);
    expect(result.out).to.match(/added {2}to package\.json: script stress \(raft-harness stress --raft raft\.ts\)$/m);
    expect(result.out, 'mocha is installed').to.not.match(/npm install/);
    expect(readFileSync(join(dir, 'raft.ts'), 'utf8')).to.equal('// mine\n');
    const after = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof pkg & { scripts: Record<string, string> };
    expect(after.scripts).to.deep.equal({ test: 'mocha --recursive', stress: 'raft-harness stress --raft raft.ts' });
    expect(after.devDependencies).to.deep.equal({ mocha: '^11.0.0' });
    expect(after.type).to.equal('module');
  });

  it("writes the repository's skeleton, its contract imported from the package, with commands a user project has", function () {
    const skeleton = readFileSync(join(ROOT, 'examples', 'skeleton.ts'), 'utf8');
    const written = userSkeleton();
    const body = (text: string): string => text.slice(text.indexOf('import type {'));
    expect(body(written)).to.equal(body(skeleton).replace("from '../raft/contract.ts'", "from 'raft-election-harness'"));
    expect(written).to.not.match(/npm run \w+ --|RAFT_MODULE/);
    expect(written).to.match(/^\/\/ {3}npx raft-harness typecheck-raft raft\.ts/m);
  });
});
