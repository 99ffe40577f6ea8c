// WF: every Raft message carries exactly the contract's fields, with the
// right types, so that a misnamed field is reported as such rather than as a
// mysterious election failure.
import { MESSAGE_FIELDS, OPTIONAL_ARGS_FIELDS, OPTIONAL_REPLY_FIELDS } from '../../raft/contract.ts';
import type { TesterEvent } from '../events.ts';
import type { EventKind, Monitor, MonitorContext } from './monitor.ts';

const TYPES: Record<string, 'number' | 'boolean' | 'array' | 'string'> = {
  term: 'number',
  candidateId: 'number',
  lastLogIndex: 'number',
  lastLogTerm: 'number',
  voteGranted: 'boolean',
  leaderId: 'number',
  prevLogIndex: 'number',
  prevLogTerm: 'number',
  entries: 'array',
  leaderCommit: 'number',
  success: 'boolean',
  xTerm: 'number',
  xIndex: 'number',
  xLen: 'number',
  // InstallSnapshot (Figure 13)
  lastIncludedIndex: 'number',
  lastIncludedTerm: 'number',
  data: 'string',
  offset: 'number',
  done: 'boolean',
};

type Spec = { args: readonly string[]; reply: readonly string[] };

const NONE: readonly string[] = [];

export class MessageShape implements Monitor {
  readonly kinds: readonly EventKind[] = ['send', 'handled'];
  constructor(private readonly ctx: MonitorContext) {}

  observe(e: TesterEvent): void {
    if (e.kind === 'send') this.check(e.method, 'request', e.args, e.from);
    else if (e.kind === 'handled') this.check(e.method, 'reply', e.reply, e.to);
  }

  private check(method: string, part: 'request' | 'reply', message: unknown, server: unknown): void {
    const spec = (MESSAGE_FIELDS as Record<string, Spec>)[method];
    if (spec === undefined) return;
    const fields = part === 'request' ? spec.args : spec.reply;
    const optional = ((part === 'request' ? OPTIONAL_ARGS_FIELDS : OPTIONAL_REPLY_FIELDS) as Record<string, readonly string[]>)[method] ?? NONE;
    if (matches(fields, message, optional)) return;
    const problem = shapeProblem(fields, message, optional);
    if (problem === undefined) return;
    this.ctx.report('WF', {
      message: `${method} ${part} from server ${String(server)}: ${problem}`,
      servers: typeof server === 'number' ? [server] : [],
    });
  }
}

/** Describes how a message differs from the contract's fields, or undefined when it matches. */
export function shapeProblem(fields: readonly string[], message: unknown, optional: readonly string[] = NONE): string | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return `expected an object with fields ${fields.join(', ')}, got ${JSON.stringify(message) ?? String(message)}`;
  }
  const record = message as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(record)) {
    if (fields.includes(key)) continue;
    if (optional.includes(key)) {
      const value = record[key];
      if (!hasType(key, value)) problems.push(`field '${key}' should be ${typeName(TYPES[key])}, got ${JSON.stringify(value)}`);
      continue;
    }
    const meant = fields.find((f) => normalize(f) === normalize(key));
    problems.push(meant !== undefined ? `field '${key}' should be named '${meant}'` : `unexpected field '${key}'`);
  }
  for (const field of fields) {
    if (!(field in record)) {
      if (!problems.some((p) => p.includes(`'${field}'`))) problems.push(`missing field '${field}'`);
      continue;
    }
    const value = record[field];
    if (!hasType(field, value)) problems.push(`field '${field}' should be ${typeName(TYPES[field])}, got ${JSON.stringify(value)}`);
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}

function hasType(field: string, value: unknown): boolean {
  const want = TYPES[field];
  return want === 'array' ? Array.isArray(value) : typeof value === want && (want !== 'number' || Number.isInteger(value));
}

function typeName(want: string | undefined): string {
  return want === 'number' ? 'an integer' : want === 'array' ? 'an array' : `a ${String(want)}`;
}

// The common case, checked without allocating: exactly the contract's fields, with the right types.
function matches(fields: readonly string[], message: unknown, optional: readonly string[]): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const record = message as Record<string, unknown>;
  let count = 0;
  for (const key in record) {
    const want = TYPES[key];
    if (want === undefined) return false;
    const value = record[key];
    if (want === 'array' ? !Array.isArray(value) : typeof value !== want || (want === 'number' && !Number.isInteger(value))) return false;
    if (fields.includes(key)) count++;
    else if (!optional.includes(key)) return false;
  }
  return count === fields.length;
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/_/g, '');
}
