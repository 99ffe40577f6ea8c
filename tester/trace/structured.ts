// The structured trace: the raw event stream (the network's events plus the
// tester's) turned into what a person asks of a Raft run. One JSON object per
// line: virtual time, which server (null for test-wide lines), what kind of
// thing happened, that server's term and role at that moment as far as the
// events tell, and the message's fields.
//
// The conversion is a pure function of the raw events, fed one at a time, so
// it works on a recorded trace file (old logs included) as well as live. It
// is never in the hot path: the raw recorder is attached only on demand, and
// this conversion runs when a trace is read or written.
import { RPC } from '../../raft/contract.ts';
import type { Host } from '../../labrpc/events.ts';
import type { TesterEvent, TesterListener } from '../events.ts';
import { Facts } from '../monitors/facts.ts';
import { LogFacts } from '../monitors/log-facts.ts';

export const TRACE_KINDS = [
  'timer',
  'vote-request',
  'vote-grant',
  'vote-deny',
  'leader',
  'term',
  'heartbeat',
  'heartbeat-reply',
  'drop',
  'delay',
  'duplicate',
  'connectivity',
  'log',
  'step',
  'check',
  'violation',
  'warning',
] as const;

export type TraceKind = (typeof TRACE_KINDS)[number];

export const ROLES = ['follower', 'candidate', 'leader'] as const;
export type Role = (typeof ROLES)[number];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Detail = { [key: string]: Json };

export interface TraceLine {
  /** Virtual (or real) ms since the run started. */
  t: number;
  /** The server the line is about; null for test-wide lines (steps, checks, violations, the network's settings). */
  server: number | null;
  kind: TraceKind;
  /** The server's term after this event, as far as what it said tells (null: not known yet, or test-wide). */
  term: number | null;
  /** The server's role after this event (null: crashed or not started, or test-wide). */
  role: Role | null;
  /**
   * The message's fields: for a line made from one raw event, that event
   * without `kind` and `t`, plus `event` (the raw kind). Lines the
   * conversion infers (timer, leader, term) say what they were seen in.
   */
  detail: Detail;
}

/** Why a failed RPC counts as lost (a drop); any other reason is a warning. */
const LOST = new Set<string>(['request-dropped', 'reply-dropped', 'link-down', 'reply-link-down', 'unreachable', 'server-dead', 'network-closed']);
/** Test steps that change connectivity (their link events follow). */
const CONNECTIVITY_STEPS = new Set<string>(['partition', 'cut link', 'restore link', 'heal links']);

interface ServerView {
  term: number | null;
  role: Role | null;
  /** The last term this server campaigned in (its first RequestVote of a term is its timer firing). */
  candidateTerm: number | null;
  /** The last term this server acted as leader in. */
  leaderTerm: number | null;
}

/**
 * A server's log as the events tell it (lab 2B): its last entry (index and
 * term; null when unknown, as after a restart until it speaks), the commit
 * index it was told or acted on, and the last index it applied.
 */
interface LogView {
  last: number | null;
  lastTerm: number | null;
  commit: number;
  applied: number;
  incarnation: number;
  /** What the last 'log-state' line showed. */
  shownCommit?: number;
  shownApplied?: number;
}

export interface ConverterOptions {
  /**
   * Copy message objects into the lines (default true). Live, the network
   * hands out its own message objects; a trace parsed from text owns its
   * objects already and need not be copied.
   */
  copy?: boolean;
}

/** Turns raw events into structured lines, one event at a time. */
export class StructuredConverter {
  private readonly servers: ServerView[] = [];
  private readonly copy: boolean;
  /** Servers in the run, from the cluster event (or the highest server seen). */
  n = 0;
  /** The log monitors' model of every log: the trace shows what it knows. */
  private readonly facts = new Facts();
  private readonly logFacts = new LogFacts(this.facts);
  private readonly logs: LogView[] = [];

  constructor(
    private readonly emit: (line: TraceLine) => void,
    options: ConverterOptions = {},
  ) {
    this.copy = options.copy ?? true;
  }

  readonly push = (e: TesterEvent): void => {
    this.pushLine(e);
    this.followLog(e);
  };

  private pushLine(e: TesterEvent): void {
    switch (e.kind) {
      case 'cluster':
        this.n = Math.max(this.n, e.n);
        this.wide(e.t, 'step', { event: e.kind, name: 'cluster', n: e.n, seed: e.seed, clock: e.clock });
        return;
      case 'net-config':
        this.wide(e.t, 'connectivity', this.raw(e));
        return;
      case 'step': {
        const kind: TraceKind = e.name === 'warning' ? 'warning' : CONNECTIVITY_STEPS.has(e.name) ? 'connectivity' : 'step';
        this.wide(e.t, kind, this.raw(e));
        return;
      }
      case 'check':
        this.wide(e.t, 'check', this.raw(e));
        return;
      case 'violation':
        this.wide(e.t, e.fatal ? 'violation' : 'warning', this.raw(e));
        return;
      case 'misuse':
        this.wide(e.t, 'warning', this.raw(e));
        return;
      case 'start': {
        const v = this.view(e.server);
        v.role = 'follower';
        v.candidateTerm = null;
        v.leaderTerm = null;
        this.line(e.t, e.server, 'connectivity', this.raw(e));
        return;
      }
      case 'crash':
      case 'kill':
        this.view(e.server).role = null;
        this.line(e.t, e.server, 'connectivity', this.raw(e));
        return;
      case 'connect':
      case 'disconnect':
        this.line(e.t, e.server, 'connectivity', this.raw(e));
        return;
      case 'end':
      case 'link':
        this.lineOrWide(e.t, host(e.from), 'connectivity', this.raw(e));
        return;
      case 'server':
        this.lineOrWide(e.t, host(e.name), 'connectivity', this.raw(e));
        return;
      case 'state':
        this.onState(e.t, e.server, e.term, e.isLeader);
        return;
      case 'send':
        this.onSend(e);
        return;
      case 'deliver':
        return; // Its 'handled' (the answer) or 'fail' tells the story.
      case 'handled':
        this.onHandled(e);
        return;
      case 'reply': {
        const kind = answerKind(e.method, e.reply);
        if (kind !== undefined) this.lineOrWide(e.t, host(e.from), kind, this.raw(e));
        return;
      }
      case 'fail':
        this.lineOrWide(e.t, host(e.from), LOST.has(e.reason) ? 'drop' : 'warning', this.raw(e));
        return;
      case 'delay':
        // A request waits on the sender's side; a reply on the answerer's.
        this.lineOrWide(e.t, host(e.stage === 'request' ? e.from : e.to), 'delay', this.raw(e));
        return;
      case 'duplicate':
        this.lineOrWide(e.t, host(e.from), 'duplicate', this.raw(e));
        return;
      case 'handler-error':
      case 'handler-stuck':
        this.lineOrWide(e.t, host(e.to), 'warning', this.raw(e));
        return;
      case 'submit':
      case 'apply':
      case 'snapshot':
      case 'persist':
        this.line(e.t, e.server, 'log', this.raw(e));
        return;
      default: {
        // Every raw kind is mapped above: a new one must be given a place here.
        const unmapped: never = e;
        void unmapped;
      }
    }
  }

  // A 'log' line (event 'log-state') whenever what the events tell of a
  // server's log changes: its last entry, its commit index, what it applied.
  private followLog(e: TesterEvent): void {
    if (e.kind === 'cluster') this.logs.length = 0;
    this.facts.observe(e);
    this.logFacts.observe(e);
    let server: number | null = null;
    switch (e.kind) {
      case 'start': {
        server = e.server;
        const v = this.logView(server);
        v.commit = e.snapshotIndex ?? 0;
        v.applied = e.snapshotIndex ?? 0;
        v.incarnation = e.incarnation;
        break;
      }
      case 'submit':
        server = e.isLeader ? e.server : null;
        break;
      case 'apply': {
        const v = this.logView(e.server);
        if (e.incarnation < v.incarnation) return;
        // Lab 2D: a snapshot stands for every index up to its own.
        const index = e.commandValid ? e.index : e.snapshotValid === true && typeof e.snapshotIndex === 'number' ? e.snapshotIndex : undefined;
        if (index === undefined) return;
        server = e.server;
        v.applied = index;
        if (index > v.commit) v.commit = index;
        break;
      }
      case 'send': {
        if (e.method !== RPC.AppendEntries && e.method !== RPC.RequestVote) return;
        server = host(e.from);
        const leaderCommit = field(e.args, 'leaderCommit');
        if (server !== null && typeof leaderCommit === 'number' && leaderCommit > this.logView(server).commit) this.logView(server).commit = leaderCommit;
        break;
      }
      case 'handled': {
        if (e.method !== RPC.AppendEntries) return;
        server = host(e.to);
        const args = e.args as { prevLogIndex?: unknown; entries?: unknown; leaderCommit?: unknown } | null;
        const ok = (e.reply as { success?: unknown } | null)?.success === true;
        if (server !== null && ok && typeof args?.prevLogIndex === 'number' && Array.isArray(args.entries) && typeof args.leaderCommit === 'number') {
          const told = Math.min(args.leaderCommit, args.prevLogIndex + args.entries.length);
          if (told > this.logView(server).commit) this.logView(server).commit = told;
        }
        break;
      }
      default:
        return;
    }
    if (server === null || server >= 1024) return;
    const v = this.logView(server);
    const held = this.logFacts.held[server] ?? [];
    const length = this.logFacts.length[server];
    const last = length ?? (held.length > 1 ? held.length - 1 : null);
    const lastTerm = last === null ? null : last === 0 ? 0 : (held[last] ?? null);
    if (last === v.last && lastTerm === v.lastTerm && v.commit === v.shownCommit && v.applied === v.shownApplied) return;
    // Nothing to tell before the log has anything (2A runs get no log lines).
    if (v.shownCommit === undefined && (last === null || last === 0) && v.commit === 0 && v.applied === 0) return;
    v.last = last;
    v.lastTerm = lastTerm;
    v.shownCommit = v.commit;
    v.shownApplied = v.applied;
    this.line(e.t, server, 'log', { event: 'log-state', last, lastTerm, exact: length !== undefined, commit: v.commit, applied: v.applied });
  }

  private logView(s: number): LogView {
    let v = this.logs[s];
    if (v === undefined) {
      v = { last: null, lastTerm: null, commit: 0, applied: 0, incarnation: 0 };
      this.logs[s] = v;
    }
    return v;
  }

  private onState(t: number, s: number, term: number, isLeader: boolean): void {
    const v = this.view(s);
    const previous = v.term;
    const lines: [TraceKind, Detail][] = [];
    if (term !== previous) {
      v.term = term;
      lines.push(['term', { previous, term, seenIn: 'getState' }]);
      if (v.role !== null && !isLeader) v.role = 'follower';
    }
    if (isLeader) {
      if (v.leaderTerm !== term) lines.push(['leader', { term, seenIn: 'getState' }]);
      v.leaderTerm = term;
      v.role = 'leader';
    } else if (v.role === 'leader') {
      v.role = 'follower'; // Stepped down.
    }
    for (const [kind, detail] of lines) this.line(t, s, kind, detail);
  }

  private onSend(e: Extract<TesterEvent, { kind: 'send' }>): void {
    const s = host(e.from);
    const term = termOf(e.args);
    const kind: TraceKind | undefined = e.method === RPC.RequestVote ? 'vote-request' : e.method === RPC.AppendEntries ? 'heartbeat' : undefined;
    if (s === null) {
      if (kind !== undefined) this.wide(e.t, kind, this.raw(e));
      return;
    }
    const lines: [TraceKind, Detail][] = [];
    if (term !== undefined && kind !== undefined) {
      const v = this.view(s);
      const previous = v.term;
      if (kind === 'vote-request' && v.candidateTerm !== term) {
        // Its first RequestVote of a term: its election timeout fired.
        v.candidateTerm = term;
        v.role = 'candidate';
        lines.push(['timer', { previous, term, seenIn: 'RequestVote', id: e.id }]);
      }
      if (kind === 'heartbeat' && v.leaderTerm !== term) {
        v.leaderTerm = term;
        v.role = 'leader';
        lines.push(['leader', { term, seenIn: 'AppendEntries', id: e.id }]);
      }
      if (term !== previous) {
        v.term = term;
        lines.push(['term', { previous, term, seenIn: shortMethod(e.method) }]);
      }
    }
    if (kind !== undefined) lines.push([kind, this.raw(e)]);
    for (const [k, detail] of lines) this.line(e.t, s, k, detail);
  }

  private onHandled(e: Extract<TesterEvent, { kind: 'handled' }>): void {
    const s = host(e.to);
    const kind = answerKind(e.method, e.reply);
    if (kind === undefined) return;
    if (s === null) {
      this.wide(e.t, kind, this.raw(e));
      return;
    }
    const v = this.view(s);
    const replyTerm = termOf(e.reply);
    const argsTerm = termOf(e.args);
    const lines: [TraceKind, Detail][] = [];
    if (replyTerm !== undefined && replyTerm !== v.term) {
      const previous = v.term;
      v.term = replyTerm;
      // A higher term makes any server a follower.
      if (v.role !== null && (previous === null || replyTerm > previous)) v.role = 'follower';
      lines.push(['term', { previous, term: replyTerm, seenIn: `${shortMethod(e.method)} reply` }]);
    }
    // A candidate that accepts a leader of its own term becomes its follower.
    if (kind === 'heartbeat-reply' && v.role === 'candidate' && argsTerm !== undefined && argsTerm === v.term) v.role = 'follower';
    lines.push([kind, this.raw(e)]);
    for (const [k, detail] of lines) this.line(e.t, s, k, detail);
  }

  private view(s: number): ServerView {
    let v = this.servers[s];
    if (v === undefined) {
      v = { term: null, role: null, candidateTerm: null, leaderTerm: null };
      this.servers[s] = v;
      if (s + 1 > this.n) this.n = s + 1;
    }
    return v;
  }

  private line(t: number, server: number, kind: TraceKind, detail: Detail): void {
    const v = this.view(server);
    this.emit({ t, server, kind, term: v.term, role: v.role, detail });
  }

  private wide(t: number, kind: TraceKind, detail: Detail): void {
    this.emit({ t, server: null, kind, term: null, role: null, detail });
  }

  private lineOrWide(t: number, server: number | null, kind: TraceKind, detail: Detail): void {
    if (server === null) this.wide(t, kind, detail);
    else this.line(t, server, kind, detail);
  }

  /** The event's own fields (without kind and t) plus `event`, its raw kind. */
  private raw(e: TesterEvent): Detail {
    const { kind, t: _t, ...rest } = e;
    if (!this.copy) return { event: kind, ...(rest as Detail) }; // Parsed from text: plain JSON already.
    const detail: Detail = { event: kind };
    for (const [key, value] of Object.entries(rest)) {
      if (value !== undefined) detail[key] = toJson(value);
    }
    return detail;
  }
}

/** The structured lines of a whole run. */
export function toStructured(events: Iterable<TesterEvent>, options: ConverterOptions = {}): TraceLine[] {
  const lines: TraceLine[] = [];
  const converter = new StructuredConverter((line) => lines.push(line), options);
  for (const e of events) converter.push(e);
  return lines;
}

/** A listener to attach live (as `record`): each structured line goes to onLine as its event happens. */
export function structuredListener(onLine: (line: TraceLine) => void): TesterListener {
  return new StructuredConverter(onLine, { copy: true }).push;
}

/** One structured line as JSON (the converter makes its keys in the order t, server, kind, term, role, detail). */
export function serializeLine(line: TraceLine): string {
  return JSON.stringify(line);
}

function answerKind(method: string, reply: unknown): TraceKind | undefined {
  if (method === RPC.RequestVote) return (reply as { voteGranted?: unknown } | null | undefined)?.voteGranted === true ? 'vote-grant' : 'vote-deny';
  if (method === RPC.AppendEntries) return 'heartbeat-reply';
  return undefined;
}

/** A host as a server number (ends are owned by their server's number), or null. */
export function host(h: Host | undefined): number | null {
  if (typeof h === 'number') return Number.isInteger(h) && h >= 0 ? h : null;
  if (typeof h === 'string' && /^\d+$/.test(h)) return Number(h);
  return null;
}

function field(message: unknown, key: string): unknown {
  return typeof message === 'object' && message !== null ? (message as Record<string, unknown>)[key] : undefined;
}

function termOf(message: unknown): number | undefined {
  const term = (message as { term?: unknown } | null | undefined)?.term;
  return typeof term === 'number' ? term : undefined;
}

export function shortMethod(method: string): string {
  return method.startsWith('Raft.') ? method.slice(5) : method;
}

function toJson(value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : (JSON.parse(text) as Json);
  } catch {
    // What JSON cannot say (a cycle, a BigInt): the value's own text, whatever it is.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    return String(value);
  }
}
