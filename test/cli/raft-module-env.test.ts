// RAFT_MODULE under npm test: echoed at the top of mocha's output, and a
// wrong value is one failure that names the variable.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { ROOT } from '../support/run-cli.ts';

function mocha(files: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'), ...files],
      { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' },
      (error, stdout, stderr) => {
        // Judged as text: a CI that forces colour (FORCE_COLOR) puts escapes between mocha's ✔ and the title.
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, out: stripVTControlCharacters(`${stdout}${stderr}`) });
      },
    );
  });
}

describe('RAFT_MODULE', function () {
  this.timeout(60_000);

  it('a wrong value is one failure naming the variable, before any test', async function () {
    const run = await mocha(['test/lab2a.test.ts', 'test/tester/own-tests.test.ts'], { RAFT_MODULE: 'no/such/raft.ts' });
    expect(run.code).to.equal(1);
    expect(run.out).to.include('RAFT_MODULE=no/such/raft.ts');
    expect(run.out).to.match(/^ {2}1 failing$/m);
    expect(run.out).to.match(/"before all" hook: RAFT_MODULE/);
    expect(run.out).to.include('RAFT_MODULE: no such file: no/such/raft.ts');
    expect(run.out).to.not.include('--raft');
    expect(run.out).to.match(/^ {2}0 passing/m);
  });

  it('a right value is echoed, and the tests run on it', async function () {
    // Only the virtual-time half, two seeds: the real-time half takes seconds.
    const run = await mocha(['test/lab2a.test.ts', '-g', 'virtual time'], { RAFT_MODULE: 'examples/timer-raft.ts', SEEDS: '2' });
    expect(run.out).to.match(/✔ TestManyElections2A over 2 seeds/);
    expect(run.out).to.include("RAFT_MODULE=examples/timer-raft.ts: the lab's tests, our own and the regression cases run on it");
    expect(run.code, run.out).to.equal(0);
  });
});
