// The trace page's script. html.ts embeds this function's source text in the
// page, so it must stand alone: no imports at run time, nothing from module
// scope, only the DOM. It reads the page model from the page's JSON block and
// draws an SVG: a lane per server (role over time, coloured by term),
// outages, messages as arrows, the test's steps, the violation. Zoom with the
// mouse wheel or the buttons, pan by dragging; hover for details.

export type Role = 'follower' | 'candidate' | 'leader';

export interface PageModel {
  title: string;
  /** The failure log's header lines. */
  header: string[];
  n: number;
  /** Time of the last event. */
  tEnd: number;
  /** Each term's colour, and the text colour readable on it. */
  terms: { term: number; color: string; ink: string }[];
  segments: { s: number; t0: number; t1: number; role: Role; term: number | null }[];
  outages: { s: number; t0: number; t1: number; what: 'disconnected' | 'crashed' | 'partitioned'; text: string }[];
  messages: {
    type: 'vote' | 'heartbeat';
    id: number;
    from: number;
    to: number;
    term: number | null;
    /** Sent. */
    t0: number;
    /** Delivered and answered. */
    t1: number | null;
    /** Granted / success. */
    ok: boolean | null;
    replyTerm: number | null;
    /** The reply reached the caller. */
    tr: number | null;
    /** Lost (request or reply), and why. */
    tl: number | null;
    lost: string | null;
    notes: string[];
    /** Led to a violation: drawn in front, highlighted. */
    causal: boolean;
  }[];
  marks: { s: number; t: number; kind: 'timer' | 'leader'; text: string }[];
  steps: { t: number; kind: 'step' | 'check' | 'warning' | 'connectivity' | 'end'; label: string; text: string; ok: boolean }[];
  /** rpcs: the RPCs a violation names (the AppendEntries that put each applied entry there), drawn as its cause. */
  violations: { t: number; text: string; servers: number[]; rpcs: number[]; term: number | null }[];
  /** On each lane: accepted start()s, applies, and the log's state (last entry, commit index, last applied) when it changes. */
  logMarks: { s: number; t: number; kind: 'start' | 'apply' | 'state'; text: string }[];
}

export function traceClient(): void {
  const dataNode = document.getElementById('trace-data');
  const model = JSON.parse(dataNode?.textContent ?? '{}') as PageModel;
  const chart = document.getElementById('chart') as unknown as SVGSVGElement;
  const box = document.getElementById('chart-box') as HTMLDivElement;
  const tip = document.getElementById('tip') as HTMLDivElement;
  const status = document.getElementById('status') as HTMLSpanElement;

  const LEFT = 58;
  const RIGHT = 18;
  const AXIS = 22;
  const STEP_ROWS = 3;
  const STEP_ROW_H = 15;
  const LANE_H = 42;
  const LANE_GAP = 12;
  const TOP = AXIS + STEP_ROWS * STEP_ROW_H + 10;
  const VIOLATION_ROWS = Math.min(4, model.violations.length);
  const HEIGHT = TOP + model.n * (LANE_H + LANE_GAP) + 6 + Math.max(1, VIOLATION_ROWS) * 21;
  const MIN_SPAN = 5;
  /** The least horizontal run of a message's arrow, in pixels. */
  const SLANT = 9;

  const termColor = new Map<number, string>();
  for (const { term, color } of model.terms) termColor.set(term, color);
  const termInk = new Map<number, string>();
  for (const { term, ink } of model.terms) termInk.set(term, ink);
  const colorOf = (term: number | null): string => (term === null ? '#c8c8c8' : (termColor.get(term) ?? '#999'));
  /** Text on a term's colour: black or white, whichever contrasts more. */
  const inkOf = (term: number | null): string => (term === null ? '#000' : (termInk.get(term) ?? '#000'));

  const span0 = Math.max(model.tEnd, 10);
  const full = { t0: -span0 * 0.01, t1: span0 * 1.04 };
  let view = { t0: full.t0, t1: full.t1 };
  // In-flight messages are hidden at first: at the run's end there are many, and they say little.
  const shown = { votes: true, heartbeats: true, replies: true, lost: true, inflight: false };
  /** What ends with the run is drawn this much past it, so that a state entered at the very end still shows. */
  const TAIL = Math.max(5, model.tEnd * 0.015);
  const drawnEnd = (t: number): number => (t >= model.tEnd ? model.tEnd + TAIL : t);

  const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  const ms = (t: number): string => `${Number.isInteger(t) ? t : t.toFixed(1)} ms`;
  const width = (): number => Math.max(480, box.clientWidth);
  const plotWidth = (): number => width() - LEFT - RIGHT;
  const x = (t: number): number => LEFT + ((t - view.t0) / (view.t1 - view.t0)) * plotWidth();
  const tAt = (px: number): number => view.t0 + ((px - LEFT) / plotWidth()) * (view.t1 - view.t0);
  const laneTop = (s: number): number => TOP + s * (LANE_H + LANE_GAP);
  const laneMid = (s: number): number => laneTop(s) + LANE_H / 2;
  const visible = (t0: number, t1: number): boolean => t1 >= view.t0 && t0 <= view.t1;
  const clampX = (px: number): number => Math.max(LEFT - 4, Math.min(LEFT + plotWidth() + 4, px));
  const f = (v: number): string => v.toFixed(1);

  const DEFS =
    '<defs>' +
    '<pattern id="hatch-gray" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee" fill-opacity="0.55"/><line x1="0" y1="0" x2="0" y2="6" stroke="#777" stroke-width="2.2"/></pattern>' +
    '<pattern id="hatch-orange" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#e8710a" stroke-width="2.5"/></pattern>' +
    '<pattern id="stripes" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="5" stroke="#fff" stroke-opacity="0.6" stroke-width="1.6"/></pattern>' +
    arrowHead('ah-vote', '#7b3fa0') +
    arrowHead('ah-grant', '#1e8c3a') +
    arrowHead('ah-deny', '#c62828') +
    arrowHead('ah-hb', '#3d6fb4') +
    arrowHead('ah-hbr', '#8aa6cf') +
    '</defs>';

  function arrowHead(id: string, color: string): string {
    return `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`;
  }

  function niceStep(span: number, pixels: number): number {
    const raw = span / Math.max(1, pixels / 110);
    const p = 10 ** Math.floor(Math.log10(raw));
    for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  function render(): void {
    const w = width();
    const pw = plotWidth();
    const out: string[] = [DEFS];
    out.push(`<rect class="bg" x="0" y="0" width="${w}" height="${HEIGHT}" fill="#fff"/>`);
    out.push(`<clipPath id="plot-clip"><rect x="${LEFT}" y="0" width="${pw}" height="${HEIGHT}"/></clipPath>`);

    // Time axis.
    const step = niceStep(view.t1 - view.t0, pw);
    out.push(`<g class="axis">`);
    out.push(`<line x1="${LEFT}" y1="${AXIS}" x2="${LEFT + pw}" y2="${AXIS}" stroke="#888"/>`);
    for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      const px = f(x(t));
      out.push(`<line x1="${px}" y1="${AXIS - 4}" x2="${px}" y2="${HEIGHT - 20}" stroke="#eee"/>`);
      out.push(`<line x1="${px}" y1="${AXIS - 4}" x2="${px}" y2="${AXIS}" stroke="#888"/>`);
      out.push(`<text x="${px}" y="${AXIS - 7}" text-anchor="middle" class="tick">${+t.toFixed(3)}</text>`);
    }
    out.push(`<text x="${LEFT - 6}" y="${AXIS - 7}" text-anchor="end" class="tick">ms</text></g>`);

    // Lanes.
    for (let s = 0; s < model.n; s++) {
      out.push(
        `<rect class="lane" data-server="${s}" x="${LEFT}" y="${laneTop(s)}" width="${pw}" height="${LANE_H}" fill="#f6f7f9" stroke="#dde" data-tip="${esc(`server S${s}`)}"/>`,
      );
      out.push(`<text class="lane-label" x="${LEFT - 10}" y="${laneMid(s) + 5}" text-anchor="end">S${s}</text>`);
    }

    out.push(`<g clip-path="url(#plot-clip)">`);
    // Roles, coloured by term: follower thin, candidate middling and striped, leader full height.
    for (const seg of model.segments) {
      if (!visible(seg.t0, drawnEnd(seg.t1))) continue;
      const x0 = clampX(x(seg.t0));
      const x1 = clampX(x(drawnEnd(seg.t1)));
      const h = seg.role === 'leader' ? LANE_H - 4 : seg.role === 'candidate' ? LANE_H * 0.62 : LANE_H * 0.3;
      const y = laneTop(seg.s) + LANE_H - 2 - h;
      const color = colorOf(seg.term);
      const tipText =
        seg.t1 >= model.tEnd
          ? `S${seg.s}: ${seg.role}, term ${seg.term ?? '?'}\nfrom ${ms(seg.t0)} to the end of the run (${ms(model.tEnd)})`
          : `S${seg.s}: ${seg.role}, term ${seg.term ?? '?'}\n${ms(seg.t0)} → ${ms(seg.t1)} (${ms(seg.t1 - seg.t0)})`;
      out.push(
        `<rect class="seg role-${seg.role}" data-term="${seg.term ?? ''}" data-server="${seg.s}" x="${f(x0)}" y="${f(y)}" width="${f(Math.max(0.5, x1 - x0))}" height="${f(h)}" fill="${color}"${seg.role === 'leader' ? ' stroke="#222" stroke-width="1.2"' : ''} data-tip="${esc(tipText)}"/>`,
      );
      if (seg.role === 'candidate')
        out.push(`<rect x="${f(x0)}" y="${f(y)}" width="${f(Math.max(0.5, x1 - x0))}" height="${f(h)}" fill="url(#stripes)" pointer-events="none"/>`);
      if (x1 - x0 > 34 && seg.role !== 'follower') {
        out.push(
          `<text class="seg-label" x="${f(x0 + 9)}" y="${f(y + 13)}" fill="${inkOf(seg.term)}" data-bg="${color}" pointer-events="none">${seg.role === 'leader' ? 'leader' : 'cand.'} T${seg.term ?? '?'}</text>`,
        );
      } else if (x1 - x0 > 40 && seg.role === 'follower') {
        out.push(`<text class="seg-label small" x="${f(x0 + 3)}" y="${f(y - 2)}" pointer-events="none">T${seg.term ?? '?'}</text>`);
      }
    }

    // Disconnected, partitioned, then crashed on top (a crash disconnects first).
    const drawOrder = { disconnected: 0, partitioned: 1, crashed: 2 } as const;
    const crashes = model.outages.filter((o) => o.what === 'crashed');
    for (const o of [...model.outages].sort((a, b) => drawOrder[a.what] - drawOrder[b.what])) {
      if (!visible(o.t0, drawnEnd(o.t1))) continue;
      // A disconnection within a crash goes without saying.
      if (o.what === 'disconnected' && crashes.some((c) => c.s === o.s && c.t0 <= o.t0 && c.t1 >= o.t1 && c.t1 > c.t0)) continue;
      const instant = o.t1 === o.t0;
      // A crash and restart in one millisecond has no width in time: a narrow bar of its own, so that it is seen and can be hovered.
      const x0 = clampX(instant ? x(o.t0) - 2 : x(o.t0));
      const x1 = clampX(instant ? x(o.t0) + 2 : x(drawnEnd(o.t1)));
      const until = o.t1 >= model.tEnd ? `the end of the run (${ms(model.tEnd)})` : ms(o.t1);
      const tipText = instant
        ? `S${o.s} crashed and restarted at ${ms(o.t0)}${o.text ? `\n${o.text}` : ''}`
        : `S${o.s} ${o.what}\n${ms(o.t0)} → ${until}${o.text ? `\n${o.text}` : ''}`;
      const common = `class="outage ${o.what}${instant ? ' instant' : ''}" data-server="${o.s}" data-tip="${esc(tipText)}"`;
      if (o.what === 'partitioned') {
        out.push(
          `<rect ${common} x="${f(x0)}" y="${laneTop(o.s) + LANE_H - 7}" width="${f(Math.max(1, x1 - x0))}" height="7" fill="url(#hatch-orange)" stroke="#e8710a" stroke-width="0.8"/>`,
        );
      } else {
        const fill = instant ? 'fill="#222"' : o.what === 'crashed' ? 'fill="#222" fill-opacity="0.7"' : 'fill="url(#hatch-gray)"';
        out.push(`<rect ${common} x="${f(x0)}" y="${laneTop(o.s)}" width="${f(Math.max(1, x1 - x0))}" height="${LANE_H}" ${fill}/>`);
        if (x1 - x0 > 70) out.push(`<text class="outage-label" x="${f(x0 + 4)}" y="${laneTop(o.s) + 11}" pointer-events="none">${o.what}</text>`);
      }
    }

    // Steps: a light line through every lane.
    for (const st of model.steps) {
      if (!visible(st.t, st.t)) continue;
      const px = f(x(st.t));
      out.push(`<line class="step-line" x1="${px}" y1="${AXIS}" x2="${px}" y2="${HEIGHT - 20}" stroke="${st.ok ? '#9aa' : '#d33'}" stroke-dasharray="3,3"/>`);
    }

    // Messages; the ones that led to a violation come last, in front of everything.
    for (const m of model.messages) if (!m.causal) out.push(message(m));

    // The log: a tick where its state changes, a blue diamond per accepted start(), a green square per apply.
    for (const lm of model.logMarks ?? []) {
      if (!visible(lm.t, lm.t)) continue;
      const px = x(lm.t);
      const y = laneTop(lm.s);
      const tipText = `S${lm.s} at ${ms(lm.t)}: ${lm.text}`;
      if (lm.kind === 'state')
        out.push(
          `<line class="logmark state" x1="${f(px)}" y1="${f(y + LANE_H - 12)}" x2="${f(px)}" y2="${f(y + LANE_H)}" stroke="#8a929e" stroke-width="1.5" data-tip="${esc(tipText)}"/>`,
        );
      else if (lm.kind === 'apply')
        out.push(`<rect class="logmark apply" x="${f(px - 2.5)}" y="${f(y + LANE_H - 8)}" width="5" height="5" fill="#1e8c3a" data-tip="${esc(tipText)}"/>`);
      else out.push(`<path class="logmark start" d="M${f(px)},${f(y + LANE_H - 14)} l3,3 l-3,3 l-3,-3 z" fill="#3d6fb4" data-tip="${esc(tipText)}"/>`);
    }

    // Timeouts and first acts as leader.
    for (const mk of model.marks) {
      if (!visible(mk.t, mk.t)) continue;
      const px = x(mk.t);
      const y = laneTop(mk.s);
      const tipText = `S${mk.s} at ${ms(mk.t)}: ${mk.text}`;
      if (mk.kind === 'timer') {
        out.push(
          `<path class="mark timer" d="M${f(px - 5)},${f(y - 1)} L${f(px + 5)},${f(y - 1)} L${f(px)},${f(y + 8)} z" fill="#f2b705" stroke="#8a6500" stroke-width="0.8" data-tip="${esc(tipText)}"/>`,
        );
      } else {
        out.push(
          `<path class="mark leader" d="M${f(px - 6)},${f(y + 9)} L${f(px - 6)},${f(y)} L${f(px - 3)},${f(y + 4)} L${f(px)},${f(y - 1)} L${f(px + 3)},${f(y + 4)} L${f(px + 6)},${f(y)} L${f(px + 6)},${f(y + 9)} z" fill="#ffd700" stroke="#333" stroke-width="0.9" data-tip="${esc(tipText)}"/>`,
        );
      }
    }
    out.push('</g>');

    // Step labels, in rows so that they do not overlap.
    const rowEnds = new Array<number>(STEP_ROWS).fill(-Infinity);
    for (const st of model.steps) {
      if (!visible(st.t, st.t)) continue;
      const px = x(st.t);
      const label = st.label.length > 28 ? `${st.label.slice(0, 27)}…` : st.label;
      const labelWidth = label.length * 6.2 + 8;
      const lx = Math.max(LEFT, Math.min(px, LEFT + pw - labelWidth));
      const row = rowEnds.findIndex((end) => end < lx);
      const cls = `step-mark ${st.kind}${st.ok ? '' : ' failed'}`;
      const tipText = `${ms(st.t)}: ${st.text}`;
      if (row < 0) {
        out.push(`<circle class="${cls}" cx="${f(px)}" cy="${AXIS + 4}" r="3" fill="${st.ok ? '#577' : '#d33'}" data-tip="${esc(tipText)}"/>`);
        continue;
      }
      rowEnds[row] = lx + labelWidth;
      const y = AXIS + 4 + (row + 1) * STEP_ROW_H - 3;
      out.push(
        `<g class="${cls}" data-tip="${esc(tipText)}"><rect x="${f(lx)}" y="${y - 11}" width="${f(labelWidth)}" height="13" rx="2" fill="${st.ok ? (st.kind === 'warning' ? '#fff4d6' : '#eef2f2') : '#fde2e2'}" stroke="${st.ok ? '#bcc' : '#d33'}" stroke-width="0.7"/>` +
          `<text x="${f(lx + 4)}" y="${y}" class="step-label">${esc(label)}</text></g>`,
      );
    }

    // The violation: a red line through every lane, its explanation below them
    // (drawn after the messages, so that no message's hit area covers it).
    const labels: string[] = [];
    let row = 0;
    model.violations.forEach((v, i) => {
      if (!visible(v.t, v.t)) return;
      const px = x(v.t);
      const text = v.text.length > 150 ? `${v.text.slice(0, 149)}…` : v.text;
      const boxWidth = Math.min(pw, text.length * 6.4 + 16);
      const bx = Math.max(LEFT, Math.min(px - boxWidth / 2, LEFT + pw - boxWidth));
      const by = HEIGHT - 20 - (row % Math.max(1, VIOLATION_ROWS)) * 21;
      row++;
      out.push(
        `<g class="violation" id="violation-${i}" data-tip="${esc(`VIOLATION at ${ms(v.t)}\n${v.text}`)}">` +
          `<line x1="${f(px)}" y1="${AXIS}" x2="${f(px)}" y2="${by}" stroke="#d00" stroke-width="2.5"/>` +
          v.servers
            .filter((s) => s < model.n)
            .map((s) => `<circle cx="${f(px)}" cy="${laneMid(s)}" r="7" fill="none" stroke="#d00" stroke-width="2.5"/>`)
            .join('') +
          '</g>',
      );
      labels.push(
        `<g class="violation-label" id="violation-label-${i}" data-goto="${v.t}" style="cursor:pointer" data-tip="${esc(`VIOLATION at ${ms(v.t)} (click: zoom to it)\n${v.text}`)}">` +
          `<rect x="${f(bx)}" y="${by - 1}" width="${f(boxWidth)}" height="18" rx="3" fill="#d00"/>` +
          `<text class="violation-text" x="${f(bx + 8)}" y="${by + 12}">${esc(text)}</text></g>`,
      );
    });

    out.push('<g clip-path="url(#plot-clip)">');
    for (const m of model.messages) if (m.causal) out.push(message(m));
    out.push('</g>');
    out.push(...labels);

    chart.setAttribute('width', String(w));
    chart.setAttribute('height', String(HEIGHT));
    chart.innerHTML = out.join('');
    status.textContent = `showing ${ms(Math.max(0, +view.t0.toFixed(1)))} – ${ms(+view.t1.toFixed(1))} of ${ms(model.tEnd)}`;
  }

  /**
   * One message: the request, then its reply, its loss, or, when the run
   * ended first, an arrow to the run's end (in flight). Each arrow runs at
   * least SLANT pixels to the right: on the lab's network most messages take
   * no time, and a vertical arrow would vanish under a step or the violation.
   */
  function message(m: PageModel['messages'][number]): string {
    if (m.type === 'vote' ? !shown.votes : !shown.heartbeats) return '';
    if (m.from === m.to || m.from >= model.n || m.to >= model.n) return '';
    const inFlight = m.tl === null && (m.t1 === null || m.tr === null);
    // Never delivered before the run ended: hidden unless asked for (a delivered request whose reply is in flight still shows).
    if (inFlight && m.t1 === null && !shown.inflight) return '';
    const end = inFlight ? model.tEnd : Math.max(m.t1 ?? -Infinity, m.tr ?? -Infinity, m.tl ?? -Infinity);
    if (!visible(m.t0, end)) return '';
    const vote = m.type === 'vote';
    const name = vote ? 'RequestVote' : 'AppendEntries';
    const tipText =
      `${m.causal ? 'LED TO THE VIOLATION\n' : ''}${name} #${m.id} S${m.from} → S${m.to}${m.term !== null ? `, term ${m.term}` : ''}\n` +
      `sent ${ms(m.t0)}` +
      (m.t1 !== null
        ? `, delivered ${ms(m.t1)}: ${vote ? (m.ok ? 'vote granted' : 'vote denied') : m.ok ? 'success' : 'rejected'}${m.replyTerm !== null ? ` (replier's term ${m.replyTerm})` : ''}`
        : '') +
      (m.tr !== null ? `\nreply back at ${ms(m.tr)}` : '') +
      (m.tl !== null ? `\nLOST at ${ms(m.tl)}: ${m.lost ?? ''}` : '') +
      (inFlight && m.tl === null ? `\nstill in flight when the run ended (${ms(model.tEnd)})` : '') +
      (m.notes.length > 0 ? `\n${m.notes.join('\n')}` : '');
    const cls = `msg ${vote ? 'vote' : 'heartbeat'}${m.causal ? ' causal' : ''}`;
    const y0 = laneMid(m.from);
    const y1 = laneMid(m.to);
    const color = vote ? '#7b3fa0' : '#3d6fb4';
    const widthPx = (vote ? 1.6 : 1) + (m.causal ? 1.2 : 0);
    let xs = x(m.t0);
    // Where the request arrives: at least SLANT pixels on, except for a message
    // that led to a violation, which slants backwards from where it took effect:
    // one that took no time ends on the violation's line, not SLANT pixels past
    // it (and so after it, however far one zooms in).
    let xd = m.t1 === null ? xs : Math.max(x(m.t1), xs + SLANT);
    if (m.causal && m.t1 !== null) {
      xd = Math.min(x(m.t1), m.tr !== null && shown.replies ? x(m.tr) - SLANT : Infinity);
      xs = Math.min(xs, xd - SLANT);
    }
    const parts: string[] = [];
    if (m.t1 !== null) {
      parts.push(arrow(`${cls} request`, xs, y0, xd, y1, color, widthPx, vote ? 'ah-vote' : 'ah-hb', '', tipText, m.causal));
      if (!shown.replies) return parts.join('');
      if (m.tr !== null) {
        const replyColor = vote ? (m.ok ? '#1e8c3a' : '#c62828') : '#8aa6cf';
        const verdict = vote ? (m.ok ? ' granted' : ' denied') : '';
        parts.push(
          arrow(
            `${cls} reply${verdict}`,
            xd,
            y1,
            Math.max(x(m.tr), xd + SLANT),
            y0,
            replyColor,
            (vote ? 1.3 : 0.8) + (m.causal ? 1.2 : 0),
            vote ? (m.ok ? 'ah-grant' : 'ah-deny') : 'ah-hbr',
            '4,3',
            tipText,
            m.causal,
          ),
        );
      } else if (m.tl !== null) {
        if (shown.lost) parts.push(lost(`${cls} reply lost`, xd, y1, Math.max(x(m.tl), xd + SLANT), y0, tipText));
      } else if (shown.inflight) {
        parts.push(inFlightArrow(`${cls} reply in-flight`, xd, y1, Math.max(x(model.tEnd), xd + SLANT), y0, color, tipText));
      }
    } else if (m.tl !== null) {
      if (shown.lost) parts.push(lost(`${cls} lost`, xs, y0, Math.max(x(m.tl), xs + SLANT), y1, tipText));
    } else {
      parts.push(inFlightArrow(`${cls} in-flight`, xs, y0, Math.max(x(model.tEnd), xs + SLANT), y1, color, tipText));
    }
    return parts.join('');
  }

  /**
   * The part of a line inside the plot (with a margin), or undefined. Lines
   * are clipped here rather than left to the clip path: zoomed in, a message
   * lost seconds later would be a dashed line millions of pixels long, and
   * the browser draws every dash.
   */
  function clip(x0: number, y0: number, x1: number, y1: number): { x0: number; y0: number; x1: number; y1: number; endVisible: boolean } | undefined {
    const lo = LEFT - 12;
    const hi = LEFT + plotWidth() + 12;
    if (Math.max(x0, x1) < lo || Math.min(x0, x1) > hi) return undefined;
    if (x0 === x1) return { x0, y0, x1, y1, endVisible: true }; // Instant: a vertical line, inside.
    const at = (x: number): number => y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    const cx0 = Math.max(lo, Math.min(hi, x0));
    const cx1 = Math.max(lo, Math.min(hi, x1));
    return { x0: cx0, y0: at(cx0), x1: cx1, y1: at(cx1), endVisible: cx1 === x1 };
  }

  function arrow(
    cls: string,
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    color: string,
    w: number,
    head: string,
    dash: string,
    tipText: string,
    highlight = false,
  ): string {
    const c = clip(x0, y0, x1, y1);
    if (c === undefined) return '';
    const d = `M${f(c.x0)},${f(c.y0)} L${f(c.x1)},${f(c.y1)}`;
    return (
      `<g class="${cls}" data-tip="${esc(tipText)}">` +
      `<path d="${d}" stroke="${highlight ? '#ffd400' : 'transparent'}" stroke-opacity="${highlight ? 0.9 : 0}" stroke-width="${highlight ? 8 : 7}" stroke-linecap="round" fill="none"/>` +
      `<path d="${d}" stroke="${color}" stroke-width="${w}" fill="none"${dash ? ` stroke-dasharray="${dash}"` : ''}${c.endVisible ? ` marker-end="url(#${head})"` : ''}/></g>`
    );
  }

  /**
   * Drawn half way to its target, dotted grey, ending in a black cross in a
   * white disc where it was lost: unlike a denied vote (a red dashed reply
   * with an arrowhead), nothing arrived.
   */
  function lost(cls: string, x0: number, y0: number, xl: number, y1: number, tipText: string): string {
    const c = clip(x0, y0, xl, y0 + (y1 - y0) / 2);
    if (c === undefined) return '';
    const d = `M${f(c.x0)},${f(c.y0)} L${f(c.x1)},${f(c.y1)}`;
    const cross = c.endVisible
      ? `<circle class="lost-mark" cx="${f(c.x1)}" cy="${f(c.y1)}" r="5.5" fill="#fff" stroke="#222" stroke-width="1"/>` +
        `<path d="M${f(c.x1 - 3)},${f(c.y1 - 3)} L${f(c.x1 + 3)},${f(c.y1 + 3)} M${f(c.x1 - 3)},${f(c.y1 + 3)} L${f(c.x1 + 3)},${f(c.y1 - 3)}" stroke="#222" stroke-width="1.6"/>`
      : '';
    return (
      `<g class="${cls}" data-tip="${esc(tipText)}">` +
      `<path d="${d}" stroke="transparent" stroke-width="7" fill="none"/>` +
      `<path class="lost-line" d="${d}" stroke="#6b6b6b" stroke-width="1.2" stroke-dasharray="1,2.5" fill="none"/>${cross}</g>`
    );
  }

  /** Sent, not yet arrived when the run ended: a faint dashed line to the run's end, and a bar there. */
  function inFlightArrow(cls: string, x0: number, y0: number, xe: number, y1: number, color: string, tipText: string): string {
    const c = clip(x0, y0, xe, y1);
    if (c === undefined) return '';
    const d = `M${f(c.x0)},${f(c.y0)} L${f(c.x1)},${f(c.y1)}`;
    const bar = c.endVisible ? `<path d="M${f(c.x1)},${f(c.y1 - 5)} L${f(c.x1)},${f(c.y1 + 5)}" stroke="${color}" stroke-width="1.5"/>` : '';
    return (
      `<g class="${cls}" data-tip="${esc(tipText)}">` +
      `<path d="${d}" stroke="transparent" stroke-width="7" fill="none"/>` +
      `<path d="${d}" stroke="${color}" stroke-opacity="0.45" stroke-width="1" stroke-dasharray="6,3" fill="none"/>${bar}</g>`
    );
  }

  let pending = false;
  function schedule(): void {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  }

  function setView(t0: number, t1: number): void {
    // Clamped to the run: never wider than all of it, never past either end.
    const fullSpan = full.t1 - full.t0;
    let span = Math.max(Math.min(MIN_SPAN, fullSpan), Math.min(fullSpan, t1 - t0));
    let start = t0 + (t1 - t0 - span) / 2;
    start = Math.max(full.t0, Math.min(start, full.t1 - span));
    if (!Number.isFinite(start) || !Number.isFinite(span)) {
      start = full.t0;
      span = fullSpan;
    }
    view = { t0: start, t1: start + span };
    schedule();
  }

  function zoomAround(t: number, factor: number): void {
    setView(t - (t - view.t0) * factor, t + (view.t1 - t) * factor);
  }

  function pan(fraction: number): void {
    const shift = (view.t1 - view.t0) * fraction;
    setView(view.t0 + shift, view.t1 + shift);
  }

  chart.addEventListener(
    'wheel',
    (e: WheelEvent) => {
      e.preventDefault();
      const rect = chart.getBoundingClientRect();
      const px = e.clientX - rect.left;
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        pan((e.deltaX || e.deltaY) / plotWidth());
        return;
      }
      zoomAround(tAt(px), Math.exp(e.deltaY * 0.0015));
    },
    { passive: false },
  );

  let drag: { x: number; t0: number; t1: number } | undefined;
  chart.addEventListener('mousedown', (e: MouseEvent) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, t0: view.t0, t1: view.t1 };
    chart.classList.add('dragging');
    e.preventDefault();
  });
  window.addEventListener('mouseup', () => {
    drag = undefined;
    chart.classList.remove('dragging');
  });
  window.addEventListener('mousemove', (e: MouseEvent) => {
    if (drag !== undefined) {
      const dt = ((e.clientX - drag.x) / plotWidth()) * (drag.t1 - drag.t0);
      setView(drag.t0 - dt, drag.t1 - dt);
      tip.style.display = 'none';
      return;
    }
    const target = e.target instanceof Element ? e.target.closest('[data-tip]') : null;
    if (target === null || !chart.contains(target)) {
      tip.style.display = 'none';
      return;
    }
    tip.textContent = target.getAttribute('data-tip') ?? '';
    tip.style.display = 'block';
    const left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    const top = e.clientY + 16 + tip.offsetHeight > window.innerHeight ? e.clientY - tip.offsetHeight - 10 : e.clientY + 16;
    tip.style.left = `${Math.max(4, left)}px`;
    tip.style.top = `${Math.max(4, top)}px`;
  });
  chart.addEventListener('mouseleave', () => {
    tip.style.display = 'none';
  });

  const on = (id: string, fn: () => void): void => document.getElementById(id)?.addEventListener('click', fn);
  const middle = (): number => (view.t0 + view.t1) / 2;
  on('zoom-in', () => zoomAround(middle(), 0.5));
  on('zoom-out', () => zoomAround(middle(), 2));
  on('pan-left', () => pan(-0.25));
  on('pan-right', () => pan(0.25));
  on('reset', () => setView(full.t0, full.t1));
  const goTo = (t: number): void => {
    // Close enough that the messages just before it stand apart.
    const span = Math.min(full.t1 - full.t0, 600);
    setView(t - span / 2, t + span / 2);
  };
  document.querySelectorAll<HTMLElement>('[data-goto]').forEach((el) => {
    el.addEventListener('click', () => goTo(Number(el.getAttribute('data-goto'))));
  });
  // The chart's own violation labels: redrawn on every render, so listened for on the chart.
  chart.addEventListener('click', (e: MouseEvent) => {
    const target = e.target instanceof Element ? e.target.closest('[data-goto]') : null;
    if (target !== null && chart.contains(target)) goTo(Number(target.getAttribute('data-goto')));
  });
  for (const key of ['votes', 'heartbeats', 'replies', 'lost', 'inflight'] as const) {
    const input = document.getElementById(`show-${key}`) as HTMLInputElement | null;
    input?.addEventListener('change', () => {
      shown[key] = input.checked;
      schedule();
    });
  }
  window.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.target instanceof HTMLInputElement) return;
    if (e.key === '+' || e.key === '=') zoomAround(middle(), 0.5);
    else if (e.key === '-') zoomAround(middle(), 2);
    else if (e.key === 'ArrowLeft') pan(-0.25);
    else if (e.key === 'ArrowRight') pan(0.25);
    else if (e.key === '0') setView(full.t0, full.t1);
  });
  window.addEventListener('resize', schedule);
  render();
  document.body.setAttribute('data-ready', 'true');
}
