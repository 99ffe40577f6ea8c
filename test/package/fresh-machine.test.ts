// A fresh machine needs only npm: every dependency's install script is
// reviewed in package.json (so `npm ci` prints no warning), and the browser
// of the trace page's test comes from the npm registry unless CHROMIUM_PATH
// names one of one's own.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chooseChromium } from '../support/chromium.ts';
import { ROOT } from '../support/run-cli.ts';

const run = promisify(execFile);

describe('fresh machine: npm alone sets everything up', function () {
  this.timeout(60_000);

  it('leaves no dependency install script unreviewed (npm ci prints no allowScripts warning)', async function () {
    const { stdout, stderr } = await run('npm', ['install-scripts', 'ls'], { cwd: ROOT });
    expect(`${stdout}${stderr}`).to.match(/No packages with unreviewed install scripts/);
  });

  it('finds a Chromium in node_modules when CHROMIUM_PATH is not set', async function () {
    const choice = await chooseChromium({});
    expect(choice.source).to.match(/^@sparticuz\/chromium/);
    expect(choice.args).to.not.include('--single-process');
  });

  it('uses CHROMIUM_PATH when set, and says so in one line when it does not exist', async function () {
    await chooseChromium({ CHROMIUM_PATH: '/nowhere/chromium' }).then(
      () => expect.fail('a missing CHROMIUM_PATH must be refused'),
      (error: Error) => expect(error.message).to.equal('CHROMIUM_PATH=/nowhere/chromium does not exist'),
    );
    expect((await chooseChromium({ CHROMIUM_PATH: process.execPath })).executablePath).to.equal(process.execPath);
  });
});
