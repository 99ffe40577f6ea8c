// What every monitor needs to know about the cluster, derived from the event
// stream alone (so monitors can be tested on hand-written logs): who is
// alive, who can reach whom, the terms servers have spoken in, and which
// candidates have collected a quorum of valid votes.
import { RPC } from '../../raft/contract.ts';
import type { TesterEvent } from '../events.ts';

/** A majority of the cluster that can talk freely inside and not at all outside. */
export interface CleanMajority {
  members: number[];
  /** When this connectivity began. */
  since: number;
  /** Bumped on every change of connectivity or of the network's faults. */
  epoch: number;
}

/**
 * Majorities of live servers in which every two can reach each other both
 * ways, whatever the servers outside do or send (LV arms on these).
 */
export interface TalkingMajorities {
  /** Each group is a maximal set of live servers that can all talk both ways, of majority size; ascending. */
  groups: number[][];
  since: number;
  epoch: number;
}

/**
 * "No loss, small delays": an unreliable network that drops nothing and
 * delays requests by at most the lab's short delay is calm.
 */
export const CALM_MAX_DELAY_MS = 26;

export class Facts {
  n = 0;
  majority = 1;
  alive: boolean[] = [];
  /** Highest term each server has said (in a request, a reply or getState). */
  saidTerm: number[] = [];
  /** Latest getState answer per server. */
  claimsLeader: boolean[] = [];
  /** The network loses nothing, delays by little (at most CALM_MAX_DELAY_MS), duplicates, reorders and holds nothing. */
  calm = true;
  clean: CleanMajority | undefined;
  /**
   * Majorities that can talk both ways, cut off from the rest or not
   * (undefined when there is none). A change that leaves them as they were
   * (a server outside them flapping, a link outside them cut) keeps `since`
   * and `epoch`: what the others do does not restart the clock.
   */
  talking: TalkingMajorities | undefined;
  /** A server started or crashed since connectivity was last settled. */
  private restarted = false;
  epoch = 0;
  private endUp: boolean[][] = [];
  private linkDown: boolean[][] = [];
  private reliable = true;
  private longReordering = false;
  private duplicateRate = 0;
  /** A nemesis holds some replies back (calm only once it stops). */
  private holding = false;
  /** An unreliable network that loses nothing and delays by little. */
  private lossless = false;
  /** Each server's incarnation: bumped at every start and crash. */
  private incarnation: number[] = [];
  /** The incarnation each request was handed to, indexed by RPC id (ids are dense: an array is cheapest). */
  private handedTo: (number | undefined)[] = [];
  /** The incarnation that sent each call, indexed by RPC id. */
  private sentBy: (number | undefined)[] = [];
  /** Distinct servers that granted s's term-T requests with a term-T reply, s included. */
  private readonly voters = new Map<number, Set<number>>();
  private readonly quorumAt = new Map<number, number>();

  /**
   * Updates the facts with one event. Returns true when connectivity or the
   * network's faults changed; the caller then calls settleConnectivity()
   * once the burst of changes is over (connect(i) changes 2n ends at once).
   */
  observe(e: TesterEvent): boolean {
    switch (e.kind) {
      case 'cluster':
        this.reset(e.n);
        return true;
      case 'start':
        this.alive[e.server] = true;
        this.restarted = true;
        return true;
      case 'crash':
        this.alive[e.server] = false;
        this.restarted = true;
        this.claimsLeader[e.server] = false;
        return true;
      case 'end':
        if (typeof e.from !== 'number' || typeof e.to !== 'number') return false;
        (this.endUp[e.from] as boolean[])[e.to] = e.enabled;
        return true;
      case 'link':
        if (typeof e.from !== 'number' || typeof e.to !== 'number') return false;
        (this.linkDown[e.from] as boolean[])[e.to] = !e.up;
        return true;
      case 'net-config':
        this.reliable = e.reliable;
        this.longReordering = e.longReordering;
        this.duplicateRate = e.duplicateRate;
        this.holding = e.holdGroup !== undefined;
        this.lossless = e.requestDropRate === 0 && e.replyDropRate === 0 && (e.maxDelayMs ?? Infinity) <= CALM_MAX_DELAY_MS;
        return true;
      case 'send':
        this.said(e.from, (e.args as { term?: unknown } | undefined)?.term, e.t);
        return false;
      case 'handled':
        this.said(e.to, (e.reply as { term?: unknown } | undefined)?.term, e.t);
        return false;
      case 'state':
        this.said(e.server, e.term, e.t);
        this.claimsLeader[e.server] = e.isLeader;
        return false;
      case 'reply':
        if (e.method === RPC.RequestVote) this.countVote(e.from, e.to, e.args, e.reply, e.t);
        return false;
      default:
        return false;
    }
  }

  /**
   * True for an event of an incarnation of a server that has crashed since
   * the request or call began: the delivery or handling of a request the
   * network had handed to it (it waited out the short delay of an unreliable
   * network, or its handler was still running), or a reply to a call it had
   * sent. As in the lab, such a handler still runs and such a reply still
   * arrives, but the instance is gone (its own reply is discarded): what it
   * does is no act of the server, whose next incarnation starts from the
   * persisted state.
   */
  isZombie(e: TesterEvent): boolean {
    switch (e.kind) {
      case 'cluster':
        this.incarnation = [];
        this.handedTo = [];
        this.sentBy = [];
        return false;
      case 'crash':
      case 'start':
        this.incarnation[e.server] = (this.incarnation[e.server] ?? 0) + 1;
        return false;
      case 'send':
        if (typeof e.from === 'number') this.sentBy[e.id] = this.incarnation[e.from] ?? 0;
        return false;
      case 'delay':
        if (e.stage === 'request' && typeof e.to === 'number') this.handedTo[e.id] = this.incarnation[e.to] ?? 0;
        return false;
      case 'deliver':
      case 'handled': {
        if (typeof e.to !== 'number') return false;
        const now = this.incarnation[e.to] ?? 0;
        const handed = this.handedTo[e.id];
        if (handed === undefined) {
          if (e.kind === 'deliver' && !e.duplicate) this.handedTo[e.id] = now;
          return false;
        }
        return handed !== now;
      }
      case 'reply': {
        const by = this.sentBy[e.id];
        return by !== undefined && typeof e.from === 'number' && by !== (this.incarnation[e.from] ?? 0);
      }
      default:
        return false;
    }
  }

  canReach(from: number, to: number): boolean {
    return (
      this.alive[from] === true &&
      this.alive[to] === true &&
      (from === to || ((this.endUp[from] as boolean[])[to] === true && (this.linkDown[from] as boolean[])[to] !== true))
    );
  }

  /** Time at which `server` had a quorum of valid votes for `term`, if ever. */
  quorumTime(server: number, term: number): number | undefined {
    return this.quorumAt.get(key(server, term));
  }

  /** The distinct valid voters `server` collected for `term`, itself included. */
  votersOf(server: number, term: number): number[] {
    return [...(this.voters.get(key(server, term)) ?? [server])].sort((a, b) => a - b);
  }

  maxSaidTerm(servers: readonly number[]): number {
    let max = 0;
    for (const s of servers) max = Math.max(max, this.saidTerm[s] ?? 0);
    return max;
  }

  private reset(n: number): void {
    this.n = n;
    this.majority = Math.floor(n / 2) + 1;
    this.alive = new Array<boolean>(n).fill(false);
    this.saidTerm = new Array<number>(n).fill(0);
    this.claimsLeader = new Array<boolean>(n).fill(false);
    this.endUp = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
    this.linkDown = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  }

  private said(server: unknown, term: unknown, t: number): void {
    if (typeof server !== 'number' || typeof term !== 'number') return;
    if (term > (this.saidTerm[server] ?? 0)) this.saidTerm[server] = term;
    // In a cluster of one, a server's own vote is a majority: it needs no
    // replies, so it holds a quorum for each term from the moment it speaks in it.
    if (this.majority === 1 && !this.quorumAt.has(key(server, term))) this.quorumAt.set(key(server, term), t);
  }

  // A grant counts for the term of the request it answers, only when the
  // reply carries that same term; each voter counts once.
  private countVote(candidate: unknown, voter: unknown, args: unknown, reply: unknown, t: number): void {
    if (typeof candidate !== 'number' || typeof voter !== 'number') return;
    const term = (args as { term?: unknown } | undefined)?.term;
    const r = reply as { term?: unknown; voteGranted?: unknown } | null | undefined;
    if (typeof term !== 'number' || r?.voteGranted !== true || r.term !== term) return;
    const k = key(candidate, term);
    let set = this.voters.get(k);
    if (set === undefined) {
      set = new Set([candidate]);
      this.voters.set(k, set);
    }
    set.add(voter);
    if (set.size >= this.majority && !this.quorumAt.has(k)) this.quorumAt.set(k, t);
  }

  /** Recomputes calm and the clean majority after connectivity changed at time t. */
  settleConnectivity(t: number): void {
    this.epoch++;
    const wasCalm = this.calm;
    this.calm = (this.reliable || this.lossless) && !this.longReordering && this.duplicateRate === 0 && !this.holding;
    const members = this.findCleanMajority();
    this.clean = members === undefined ? undefined : { members, since: t, epoch: this.epoch };
    const groups = this.findTalkingMajorities();
    const prev = this.talking;
    const unchanged = prev !== undefined && !this.restarted && wasCalm && this.calm && JSON.stringify(prev.groups) === JSON.stringify(groups);
    if (!unchanged) this.talking = groups.length === 0 ? undefined : { groups, since: t, epoch: this.epoch };
    this.restarted = false;
  }

  /**
   * Every maximal group of live servers that can all reach each other both
   * ways and are a majority (Bron-Kerbosch with pivoting; n is small). Two
   * such groups may overlap: a server in both can talk to everyone while
   * the two sides cannot talk to each other.
   */
  private findTalkingMajorities(): number[][] {
    const mutual = (a: number, b: number): boolean => a !== b && this.canReach(a, b) && this.canReach(b, a);
    return this.n <= MAX_MASK_SERVERS
      ? talkingGroupsByMasks(this.n, this.majority, this.alive, mutual)
      : talkingGroupsByLists(this.n, this.majority, this.alive, mutual);
  }

  // Groups live servers by any reachability (either direction); a group
  // qualifies when it is a majority and every pair in it can reach each
  // other both ways. At most one group can be a majority.
  private findCleanMajority(): number[] | undefined {
    const n = this.n;
    const group = new Array<number>(n).fill(-1);
    for (let start = 0; start < n; start++) {
      if (!this.alive[start] || (group[start] as number) >= 0) continue;
      const members = [start];
      group[start] = start;
      for (let k = 0; k < members.length; k++) {
        const a = members[k] as number;
        for (let b = 0; b < n; b++) {
          if ((group[b] as number) < 0 && this.alive[b] && (this.canReach(a, b) || this.canReach(b, a))) {
            group[b] = start;
            members.push(b);
          }
        }
      }
      if (members.length < this.majority) continue;
      for (const a of members) for (const b of members) if (!this.canReach(a, b)) return undefined;
      return members.sort((x, y) => x - y);
    }
    return undefined;
  }
}

// n is at most a few dozen, so (server, term) packs into one number.
function key(server: number, term: number): number {
  return term * 1024 + server;
}

/** Servers that fit in the bits of one integer, for talkingGroupsByMasks. */
export const MAX_MASK_SERVERS = 30;

/**
 * Every maximal group of live servers in which every two are `mutual`, of
 * at least `majority` members, ascending, in the order of their first
 * member (Bron-Kerbosch with pivoting). The reference form, on lists; it
 * serves clusters too large for talkingGroupsByMasks.
 */
export function talkingGroupsByLists(n: number, majority: number, alive: readonly boolean[], mutual: (a: number, b: number) => boolean): number[][] {
  const live: number[] = [];
  for (let i = 0; i < n; i++) if (alive[i]) live.push(i);
  if (live.length < majority) return [];
  const found: number[][] = [];
  const extend = (r: number[], p: number[], x: number[]): void => {
    if (p.length === 0 && x.length === 0) {
      if (r.length >= majority) found.push([...r].sort((a, b) => a - b));
      return;
    }
    if (r.length + p.length < majority) return;
    const pivot = [...p, ...x].reduce((best, u) => (p.filter((v) => mutual(u, v)).length > p.filter((v) => mutual(best, v)).length ? u : best));
    for (const v of p.filter((w) => !mutual(pivot, w))) {
      extend(
        [...r, v],
        p.filter((w) => mutual(v, w)),
        x.filter((w) => mutual(v, w)),
      );
      p = p.filter((w) => w !== v);
      x = [...x, v];
    }
  };
  extend([], live, []);
  return found.sort((a, b) => (a[0] as number) - (b[0] as number));
}

/**
 * talkingGroupsByLists, group for group and in the same order (the same
 * pivots, the same candidates in the same order), with the candidate sets
 * as bits: connectivity is settled after every connect and disconnect, and
 * the lists' filters and copies were most of that cost. For at most
 * MAX_MASK_SERVERS servers.
 */
export function talkingGroupsByMasks(n: number, majority: number, alive: readonly boolean[], mutual: (a: number, b: number) => boolean): number[][] {
  let live = 0;
  for (let i = 0; i < n; i++) if (alive[i]) live |= 1 << i;
  if (bitCount(live) < majority) return [];
  const adjacent = new Array<number>(n).fill(0);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (mutual(a, b)) adjacent[a] = (adjacent[a] as number) | (1 << b);
  const found: number[][] = [];
  // p: the candidates, ascending as the lists keep them; x: the servers
  // already tried, in the order they were tried (the pivot's ties follow it).
  const extend = (r: number, p: number, x: number[]): void => {
    if (p === 0 && x.length === 0) {
      if (bitCount(r) >= majority) found.push(bitsOf(r));
      return;
    }
    if (bitCount(r) + bitCount(p) < majority) return;
    let pivot = -1;
    let most = -1;
    for (let rest = p; rest !== 0; rest &= rest - 1) {
      const u = lowestBit(rest);
      const count = bitCount(p & (adjacent[u] as number));
      if (count > most) {
        most = count;
        pivot = u;
      }
    }
    for (const u of x) {
      const count = bitCount(p & (adjacent[u] as number));
      if (count > most) {
        most = count;
        pivot = u;
      }
    }
    for (let candidates = p & ~(adjacent[pivot] as number); candidates !== 0; candidates &= candidates - 1) {
      const v = lowestBit(candidates);
      const near = adjacent[v] as number;
      const xNear: number[] = [];
      for (const w of x) if ((near & (1 << w)) !== 0) xNear.push(w);
      extend(r | (1 << v), p & near, xNear);
      p &= ~(1 << v);
      x.push(v);
    }
  };
  extend(0, live, []);
  return found.sort((a, b) => (a[0] as number) - (b[0] as number));
}

function bitCount(bits: number): number {
  let count = 0;
  for (let rest = bits; rest !== 0; rest &= rest - 1) count++;
  return count;
}

function lowestBit(bits: number): number {
  return 31 - Math.clz32(bits & -bits);
}

function bitsOf(bits: number): number[] {
  const out: number[] = [];
  for (let rest = bits; rest !== 0; rest &= rest - 1) out.push(lowestBit(rest));
  return out;
}
