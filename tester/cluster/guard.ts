// The guard around a foreign implementation: every call the tester makes into
// a Raft (make, getState, start, snapshot, kill) goes through here, so that a
// throw, a wrong shape or a leaked timer becomes that run's failure with a
// message naming the cause, never a crash of the harness.
import {
  RAFT_LOG_METHODS,
  RAFT_PEER_METHODS,
  type ApplyChannel,
  type MakeRaft,
  type Peer,
  type Persister,
  type RaftPeer,
  type StartResult,
} from '../../raft/contract.ts';
import type { ScopedRuntime } from '../../runtime/runtime.ts';
import { nodeTimers } from '../../runtime/wall.ts';
import { describeError } from '../failure.ts';
import type { CheckId } from '../check-ids.ts';
import { CALL_GET_STATE, CALL_KILL, CALL_MAKE, CALL_SNAPSHOT, CALL_START, enterCall, leaveCall } from '../../runtime/in-call.ts';
import { CAPTURED_TIMERS, lackingText } from '../raft-module.ts';

/** A killed server may still see timers it set before fire; a new one this long after kill() is a leak. */
export const KILL_GRACE_MS = 100;

/** How the guard reports a misbehaving implementation: (message, check). */
export type Report = (message: string, check: CheckId) => void;

export interface MakeOptions {
  makeRaft: MakeRaft;
  server: number;
  ends: Peer[];
  persister: Persister;
  applyCh: ApplyChannel;
  runtime: ScopedRuntime;
  /** Virtual time: a real timer set by make() is a mistake (or, with global timers, a timer copied before the harness routed them). */
  watchTimers: boolean;
  /** The module says timers = 'global'. */
  globalTimers: boolean;
  /** Methods the test needs beyond the contract's base (start, for the log tests). */
  requires: readonly string[];
}

/** Calls make(); undefined (after reporting why) when the result cannot be used. */
export function guardedMake(options: MakeOptions, report: Report): RaftPeer | undefined {
  const { server: i } = options;
  const timersBefore = options.watchTimers ? nodeTimers() : 0;
  let raft: RaftPeer;
  const before = enterCall(CALL_MAKE, i);
  try {
    raft = options.makeRaft(options.ends, i, options.persister, options.applyCh, options.runtime);
  } catch (error) {
    report(`make() of server ${i} threw: ${describeError(error)}`, 'RAFT');
    return undefined;
  } finally {
    leaveCall(before);
  }
  // make() runs synchronously: any Node timer that appears meanwhile is its.
  if (options.watchTimers && nodeTimers() > timersBefore && options.globalTimers) {
    report(`make() of server ${i}: ${CAPTURED_TIMERS}`, 'RAFT');
  } else if (options.watchTimers && nodeTimers() > timersBefore) {
    report(
      `make() of server ${i} set a real timer (setTimeout/setInterval) in a virtual-time run: an implementation that uses ` +
        "global timers must say so with `export const timers = 'global'` in its module, so that the harness fakes them",
      'RAFT',
    );
  }
  const missing = missingMethods(raft, RAFT_PEER_METHODS);
  if (missing.length > 0) {
    report(`make() of server ${i} returned an object without ${missing.join(', ')} (the contract needs ${RAFT_PEER_METHODS.join(', ')})`, 'RAFT');
    return undefined;
  }
  const lacking = missingMethods(raft, options.requires);
  if (lacking.length > 0) {
    report(lacksLogMethods(lacking), 'RAFT');
    return undefined;
  }
  return raft;
}

/** The contract's methods that an object lacks. */
export function missingMethods(raft: unknown, methods: readonly string[]): string[] {
  const record = (typeof raft === 'object' && raft !== null ? raft : {}) as Record<string, unknown>;
  return methods.filter((m) => typeof record[m] !== 'function');
}

/** The one line that refuses an implementation without the test's methods (a 2A-only one for a log test, a 2C one for a snapshot test). */
export function lacksLogMethods(lacking: readonly string[]): string {
  const { what, lab, runs } = lackingText(lacking);
  return `this test needs ${what} (${lab}): the implementation has no ${what}, so it can run only ${runs}`;
}

/** getState(), checked for shape; undefined (after reporting) when it fails. */
export function guardedGetState(raft: RaftPeer, i: number, report: Report): { term: number; isLeader: boolean } | undefined {
  let answer: unknown;
  const before = enterCall(CALL_GET_STATE, i);
  try {
    answer = raft.getState();
  } catch (error) {
    report(`server ${i}'s getState() threw: ${describeError(error)}`, 'RAFT');
    return undefined;
  } finally {
    leaveCall(before);
  }
  const state = answer as { term?: unknown; isLeader?: unknown } | null;
  if (typeof state?.term !== 'number' || typeof state.isLeader !== 'boolean') {
    report(`server ${i}'s getState() returned ${safeJson(answer)}; the contract says { term: number, isLeader: boolean }`, 'WF');
    return undefined;
  }
  return state as { term: number; isLeader: boolean };
}

/** start(command), checked for shape; undefined (after reporting) when it fails. */
export function guardedStart(raft: RaftPeer, i: number, command: unknown, report: Report): StartResult | undefined {
  // Read once, so that the check and the call see the same value; called with raft as `this` below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const start = raft.start;
  if (typeof start !== 'function') {
    report(lacksLogMethods(['start']), 'RAFT');
    return undefined;
  }
  let answer: unknown;
  const before = enterCall(CALL_START, i);
  try {
    answer = start.call(raft, command);
  } catch (error) {
    report(`server ${i}'s start(${safeJson(command)}) threw: ${describeError(error)}`, 'RAFT');
    return undefined;
  } finally {
    leaveCall(before);
  }
  const result = answer as { index?: unknown; term?: unknown; isLeader?: unknown } | null;
  if (!Number.isInteger(result?.index) || !Number.isInteger(result?.term) || typeof result?.isLeader !== 'boolean') {
    report(`server ${i}'s start() returned ${safeJson(answer)}; the contract says { index: integer, term: integer, isLeader: boolean }`, 'WF');
    return undefined;
  }
  return { index: result.index as number, term: result.term as number, isLeader: result.isLeader };
}

/**
 * snapshot(index, snapshot), as the snapshot applier makes it (from inside
 * the server's apply). Returns what it returned when that is a promise (the
 * caller watches it), else undefined; a throw is reported.
 */
export function guardedSnapshot(raft: RaftPeer, i: number, index: number, snapshot: string, report: Report): PromiseLike<unknown> | undefined {
  // Read once, so that the check and the call see the same value; called with raft as `this` below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const method = raft.snapshot;
  if (typeof method !== 'function') {
    report(lacksLogMethods(['snapshot']), 'RAFT');
    return undefined;
  }
  let answer: unknown;
  const before = enterCall(CALL_SNAPSHOT, i);
  try {
    answer = method.call(raft, index, snapshot);
  } catch (error) {
    report(
      `server ${i}'s snapshot(${index}) threw: ${describeError(error)} (the tester calls it from inside the server's apply, as the lab's applier does)`,
      'RAFT',
    );
    return undefined;
  } finally {
    leaveCall(before);
  }
  const thenable = answer as { then?: unknown } | null | undefined;
  return typeof thenable === 'object' && thenable !== null && typeof thenable.then === 'function' ? (answer as PromiseLike<unknown>) : undefined;
}

/** kill(), then a watch for timers set after it. */
export function guardedKill(raft: RaftPeer, i: number, runtime: ScopedRuntime | undefined, report: Report): void {
  const before = enterCall(CALL_KILL, i);
  try {
    raft.kill();
  } catch (error) {
    report(`server ${i}'s kill() threw: ${describeError(error)}`, 'RAFT');
  } finally {
    leaveCall(before);
  }
  runtime?.watchAfterKill(KILL_GRACE_MS, (ms) =>
    report(`server ${i} set a timer ${Math.round(ms)} ms after kill(): kill() must stop every loop and timer`, 'RAFT'),
  );
}

export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export { RAFT_LOG_METHODS };
