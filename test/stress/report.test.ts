// --report: the campaign's page of charts. First its histograms (bounded,
// no browser), then a small real campaign's page in headless Chromium (see
// test/trace/html.test.ts for how a browser is found, and SKIP_BROWSER_TESTS).
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { spawn } from 'node:child_process';
import { HISTOGRAM_BINS, Histogram, renderCampaignReport, writeCampaignReport } from '../../tester/report/campaign-report.ts';
import { pagePath } from '../../tester/stress/artifacts.ts';
import { startCampaign, type Campaign } from '../../tester/stress/campaign.ts';
import { parseStressArgs, type StressOptions } from '../../tester/stress/options.ts';
import { stressReportInput } from '../../tester/stress/report.ts';
import type { StressSummary } from '../../tester/stress/summary.ts';
import { chooseChromium } from '../support/chromium.ts';

const OUTPUT = resolve('test-output');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Temporary folders of this file, removed at its end. */
const made: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('campaign report: histograms', function () {
  it('keeps a fixed number of bins however many and however large the values', function () {
    const h = new Histogram();
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = (i * 7919) % 1_000_003;
      h.add(x);
      sum += x;
    }
    const data = h.toJSON();
    expect(data.counts.length).to.be.at.most(HISTOGRAM_BINS);
    expect(data.counts.reduce((a, b) => a + b, 0)).to.equal(100_000);
    expect(data.n).to.equal(100_000);
    expect(data.width * HISTOGRAM_BINS).to.be.greaterThan(data.max);
    expect(data.mean).to.be.closeTo(sum / 100_000, 0.1);
  });

  it('keeps unit bins for small values (terms)', function () {
    const h = new Histogram();
    for (const x of [1, 1, 2, 3, 3, 3]) h.add(x);
    expect(h.toJSON()).to.deep.include({ width: 1, first: 1, counts: [2, 1, 3], min: 1, max: 3 });
  });

  it('inlines Chart.js and fetches nothing; no markup in the data', function () {
    const page = renderCampaignReport({ title: 'a <b> & c', lines: ['</script>'], sections: [] }, join(tmpdir(), 'r.html'));
    expect(page).to.include('<title>a &lt;b&gt; &amp; c</title>');
    expect(page).to.match(/Chart\.js v4/);
    expect(page).to.not.match(/<script[^>]+src=|<link[^>]+href=/);
    const data = /<script id="report-data" type="application\/json">([^]*?)<\/script>/.exec(page)?.[1] ?? '';
    expect(data).to.not.include('<');
  });

  it('takes --report in the stress options', function () {
    const dir = tempDir('report-');
    const parsed = parseStressArgs(['2A', '-n', '1', '--out', dir, '--report', join(dir, 'r.html')]) as StressOptions;
    expect(parsed.report).to.equal(join(dir, 'r.html'));
  });
});

describe('campaign report in a real browser (headless Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let summary: StressSummary;
  let reportFile: string;

  before(async function () {
    let executable: { executablePath: string; args: string[] };
    try {
      executable = await chooseChromium();
    } catch (error) {
      const reason = `no browser for the report page test: ${(error as Error).message}`;
      if (process.env.SKIP_BROWSER_TESTS === '1') {
        console.log(`      PENDING (SKIP_BROWSER_TESTS=1): ${reason}`);
        this.skip();
      }
      throw new Error(`${reason}. Run npm ci, set CHROMIUM_PATH, or set SKIP_BROWSER_TESTS=1`);
    }
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: executable.executablePath, args: executable.args, headless: true });

    // A small campaign that fails: the mutant that votes twice, whose seed 7 fails TestReElection2A's iteration #1 [V1].
    const out = tempDir('report-campaign-');
    const mutant = fileURLToPath(new URL('../mutants/e01-votes-twice.ts', import.meta.url));
    const options = parseStressArgs([
      'TestInitialElection2A',
      'TestReElection2A',
      '-n',
      '2',
      '-p',
      '1',
      '--seed',
      '7',
      '--raft',
      mutant,
      '--out',
      out,
    ]) as StressOptions;
    const campaign: Campaign = startCampaign(options, { write: () => {}, tty: false });
    summary = await campaign.done;
    mkdirSync(OUTPUT, { recursive: true });
    writeFileSync(join(OUTPUT, '.gitignore'), '*\n');
    reportFile = join(out, 'report.html');
    writeCampaignReport(stressReportInput(summary, campaign.figures(), 'FAIL'), reportFile);
  });

  after(async function () {
    await browser?.close();
  });

  /** Opens a report page; resolves when its script has drawn everything. */
  async function open(file: string): Promise<{ page: Page; errors: string[]; external: string[] }> {
    const page = await (browser as Browser).newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    const external: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      external.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    return { page, errors, external };
  }

  /** Every canvas laid out and inked by Chart.js. */
  async function expectDrawn(page: Page, count: number): Promise<void> {
    const drawn = await page.locator('canvas').evaluateAll((canvases) =>
      canvases.map((c) => {
        const canvas = c as HTMLCanvasElement;
        const box = canvas.getBoundingClientRect();
        const pixels = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) inked++;
        return { id: canvas.id, width: box.width, height: box.height, inked };
      }),
    );
    expect(drawn.length).to.equal(count);
    for (const c of drawn) {
      expect(c.width, c.id).to.be.greaterThan(100);
      expect(c.height, c.id).to.be.greaterThan(100);
      expect(c.inked, `${c.id}: something drawn`).to.be.greaterThan(500);
    }
  }

  async function links(page: Page): Promise<string[]> {
    const hrefs = await page.locator('a.failure-link').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    return hrefs.map((h) => fileURLToPath(h)).sort();
  }

  it('stress: draws the charts of each test, with no page error and no request; the failure links open the kept pages', async function () {
    const re = summary.tests.find((t) => t.name === 'TestReElection2A');
    expect(re?.failed, 'the mutant fails TestReElection2A').to.be.at.least(1);
    const { page, errors, external } = await open(reportFile);
    // Three distributions per test, and failures by check for the test that failed.
    expect(await page.locator('section.test').count()).to.equal(2);
    expect(await page.locator('#checks-1').count()).to.equal(1);
    await expectDrawn(page, 2 * 3 + 1);
    // Each kept failure's link points at its page, which exists.
    const kept = summary.tests.flatMap((t) => t.failures).filter((f) => f.log !== undefined);
    expect(kept.length).to.be.at.least(1);
    const hrefs = await links(page);
    expect(hrefs).to.deep.equal(kept.map((f) => resolve(pagePath(f.log as string))).sort());
    for (const h of hrefs) expect(existsSync(h), h).to.equal(true);
    await page.screenshot({ path: join(OUTPUT, 'campaign-report.png'), fullPage: true });
    expect(errors, errors.join('\n')).to.deep.equal([]);
    expect(external, 'the page fetched nothing').to.deep.equal([]);
    await page.close();
  });

  it("fuzz: npm run fuzz -- --report draws findings by check and the scenarios' distributions, linking each finding's page", async function () {
    const dir = tempDir('report-fuzz-');
    const file = join(dir, 'fuzz.html');
    // Small: six 3-server scenarios without faults; the mutant that votes twice fails one of them [V1].
    const args = [
      '--runs',
      '6',
      '--servers',
      '3',
      '--faults',
      'none',
      '--seed',
      '3',
      '-p',
      '1',
      '--raft',
      'test/mutants/e01-votes-twice.ts',
      '--out',
      dir,
      '--report',
      file,
    ];
    const run = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'tester/fuzz/cli.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (code) => done({ code, stdout }));
    });
    expect(run.code, run.stdout).to.equal(1);
    expect(run.stdout).to.include(`report written to ${file}`);
    const pages = [...run.stdout.matchAll(/^page: +(.+)$/gm)].map((m) => resolve(ROOT, m[1] as string)).sort();
    expect(pages.length, run.stdout).to.be.at.least(1);
    const { page, errors, external } = await open(file);
    expect(await page.locator('section.test').count()).to.equal(1);
    await expectDrawn(page, 1 + 3);
    expect(await links(page)).to.deep.equal(pages);
    await page.screenshot({ path: join(OUTPUT, 'fuzz-report.png'), fullPage: true });
    expect(errors, errors.join('\n')).to.deep.equal([]);
    expect(external, 'the page fetched nothing').to.deep.equal([]);
    await page.close();
  });
});
