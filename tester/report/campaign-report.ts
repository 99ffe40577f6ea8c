// --report FILE.html (stress and fuzz): one self-contained page per campaign
// with, per test, failures by check, the distributions of virtual time, terms
// and RPCs per iteration, and links to each kept failure's page. The charts
// are Chart.js's, its UMD build inlined, so that the page works offline.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import type { RunStats } from '../config.ts';
import type { CheckCounts, CheckId } from '../check-ids.ts';

/** Bins of every histogram: a campaign's figures take a fixed few hundred numbers per test, however long it runs. */
export const HISTOGRAM_BINS = 40;

/**
 * A histogram over [0, ∞) with a fixed number of bins of equal width: when a
 * value falls past the last bin, neighbouring bins are merged in pairs (the
 * width doubles) until it fits. Memory stays HISTOGRAM_BINS counts whatever
 * the number of iterations, and the bins stay fine for small values.
 */
export class Histogram {
  private counts: number[] = new Array<number>(HISTOGRAM_BINS).fill(0);
  private width = 1;
  n = 0;
  min = Infinity;
  max = -Infinity;
  private sum = 0;

  add(value: number): void {
    const x = Number.isFinite(value) && value > 0 ? value : 0;
    while (x >= this.width * HISTOGRAM_BINS) this.coarsen();
    const bin = Math.floor(x / this.width);
    this.counts[bin] = (this.counts[bin] ?? 0) + 1;
    this.n++;
    this.sum += x;
    this.min = Math.min(this.min, x);
    this.max = Math.max(this.max, x);
  }

  private coarsen(): void {
    const merged = new Array<number>(HISTOGRAM_BINS).fill(0);
    this.counts.forEach((c, i) => {
      merged[i >> 1] = (merged[i >> 1] ?? 0) + c;
    });
    this.counts = merged;
    this.width *= 2;
  }

  toJSON(): HistogramData {
    // Empty bins at either end are not drawn: a test whose iterations all take 3 s shows 3 s, not 0 to 3 s.
    let last = this.counts.length - 1;
    while (last > 0 && this.counts[last] === 0) last--;
    let first = 0;
    while (first < last && this.counts[first] === 0) first++;
    return {
      width: this.width,
      first,
      counts: this.counts.slice(first, last + 1),
      n: this.n,
      min: this.n === 0 ? 0 : this.min,
      max: this.n === 0 ? 0 : this.max,
      mean: this.n === 0 ? 0 : Math.round((this.sum / this.n) * 10) / 10,
    };
  }
}

export interface HistogramData {
  /** counts[k] holds values in [(first + k) * width, (first + k + 1) * width). */
  width: number;
  first: number;
  counts: number[];
  n: number;
  min: number;
  max: number;
  mean: number;
}

/** The three distributions of one test (or of a fuzz campaign's scenarios). */
export class Figures {
  readonly clockMs = new Histogram();
  readonly terms = new Histogram();
  readonly rpcs = new Histogram();

  add(stats: Pick<RunStats, 'elapsedMs' | 'rpcs' | 'maxTerm'>): void {
    this.clockMs.add(stats.elapsedMs);
    this.terms.add(stats.maxTerm ?? 0);
    this.rpcs.add(stats.rpcs);
  }
}

/** Figures per test name, made on first use. */
export class CampaignFigures {
  private readonly tests = new Map<string, Figures>();

  of(test: string): Figures {
    let figures = this.tests.get(test);
    if (figures === undefined) {
      figures = new Figures();
      this.tests.set(test, figures);
    }
    return figures;
  }

  get(test: string): Figures | undefined {
    return this.tests.get(test);
  }
}

export interface ReportFailure {
  /** What the link says: iteration, seed or path. */
  label: string;
  check: CheckId;
  message: string;
  /** The kept failure's page (absolute path), if there is one. */
  page: string | undefined;
}

export interface ReportSection {
  name: string;
  /** Iterations (stress) or scenarios searched (fuzz). */
  total: number;
  failed: number;
  checks: CheckCounts;
  failures: ReportFailure[];
  /** Absent when the figures are not known (a --merge of summaries). */
  figures: Figures | undefined;
  /** Whose distributions: 'iteration' or 'scenario'. */
  unit: string;
  /** The clock's name for the time axis. */
  clockLabel: string;
}

export interface ReportInput {
  title: string;
  /** Lines under the title: verdict, seed, Raft, clock... */
  lines: string[];
  sections: ReportSection[];
}

/** Chart.js's self-contained UMD build, read from the installed package (exports hide dist/, so resolve the package and go beside it). */
function chartJsSource(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('chart.js'); // .../chart.js/dist/chart.cjs
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

/** The data for the page's script: JSON safe inside <script> (no '<' at all). */
function pageData(input: ReportInput, reportFile: string): string {
  const from = dirname(reportFile);
  const data = {
    title: input.title,
    lines: input.lines,
    sections: input.sections.map((s) => ({
      name: s.name,
      total: s.total,
      failed: s.failed,
      unit: s.unit,
      checks: s.checks,
      failures: s.failures.map((f) => ({
        label: f.label,
        check: f.check,
        message: f.message.split('\n')[0] ?? '',
        // Relative, so that the campaign's folder can be moved or archived with its report.
        href: f.page === undefined ? null : relative(from, f.page).split(sep).map(encodeURIComponent).join('/'),
      })),
      dists:
        s.figures === undefined
          ? null
          : [
              { id: 'time', label: `${s.clockLabel} per ${s.unit} (ms)`, hist: s.figures.clockMs.toJSON() },
              { id: 'terms', label: `Elections per ${s.unit} (highest term reached)`, hist: s.figures.terms.toJSON() },
              { id: 'rpcs', label: `RPCs per ${s.unit}`, hist: s.figures.rpcs.toJSON() },
            ],
    })),
  };
  return JSON.stringify(data).replace(/</g, '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin: 0 0 .3em; }
h2 { font-size: 1.15em; margin: 1.5em 0 .4em; border-top: 1px solid #ccc; padding-top: .8em; }
.lines { color: #555; margin: 0 0 1em; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 1em; }
.chart { position: relative; height: 240px; }
.note { color: #777; font-style: italic; }
.failures { margin: .5em 0 0; padding-left: 1.2em; }
.failures li { margin: .15em 0; overflow-wrap: anywhere; }
.check { font-family: monospace; font-weight: bold; }
.fail { color: #b00020; }
.pass { color: #1b7f3a; }
`;

// The page's own script: builds the sections from the data, then draws them with Chart.js.
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var root = document.getElementById('sections');
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function chart(box, id, title, labels, values, color, xTitle) {
    var holder = el('div', 'chart'); var canvas = document.createElement('canvas');
    canvas.id = id; holder.appendChild(canvas); box.appendChild(holder);
    new Chart(canvas, {
      type: 'bar',
      data: { labels: labels, datasets: [{ label: title, data: values, backgroundColor: color, barPercentage: 1, categoryPercentage: 0.95 }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { title: { display: true, text: title }, legend: { display: false } },
        scales: { x: { title: { display: !!xTitle, text: xTitle || '' } }, y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'count' } } } }
    });
  }
  data.sections.forEach(function (s, i) {
    var section = el('section'); section.id = 'test-' + i; section.className = 'test';
    section.appendChild(el('h2', null, s.name));
    var verdict = el('p', s.failed > 0 ? 'fail' : 'pass', s.failed + ' of ' + s.total + ' ' + s.unit + 's failed');
    section.appendChild(verdict);
    var charts = el('div', 'charts'); section.appendChild(charts);
    var checks = Object.keys(s.checks);
    if (checks.length > 0) {
      chart(charts, 'checks-' + i, 'Failures by check', checks, checks.map(function (c) { return s.checks[c]; }), '#c62828', 'check');
    }
    if (s.dists === null) {
      section.appendChild(el('p', 'note', 'No distributions: they are drawn from a live campaign, not from merged summaries.'));
    } else {
      var colors = { time: '#1565c0', terms: '#6a1b9a', rpcs: '#00838f' };
      s.dists.forEach(function (d) {
        var h = d.hist; var labels = h.counts.map(function (_, k) { var b = h.first + k; return h.width === 1 ? String(b) : (b * h.width) + '–' + ((b + 1) * h.width - 1); });
        chart(charts, d.id + '-' + i, d.label + ' — n ' + h.n + ', mean ' + h.mean + ', min ' + h.min + ', max ' + h.max, labels, h.counts, colors[d.id], '');
      });
    }
    if (s.failures.length > 0) {
      var more = s.failed - s.failures.length;
      section.appendChild(el('p', null, 'Failures kept (' + s.failures.filter(function (f) { return f.href; }).length + ' with a page)' + (more > 0 ? '; ' + more + ' more counted, not kept' : '') + ':'));
      var list = el('ul', 'failures');
      s.failures.forEach(function (f) {
        var li = el('li'); li.appendChild(el('span', 'check', '[' + f.check + '] '));
        if (f.href) { var a = el('a', 'failure-link', f.label); a.href = f.href; li.appendChild(a); } else li.appendChild(el('span', null, f.label + ' (no page)'));
        li.appendChild(el('span', null, ': ' + f.message));
        list.appendChild(li);
      });
      section.appendChild(list);
    }
    root.appendChild(section);
  });
  document.body.setAttribute('data-ready', 'true');
})();
`;

/** The page: Chart.js and the data inline, nothing fetched. */
export function renderCampaignReport(input: ReportInput, reportFile: string): string {
  // No '</script' may end the inlined library early.
  const library = chartJsSource().replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<div class="lines">${input.lines.map((l) => `<div>${escapeHtml(l)}</div>`).join('')}</div>
<div id="sections"></div>
<script id="report-data" type="application/json">${pageData(input, reportFile)}</script>
<script>${library}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}

export function writeCampaignReport(input: ReportInput, file: string): void {
  writeFileSync(file, renderCampaignReport(input, file));
}
