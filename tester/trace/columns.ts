// The trace as columns, in the manner of the lab's `dslogs`: the time at the
// left, one column per server, each line coloured by its topic (kind); test
// steps, checks, violations and other test-wide lines across the full width.
// The same message sent to several peers at one instant is one line
// ("AE→S1,S2,S3 T4"). Text too wide for its column wraps inside it.
import { styleText } from 'node:util';
import { describeLine } from './describe.ts';
import { TRACE_KINDS, type TraceKind, type TraceLine } from './structured.ts';

type Format = Parameters<typeof styleText>[0];

/** Each topic's colour. */
export const KIND_STYLE: Record<TraceKind, Format> = {
  timer: 'yellow',
  'vote-request': 'magenta',
  'vote-grant': 'green',
  'vote-deny': 'red',
  leader: ['bold', 'greenBright'],
  term: 'cyan',
  heartbeat: 'blueBright',
  'heartbeat-reply': 'blue',
  drop: 'redBright',
  delay: 'gray',
  duplicate: 'gray',
  connectivity: ['bold', 'yellowBright'],
  log: 'whiteBright',
  step: 'bold',
  check: 'green',
  violation: ['bold', 'white', 'bgRed'],
  warning: 'yellowBright',
};

/** Topic groups accepted by --only/--ignore besides the kinds themselves (and dslogs' names). */
export const TOPIC_GROUPS: Record<string, readonly TraceKind[]> = {
  votes: ['vote-request', 'vote-grant', 'vote-deny'],
  vote: ['vote-request', 'vote-grant', 'vote-deny'],
  heartbeats: ['heartbeat', 'heartbeat-reply'],
  network: ['drop', 'delay', 'duplicate'],
  timr: ['timer'],
  lead: ['leader'],
  logs: ['log'],
  test: ['step', 'check', 'violation', 'warning'],
};

export const DEFAULT_WIDTH = 160;
/** The narrowest column (text plus one space). */
const MIN_COLUMN = 8;

export interface ColumnOptions {
  /** Servers in the run: one column each. */
  n: number;
  /** Total width in characters (the terminal's). */
  width?: number;
  color?: boolean;
  only?: ReadonlySet<TraceKind>;
  ignore?: ReadonlySet<TraceKind>;
  /** Time window, inclusive, in ms. */
  from?: number;
  to?: number;
  /**
   * Also show the lines that connect/disconnect/start/crash imply: each end
   * enabled or disabled, each server registered or deleted (default: hidden).
   */
  all?: boolean;
}

/** A link toggle or server registration: the mechanics of a tester action on its own line. */
export function isMechanics(line: TraceLine): boolean {
  return line.kind === 'connectivity' && (line.detail.event === 'end' || line.detail.event === 'server');
}

/** Parses "votes,leader,drop" into kinds; throws an Error naming an unknown topic. */
export function parseTopics(list: string): Set<TraceKind> {
  const kinds = new Set<TraceKind>();
  for (const raw of list.split(',')) {
    const topic = raw.trim().toLowerCase();
    if (topic === '') continue;
    const group = TOPIC_GROUPS[topic];
    if (group !== undefined) for (const k of group) kinds.add(k);
    else if ((TRACE_KINDS as readonly string[]).includes(topic)) kinds.add(topic as TraceKind);
    else throw new Error(`unknown topic "${raw.trim()}" (topics: ${TRACE_KINDS.join(', ')}; groups: ${Object.keys(TOPIC_GROUPS).join(', ')})`);
  }
  return kinds;
}

/** The lines the options let through (topic filters and time window). */
export function filterLines(lines: readonly TraceLine[], options: Omit<ColumnOptions, 'n'>): TraceLine[] {
  const { only, ignore, from, to, all } = options;
  return lines.filter(
    (line) =>
      (all === true || !isMechanics(line)) &&
      // --only never hides a violation: it is why one reads the trace.
      (only === undefined || only.has(line.kind) || line.kind === 'violation') &&
      (ignore === undefined || !ignore.has(line.kind)) &&
      (from === undefined || line.t >= from) &&
      (to === undefined || line.t <= to),
  );
}

interface Group {
  t: number;
  server: number | null;
  kind: TraceKind;
  text: string;
  failedCheck: boolean;
}

/** Merges the same message to several peers at one instant into one line. */
function group(lines: readonly TraceLine[]): Group[] {
  const groups: Group[] = [];
  let open: { key: string; template: string; peers: number[]; group: Group } | undefined;
  for (const line of lines) {
    const d = describeLine(line);
    const failedCheck = line.kind === 'check' && line.detail.ok !== true;
    if (d.template !== undefined && d.peer !== undefined) {
      const key = `${line.t}|${line.server}|${line.kind}|${line.term}|${line.role}|${d.template}`;
      if (open !== undefined && open.key === key) {
        open.peers.push(d.peer);
        open.group.text = open.template.replace('{}', open.peers.map((p) => `S${p}`).join(','));
        continue;
      }
      const g: Group = { t: line.t, server: line.server, kind: line.kind, text: d.text, failedCheck };
      open = { key, template: d.template, peers: [d.peer], group: g };
      groups.push(g);
      continue;
    }
    open = undefined;
    groups.push({ t: line.t, server: line.server, kind: line.kind, text: d.text, failedCheck });
  }
  return groups;
}

/** The printout, one string per terminal row (no trailing newlines). */
export function renderColumns(lines: readonly TraceLine[], options: ColumnOptions): string[] {
  const n = Math.max(1, options.n);
  const width = options.width ?? DEFAULT_WIDTH;
  const color = options.color ?? false;
  const shown = filterLines(lines, options);
  const timeWidth = Math.max(6, ...shown.map((l) => formatTime(l.t).length)) + 1;
  const columnWidth = Math.max(MIN_COLUMN, Math.floor((width - timeWidth) / n));
  const cellWidth = columnWidth - 1;
  const fullWidth = Math.max(cellWidth, width - timeWidth);
  const paint = (format: Format, text: string): string => (color ? styleText(format, text, { validateStream: false }) : text);

  const out: string[] = [];
  let head = 'ms'.padStart(timeWidth - 1) + ' ';
  for (let s = 0; s < n; s++) head += `S${s}`.padEnd(columnWidth);
  out.push(paint('bold', head.trimEnd()));
  out.push('─'.repeat(Math.min(width, timeWidth + n * columnWidth)));

  for (const g of group(shown)) {
    const format: Format = g.failedCheck ? ['bold', 'redBright'] : KIND_STYLE[g.kind];
    const time = formatTime(g.t).padStart(timeWidth - 1) + ' ';
    const blank = ' '.repeat(timeWidth);
    if (g.server === null || g.server >= n) {
      const text = g.server === null ? g.text : `S${g.server}: ${g.text}`;
      wrap(text, fullWidth).forEach((row, i) => out.push(`${i === 0 ? time : blank}${paint(format, row)}`));
      continue;
    }
    const indent = ' '.repeat(g.server * columnWidth);
    wrap(g.text, cellWidth).forEach((row, i) => out.push(`${i === 0 ? time : blank}${indent}${paint(format, row)}`));
  }
  return out;
}

/** Milliseconds: whole in virtual time, one decimal in real time. */
export function formatTime(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(1);
}

/** Splits text into rows of at most `width` characters, at spaces or after commas where it can. */
export function wrap(text: string, width: number): string[] {
  const chars = [...text];
  if (chars.length <= width) return [text];
  const rows: string[] = [];
  let rest = chars;
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width);
    const comma = rest.lastIndexOf(',', width - 1) + 1;
    let cut = Math.max(space, comma);
    if (cut <= 0) cut = width;
    rows.push(rest.slice(0, cut).join('').trimEnd());
    rest = rest.slice(cut);
    while (rest[0] === ' ') rest = rest.slice(1);
  }
  if (rest.length > 0) rows.push(rest.join(''));
  return rows;
}
