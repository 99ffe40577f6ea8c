// Reading a trace: the raw form (JSON events, as the recorder, replay --trace
// and the stress loop's failure logs write them) or the structured form.
// Lines starting with '#' are a log's header; blank lines are skipped. Every
// problem names the line it is on.
import type { TesterEvent } from '../events.ts';
import { ROLES, TRACE_KINDS, serializeLine, toStructured, type TraceLine } from './structured.ts';
import { MONITOR_CHECKS, isMonitorCheckId } from '../check-ids.ts';

export class TraceInputError extends Error {
  override name = 'TraceInputError';
}

export interface ParsedTrace {
  format: 'raw' | 'structured';
  /** The log's header lines, without the leading '# '. */
  header: string[];
  /** The raw events (empty for a structured file). */
  events: TesterEvent[];
  lines: TraceLine[];
  /** Servers in the run. */
  n: number;
}

type FieldType = 'number' | 'string' | 'boolean' | 'host' | 'host?' | 'number[]' | 'number[]?' | 'number?' | 'check' | 'any';
const RPC_FIELDS = { id: 'number', method: 'string', from: 'host?', to: 'host?' } as const;

/** The fields each raw event must have (the conversion relies on them). */
const RAW_FIELDS: Record<TesterEvent['kind'], Record<string, FieldType>> = {
  cluster: { n: 'number', seed: 'number', clock: 'string' },
  state: { server: 'number', term: 'number', isLeader: 'boolean' },
  start: { server: 'number', incarnation: 'number' },
  crash: { server: 'number' },
  kill: { server: 'number', incarnation: 'number' },
  submit: { server: 'number', incarnation: 'number', command: 'any', index: 'number', term: 'number', isLeader: 'boolean' },
  apply: { server: 'number', incarnation: 'number', commandValid: 'boolean', command: 'any', index: 'number' },
  snapshot: { server: 'number', incarnation: 'number', index: 'number', size: 'number' },
  persist: { server: 'number', incarnation: 'number', size: 'number' },
  connect: { server: 'number' },
  disconnect: { server: 'number' },
  'net-config': {
    reliable: 'boolean',
    longReordering: 'boolean',
    duplicateRate: 'number',
    requestDropRate: 'number?',
    replyDropRate: 'number?',
    maxDelayMs: 'number?',
    holdGroup: 'number[]?',
    holdMs: 'number?',
  },
  step: { name: 'string', detail: 'string' },
  check: { name: 'string', ok: 'boolean', detail: 'string' },
  violation: { check: 'check', message: 'string', servers: 'number[]', term: 'number?', fatal: 'boolean' },
  send: { ...RPC_FIELDS, args: 'any', bytes: 'number' },
  deliver: { ...RPC_FIELDS, args: 'any', duplicate: 'boolean' },
  handled: { ...RPC_FIELDS, args: 'any', reply: 'any', duplicate: 'boolean' },
  reply: { ...RPC_FIELDS, args: 'any', reply: 'any', bytes: 'number' },
  fail: { ...RPC_FIELDS, args: 'any', reason: 'string', afterMs: 'number' },
  delay: { ...RPC_FIELDS, stage: 'string', ms: 'number' },
  duplicate: { ...RPC_FIELDS, ms: 'number' },
  'handler-error': { ...RPC_FIELDS, error: 'string' },
  'handler-stuck': { ...RPC_FIELDS, ms: 'number' },
  misuse: { message: 'string' },
  end: { end: 'string', from: 'host?', to: 'host?', enabled: 'boolean' },
  link: { from: 'host', to: 'host', up: 'boolean' },
  server: { name: 'host', present: 'boolean' },
};

type Check = (value: unknown) => boolean;
const IS: Record<FieldType, Check> = {
  any: () => true,
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  'number?': (v) => v === undefined || (typeof v === 'number' && Number.isFinite(v)),
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  host: (v) => typeof v === 'number' || typeof v === 'string',
  'host?': (v) => v === undefined || typeof v === 'number' || typeof v === 'string',
  'number[]': (v) => Array.isArray(v) && v.every((x) => typeof x === 'number'),
  'number[]?': (v) => v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'number')),
  check: isMonitorCheckId,
};
/** Each kind's checks, worked out once: [field, type, check]. */
const RAW_CHECKS = new Map<string, [string, FieldType, Check][]>(
  Object.entries(RAW_FIELDS).map(([kind, fields]) => [
    kind,
    [['t', 'number', IS.number], ...Object.entries(fields).map(([name, type]): [string, FieldType, Check] => [name, type, IS[type]])],
  ]),
);

/**
 * Parses a trace file's text. `source` names it in error messages
 * ("FILE:12: ..."). Throws TraceInputError for an empty input or a bad line.
 */
export function parseTrace(text: string, source: string): ParsedTrace {
  if (text.trim() === '') throw new TraceInputError(`${source}: empty file: no trace events`);
  const header: string[] = [];
  const events: TesterEvent[] = [];
  const structured: TraceLine[] = [];
  let format: ParsedTrace['format'] | undefined;
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    let row = rows[i] as string;
    if (row.endsWith('\r')) row = row.slice(0, -1);
    if (row.length === 0 || row.trim() === '') continue;
    if (row.startsWith('#')) {
      header.push(row.replace(/^# ?/, ''));
      continue;
    }
    const where = `${source}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch (error) {
      throw new TraceInputError(`${where}: malformed line: not JSON (${(error as Error).message}): ${clip(row)}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new TraceInputError(`${where}: malformed line: expected a JSON object, got ${clip(row)}`);
    }
    const object = value as Record<string, unknown>;
    if (isMetaLine(object)) {
      header.push(...(object.meta as { header: string[] }).header);
      continue;
    }
    const isStructured = 'detail' in object && 'role' in object && 'server' in object;
    format ??= isStructured ? 'structured' : 'raw';
    if (format === 'structured') {
      if (!isStructured) throw new TraceInputError(`${where}: malformed line: a raw event in a structured trace: ${clip(row)}`);
      structured.push(checkStructured(object, where));
    } else {
      if (isStructured) throw new TraceInputError(`${where}: malformed line: a structured line in a raw trace: ${clip(row)}`);
      events.push(checkRaw(object, where));
    }
  }
  if (format === undefined) {
    throw new TraceInputError(`${source}: empty trace: ${header.length} header line(s) but no events (the run recorded no trace)`);
  }
  if (format === 'raw') {
    const converter = toStructured(events, { copy: false });
    return { format, header, events, lines: converter, n: serversOf(events, converter) };
  }
  return { format, header, events, lines: structured, n: serversOf([], structured) };
}

/**
 * The structured form of a raw trace's text, as JSON Lines: every line
 * parses (jq works on it); a log's header comes first as one object,
 * `{"meta": {...}}`.
 */
export function structuredText(rawText: string, source = 'trace'): string {
  const parsed = parseTrace(rawText, source);
  return jsonLines(parsed.header, parsed.lines);
}

/** JSON Lines: the header as one `{"meta": ...}` object (when there is one), then a line per entry. */
export function jsonLines(header: readonly string[], lines: Iterable<TraceLine>): string {
  const out = header.length > 0 ? [metaLine(header)] : [];
  for (const line of lines) out.push(serializeLine(line));
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/**
 * A log's header lines ("seed: 12", "message:" then indented lines) as one
 * JSON object: each "key: value" as a field (whole numbers as numbers, an
 * indented block as its lines joined), and the lines themselves, in order.
 */
export function metaLine(header: readonly string[]): string {
  const meta: Record<string, unknown> = {};
  let open: string | undefined;
  for (const line of header) {
    const field = /^([A-Za-z][\w -]*?):(?: (.*))?$/.exec(line);
    if (field !== null && !line.startsWith(' ')) {
      const key = field[1] as string;
      const value = field[2];
      if (value === undefined || value === '') {
        open = key;
        meta[key] = '';
      } else {
        open = undefined;
        meta[key] = /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value;
      }
    } else if (open !== undefined) {
      const before = meta[open] as string;
      meta[open] = before === '' ? line.replace(/^ {2}/, '') : `${before}\n${line.replace(/^ {2}/, '')}`;
    }
  }
  return JSON.stringify({ meta: { ...meta, header } });
}

function isMetaLine(object: Record<string, unknown>): boolean {
  const meta = object.meta;
  return Object.keys(object).length === 1 && typeof meta === 'object' && meta !== null && Array.isArray((meta as { header?: unknown }).header);
}

function serversOf(events: readonly TesterEvent[], lines: readonly TraceLine[]): number {
  let n = 0;
  for (const e of events) if (e.kind === 'cluster') n = Math.max(n, e.n);
  for (const line of lines) {
    if (line.server !== null) n = Math.max(n, line.server + 1);
    else if (line.detail.name === 'cluster' && typeof line.detail.n === 'number') n = Math.max(n, line.detail.n);
  }
  return n;
}

function checkRaw(object: Record<string, unknown>, where: string): TesterEvent {
  const kind = object.kind;
  if (typeof kind !== 'string') throw new TraceInputError(`${where}: malformed line: no "kind" field (not a trace event)`);
  const checks = RAW_CHECKS.get(kind);
  if (checks === undefined) throw new TraceInputError(`${where}: malformed line: unknown event kind "${kind}"`);
  for (const [name, type, ok] of checks) if (!ok(object[name])) fieldError(object, name, type, where, kind);
  return object as unknown as TesterEvent;
}

function checkStructured(object: Record<string, unknown>, where: string): TraceLine {
  if (!IS.number(object.t)) fieldError(object, 't', 'number', where, 'structured');
  const { kind, server, term, role, detail } = object;
  if (typeof kind !== 'string' || !(TRACE_KINDS as readonly string[]).includes(kind)) {
    throw new TraceInputError(`${where}: malformed line: unknown kind ${JSON.stringify(kind)} (known: ${TRACE_KINDS.join(', ')})`);
  }
  if (server !== null && !(typeof server === 'number' && Number.isInteger(server) && server >= 0)) {
    throw new TraceInputError(`${where}: malformed line: "server" must be a server number or null, got ${JSON.stringify(server)}`);
  }
  if (term !== null && typeof term !== 'number')
    throw new TraceInputError(`${where}: malformed line: "term" must be a number or null, got ${JSON.stringify(term)}`);
  if (role !== null && !(ROLES as readonly unknown[]).includes(role)) {
    throw new TraceInputError(`${where}: malformed line: "role" must be one of ${ROLES.join(', ')} or null, got ${JSON.stringify(role)}`);
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) throw new TraceInputError(`${where}: malformed line: "detail" must be an object`);
  return object as unknown as TraceLine;
}

function fieldError(object: Record<string, unknown>, name: string, type: FieldType, where: string, kind: string): never {
  const value = object[name];
  const got = value === undefined ? 'it is missing' : `got ${clip(JSON.stringify(value))}`;
  throw new TraceInputError(`${where}: malformed line: a "${kind}" event needs "${name}" to be ${describeType(type)}; ${got}`);
}

function describeType(type: FieldType): string {
  switch (type) {
    case 'number':
      return 'a number';
    case 'number?':
      return 'a number (or absent)';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'host':
      return 'a server number or name';
    case 'host?':
      return 'a server number or name (or absent)';
    case 'number[]':
      return 'a list of numbers';
    case 'number[]?':
      return 'a list of numbers (or absent)';
    case 'check':
      return `a monitor's check (${Object.keys(MONITOR_CHECKS).join(', ')})`;
    case 'any':
      return 'present';
  }
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
