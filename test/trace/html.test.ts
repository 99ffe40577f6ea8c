// The trace page. First what it is made of (no browser), then the page of a
// known failing run in a real browser: the Chromium that the npm package
// @sparticuz/chromium ships (or CHROMIUM_PATH), driven by playwright-core.
//
// Without a browser the browser test FAILS, saying so, unless
// SKIP_BROWSER_TESTS=1 is set: then it is pending, with the reason printed.
// (With a browser present it always runs.) The screenshot goes to
// test-output/, a folder that ignores itself in git.
import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { TesterEvent } from '../../tester/events.ts';
import { buildModel, inkOn, luminance, renderTraceHtml, termColor, writeTraceHtml } from '../../tester/trace/html.ts';
import { toStructured } from '../../tester/trace/structured.ts';
import { chooseChromium, type BrowserChoice } from '../support/chromium.ts';
import { knownFailingRun, type RecordedRun } from './fixtures.ts';

const OUTPUT = resolve('test-output');

describe('trace page model', function () {
  it('draws outages: disconnected, crashed, links cut', function () {
    const events: TesterEvent[] = [
      { kind: 'cluster', t: 0, n: 3, seed: 1, clock: 'virtual' },
      ...[0, 1, 2].map((server): TesterEvent => ({ kind: 'start', t: 0, server, incarnation: 1 })),
      { kind: 'state', t: 0, server: 0, term: 0, isLeader: false },
      { kind: 'disconnect', t: 100, server: 0 },
      { kind: 'connect', t: 300, server: 0 },
      { kind: 'disconnect', t: 400, server: 1 },
      { kind: 'crash', t: 400, server: 1 },
      { kind: 'start', t: 600, server: 1, incarnation: 2 },
      { kind: 'connect', t: 600, server: 1 },
      { kind: 'step', t: 700, name: 'partition', detail: '{0,1} | {2}' },
      { kind: 'link', t: 700, from: 0, to: 2, up: false },
      { kind: 'link', t: 700, from: 2, to: 0, up: false },
      { kind: 'link', t: 800, from: 0, to: 2, up: true },
      { kind: 'link', t: 900, from: 2, to: 0, up: true },
      { kind: 'step', t: 1000, name: 'end', detail: 'Passed' },
    ];
    const model = buildModel(toStructured(events), 't');
    const outages = model.outages.map((o) => `S${o.s} ${o.what} ${o.t0}-${o.t1}`);
    expect(outages).to.deep.equal([
      'S0 disconnected 100-300',
      'S0 partitioned 700-900',
      'S1 crashed 400-600',
      'S1 disconnected 400-600',
      'S2 partitioned 700-900',
    ]);
    expect(model.outages.find((o) => o.s === 2)?.text).to.equal('links cut: 0→2, 2→0');
    // A crashed server has no role: its lane is empty meanwhile.
    const s1 = model.segments.filter((s) => s.s === 1).map((s) => `${s.role} ${s.t0}-${s.t1}`);
    expect(s1[0]).to.equal('follower 0-400');
    expect(s1[1]?.startsWith('follower 600-')).to.equal(true);
    expect(model.steps.map((s) => s.label)).to.deep.equal(['partition', 'end: Passed']);
  });

  it('pairs each message’s send with its delivery, reply or loss, and gives each term its own colour', async function () {
    const run = await knownFailingRun();
    const model = buildModel(toStructured(run.events), 't');
    const votes = model.messages.filter((m) => m.type === 'vote');
    expect(votes.length).to.be.greaterThan(0);
    for (const m of model.messages) {
      if (m.t1 !== null) expect(m.t1).to.be.at.least(m.t0);
      if (m.tr !== null) expect(m.tr).to.be.at.least(m.t1 ?? m.t0);
    }
    expect(votes.some((m) => m.ok === true && m.tr !== null)).to.equal(true);
    expect(model.messages.some((m) => m.tl !== null && m.lost === 'unreachable')).to.equal(true);
    const colours = model.terms.map((t) => t.color);
    expect(new Set(colours).size).to.equal(colours.length);
    expect(new Set(Array.from({ length: 60 }, (_, i) => termColor(i))).size).to.equal(60);
  });

  it('marks the messages that led to the violation, and keeps the ones in flight at the end', async function () {
    const run = await knownFailingRun();
    const model = buildModel(toStructured(run.events), 't');
    const causal = model.messages.filter((m) => m.causal);
    const violation = model.violations[0];
    expect(causal.length, 'causal messages').to.be.within(1, 2 * model.violations.length);
    for (const m of causal) {
      expect(m.t1, `#${m.id} delivered by the violation`).to.be.at.most(violation?.t ?? -1);
      expect(
        [m.from, m.to].some((s) => violation?.servers.includes(s)),
        `#${m.id} touches S${violation?.servers.join(',S')}`,
      ).to.equal(true);
    }
    // S1's heartbeat that gave S0 term 2 while S0 still claimed to lead.
    expect(causal.some((m) => m.type === 'heartbeat' && m.from === 1 && m.to === 0 && m.term === 2 && m.tr !== null)).to.equal(true);
    // Cut the run right after a send: that message is in flight, and counted so on the page.
    const cut = run.events.findIndex((e, i) => e.kind === 'send' && i > run.events.length / 2);
    const truncated = buildModel(toStructured(run.events.slice(0, cut + 1)), 't');
    const last = truncated.messages.at(-1);
    expect(last?.t1).to.equal(null);
    expect(last?.tl).to.equal(null);
    expect(renderTraceHtml(run.events.slice(0, cut + 1), 't')).to.match(/\((\d+) in flight when the run ended\)/);
  });

  it('writes lane text in black or white, whichever reads on the term colour (WCAG AA, 4.5:1)', function () {
    for (let term = 0; term < 60; term++) {
      const bg = luminance(termColor(term));
      const ink = luminance(inkOn(termColor(term)) === '#fff' ? '#ffffff' : '#000000');
      const ratio = (Math.max(bg, ink) + 0.05) / (Math.min(bg, ink) + 0.05);
      expect(ratio, `term ${term} (${termColor(term)})`).to.be.at.least(4.5);
    }
  });

  it('is self-contained and keeps the data out of the markup', async function () {
    const run = await knownFailingRun();
    const page = renderTraceHtml(run.events, 'a <title> & more');
    expect(page).to.include('<title>a &lt;title&gt; &amp; more</title>');
    expect(page).to.not.match(/<script[^>]+src=|<link[^>]+href=|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const data = /<script id="trace-data" type="application\/json">([^]*?)<\/script>/.exec(page)?.[1] ?? '';
    expect(data).to.not.include('<');
    expect((JSON.parse(data) as { n: number }).n).to.equal(3);
  });
});

describe('trace page in a real browser (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let run: RecordedRun;
  let pagePath: string;

  before(async function () {
    const skip = process.env.SKIP_BROWSER_TESTS === '1';
    const unavailable = (why: string): void => {
      const reason = `no browser for the trace page test: ${why}`;
      if (skip) {
        console.log(`      PENDING (SKIP_BROWSER_TESTS=1): ${reason}; the page is not checked in a browser`);
        this.skip();
      }
      throw new Error(
        `${reason}. Run npm ci (it installs @sparticuz/chromium), set CHROMIUM_PATH to a Chromium of your own, or set SKIP_BROWSER_TESTS=1 to skip this test`,
      );
    };
    let choice: BrowserChoice | undefined;
    try {
      choice = await chooseChromium();
    } catch (error) {
      unavailable((error as Error).message);
      return;
    }
    let chromium: typeof import('playwright-core').chromium;
    try {
      ({ chromium } = await import('playwright-core'));
    } catch (error) {
      unavailable(`playwright-core cannot be loaded (${(error as Error).message}); run npm ci`);
      return;
    }
    browser = await chromium.launch({ executablePath: choice.executablePath, args: choice.args, headless: true });

    mkdirSync(OUTPUT, { recursive: true });
    writeFileSync(join(OUTPUT, '.gitignore'), '*\n');
    run = await knownFailingRun();
    expect(run.result.ok, 'the known failing run must fail').to.equal(false);
    pagePath = join(OUTPUT, 'known-failing-run.html');
    writeTraceHtml(
      `# test: TestReElection2A (getState() keeps saying leader)\n# result: FAILED [${run.result.check}]\n${run.text}`,
      pagePath,
      'TestReElection2A, seed 1, sticky-leader Raft',
    );
  });

  after(async function () {
    await browser?.close();
  });

  async function open(path = pagePath): Promise<{ page: Page; errors: string[]; external: string[] }> {
    const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 720 } });
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
    await page.goto(pathToFileURL(path).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    return { page, errors, external };
  }

  it('draws every lane, the term colours, the violation with its text; no console errors; takes a screenshot', async function () {
    const { page, errors, external } = await open();
    // A lane per server, each with its role drawn.
    const lanes = await page.locator('rect.lane').evaluateAll((els) => els.map((el) => el.getAttribute('data-server')));
    expect(lanes).to.deep.equal(['0', '1', '2']);
    for (let s = 0; s < 3; s++) expect(await page.locator(`rect.seg[data-server="${s}"]`).count(), `S${s}'s roles`).to.be.greaterThan(0);
    expect(await page.locator('text.lane-label').allTextContents()).to.deep.equal(['S0', 'S1', 'S2']);
    // Term colours: at least two terms (there was a re-election), each drawn in its legend colour.
    const fills = await page.locator('rect.seg').evaluateAll((els) => els.map((el) => [el.getAttribute('data-term'), el.getAttribute('fill')] as const));
    const byTerm = new Map(fills.filter(([term]) => term !== '' && term !== null).map(([term, fill]) => [Number(term), fill]));
    expect(new Set(byTerm.values()).size, JSON.stringify([...byTerm])).to.be.at.least(2);
    for (const [term, fill] of byTerm) expect(fill, `term ${term}`).to.equal(termColor(term));
    expect(await page.locator('.term-swatch').count()).to.equal(byTerm.size);
    expect(await page.locator('.seg.role-leader').count()).to.be.at.least(2);
    // The violation: a marker where it happened, with its explanation.
    const marker = page.locator('#violation-0');
    expect(await marker.count()).to.equal(1);
    expect(await page.locator('#violation-label-0 text').textContent()).to.match(/election safety: term \d+ has two leaders/);
    const line = await marker.locator('line').boundingBox();
    expect(line?.height ?? 0).to.be.greaterThan(150); // through every lane
    expect(await page.locator('.violation-note').first().textContent()).to.include('VIOLATION [ES]');
    // The test's steps along the time axis.
    expect(await page.locator('.step-mark').count()).to.be.at.least(4);
    expect(await page.locator('.outage.disconnected').count()).to.be.at.least(1);

    await page.screenshot({ path: join(OUTPUT, 'known-failing-run.png'), fullPage: true });
    expect(errors, errors.join('\n')).to.deep.equal([]);
    expect(external, 'the page fetched nothing').to.deep.equal([]);
    await page.close();
  });

  it('after "go to violation", the request and reply that caused it are visible, in front, inside the viewport', async function () {
    const { page, errors } = await open();
    const before = (await page.locator('#status').textContent()) ?? '';
    await page.locator('.violation-note').first().click();
    await page.waitForFunction((b) => document.getElementById('status')?.textContent !== b, before);
    const viewport = page.viewportSize() as { width: number; height: number };
    const chart = (await page.locator('#chart').boundingBox()) as { x: number; y: number; width: number; height: number };
    for (const part of ['request', 'reply']) {
      const arrows = page.locator(`g.msg.causal.${part}`);
      expect(await arrows.count(), `a causal ${part}`).to.be.at.least(1);
      const found = await arrows.evaluateAll((groups) =>
        groups.map((g) => {
          const path = g.querySelectorAll('path')[1] as SVGPathElement;
          const box = path.getBoundingClientRect();
          const length = path.getTotalLength();
          const mid = path.getPointAtLength(length / 2);
          const svg = path.ownerSVGElement as SVGSVGElement;
          const origin = svg.getBoundingClientRect();
          const hit = document.elementFromPoint(origin.left + mid.x, origin.top + mid.y);
          return {
            box: { x: box.x, y: box.y, width: box.width, height: box.height },
            length,
            onTop: hit !== null && g.contains(hit),
            stroke: Number(path.getAttribute('stroke-width')),
          };
        }),
      );
      const one = found[0] as (typeof found)[number];
      expect(one.length, `${part} arrow length`).to.be.greaterThan(15);
      expect(one.box.width, `${part}: not a vertical line`).to.be.at.least(8);
      expect(one.box.x).to.be.within(chart.x, chart.x + chart.width);
      expect(one.box.x + one.box.width).to.be.within(chart.x, Math.min(chart.x + chart.width, viewport.width));
      expect(one.box.y).to.be.at.least(0);
      expect(one.box.y + one.box.height).to.be.at.most(viewport.height);
      expect(one.onTop, `${part}: nothing drawn over its middle`).to.equal(true);
      expect(one.stroke, `${part}: drawn thicker`).to.be.greaterThan(1.5);
    }
    // Highlighted: the yellow band under each causal arrow.
    expect(await page.locator('g.msg.causal path[stroke="#ffd400"]').count()).to.be.at.least(2);
    await page.screenshot({ path: join(OUTPUT, 'known-failing-run-at-violation.png') });
    // Lane text reads on its term colour.
    const labels = await page
      .locator('text.seg-label[data-bg]')
      .evaluateAll((els) => els.map((el) => [el.getAttribute('fill'), el.getAttribute('data-bg')] as const));
    expect(labels.length).to.be.greaterThan(0);
    for (const [ink, bg] of labels) expect(ink, `text on ${bg}`).to.equal(inkOn(bg as string));
    expect(errors, errors.join('\n')).to.deep.equal([]);
    await page.close();
  });

  it('draws lost messages unlike denied votes, and pans only within the run', async function () {
    const { page, errors } = await open();
    const lost = page.locator('g.msg.lost, g.msg.reply.lost');
    expect(await lost.count()).to.be.greaterThan(0);
    const lostLook = await lost.first().evaluate((g) => ({
      stroke: g.querySelector('.lost-line')?.getAttribute('stroke'),
      dash: g.querySelector('.lost-line')?.getAttribute('stroke-dasharray'),
      head: g.querySelector('[marker-end]') !== null,
      mark: g.querySelector('.lost-mark') !== null,
    }));
    expect(lostLook).to.deep.equal({ stroke: '#6b6b6b', dash: '1,2.5', head: false, mark: true });
    // A denied vote is a red dashed reply with an arrowhead: nothing in common with the above.
    const deny = await page.evaluate(() => document.querySelector('#chart defs marker#ah-deny path')?.getAttribute('fill'));
    expect(deny).to.equal('#c62828');
    expect(lostLook.stroke).to.not.equal(deny);

    const range = async (): Promise<[number, number]> => {
      const [from, to] = ((await page.locator('#status').textContent()) ?? '').match(/[\d.]+(?= ms)/g)?.map(Number) ?? [];
      return [from ?? NaN, to ?? NaN];
    };
    // Messages still in flight when the run ended are drawn, to the run's end, when asked for.
    await page.check('#show-inflight');
    await page.waitForFunction(() => document.querySelectorAll('g.msg.in-flight').length > 0);
    const [, whole] = await range();
    await page.click('#zoom-in');
    for (let i = 0; i < 8; i++) await page.click('#pan-right');
    await page.waitForFunction(() => /showing/.test(document.getElementById('status')?.textContent ?? ''));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    const [, right] = await range();
    expect(right, 'not past the end of the run').to.be.at.most(whole + 0.1);
    for (let i = 0; i < 12; i++) await page.click('#pan-left');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    const [left] = await range();
    expect(left, 'not before its start').to.equal(0);
    expect(errors, errors.join('\n')).to.deep.equal([]);
    await page.close();
  });

  it('what a first look found: one bar per violation, an instant crash drawn, in-flight hidden, nothing past the run, the label on top, causal arrows ending on the line', async function () {
    // The known run, with its first violation reported twice (as a monitor
    // does when it sees the offending message again) and S2 crashed and
    // restarted within one millisecond; the run ends with the cleanup's kills.
    // Just before the violation, S1's heartbeat to S0 at 1050 ms comes once
    // more, taking no time: a zero-delay message that led to it.
    const events = [...run.events];
    const first = events.findIndex((e) => e.kind === 'violation');
    const tV = (events[first] as TesterEvent).t;
    const again = events.filter((e) => 'id' in e && e.id === 25).map((e): TesterEvent => ({ ...e, t: tV, id: 9999 }) as TesterEvent);
    expect(again.map((e) => e.kind)).to.deep.equal(['send', 'deliver', 'handled', 'reply']);
    events.splice(first, 0, ...again);
    events.splice(first + again.length + 1, 0, { ...(events[first + again.length] as TesterEvent) });
    const at = events.findIndex((e) => e.t > 500);
    events.splice(at, 0, { kind: 'crash', t: 500, server: 2 }, { kind: 'start', t: 500, server: 2, incarnation: 2 });
    const model = buildModel(toStructured(events), 't');
    const path = join(OUTPUT, 'first-look.html');
    writeFileSync(path, renderTraceHtml(events, 'first look'));
    const { page, errors } = await open(path);

    // One bar per violation, at the top and in the chart: two distinct ones, not three.
    expect(await page.locator('.violation-note').count()).to.equal(2);
    expect(await page.locator('g.violation').count()).to.equal(2);
    expect(await page.locator('g.violation-label').count()).to.equal(2);

    // The crash and restart at 500 ms: a mark on S2's lane, with width, where it happened.
    const instant = page.locator('.outage.crashed[data-server="2"]');
    expect(await instant.count()).to.equal(1);
    const mark = await instant.evaluate((el) => {
      const box = el.getBoundingClientRect();
      return { width: box.width, tip: el.getAttribute('data-tip') };
    });
    expect(mark.width).to.be.greaterThan(2);
    expect(mark.tip).to.match(/crashed and restarted at 500 ms/);
    // The cleanup's kills are one "end of run" step, not a crash on every lane.
    expect(await page.locator('.outage.crashed').count()).to.equal(1);
    expect(await page.locator('.step-mark.end').textContent()).to.equal('end of run');

    // In flight at the end: hidden until asked for.
    expect(await page.locator('g.msg.in-flight').count()).to.equal(0);
    await page.check('#show-inflight');
    await page.waitForFunction(() => document.querySelectorAll('g.msg.in-flight').length > 0);
    await page.uncheck('#show-inflight');
    await page.waitForFunction(() => document.querySelectorAll('g.msg.in-flight').length === 0);

    // No tooltip speaks of a moment past the end of the run.
    const tips = await page.locator('#chart [data-tip]').evaluateAll((els) => els.map((el) => el.getAttribute('data-tip') ?? ''));
    const times = tips.flatMap((tip) => [...tip.matchAll(/(\d+(?:\.\d+)?) ms/g)].map((m) => Number(m[1])));
    expect(times.length).to.be.greaterThan(0);
    expect(Math.max(...times), 'the latest moment any tooltip names').to.be.at.most(model.tEnd);

    // The violation's label is on top of everything, and clicking it zooms to it.
    const statusBefore = (await page.locator('#status').textContent()) ?? '';
    const centre = await page.locator('#violation-label-0 rect').evaluate((el) => {
      const box = el.getBoundingClientRect();
      const x = box.x + box.width / 2;
      const y = box.y + box.height / 2;
      const hit = document.elementFromPoint(x, y);
      return { x, y, onTop: hit !== null && hit.closest('#violation-label-0') !== null };
    });
    expect(centre.onTop, 'the label is what is under the pointer at its centre').to.equal(true);
    await page.mouse.click(centre.x, centre.y);
    await page.waitForFunction((b) => document.getElementById('status')?.textContent !== b, statusBefore);

    // About 100 ms around the violation: a causal arrow that took no time ends on the violation's line, not past it.
    const v = model.violations[0] as (typeof model.violations)[number];
    const line = (await page.locator('#violation-0 line').boundingBox()) as { x: number; y: number; width: number; height: number };
    await page.mouse.move(line.x + line.width / 2, line.y + 40);
    await page.mouse.wheel(0, Math.log(100 / 600) / 0.0015);
    await page.waitForFunction(() => {
      const [from, to] =
        document
          .getElementById('status')
          ?.textContent?.match(/[\d.]+(?= ms)/g)
          ?.map(Number) ?? [];
      return (to ?? 0) - (from ?? 0) < 110;
    });
    const lineX = Number(await page.locator('#violation-0 line').getAttribute('x1'));
    const atViolation = model.messages.filter((m) => m.causal && (m.tr ?? m.t1) === v.t);
    expect(atViolation.length, 'a causal message that took effect at the violation').to.be.greaterThan(0);
    const ends = await page
      .locator('g.msg.causal')
      .evaluateAll((groups) =>
        groups.map((g) => Number([...(g.querySelectorAll('path')[1]?.getAttribute('d') ?? '').matchAll(/-?[\d.]+/g)].map((m) => m[0])[2])),
      );
    expect(
      ends.some((end) => Math.abs(end - lineX) < 0.6),
      `arrow ends ${ends.join(', ')} vs the line at ${lineX}`,
    ).to.equal(true);
    expect(Math.max(...ends), 'no causal arrow ends after the violation').to.be.at.most(lineX + 0.6);
    await page.screenshot({ path: join(OUTPUT, 'first-look.png'), fullPage: true });
    expect(errors, errors.join('\n')).to.deep.equal([]);
    await page.close();
  });

  it('zooms, pans, hides messages, and shows details on hover', async function () {
    const { page, errors } = await open();
    const status = async (): Promise<string> => (await page.locator('#status').textContent()) ?? '';
    const span = async (): Promise<number> => {
      const [from, to] = (await status()).match(/[\d.]+(?= ms)/g)?.map(Number) ?? [];
      return (to ?? 0) - (from ?? 0);
    };
    const whole = await span();
    const initial = await status();
    await page.click('#zoom-in');
    await page.waitForFunction((b) => document.getElementById('status')?.textContent !== b, initial);
    expect(await span()).to.be.closeTo(whole / 2, whole * 0.02);

    const chart = (await page.locator('#chart').boundingBox()) as { x: number; y: number; width: number; height: number };
    const before = await status();
    await page.mouse.move(chart.x + chart.width / 2, chart.y + 100);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction((b) => document.getElementById('status')?.textContent !== b, before);
    expect(await span()).to.be.lessThan(whole / 2);
    // Zoomed in, arrows are cut at the plot's edges (a line thousands of screens long is slow to draw).
    for (let i = 0; i < 5; i++) await page.click('#zoom-in');
    await page.waitForFunction((w) => {
      const [from, to] =
        document
          .getElementById('status')
          ?.textContent?.match(/[\d.]+(?= ms)/g)
          ?.map(Number) ?? [];
      return (to ?? 0) - (from ?? 0) < w / 40;
    }, whole);
    const xs = await page
      .locator('g.msg path')
      .evaluateAll((paths) => paths.flatMap((p) => [...(p.getAttribute('d') ?? '').matchAll(/[ML](-?[\d.]+),/g)].map((m) => Number(m[1]))));
    for (const x of xs) expect(x).to.be.within(-20, chart.width + 20);
    const beforeDrag = await status();
    await page.mouse.move(chart.x + 700, chart.y + 30);
    await page.mouse.down();
    await page.mouse.move(chart.x + 500, chart.y + 30, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction((b) => document.getElementById('status')?.textContent !== b, beforeDrag);
    await page.click('#reset');
    await page.waitForFunction((w) => {
      const [from, to] =
        document
          .getElementById('status')
          ?.textContent?.match(/[\d.]+(?= ms)/g)
          ?.map(Number) ?? [];
      return Math.abs((to ?? 0) - (from ?? 0) - w) < 1;
    }, whole);

    // Every message drawn has a length (an instant one is a vertical line between lanes).
    const lengths = await page.locator('g.msg').evaluateAll((groups) =>
      groups.map((g) => {
        const nums = [...(g.querySelector('path')?.getAttribute('d') ?? '').matchAll(/-?[\d.]+/g)].map((m) => Number(m[0]));
        return Math.hypot((nums[2] ?? 0) - (nums[0] ?? 0), (nums[3] ?? 0) - (nums[1] ?? 0));
      }),
    );
    expect(lengths.length).to.be.greaterThan(0);
    for (const length of lengths) expect(length).to.be.greaterThan(5);

    const votes = await page.locator('g.msg.vote').count();
    const heartbeats = await page.locator('g.msg.heartbeat').count();
    expect(votes).to.be.greaterThan(0);
    expect(heartbeats).to.be.greaterThan(0);
    await page.uncheck('#show-votes');
    await page.waitForFunction(() => document.querySelectorAll('g.msg.vote').length === 0);
    expect(await page.locator('g.msg.heartbeat').count()).to.equal(heartbeats);
    await page.uncheck('#show-heartbeats');
    await page.waitForFunction(() => document.querySelectorAll('g.msg').length === 0);
    await page.check('#show-votes');
    await page.waitForFunction((n) => document.querySelectorAll('g.msg.vote').length === n, votes);

    // Hovering the violation's label shows its details.
    const label = (await page.locator('#violation-label-0 text').boundingBox()) as { x: number; y: number; width: number; height: number };
    await page.mouse.move(label.x + 10, label.y + label.height / 2);
    await page.waitForSelector('#tip', { state: 'visible' });
    expect(await page.locator('#tip').textContent()).to.match(/^VIOLATION at \d+ ms/);
    expect(errors, errors.join('\n')).to.deep.equal([]);
    await page.close();
  });
});
