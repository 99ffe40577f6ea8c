// runCli owns every command's exit code: 0 passed, 1 a failure found, 2 bad
// input (one line, no stack), 3 internal error (the stack), 130 / 143 a stop
// signal, with what the command has saved first; a closed pipe ends it quietly.
import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { runCli, type CliResult } from '../support/run-cli.ts';

const DEMO = 'test/fixtures/run-cli-command.ts';

/** Runs the demo command; `signals` are sent, one per line of output that says 'ready' or 'stopping'. */
function demo(args: string[], signals: NodeJS.Signals[] = []): Promise<CliResult> {
  return runCli(DEMO, args, {
    afterStart: (child: ChildProcess) => {
      let seen = '';
      let sent = 0;
      child.stdout?.on('data', (d: Buffer) => {
        seen += d.toString();
        const cues = (seen.match(/^(ready|stopping)/gm) ?? []).length;
        while (sent < Math.min(cues, signals.length)) child.kill(signals[sent++]);
      });
    },
  });
}

describe('runCli: one owner of every exit code', function () {
  this.timeout(60_000);

  it('0 when the command passed, 1 when it found a failure', async function () {
    const [pass, fail] = await Promise.all([demo(['pass']), demo(['fail'])]);
    expect([pass.code, fail.code]).to.deep.equal([0, 1]);
    expect(pass.stderr + fail.stderr).to.equal('');
  });

  it("2 for bad input: one line under the command's name, pointing at --help only for the command line's shape", async function () {
    const runs = await Promise.all([demo(['usage']), demo(['usage-shape']), demo(['raft-module'])]);
    expect(runs.map((r) => r.code)).to.deep.equal([2, 2, 2]);
    expect(runs.map((r) => r.stderr)).to.deep.equal([
      'demo: --frob must be a whole number, got x\n',
      "demo: unknown option '--frob' (npm run demo -- --help for usage)\n",
      'demo: --raft: my-raft.ts: no such file\n',
    ]);
  });

  it('3 for an internal error, thrown or a rejection nobody handled, with its stack; or a command that ends without a verdict', async function () {
    const [thrown, rejected, stranded] = await Promise.all([demo(['internal']), demo(['rejection']), demo(['waits-for-nothing'])]);
    expect([thrown.code, rejected.code, stranded.code]).to.deep.equal([3, 3, 3]);
    expect(thrown.stderr).to.match(/^demo: internal error: Error: a bug of the harness\n {4}at /);
    expect(rejected.stderr).to.match(/^demo: internal error: Error: nobody handles this\n {4}at /);
    expect(stranded.stderr).to.match(/^demo: internal error: Error: the command ended without a verdict/);
  });

  it('130 / 143 on SIGINT / SIGTERM: the first winds the command down and it reports; a second leaves after it saves what it has', async function () {
    const [term, int, twice, early] = await Promise.all([
      demo(['stoppable'], ['SIGTERM']),
      demo(['stoppable'], ['SIGINT']),
      demo(['stoppable', 'slow'], ['SIGINT', 'SIGTERM']),
      // A signal before the command says how to wind down ends it at once.
      demo(['unstoppable'], ['SIGINT']),
    ]);
    expect([term.code, int.code, twice.code, early.code]).to.deep.equal([143, 130, 143, 130]);
    expect(term.stdout).to.equal('ready\nstopping (SIGTERM)\n');
    expect(int.stdout).to.equal('ready\nstopping (SIGINT)\n');
    expect(twice.stdout).to.equal('ready\nstopping (SIGINT)\nleaving (SIGTERM): summary written\n');
    expect(early.stdout).to.equal('ready\n');
  });

  it('writes all its output into a pipe before it exits; a reader that leaves (| head) ends it quietly, exit 0', async function () {
    const large = await demo(['large']);
    expect(large.code).to.equal(0);
    expect(large.stdout.length).to.equal((1 << 20) + '\nend\n'.length);
    const closed = await runCli(DEMO, ['endless'], { afterStart: (child) => child.stdout?.once('data', () => child.stdout?.destroy()) });
    expect(closed.code, closed.stderr).to.equal(0);
    expect(closed.stderr).to.equal('');
  });
});
