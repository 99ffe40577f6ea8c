// Hand-written event logs for the monitors, in the shape the network and the
// tester record them. Every helper takes the virtual time first, so a log
// reads like a table: time, who, whom, term.
//
//   [...boot(3), ...rv(10, 0, 1, 1), ...ae(10, 0, 1, 1), step(5000)]
import { expect } from 'chai';
import type { DeliverEvent, EndEvent, FailEvent, HandledEvent, HandlerErrorEvent, LinkEvent, MisuseEvent, ReplyEvent, SendEvent } from '../../labrpc/events.ts';
import type { AppendEntriesArgs, AppendEntriesReply, InstallSnapshotArgs, LogEntry, RequestVoteArgs, RequestVoteReply } from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import type {
  ApplyEvent,
  ClusterEvent,
  CrashEvent,
  NetConfigEvent,
  PersistEvent,
  StartEvent,
  StateEvent,
  StepEvent,
  SubmitEvent,
  TesterEvent,
  ViolationEvent,
} from '../../tester/events.ts';
import { judge, type CheckPolicy } from '../../tester/monitors/index.ts';
import { MONITOR_CHECKS, type MonitorCheckId } from '../../tester/check-ids.ts';
import { encodeSnapshot } from '../../tester/snapshot-codec.ts';

export type Log = TesterEvent[];

let nextId = 1;
function id(): number {
  return nextId++;
}

// ---- the cluster and its connectivity ----

export function cluster(n: number, t = 0): ClusterEvent {
  return { kind: 'cluster', t, n, seed: 1, clock: 'virtual' };
}

export function start(i: number, t = 0, incarnation = 1): StartEvent {
  return { kind: 'start', t, server: i, incarnation };
}

export function crash(t: number, i: number): CrashEvent {
  return { kind: 'crash', t, server: i };
}

/** The end from -> to (named as config names them) enabled or disabled. */
export function end(t: number, from: number, to: number, enabled: boolean): EndEvent {
  return { kind: 'end', t, end: `${from}->${to}#1`, from, to, enabled };
}

/** Every end of an n-server cluster enabled, i -> i included (as config's connect does). */
export function connectAll(n: number, t = 0): EndEvent[] {
  const events: EndEvent[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) events.push(end(t, i, j, true));
  return events;
}

/** The tester's disconnect(i): every end from and to i disabled. */
export function disconnect(t: number, i: number, n: number): EndEvent[] {
  const events: EndEvent[] = [];
  for (let j = 0; j < n; j++) events.push(end(t, i, j, false));
  for (let j = 0; j < n; j++) if (j !== i) events.push(end(t, j, i, false));
  return events;
}

/** The tester's connect(i) when every other server is connected. */
export function reconnect(t: number, i: number, n: number): EndEvent[] {
  const events: EndEvent[] = [];
  for (let j = 0; j < n; j++) events.push(end(t, i, j, true));
  for (let j = 0; j < n; j++) if (j !== i) events.push(end(t, j, i, true));
  return events;
}

export function link(t: number, from: number, to: number, up: boolean): LinkEvent {
  return { kind: 'link', t, from, to, up };
}

export function netConfig(t: number, faults: Partial<Omit<NetConfigEvent, 'kind' | 't'>> = {}): NetConfigEvent {
  return { kind: 'net-config', t, reliable: true, longReordering: false, duplicateRate: 0, ...faults };
}

/** cluster(n), every server started, every end enabled, all at t=0 with a calm network. */
export function boot(n: number): Log {
  const log: Log = [cluster(n), netConfig(0)];
  for (let i = 0; i < n; i++) log.push(start(i));
  log.push(...connectAll(n));
  return log;
}

// ---- messages ----

export function rvArgs(term: number, candidateId: number): RequestVoteArgs {
  return { term, candidateId, lastLogIndex: 0, lastLogTerm: 0 };
}

export function aeArgs(term: number, leaderId: number): AppendEntriesArgs {
  return { term, leaderId, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 };
}

/** A raw send, with whatever args (for malformed messages). */
export function send(t: number, from: number, to: number, method: string, args: unknown): SendEvent {
  return { kind: 'send', t, id: id(), from, to, method, args, bytes: JSON.stringify(args ?? null).length };
}

/** A raw handled event, with whatever reply (for malformed messages). */
export function handled(t: number, from: number, to: number, method: string, args: unknown, reply: unknown): HandledEvent {
  return { kind: 'handled', t, id: id(), from, to, method, args, reply, duplicate: false };
}

export function rvSend(t: number, from: number, to: number, term: number): SendEvent {
  return send(t, from, to, RPC.RequestVote, rvArgs(term, from));
}

/** `to` handled `from`'s term-`term` RequestVote and answered (replyTerm, granted). */
export function rvHandled(t: number, from: number, to: number, term: number, granted: boolean, replyTerm = term): HandledEvent {
  const reply: RequestVoteReply = { term: replyTerm, voteGranted: granted };
  return handled(t, from, to, RPC.RequestVote, rvArgs(term, from), reply);
}

/** The reply to `from`'s term-`term` RequestVote to `to` reached `from`. */
export function rvReply(t: number, from: number, to: number, term: number, granted: boolean, replyTerm = term): ReplyEvent {
  const reply: RequestVoteReply = { term: replyTerm, voteGranted: granted };
  return { kind: 'reply', t, id: id(), from, to, method: RPC.RequestVote, args: rvArgs(term, from), reply, bytes: 40 };
}

/** A whole RequestVote exchange at one instant: send, deliver, handled, reply. */
export function rv(t: number, from: number, to: number, term: number, granted = true, replyTerm = term): Log {
  return [
    rvSend(t, from, to, term),
    deliver(t, from, to, RPC.RequestVote, rvArgs(term, from)),
    rvHandled(t, from, to, term, granted, replyTerm),
    rvReply(t, from, to, term, granted, replyTerm),
  ];
}

export function aeSend(t: number, from: number, to: number, term: number): SendEvent {
  return send(t, from, to, RPC.AppendEntries, aeArgs(term, from));
}

export function aeHandled(t: number, from: number, to: number, term: number, success: boolean, replyTerm = term): HandledEvent {
  const reply: AppendEntriesReply = { term: replyTerm, success };
  return handled(t, from, to, RPC.AppendEntries, aeArgs(term, from), reply);
}

export function aeReply(t: number, from: number, to: number, term: number, success: boolean, replyTerm = term): ReplyEvent {
  const reply: AppendEntriesReply = { term: replyTerm, success };
  return { kind: 'reply', t, id: id(), from, to, method: RPC.AppendEntries, args: aeArgs(term, from), reply, bytes: 30 };
}

/** A whole AppendEntries exchange at one instant. */
export function ae(t: number, from: number, to: number, term: number, success = true, replyTerm = term): Log {
  return [
    aeSend(t, from, to, term),
    deliver(t, from, to, RPC.AppendEntries, aeArgs(term, from)),
    aeHandled(t, from, to, term, success, replyTerm),
    aeReply(t, from, to, term, success, replyTerm),
  ];
}

export function deliver(t: number, from: number, to: number, method: string, args: unknown): DeliverEvent {
  return { kind: 'deliver', t, id: id(), from, to, method, args, duplicate: false };
}

export function fail(t: number, from: number, to: number, method: string, args: unknown): FailEvent {
  return { kind: 'fail', t, id: id(), from, to, method, args, reason: 'unreachable', afterMs: 0 };
}

/** `candidate` wins `term` at t: a granted RequestVote exchange with each voter. */
export function elect(t: number, candidate: number, term: number, voters: readonly number[]): Log {
  return voters.flatMap((v) => rv(t, candidate, v, term));
}

/** `leader` heartbeats every other server of an n-server cluster at t (whole exchanges). */
export function heartbeats(t: number, leader: number, term: number, n: number): Log {
  const log: Log = [];
  for (let j = 0; j < n; j++) if (j !== leader) log.push(...ae(t, leader, j, term));
  return log;
}

/** Just the AppendEntries sends of one heartbeat round, no replies. */
export function heartbeatSends(t: number, leader: number, term: number, peers: readonly number[]): Log {
  return peers.map((j) => aeSend(t, leader, j, term));
}

// ---- log replication (2B) ----

export function entry(term: number, command: unknown): LogEntry {
  return { term, command };
}

/** What an AppendEntries says about the sender's log; omitted fields are an empty heartbeat. */
export interface AeShape {
  prev?: number;
  prevTerm?: number;
  entries?: LogEntry[];
  commit?: number;
}

export function aeArgsWith(term: number, leaderId: number, shape: AeShape = {}): AppendEntriesArgs {
  return { term, leaderId, prevLogIndex: shape.prev ?? 0, prevLogTerm: shape.prevTerm ?? 0, entries: shape.entries ?? [], leaderCommit: shape.commit ?? 0 };
}

/**
 * A whole AppendEntries exchange at one instant, carrying a log: send,
 * deliver, handled (with the receiver's success), reply. One rpc id for all
 * four, as the network does.
 */
export function append(t: number, from: number, to: number, term: number, shape: AeShape = {}, success = true, replyTerm = term): Log {
  const args = aeArgsWith(term, from, shape);
  const reply: AppendEntriesReply = { term: replyTerm, success };
  const rpc = id();
  const bytes = JSON.stringify(args).length;
  return [
    { kind: 'send', t, id: rpc, from, to, method: RPC.AppendEntries, args, bytes },
    { kind: 'deliver', t, id: rpc, from, to, method: RPC.AppendEntries, args, duplicate: false },
    { kind: 'handled', t, id: rpc, from, to, method: RPC.AppendEntries, args, reply, duplicate: false },
    { kind: 'reply', t, id: rpc, from, to, method: RPC.AppendEntries, args, reply, bytes: 30 },
  ];
}

/**
 * An AppendEntries whose handler is asynchronous: sent and delivered at t,
 * answered (handled, replied) at `later`. Interleave it with byTime().
 */
export function appendAnsweredLater(t: number, later: number, from: number, to: number, term: number, shape: AeShape, success: boolean, replyTerm = term): Log {
  const args = aeArgsWith(term, from, shape);
  const reply: AppendEntriesReply = { term: replyTerm, success };
  const rpc = id();
  return [
    { kind: 'send', t, id: rpc, from, to, method: RPC.AppendEntries, args, bytes: JSON.stringify(args).length },
    { kind: 'deliver', t, id: rpc, from, to, method: RPC.AppendEntries, args, duplicate: false },
    { kind: 'handled', t: later, id: rpc, from, to, method: RPC.AppendEntries, args, reply, duplicate: false, async: true },
    { kind: 'reply', t: later, id: rpc, from, to, method: RPC.AppendEntries, args, reply, bytes: 30 },
  ];
}

/** Just the send of a log-carrying AppendEntries. */
export function appendSend(t: number, from: number, to: number, term: number, shape: AeShape = {}): SendEvent {
  return send(t, from, to, RPC.AppendEntries, aeArgsWith(term, from, shape));
}

/** A RequestVote exchange that describes the candidate's log (§5.4.1). */
export function vote(t: number, from: number, to: number, term: number, lastLogIndex: number, lastLogTerm: number, granted = true): Log {
  const args: RequestVoteArgs = { term, candidateId: from, lastLogIndex, lastLogTerm };
  const reply: RequestVoteReply = { term, voteGranted: granted };
  const rpc = id();
  return [
    { kind: 'send', t, id: rpc, from, to, method: RPC.RequestVote, args, bytes: 40 },
    { kind: 'deliver', t, id: rpc, from, to, method: RPC.RequestVote, args, duplicate: false },
    { kind: 'handled', t, id: rpc, from, to, method: RPC.RequestVote, args, reply, duplicate: false },
    { kind: 'reply', t, id: rpc, from, to, method: RPC.RequestVote, args, reply, bytes: 40 },
  ];
}

// ---- log compaction (2D) ----

/** The tester's encoding of a snapshot holding these commands at indexes 1, 2, ... (the snapshot applier's). */
export function snapshotOf(...commands: unknown[]): string {
  return encodeSnapshot(commands.length, [null, ...commands]);
}

/** `server` sent a snapshot ApplyMsg through `index` (data: the snapshot, by default one the tester cannot decode). */
export function applySnapshot(t: number, server: number, index: number, data = `snap${index}`, term = 1, incarnation = 1): ApplyEvent {
  return {
    kind: 'apply',
    t,
    server,
    incarnation,
    commandValid: false,
    command: null,
    index: 0,
    snapshotValid: true,
    snapshot: data,
    snapshotIndex: index,
    snapshotTerm: term,
  };
}

/** What an InstallSnapshot exchange looks like beyond its term and last included entry. */
export interface IsShape {
  /** The snapshot (default: `snap<index>`, which the tester cannot decode). */
  data?: string;
  /** The reply's term (default: the request's). */
  replyTerm?: number;
  /** What the receiver's handler did, recorded between its delivery and its answer. */
  effects?: TesterEvent[];
  /** The handler returned a promise. */
  async?: boolean;
}

/**
 * A whole InstallSnapshot exchange (Figure 13) at one instant: send,
 * deliver, what the handler did, handled, reply. One rpc id for all, as the
 * network does.
 */
export function installSnapshot(
  t: number,
  from: number,
  to: number,
  term: number,
  lastIncludedIndex: number,
  lastIncludedTerm: number,
  shape: IsShape = {},
): Log {
  const args: InstallSnapshotArgs = { term, leaderId: from, lastIncludedIndex, lastIncludedTerm, data: shape.data ?? `snap${lastIncludedIndex}` };
  const reply = { term: shape.replyTerm ?? term };
  const rpc = id();
  return [
    { kind: 'send', t, id: rpc, from, to, method: RPC.InstallSnapshot, args, bytes: 80 },
    { kind: 'deliver', t, id: rpc, from, to, method: RPC.InstallSnapshot, args, duplicate: false },
    ...(shape.effects ?? []),
    {
      kind: 'handled',
      t,
      id: rpc,
      from,
      to,
      method: RPC.InstallSnapshot,
      args,
      reply,
      duplicate: false,
      ...(shape.async === true && { async: true as const }),
    },
    { kind: 'reply', t, id: rpc, from, to, method: RPC.InstallSnapshot, args, reply, bytes: 10 },
  ];
}

/** Just the send of an InstallSnapshot. */
export function installSnapshotSend(
  t: number,
  from: number,
  to: number,
  term: number,
  lastIncludedIndex: number,
  lastIncludedTerm: number,
  data: string,
): SendEvent {
  return send(t, from, to, RPC.InstallSnapshot, { term, leaderId: from, lastIncludedIndex, lastIncludedTerm, data } satisfies InstallSnapshotArgs);
}

/** `server` saved its state; `snapshot`: the persister's snapshot after the save (its size and the index it holds), none when left out. */
export function persist(t: number, server: number, snapshot?: { size: number; index?: number }, incarnation = 1): PersistEvent {
  return {
    kind: 'persist',
    t,
    server,
    incarnation,
    size: 100,
    ...(snapshot !== undefined && { snapshotSize: snapshot.size }),
    ...(snapshot?.index !== undefined && { snapshotIndex: snapshot.index }),
  };
}

/** Server i (re)started as `incarnation`; the tester ingested its stored snapshot through `snapshotIndex`, if any. */
export function restart(t: number, i: number, incarnation: number, snapshotIndex?: number): StartEvent {
  return { kind: 'start', t, server: i, incarnation, ...(snapshotIndex !== undefined && { snapshotIndex }) };
}

/** Every check off but these (for logs that exercise a few checks in isolation). */
export function only(...ids: MonitorCheckId[]): { policy: CheckPolicy } {
  return { policy: Object.fromEntries(Object.keys(MONITOR_CHECKS).map((id) => [id, ids.includes(id as MonitorCheckId) ? 'fail' : 'off'])) };
}

/**
 * After `won` (server 0 leads term 1 of three): start('a') gives index 1,
 * both followers accept it, every server applies it.
 */
export function agreeOnA(won: Log): Log {
  return [
    ...won,
    submit(20, 0, 'a', 1, 1),
    ...append(30, 0, 1, 1, { entries: [entry(1, 'a')] }),
    ...append(30, 0, 2, 1, { entries: [entry(1, 'a')] }),
    apply(31, 0, 1, 'a'),
    ...append(40, 0, 1, 1, { prev: 1, prevTerm: 1, commit: 1 }),
    ...append(40, 0, 2, 1, { prev: 1, prevTerm: 1, commit: 1 }),
    apply(41, 1, 1, 'a'),
    apply(41, 2, 1, 'a'),
  ];
}

/** The tester called start(command) on `server`, which answered (index, term, isLeader). */
export function submit(t: number, server: number, command: unknown, index: number, term: number, isLeader = true, incarnation = 1): SubmitEvent {
  return { kind: 'submit', t, server, incarnation, command, index, term, isLeader };
}

/** `server` sent ApplyMsg{command, index} on its apply channel. */
export function apply(t: number, server: number, index: number, command: unknown, incarnation = 1): ApplyEvent {
  return { kind: 'apply', t, server, incarnation, commandValid: true, command, index };
}

// ---- the tester's own events ----

export function state(t: number, server: number, term: number, isLeader: boolean): StateEvent {
  return { kind: 'state', t, server, term, isLeader };
}

export function step(t: number, name = 'sleep'): StepEvent {
  return { kind: 'step', t, name, detail: '' };
}

export function misuse(t: number, message: string): MisuseEvent {
  return { kind: 'misuse', t, message };
}

export function handlerError(t: number, from: number, to: number, method: string, error: string): HandlerErrorEvent {
  return { kind: 'handler-error', t, id: id(), from, to, method, error };
}

/** Sorts a log by time, keeping the order of events at one instant. */
export function byTime(...parts: (TesterEvent | Log)[]): Log {
  const log = parts.flat();
  return log
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.t - b.e.t || a.i - b.i)
    .map(({ e }) => e);
}

// ---- expectations ----

/** What a test expects of one violation. Omitted fields are not compared. */
export interface Want {
  check: MonitorCheckId;
  term?: number | undefined;
  servers?: number[];
  t?: number;
  fatal?: boolean;
  /** A piece of the message. */
  says?: string;
}

/** A row of a monitor table: a log and the violations judge() must return, in order. */
export interface Row {
  name: string;
  log: Log;
  want: Want[];
  options?: Parameters<typeof judge>[1];
}

export function expectViolations(found: readonly ViolationEvent[], want: readonly Want[]): void {
  const shown = found.map((v) => `[${v.check}] t=${v.t} term=${String(v.term)} servers=${JSON.stringify(v.servers)}: ${v.message}`).join('\n');
  expect(
    found.map((v) => v.check),
    `violations:\n${shown || '(none)'}`,
  ).to.deep.equal(want.map((w) => w.check));
  want.forEach((w, i) => {
    const v = found[i] as ViolationEvent;
    if ('term' in w) expect(v.term, `term of violation ${i} (${v.message})`).to.equal(w.term);
    if (w.servers !== undefined) expect(v.servers, `servers of violation ${i} (${v.message})`).to.deep.equal(w.servers);
    if (w.t !== undefined) expect(v.t, `time of violation ${i} (${v.message})`).to.equal(w.t);
    if (w.fatal !== undefined) expect(v.fatal, `fatal flag of violation ${i}`).to.equal(w.fatal);
    if (w.says !== undefined) expect(v.message, v.message).to.include(w.says);
  });
}

/** Runs every row of a table as one mocha test. */
export function table(rows: readonly Row[]): void {
  for (const row of rows) {
    const label = row.want.length === 0 ? 'passes' : `fails ${row.want.map((w) => w.check).join(', ')}`;
    it(`${row.name}: ${label}`, function () {
      expectViolations(judge(row.log, row.options), row.want);
    });
  }
}
