// The shape shared by every continuous check.
import { RPC } from '../../raft/contract.ts';
import type { TesterEvent } from '../events.ts';
import type { Facts } from './facts.ts';
import type { MonitorCheckId } from '../check-ids.ts';

export interface Finding {
  message: string;
  servers: number[];
  term?: number;
  /** The RPCs that make the violation (shown by the trace page). */
  rpcs?: number[];
}

export interface MonitorContext {
  readonly facts: Facts;
  /** Reports a violation of this monitor's check at the current event's time. */
  report(check: MonitorCheckId, finding: Finding): void;
  /** Calls fn when virtual (or real) time reaches `time`. */
  at(time: number, fn: (now: number) => void): void;
}

export type EventKind = TesterEvent['kind'];

export interface Monitor {
  /** The kinds of event this monitor looks at; it is not called for others. */
  readonly kinds: readonly EventKind[];
  /** `act` is leadershipAct(e), worked out once for all monitors. */
  observe(e: TesterEvent, act: LeadershipAct | undefined): void;
}

/**
 * Limits of conduct. Each is a requirement of the lab or of the Raft paper,
 * never a constant of our reference Raft.
 */
export interface ConductLimits {
  /** At most this many AppendEntries per second from a leader to one follower (the lab's 10). */
  maxHeartbeatsPerSecond: number;
  /**
   * Figure 2 sends the first heartbeat "upon election": at once. A first
   * heartbeat held back this long after winning (a whole heartbeat interval
   * at the lab's fastest rate, 10 per second) is not at once.
   */
  firstHeartbeatMs: number;
  /**
   * A leader's heartbeats to one peer at most this far apart: only when the
   * implementation declares its timing (its own minimum election timeout).
   * Otherwise undefined: the heartbeat interval is judged by its
   * consequence alone (ST: a follower of a connected leader never times out).
   */
  maxHeartbeatGapMs?: number | undefined;
  /** With a majority that can talk both ways, a leader within this long (the lab's 5 s). */
  livenessMs: number;
  /** After a leader is heard by all, no election or term change for this long. */
  stableWindowMs: number;
}

export const DEFAULT_LIMITS: Readonly<ConductLimits> = {
  maxHeartbeatsPerSecond: 10,
  firstHeartbeatMs: 100,
  livenessMs: 5000,
  stableWindowMs: 2000,
};

/** The limits an implementation's declared timing adds (RaftModule.timing). */
export function limitsFromTiming(timing: { electionTimeoutMs: readonly [number, number] } | undefined): Partial<ConductLimits> {
  return timing === undefined ? {} : { maxHeartbeatGapMs: timing.electionTimeoutMs[0] };
}

export interface LeadershipAct {
  server: number;
  term: number;
  how: 'sent AppendEntries' | 'sent InstallSnapshot' | 'getState() said leader';
}

/** Acting as leader: sending an AppendEntries, or answering getState() as leader. */
export function leadershipAct(e: TesterEvent): LeadershipAct | undefined {
  if (e.kind === 'send' && e.method === RPC.AppendEntries && typeof e.from === 'number') {
    const term = termOf(e.args);
    return term === undefined ? undefined : { server: e.from, term, how: 'sent AppendEntries' };
  }
  // Figure 13: InstallSnapshot is "invoked by leader", like AppendEntries; its
  // sender claims to lead that term, and it is contact with the follower.
  if (e.kind === 'send' && e.method === RPC.InstallSnapshot && typeof e.from === 'number') {
    const term = termOf(e.args);
    return term === undefined ? undefined : { server: e.from, term, how: 'sent InstallSnapshot' };
  }
  if (e.kind === 'state' && e.isLeader) return { server: e.server, term: e.term, how: 'getState() said leader' };
  return undefined;
}

export function termOf(message: unknown): number | undefined {
  const term = (message as { term?: unknown } | null | undefined)?.term;
  return typeof term === 'number' ? term : undefined;
}

export function list(servers: Iterable<number>): string {
  return `{${[...servers].join(', ')}}`;
}
