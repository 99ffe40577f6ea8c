// The trace as one self-contained web page: a lane per server showing its
// role over time coloured by term, its outages, messages as arrows between
// lanes, the test's steps along the time axis, and the violation. Inline CSS
// and script, the data as a JSON block: nothing is fetched when it is opened.
import { writeFileSync } from 'node:fs';
import { plural } from '../cli-args.ts';
import type { TesterEvent } from '../events.ts';
import { describeLine, violationText } from './describe.ts';
import { traceClient, type PageModel } from './html-client.ts';
import { parseTrace } from './input.ts';
import { host, toStructured, type Json, type TraceLine } from './structured.ts';

/** The page of a run's raw events. */
export function renderTraceHtml(events: TesterEvent[], title: string): string {
  return renderStructuredHtml(toStructured(events, { copy: false }), title);
}

/**
 * Writes the page of a trace's text (raw or structured JSON lines; a failure
 * log's '#' header lines are shown at the top of the page).
 */
export function writeTraceHtml(rawTraceText: string, outPath: string, title: string): void {
  const parsed = parseTrace(rawTraceText, outPath);
  writeFileSync(outPath, renderStructuredHtml(parsed.lines, title, parsed.header, parsed.n));
}

/** The page of structured lines. */
export function renderStructuredHtml(lines: readonly TraceLine[], title: string, header: readonly string[] = [], n?: number): string {
  const model = buildModel(lines, title, header, n);
  const json = JSON.stringify(model)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  const inFlight = model.messages.filter((m) => m.tl === null && (m.t1 === null || m.tr === null)).length;
  const failedChecks = model.steps.filter((s) => s.kind === 'check' && !s.ok);
  const problems = [
    ...model.violations.map((v) => ({ t: v.t, text: `VIOLATION ${v.text}`, cls: 'violation-note' })),
    ...failedChecks.map((c) => ({ t: c.t, text: c.text, cls: 'failed-check-note' })),
  ];
  const legendTerms = model.terms
    .map((t) => `<span class="swatch term-swatch" data-term="${t.term}" style="background:${t.color};color:${t.ink}">T${t.term}</span>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<div class="summary">${plural(model.n, 'server')} · ${fmtMs(model.tEnd)} · ${lines.length} trace lines · ${plural(model.messages.length, 'message')}${inFlight > 0 ? ` (${inFlight} in flight when the run ended)` : ''}</div>
${problems.length > 0 ? `<div id="problems">${problems.map((p) => `<div class="${p.cls}" data-goto="${p.t}" title="show this moment"><b>${fmtMs(p.t)}</b> ${esc(p.text)}</div>`).join('')}</div>` : ''}
${header.length > 0 ? `<details class="log-header"${problems.length === 0 ? ' open' : ''}><summary>log header</summary><pre>${esc(header.join('\n'))}</pre></details>` : ''}
</header>
<div class="toolbar">
<button id="zoom-in" title="zoom in (+)">+</button><button id="zoom-out" title="zoom out (-)">−</button><button id="pan-left" title="earlier (←)">←</button><button id="pan-right" title="later (→)">→</button><button id="reset" title="whole run (0)">whole run</button>
<label><input type="checkbox" id="show-votes" checked> votes</label>
<label><input type="checkbox" id="show-heartbeats" checked> heartbeats</label>
<label><input type="checkbox" id="show-replies" checked> replies</label>
<label><input type="checkbox" id="show-lost" checked> lost</label>
<label title="messages sent but not yet delivered when the run ended"><input type="checkbox" id="show-inflight"> in flight at the end</label>
<span id="status"></span>
<span class="hint">wheel: zoom · drag: pan · hover: details</span>
</div>
<div class="legend">
<span class="legend-group"><b>terms</b> ${legendTerms || '<i>none seen</i>'}</span>
<span class="legend-group"><b>roles</b> <span class="role-sample follower"></span>follower <span class="role-sample candidate"></span>candidate <span class="role-sample leader"></span>leader</span>
<span class="legend-group"><span class="out-sample disconnected"></span>disconnected <span class="out-sample crashed"></span>crashed <span class="out-sample partitioned"></span>links cut</span>
<span class="legend-group"><span class="log-sample start"></span>start() accepted <span class="log-sample apply"></span>apply <span class="log-sample state"></span>log, commit</span>
<span class="legend-group"><span class="msg-sample vote"></span>RequestVote <span class="msg-sample grant"></span>granted <span class="msg-sample deny"></span>denied <span class="msg-sample hb"></span>AppendEntries <span class="lost-sample">✕</span>lost <span class="msg-sample inflight"></span>in flight at the end <span class="msg-sample causal"></span>led to the violation <span class="timer-sample">▼</span>timeout <span class="crown-sample">♛</span>leader</span>
</div>
<div id="chart-box"><svg id="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="trace timeline"></svg></div>
<div id="tip"></div>
<script id="trace-data" type="application/json">${json}</script>
<script>
var __name = function (target) { return target; };
(${traceClient.toString()})();
</script>
</body>
</html>
`;
}

/** Everything the page draws, worked out from the structured lines. */
export function buildModel(lines: readonly TraceLine[], title: string, header: readonly string[] = [], n?: number): PageModel {
  let servers = n ?? 0;
  let tEnd = 0;
  for (const line of lines) {
    tEnd = Math.max(tEnd, line.t);
    if (line.server !== null) servers = Math.max(servers, line.server + 1);
    else if (line.detail.name === 'cluster' && typeof line.detail.n === 'number') servers = Math.max(servers, line.detail.n);
  }

  const segments: PageModel['segments'] = [];
  const outages: PageModel['outages'] = [];
  const messages = new Map<number, PageModel['messages'][number]>();
  const marks: PageModel['marks'] = [];
  const steps: PageModel['steps'] = [];
  const violations: PageModel['violations'] = [];
  const logMarks: PageModel['logMarks'] = [];
  const terms = new Set<number>();

  const openSegment: (PageModel['segments'][number] | undefined)[] = [];
  const openOutage = new Map<string, PageModel['outages'][number]>();
  const cutLinks = new Set<string>();
  const killedAt = new Map<number, number>();
  const closeOutage = (s: number, what: PageModel['outages'][number]['what'], t: number): void => {
    const key = `${s}/${what}`;
    const o = openOutage.get(key);
    if (o === undefined) return;
    o.t1 = t;
    openOutage.delete(key);
    // A crash and restart in the same millisecond is kept (drawn as a narrow mark): a durability failure hinges on it.
    if (o.t1 > o.t0 || what === 'crashed') outages.push(o);
  };
  const openOutageAt = (s: number, what: PageModel['outages'][number]['what'], t: number, text = ''): void => {
    const key = `${s}/${what}`;
    if (!openOutage.has(key)) openOutage.set(key, { s, t0: t, t1: t, what, text });
  };

  for (const line of lines) {
    const d = line.detail;
    const s = line.server;
    const isKill = line.kind === 'connectivity' && d.event === 'kill';
    if (s !== null && isKill) {
      // Killed (as a run ends): the role stays drawn up to here, and up to the run's end if nothing follows.
      killedAt.set(s, line.t);
    } else if (s !== null) {
      const killed = killedAt.get(s);
      const stale = openSegment[s];
      if (killed !== undefined && stale !== undefined) {
        stale.t1 = killed;
        if (stale.t1 > stale.t0) segments.push(stale);
        openSegment[s] = undefined;
      }
      killedAt.delete(s);
      // Role and term: a new segment whenever either changes.
      const open = openSegment[s];
      if (line.term !== null && line.role !== null) terms.add(line.term);
      if (open !== undefined && (open.role !== line.role || open.term !== line.term)) {
        open.t1 = line.t;
        if (open.t1 > open.t0) segments.push(open);
        openSegment[s] = undefined;
      }
      if (line.role !== null && openSegment[s] === undefined) openSegment[s] = { s, t0: line.t, t1: line.t, role: line.role, term: line.term };
    }

    switch (line.kind) {
      case 'connectivity': {
        if (s === null) {
          if (d.event === 'step') steps.push({ t: line.t, kind: 'connectivity', label: str(d.name), text: describeLine(line).text, ok: true });
          else if (d.event === 'net-config') steps.push({ t: line.t, kind: 'connectivity', label: 'network', text: describeLine(line).text, ok: true });
          break;
        }
        if (d.event === 'disconnect') openOutageAt(s, 'disconnected', line.t);
        else if (d.event === 'connect') closeOutage(s, 'disconnected', line.t);
        else if (d.event === 'crash') openOutageAt(s, 'crashed', line.t);
        else if (d.event === 'kill') {
          // The cleanup kills every server as the run ends: one "end of run" step, not a crash on every lane.
          const previous = steps.at(-1);
          if (previous?.kind === 'end' && previous.t === line.t) previous.text = `${previous.text}, S${s}`;
          else steps.push({ t: line.t, kind: 'end', label: 'end of run', text: `end of run: servers killed: S${s}`, ok: true });
        } else if (d.event === 'start') closeOutage(s, 'crashed', line.t);
        else if (d.event === 'link') {
          const from = host(asHost(d.from));
          const to = host(asHost(d.to));
          if (from === null || to === null) break;
          const key = `${from}→${to}`;
          if (d.up === true) cutLinks.delete(key);
          else cutLinks.add(key);
          for (const server of new Set([from, to])) {
            const mine = [...cutLinks].filter((k) => k.split('→').includes(String(server)));
            const openOne = openOutage.get(`${server}/partitioned`);
            if (mine.length > 0) {
              openOutageAt(server, 'partitioned', line.t);
              const o = openOutage.get(`${server}/partitioned`);
              if (o !== undefined) o.text = addCut(o.text, mine);
            } else if (openOne !== undefined) closeOutage(server, 'partitioned', line.t);
          }
        }
        break;
      }
      case 'vote-request':
      case 'heartbeat': {
        const id = d.id;
        const to = host(asHost(d.to));
        if (s === null || typeof id !== 'number' || to === null) break;
        const term = field(d.args, 'term');
        messages.set(id, {
          type: line.kind === 'vote-request' ? 'vote' : 'heartbeat',
          id,
          from: s,
          to,
          term: typeof term === 'number' ? term : null,
          t0: line.t,
          t1: null,
          ok: null,
          replyTerm: null,
          tr: null,
          tl: null,
          lost: null,
          notes: [],
          causal: false,
        });
        break;
      }
      case 'vote-grant':
      case 'vote-deny':
      case 'heartbeat-reply': {
        const m = typeof d.id === 'number' ? messages.get(d.id) : undefined;
        if (m === undefined) break;
        if (d.event === 'handled' && d.duplicate !== true && m.t1 === null) {
          m.t1 = line.t;
          m.ok = line.kind === 'vote-grant' || (line.kind === 'heartbeat-reply' && field(d.reply, 'success') === true);
          const rt = field(d.reply, 'term');
          m.replyTerm = typeof rt === 'number' ? rt : null;
        } else if (d.event === 'reply' && m.tr === null) m.tr = line.t;
        break;
      }
      case 'drop': {
        const m = typeof d.id === 'number' ? messages.get(d.id) : undefined;
        if (m !== undefined && m.tl === null) {
          m.tl = line.t;
          m.lost = str(d.reason);
        }
        break;
      }
      case 'delay':
      case 'duplicate': {
        const m = typeof d.id === 'number' ? messages.get(d.id) : undefined;
        if (m !== undefined) m.notes.push(`${fmtMs(line.t)}: ${describeLine(line).text}`);
        break;
      }
      case 'timer':
      case 'leader':
        if (s !== null) marks.push({ s, t: line.t, kind: line.kind, text: describeLine(line).text });
        break;
      case 'step':
        if (d.name !== 'cluster') steps.push({ t: line.t, kind: 'step', label: stepLabel(d), text: describeLine(line).text, ok: true });
        break;
      case 'check':
        steps.push({ t: line.t, kind: 'check', label: `${d.ok === true ? '✓' : '✗'} ${str(d.name)}`, text: describeLine(line).text, ok: d.ok === true });
        break;
      case 'warning':
        if (s === null) steps.push({ t: line.t, kind: 'warning', label: '⚠ warning', text: describeLine(line).text, ok: true });
        break;
      case 'violation': {
        // A monitor may report the same violation more than once (each time the offending message is seen again): one bar each.
        const text = violationText(d);
        const same = violations.find((v) => v.t === line.t && v.text === text);
        if (same !== undefined) {
          for (const x of Array.isArray(d.rpcs) ? d.rpcs : []) if (typeof x === 'number' && !same.rpcs.includes(x)) same.rpcs.push(x);
          break;
        }
        violations.push({
          t: line.t,
          text,
          servers: Array.isArray(d.servers) ? d.servers.filter((x): x is number => typeof x === 'number') : [],
          rpcs: Array.isArray(d.rpcs) ? d.rpcs.filter((x): x is number => typeof x === 'number') : [],
          term: typeof d.term === 'number' ? d.term : null,
        });
        break;
      }
      case 'log':
        // Applies, accepted start()s and the log's state (last entry, commit, applied) on the server's lane.
        if (s === null) break;
        if (d.event === 'apply') logMarks.push({ s, t: line.t, kind: 'apply', text: describeLine(line).text });
        else if (d.event === 'submit' && d.isLeader === true) logMarks.push({ s, t: line.t, kind: 'start', text: describeLine(line).text });
        else if (d.event === 'log-state') logMarks.push({ s, t: line.t, kind: 'state', text: describeLine(line).text });
        break;
      case 'term':
        break;
    }
  }
  // Roles and outages still open end with the run (the page draws them a
  // little past it, so that a state entered at the very end still shows).
  for (const open of openSegment) {
    if (open === undefined) continue;
    open.t1 = killedAt.get(open.s) ?? tEnd;
    segments.push(open);
  }
  // Outages still open end with the run: their tooltips and boxes say nothing past it.
  for (const o of [...openOutage.values()]) closeOutage(o.s, o.what, tEnd);
  segments.sort((a, b) => a.s - b.s || a.t0 - b.t0);
  outages.sort((a, b) => a.s - b.s || a.t0 - b.t0);

  const all = [...messages.values()];
  markCausal(all, violations);
  const sortedTerms = [...terms].sort((a, b) => a - b);
  return {
    title,
    header: [...header],
    n: servers,
    tEnd,
    terms: sortedTerms.map((term) => ({ term, color: termColor(term), ink: inkOn(termColor(term)) })),
    segments,
    outages,
    messages: all,
    marks,
    steps,
    violations,
    logMarks,
  };
}

/**
 * The messages that led to each violation, drawn in front and highlighted:
 * of the messages between servers the violation names (else touching one),
 * in its term (when it has one), the last ones to take effect (delivered, or
 * answered) at or before it. On the lab's network most messages take no time, so these sit
 * right at the violation, where nothing else would tell them apart.
 */
export function markCausal(messages: PageModel['messages'], violations: readonly PageModel['violations'][number][], perViolation = 2): void {
  for (const v of violations) {
    // A violation that names its messages (SMS: the AppendEntries that put each entry there) needs no guess.
    if (v.rpcs.length > 0) {
      const named = new Set(v.rpcs);
      for (const m of messages) if (named.has(m.id)) m.causal = true;
      continue;
    }
    const involved = new Set(v.servers);
    const effect = (m: PageModel['messages'][number]): number => Math.max(m.t1 ?? -Infinity, m.tr !== null && m.tr <= v.t ? m.tr : -Infinity);
    const candidates = messages.filter(
      (m) => m.t1 !== null && m.t1 <= v.t && (involved.has(m.from) || involved.has(m.to)) && (v.term === null || m.term === v.term || m.replyTerm === v.term),
    );
    // Between two servers the violation names, when there are such: those say the most.
    const between = candidates.filter((m) => involved.has(m.from) && involved.has(m.to));
    const chosen = between.length > 0 ? between : candidates;
    chosen.sort((a, b) => effect(b) - effect(a) || b.id - a.id);
    for (const m of chosen.slice(0, perViolation)) m.causal = true;
  }
}

/** A distinct colour per term: ten well-separated ones, then golden-angle hues. */
export function termColor(term: number): string {
  const PALETTE = ['#9aa5b1', '#4e79a7', '#59a14f', '#b07aa1', '#f28e2b', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#2f4b7c'];
  if (term >= 0 && term < PALETTE.length) return PALETTE[term] as string;
  const hue = Math.round((term * 137.508) % 360);
  return `hsl(${hue}, 62%, ${term % 2 === 0 ? 48 : 60}%)`;
}

/** '#000' or '#fff', whichever has the higher contrast ratio (WCAG) on `color` (#rrggbb or hsl()). */
export function inkOn(color: string): string {
  const bg = luminance(color);
  const contrast = (a: number, b: number): number => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  // Pure black or white: one of them always reaches 4.58:1, whatever the colour.
  return contrast(bg, 0) >= contrast(bg, 1) ? '#000' : '#fff';
}

/** WCAG relative luminance of #rrggbb or hsl(h, s%, l%). */
export function luminance(color: string): number {
  const [r, g, b] = rgbOf(color).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function rgbOf(color: string): [number, number, number] {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex !== null) return [parseInt(hex[1] as string, 16), parseInt(hex[2] as string, 16), parseInt(hex[3] as string, 16)];
  const hsl = /^hsl\((\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?)%,\s*(\d+(?:\.\d+)?)%\)$/.exec(color);
  if (hsl === null) throw new Error(`not a colour: ${color}`);
  const h = Number(hsl[1]) / 360;
  const sat = Number(hsl[2]) / 100;
  const l = Number(hsl[3]) / 100;
  const q = l < 0.5 ? l * (1 + sat) : l + sat - l * sat;
  const p = 2 * l - q;
  const channel = (t0: number): number => {
    const t = t0 < 0 ? t0 + 1 : t0 > 1 ? t0 - 1 : t0;
    const v = t < 1 / 6 ? p + (q - p) * 6 * t : t < 1 / 2 ? q : t < 2 / 3 ? p + (q - p) * (2 / 3 - t) * 6 : p;
    return Math.round(v * 255);
  };
  return [channel(h + 1 / 3), channel(h), channel(h - 1 / 3)];
}

function stepLabel(d: { [key: string]: Json }): string {
  const name = str(d.name);
  const detail = str(d.detail);
  if (name === 'begin') return detail || name;
  if (name === 'end') return `end: ${detail}`;
  return name;
}

function addCut(text: string, links: string[]): string {
  const seen = new Set(text === '' ? [] : text.replace(/^links cut: /, '').split(', '));
  for (const l of links) seen.add(l);
  return `links cut: ${[...seen].join(', ')}`;
}

function asHost(value: Json | undefined): string | number | undefined {
  return typeof value === 'number' || typeof value === 'string' ? value : undefined;
}

function field(value: Json | undefined, key: string): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value[key] : undefined;
}

function str(value: Json | undefined): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function fmtMs(t: number): string {
  return `${Number.isInteger(t) ? t : t.toFixed(1)} ms`;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#fafbfc}
header{padding:10px 16px 4px}
h1{font-size:17px;margin:0 0 2px}
.summary{color:#5a6270}
#problems{margin:8px 0 2px}
#problems div{padding:5px 10px;border-radius:4px;margin:3px 0;cursor:pointer;white-space:pre-wrap}
.violation-note{background:#d00;color:#fff}
.failed-check-note{background:#fde2e2;color:#8a0000;border:1px solid #d33}
.log-header pre{margin:4px 0;padding:6px 8px;background:#f0f2f5;border-radius:4px;max-height:220px;overflow:auto;font-size:12px}
.log-header summary{cursor:pointer;color:#5a6270}
.toolbar{padding:6px 16px;display:flex;gap:8px;align-items:center;flex-wrap:wrap;border-top:1px solid #e3e6ea;border-bottom:1px solid #e3e6ea;background:#fff;position:sticky;top:0;z-index:2}
.toolbar button{font:inherit;min-width:32px;padding:2px 8px;border:1px solid #b9c0ca;border-radius:4px;background:#f5f7fa;cursor:pointer}
.toolbar button:hover{background:#e8ecf1}
.toolbar label{user-select:none;cursor:pointer}
#status{color:#5a6270;margin-left:8px}
.hint{color:#8a929e;margin-left:auto}
.legend{padding:6px 16px;display:flex;gap:18px;flex-wrap:wrap;align-items:center;color:#39404c}
.legend-group{display:inline-flex;gap:5px;align-items:center;flex-wrap:wrap}
.swatch{display:inline-block;padding:0 6px;border-radius:3px;font-weight:600}
.role-sample{display:inline-block;width:22px;background:#4e79a7;vertical-align:bottom;margin-left:6px}
.role-sample.follower{height:5px}.role-sample.candidate{height:10px;background:repeating-linear-gradient(45deg,#4e79a7 0 3px,#a9c1dc 3px 5px)}.role-sample.leader{height:16px;outline:1px solid #222}
.out-sample{display:inline-block;width:22px;height:14px;margin-left:6px;vertical-align:middle}
.out-sample.disconnected{background:repeating-linear-gradient(45deg,#777 0 2px,#eee 2px 6px)}
.out-sample.crashed{background:#222;opacity:.6}
.out-sample.partitioned{background:repeating-linear-gradient(-45deg,#e8710a 0 2px,transparent 2px 6px);border:1px solid #e8710a;height:7px}
.msg-sample{display:inline-block;width:22px;height:0;border-top:2px solid;margin-left:6px;vertical-align:middle}
.msg-sample.vote{border-color:#7b3fa0}.msg-sample.grant{border-color:#1e8c3a;border-top-style:dashed}.msg-sample.deny{border-color:#c62828;border-top-style:dashed}.msg-sample.hb{border-color:#3d6fb4;border-top-width:1px}
.log-sample{display:inline-block;width:7px;height:7px;margin-left:6px;vertical-align:middle}.log-sample.start{background:#3d6fb4;transform:rotate(45deg)}.log-sample.apply{background:#1e8c3a}.log-sample.state{width:2px;height:10px;background:#8a929e}
.lost-sample{color:#222;font-weight:700;margin-left:6px;border:1px solid #222;border-radius:50%;padding:0 3px;font-size:10px}.msg-sample.inflight{border-color:#3d6fb4;border-top-style:dashed;opacity:.7}.msg-sample.causal{border-color:#3d6fb4;box-shadow:0 0 0 3px #ffd400}.timer-sample{color:#f2b705;margin-left:6px}.crown-sample{color:#c9a400;margin-left:6px}
#chart-box{padding:4px 8px 16px;overflow:hidden}
#chart{display:block;cursor:grab;user-select:none}
#chart.dragging{cursor:grabbing}
.tick{font-size:10px;fill:#6b7380}
.lane-label{font-size:13px;font-weight:700;fill:#39404c}
.seg-label{font-size:10px;font-weight:700}
.seg-label.small{fill:#55606e;stroke:none;font-weight:600}
.outage-label{font-size:10px;fill:#fff;paint-order:stroke;stroke:#333;stroke-width:2.5px;font-weight:700}
.step-label{font-size:10px;fill:#233}
.step-mark.failed .step-label{fill:#a00;font-weight:700}
.violation-text{font-size:11px;fill:#fff;font-weight:700}
#tip{position:fixed;display:none;pointer-events:none;background:#1d2330;color:#fff;padding:6px 9px;border-radius:5px;font-size:12px;white-space:pre-line;max-width:520px;z-index:5;box-shadow:0 2px 8px rgba(0,0,0,.3)}
`;
