// A nemesis in the style of Jepsen's: faults aimed at what the cluster is
// doing at the moment they strike, not at fixed server numbers. It cuts the
// leader of the moment off together with followers that acknowledged it into
// a minority, moves that minority around the ring so that the majority
// changes, and holds the replies inside the minority for the lab's
// long-reordering delays, so that they arrive after leadership has moved on.
//
// Why these: a leader and a follower that holds its latest entries, cut off
// together, keep entries the majority never sees (§5.3: the next leader
// overwrites them); their replies, held across later elections, reach a
// server that may lead again in a later term. Raft is safe only if a leader
// counts a reply for the term it sent the request in (Figure 2: "If
// successful: update nextIndex and matchIndex for follower", as leader of
// that term, §5.1) and reinitializes nextIndex and matchIndex after each
// election (Figure 2, "Volatile state on leaders").
//
// Everything it does follows from the run (the events it has seen and the
// servers' getState()), so a scenario replays exactly.
import { LAB_TIMING } from '../../labrpc/network.ts';
import { RPC } from '../../raft/contract.ts';
import type { Config } from '../config.ts';

/** A held reply waits as a long-reordered one may: 200..2199 ms (the lab's labrpc). */
export const MIN_HOLD_MS = LAB_TIMING.reorderBaseMs;
export const MAX_HOLD_REPLY_MS = LAB_TIMING.reorderBaseMs + LAB_TIMING.reorderSpreadMs - 1;
/** The lab's 5 s: once the faults heal, a connected majority must have a leader within this long. */
export const LIVENESS_MS = 5000;

/** What one leader's followers acknowledged in its current term: the highest index each vouched for. */
interface Acks {
  term: number;
  match: Map<number, number>;
}

/**
 * The leader of the moment: the live server that says it leads, in the
 * highest term (a leader cut off in a minority says so too, in a lower term).
 */
export function leaderOfTheMoment(cfg: Config): number | undefined {
  let found: { leader: number; term: number } | undefined;
  for (let i = 0; i < cfg.n; i++) {
    if (cfg.rafts[i] === undefined) continue;
    const { term, isLeader } = cfg.getStateOf(i);
    if (isLeader && (found === undefined || term > found.term)) found = { leader: i, term };
  }
  return found?.leader;
}

export class Nemesis {
  /** The minority the nemesis last cut off (isolateLeader, rotate), until a heal. */
  minority: number[] | undefined;
  private readonly acks = new Map<number, Acks>();
  private readonly unsubscribe: () => void;

  constructor(private readonly cfg: Config) {
    // A follower acknowledged a leader when it handled an AppendEntries of
    // the leader's term with success (Figure 2, receiver rules 1 and 2 passed):
    // it then holds the leader's log up to prevLogIndex + entries.
    this.unsubscribe = cfg.net.subscribe((e) => {
      if (e.kind !== 'handled' || e.method !== RPC.AppendEntries || typeof e.from !== 'number' || typeof e.to !== 'number') return;
      const args = e.args as { term?: unknown; prevLogIndex?: unknown; entries?: unknown } | null;
      const reply = e.reply as { term?: unknown; success?: unknown } | null;
      if (args === null || reply === null || reply.success !== true || typeof args.term !== 'number' || reply.term !== args.term) return;
      const match = (typeof args.prevLogIndex === 'number' ? args.prevLogIndex : 0) + (Array.isArray(args.entries) ? args.entries.length : 0);
      let acks = this.acks.get(e.from);
      if (acks === undefined || acks.term < args.term) {
        acks = { term: args.term, match: new Map() };
        this.acks.set(e.from, acks);
      }
      if (acks.term !== args.term) return;
      acks.match.set(e.to, Math.max(acks.match.get(e.to) ?? 0, match));
    });
  }

  /** The leader of the moment (see leaderOfTheMoment). */
  currentLeader(): { leader: number; term: number } | undefined {
    const leader = leaderOfTheMoment(this.cfg);
    return leader === undefined ? undefined : { leader, term: this.cfg.getStateOf(leader).term };
  }

  /**
   * The followers that acknowledged `leader` in `term`, most entries first
   * (then by number): those that hold most of what it may still lose.
   */
  acknowledged(leader: number, term: number): number[] {
    const acks = this.acks.get(leader);
    if (acks === undefined || acks.term !== term) return [];
    return [...acks.match.entries()]
      .filter(([f]) => f !== leader)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([f]) => f);
  }

  /**
   * Cuts the leader of the moment off with up to `followers` of the servers
   * that acknowledged it (from the pick-th, in acknowledged() order), into a
   * minority; the others form a majority. Returns the minority, or undefined
   * when no server leads (nothing is done).
   */
  isolateLeader(followers: number, pick: number): number[] | undefined {
    const n = this.cfg.n;
    const found = n < 2 ? undefined : this.currentLeader();
    if (found === undefined) {
      this.cfg.step('fault', 'isolate the leader: no server leads, nothing done');
      return undefined;
    }
    const { leader, term } = found;
    const acked = this.acknowledged(leader, term);
    const from = acked.length === 0 ? 0 : pick % acked.length;
    const take = Math.min(followers, Math.max(0, Math.floor((n - 1) / 2) - 1));
    const chosen = [...acked.slice(from), ...acked.slice(0, from)].slice(0, take);
    const minority = [leader, ...chosen].sort((a, b) => a - b);
    this.cfg.step(
      'fault',
      `isolate leader S${leader} (term ${term})${chosen.length === 0 ? '' : ` with ${chosen.map((f) => `S${f}`).join(', ')}, which acknowledged it`} in a minority`,
    );
    this.cutOff(minority);
    return minority;
  }

  /**
   * Moves the nemesis's minority `by` servers around the ring (servers
   * 0..m-1 if it has cut none off, m the largest minority); the others form a
   * majority. Returns the new minority.
   */
  rotate(by: number): number[] | undefined {
    const n = this.cfg.n;
    const size = Math.floor((n - 1) / 2);
    if (size === 0) return undefined;
    const base = this.minority ?? Array.from({ length: size }, (_, i) => i);
    const minority = [...new Set(base.map((i) => (i + by) % n))].sort((a, b) => a - b);
    this.cfg.step('fault', `rotate: minority {${base.join(',')}} moves ${by} around the ring to {${minority.join(',')}}`);
    this.cutOff(minority);
    return minority;
  }

  /** Holds each reply inside the nemesis's minority `ms` (nothing if it has cut none off). */
  holdReplies(ms: number): void {
    if (this.minority === undefined) {
      this.cfg.step('fault', 'hold replies: no minority cut off, nothing held');
      return;
    }
    this.cfg.holdReplies(this.minority, ms);
  }

  /** Stops holding and delivers every held reply now. */
  releaseReplies(): number {
    return this.cfg.releaseReplies();
  }

  /** The cluster is healed: no minority any more, and nothing held back. */
  heal(): void {
    this.minority = undefined;
    this.cfg.releaseReplies();
  }

  stop(): void {
    this.unsubscribe();
  }

  /** Cuts `minority` off from the others (by links), which form the majority; it is the nemesis's minority from now on. */
  cutOff(minority: readonly number[]): void {
    const majority = Array.from({ length: this.cfg.n }, (_, i) => i).filter((i) => !minority.includes(i));
    this.cfg.partition([minority, majority]);
    this.minority = [...minority];
  }
}
