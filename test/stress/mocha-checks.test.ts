// registerLabTests({ checks: 'lab' }): the lab's tests in a user's own mocha
// run, judged by the lab's checks alone, as the Go tester would; and mocha's
// own `--reporter xunit` as the JUnit XML of that route.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ROOT } from '../support/run-cli.ts';

const MOCHA = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');

function mocha(checks: string, xunit: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, LAB_CHECKS: checks };
    delete env['RAFT_MODULE'];
    const child = spawn(process.execPath, [MOCHA, 'test/fixtures/lab-checks-spec.ts', '--reporter', 'xunit', '--reporter-option', `output=${xunit}`], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe("registerLabTests({ checks: 'lab' }) and mocha's --reporter xunit", function () {
  // A guard against a hang, not a measure.
  this.timeout(180_000);

  it("fails a Raft on our monitors by default, passes it on the lab's checks alone, and mocha's xunit reporter says so in JUnit XML", async function () {
    const dir = mkdtempSync(join(tmpdir(), 'mocha-checks-'));
    const [all, lab] = await Promise.all([mocha('all', join(dir, 'all.xml')), mocha('lab', join(dir, 'lab.xml'))]);
    expect(all.code, all.stderr).to.equal(1);
    expect(lab.code, lab.stderr + lab.stdout).to.equal(0);
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' });
    const suites = ['all', 'lab'].map((k) => {
      const text = readFileSync(join(dir, `${k}.xml`), 'utf8');
      expect(XMLValidator.validate(text)).to.equal(true);
      return (parser.parse(text) as { testsuite: Record<string, unknown> }).testsuite;
    });
    // Mocha's xunit reporter counts every failing test under errors (its failures attribute is always 0).
    expect(suites[0]).to.include({ tests: '1', errors: '1' });
    const failing = (suites[0]?.testcase as Record<string, unknown>[])[0];
    expect(failing?.name).to.equal('TestInitialElection2A over 2 seeds');
    expect(JSON.stringify(failing?.failure)).to.match(/\[HB\] heartbeat rate/);
    expect(JSON.stringify(failing?.failure)).to.match(/\(only our monitors fail it: the lab(&#x27;|')s checks pass it\)/);
    expect(suites[1]).to.include({ tests: '1', failures: '0', errors: '0' });
  });
});
