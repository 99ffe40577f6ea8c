// A fuzz scenario as data: a cluster size, a network profile, the fault
// kinds it may use at all (swarm testing), a schedule of timed steps, and a
// liveness phase that heals a majority, calms the network and requires a
// leader among it. The fuzzer draws scenarios (tester/fuzz/scenario.ts), a
// worker is sent them (protocol.ts), run-scenario.ts runs them, regression
// files store them: each of those reads this shape alone, so the runner
// sits below the fuzzer that draws for it.
import { LAB_TIMING } from '../../labrpc/network.ts';
import { MAX_SEED } from '../../runtime/random.ts';
import { LIVENESS_MS } from '../cluster/nemesis.ts';
import { CALM_MAX_DELAY_MS } from '../monitors/facts.ts';

/** Largest cluster the fuzzer makes. */
export const MAX_SERVERS = 9;

/** The kinds of fault a scenario can use; each scenario picks a subset. */
export const FAULT_KINDS = ['disconnect', 'partition', 'link', 'crash', 'heal', 'nemesis'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type Step =
  | { op: 'pause'; ms: number }
  | { op: 'disconnect'; server: number }
  | { op: 'connect'; server: number }
  | { op: 'partition'; groups: number[][] }
  | { op: 'cut'; from: number; to: number }
  | { op: 'restore'; from: number; to: number }
  | { op: 'crash'; server: number }
  | { op: 'restart'; server: number }
  /**
   * Crash the server in the middle of its next AppendEntries that carries
   * entries: beforeReply, as the request arrives (its handler runs on the
   * killed instance and its answer is lost); otherwise once the handler is
   * under way (an async handler is still running; a synchronous one has
   * answered, and the leader has yet to hear it). Restarted restartAfterMs
   * later, if given; else it stays down until a restart step or the
   * liveness phase.
   */
  | { op: 'crashOnAppend'; server: number; beforeReply: boolean; restartAfterMs?: number }
  /**
   * Lab 2D only: the service on `server` snapshots its applied log through
   * `index` now (the snapshot applier's snapshot(index, bytes), at an index
   * of the step's choosing rather than every tenth). Skipped, and the trace
   * says so, if the server is down or has not applied `index`.
   */
  | { op: 'snapshot'; server: number; index: number }
  /**
   * Lab 2D only: crash the server during its next snapshot() call (the
   * applier's, or a snapshot step's): right after the first save it makes
   * inside the call, so that whatever it saves after that is lost; if it
   * saves nothing there, as the call returns (a save left for later never
   * happens). Restarted restartAfterMs later (at the earliest once the
   * instant's calls are over), if given.
   */
  | { op: 'crashOnSnapshot'; server: number; restartAfterMs?: number }
  /**
   * Lab 2D only: crash the server during its next InstallSnapshot (not a
   * duplicate): right after the first save it makes while the handler runs,
   * or, if it saves nothing there, as the handler answers (the answer is
   * lost). Restarted as crashOnSnapshot.
   */
  | { op: 'crashOnInstall'; server: number; restartAfterMs?: number }
  | { op: 'heal' }
  /**
   * Nemesis: cut the leader of the moment (the live server that says it
   * leads, in the highest term) off together with `followers` of the
   * servers that acknowledged an AppendEntries of its current term, into a
   * minority; the others form the majority (a partition by links). The
   * followers are taken in order of the most entries acknowledged (then
   * by number), starting at the `pick`-th (modulo how many acknowledged).
   * No leader, nothing done.
   */
  | { op: 'isolateLeader'; followers: number; pick: number }
  /**
   * Nemesis: the minority the nemesis last cut off (servers 0..m-1 if none,
   * m the largest minority) moves `by` servers around the ring: server i
   * becomes i+by mod n; the others form the majority.
   */
  | { op: 'rotate'; by: number }
  /** Nemesis: from now on, each reply inside the nemesis's minority is held `ms` before delivery (nothing if none was cut off). */
  | { op: 'holdReplies'; ms: number }
  /** Nemesis: stop holding, and deliver every held reply at once. */
  | { op: 'releaseReplies' }
  /**
   * start(command), start(command+1), ... count of them, everyMs apart, each
   * from `server` on until one leads; toLeader (the nemesis's clients): each
   * on the leader of the moment (the live server that says it leads, in the
   * highest term) if there is one.
   */
  | { op: 'submit'; server: number; command: number; count: number; everyMs: number; toLeader?: true };

export type StepOp = Step['op'];

/** The kind each step belongs to (pauses belong to none: every scenario may pause). */
export const KIND_OF: Readonly<Record<StepOp, FaultKind | undefined>> = {
  pause: undefined,
  disconnect: 'disconnect',
  connect: 'disconnect',
  partition: 'partition',
  cut: 'link',
  restore: 'link',
  crash: 'crash',
  restart: 'crash',
  crashOnAppend: 'crash',
  crashOnSnapshot: 'crash',
  crashOnInstall: 'crash',
  heal: 'heal',
  isolateLeader: 'nemesis',
  rotate: 'nemesis',
  holdReplies: 'nemesis',
  releaseReplies: 'nemesis',
  submit: undefined,
  snapshot: undefined,
};

/** The steps only a lab 2D scenario (`snapshot: true`) may hold: they need the snapshot applier and snapshot(). */
export const SNAPSHOT_OPS: readonly StepOp[] = ['snapshot', 'crashOnSnapshot', 'crashOnInstall'];

export interface ReliableNetwork {
  kind: 'reliable';
  /** A call on a disabled end fails after up to 7 s (the lab's default) rather than 100 ms. */
  longDelays: boolean;
}

export interface UnreliableNetwork {
  kind: 'unreliable';
  requestDropPct: number;
  replyDropPct: number;
  /** A request waits a uniform 0..maxDelayMs first. */
  maxDelayMs: number;
  longDelays: boolean;
  /** Two thirds of the replies arrive 200..2199 ms late. */
  longReordering: boolean;
  duplicatePct: number;
}

/** The network's faults during the schedule (the liveness phase makes it calm). */
export type NetworkProfile = ReliableNetwork | UnreliableNetwork;

export interface LivenessPhase {
  /** 'all': every server is healed; 'majority': only `members`, the rest are isolated. */
  heal: 'all' | 'majority';
  /** The healed servers, ascending: a majority of the cluster (all of it for 'all'). */
  members: number[];
  /** How long the calm network is kept after the leader is found (stability is judged meanwhile). */
  holdMs: number;
  /**
   * 0: a reliable network. Otherwise "no loss, small delays": nothing is
   * lost, but each request waits 0..delayMs (at most the lab's 26 ms), so
   * candidates that time out together really do collide.
   */
  delayMs?: number;
}

export interface Scenario {
  /** Cluster size, 1..9. */
  n: number;
  /**
   * Lab 2D (fuzz --lab 2D): every server runs with the lab's snapshot
   * applier, which asks it for a snapshot after every tenth command and
   * hands a restarted server its stored snapshot; the snapshot steps may be
   * used. Absent: the plain applier, as before lab 2D.
   */
  snapshot?: true;
  /** The simulation's seed: every random choice of the run flows from it. */
  simSeed: number;
  network: NetworkProfile;
  /** The fault kinds this scenario uses at all (swarm testing); the steps use no other. */
  kinds: FaultKind[];
  steps: Step[];
  liveness: LivenessPhase;
}

export function majorityOf(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** The largest minority of n servers. */
export function minorityOf(n: number): number {
  return Math.floor((n - 1) / 2);
}

/** How many followers isolateLeader can take along and still leave a minority. */
export function maxIsolatedFollowers(n: number): number {
  return Math.max(0, minorityOf(n) - 1);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

// ---- validation (regression files, --save) ----

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** Checks that a value (say, parsed JSON) is a valid scenario; throws a ScenarioError naming the problem. */
export function validateScenario(value: unknown): Scenario {
  const fail = (what: string): never => {
    throw new ScenarioError(`invalid scenario: ${what}`);
  };
  if (!isRecord(value)) return fail('not an object');
  const n = value['n'];
  if (!isInt(n, 1, MAX_SERVERS)) return fail(`n must be a whole number from 1 to ${MAX_SERVERS}, got ${JSON.stringify(n)}`);
  const snapshot = value['snapshot'];
  if (snapshot !== undefined && snapshot !== true) fail(`snapshot is true (lab 2D) or absent, got ${JSON.stringify(snapshot)}`);
  if (!isInt(value['simSeed'], 0, MAX_SEED)) return fail(`simSeed must be a whole number from 0 to ${MAX_SEED}`);
  const server = (x: unknown, where: string): void => {
    if (!isInt(x, 0, n - 1)) fail(`${where}: server ${JSON.stringify(x)} is not in 0..${n - 1}`);
  };
  const net = value['network'];
  if (!isRecord(net)) return fail('network missing');
  if (typeof net['longDelays'] !== 'boolean') fail('network.longDelays must be a boolean');
  if (net['kind'] === 'unreliable') {
    for (const key of ['requestDropPct', 'replyDropPct', 'duplicatePct']) {
      if (!isInt(net[key], 0, 100)) fail(`network.${key} must be a whole percentage`);
    }
    if (!isInt(net['maxDelayMs'], 0, 60_000)) fail('network.maxDelayMs must be a whole number of ms');
    if (typeof net['longReordering'] !== 'boolean') fail('network.longReordering must be a boolean');
  } else if (net['kind'] !== 'reliable') fail(`network.kind must be 'reliable' or 'unreliable', got ${JSON.stringify(net['kind'])}`);
  const kinds = value['kinds'];
  if (!Array.isArray(kinds) || !kinds.every((k) => (FAULT_KINDS as readonly unknown[]).includes(k))) {
    fail(`kinds must be a list of ${FAULT_KINDS.join(', ')}`);
  }
  const steps = value['steps'];
  if (!Array.isArray(steps)) return fail('steps must be a list');
  steps.forEach((step: unknown, k) => {
    const where = `step ${k}`;
    if (!isRecord(step) || typeof step['op'] !== 'string' || !(step['op'] in KIND_OF)) return fail(`${where}: unknown step ${JSON.stringify(step)}`);
    const op = step['op'] as StepOp;
    const kind = KIND_OF[op];
    if (kind !== undefined && !(kinds as unknown[]).includes(kind)) fail(`${where}: ${op} is of kind ${kind}, which the scenario does not use`);
    if (SNAPSHOT_OPS.includes(op) && snapshot !== true) fail(`${where}: ${op} needs a lab 2D scenario ("snapshot": true)`);
    switch (op) {
      case 'pause':
        if (!isInt(step['ms'], 0, 600_000)) fail(`${where}: pause needs a whole number of ms`);
        break;
      case 'disconnect':
      case 'connect':
      case 'crash':
      case 'restart':
        server(step['server'], where);
        break;
      case 'cut':
      case 'restore':
        server(step['from'], where);
        server(step['to'], where);
        if (step['from'] === step['to']) fail(`${where}: a link joins two different servers`);
        break;
      case 'partition': {
        const groups = step['groups'];
        if (!Array.isArray(groups) || !groups.every((g) => Array.isArray(g))) return fail(`${where}: partition needs a list of groups`);
        const seen = new Set<unknown>();
        for (const g of groups as unknown[][]) {
          for (const s of g) {
            server(s, where);
            if (seen.has(s)) fail(`${where}: server ${String(s)} is in two groups`);
            seen.add(s);
          }
        }
        break;
      }
      case 'heal':
        break;
      case 'snapshot':
        server(step['server'], where);
        if (!isInt(step['index'], 1, Number.MAX_SAFE_INTEGER)) fail(`${where}: snapshot needs an index, a whole number from 1`);
        break;
      case 'crashOnAppend':
      case 'crashOnSnapshot':
      case 'crashOnInstall':
        server(step['server'], where);
        if (op === 'crashOnAppend' && typeof step['beforeReply'] !== 'boolean') fail(`${where}: crashOnAppend needs beforeReply, a boolean`);
        if (step['restartAfterMs'] !== undefined && !isInt(step['restartAfterMs'], 0, 600_000))
          fail(`${where}: ${op}'s restartAfterMs must be a whole number of ms`);
        break;
      case 'isolateLeader':
        if (n < 2) fail(`${where}: isolateLeader needs at least 2 servers`);
        if (!isInt(step['followers'], 0, maxIsolatedFollowers(n))) {
          fail(
            `${where}: isolateLeader's followers must be a whole number from 0 to ${maxIsolatedFollowers(n)} (the leader and they must stay a minority of ${n})`,
          );
        }
        if (!isInt(step['pick'], 0, Number.MAX_SAFE_INTEGER)) fail(`${where}: isolateLeader's pick must be a whole number from 0`);
        break;
      case 'rotate':
        if (minorityOf(n) === 0) fail(`${where}: rotate needs at least 3 servers`);
        else if (!isInt(step['by'], 1, n - 1)) fail(`${where}: rotate's by must be a whole number from 1 to ${n - 1}`);
        break;
      case 'holdReplies':
        if (!isInt(step['ms'], 0, 600_000)) fail(`${where}: holdReplies needs a whole number of ms`);
        break;
      case 'releaseReplies':
        break;
      case 'submit':
        server(step['server'], where);
        if (!isInt(step['command'], 0, Number.MAX_SAFE_INTEGER)) fail(`${where}: submit needs a whole-number command`);
        if (!isInt(step['count'], 1, 10_000)) fail(`${where}: submit needs a count of commands from 1`);
        if (!isInt(step['everyMs'], 0, 600_000)) fail(`${where}: submit needs a whole number of ms between commands`);
        if (step['toLeader'] !== undefined && step['toLeader'] !== true) fail(`${where}: submit's toLeader is true or absent`);
        break;
    }
  });
  const live = value['liveness'];
  if (!isRecord(live)) return fail('liveness missing');
  if (live['heal'] !== 'all' && live['heal'] !== 'majority') fail(`liveness.heal must be 'all' or 'majority'`);
  const members = live['members'];
  if (!Array.isArray(members)) return fail('liveness.members must be a list');
  members.forEach((m: unknown) => server(m, 'liveness.members'));
  if (new Set(members).size !== members.length) fail('liveness.members has a server twice');
  if (members.length < majorityOf(n)) fail(`liveness.members must be a majority of ${n} (at least ${majorityOf(n)}), got ${members.length}`);
  if (live['heal'] === 'all' && members.length !== n) fail(`liveness.heal 'all' needs all ${n} servers as members`);
  if (!isInt(live['holdMs'], 0, 600_000)) fail('liveness.holdMs must be a whole number of ms');
  if (live['delayMs'] !== undefined && !isInt(live['delayMs'], 0, CALM_MAX_DELAY_MS)) {
    fail(`liveness.delayMs must be a whole number of ms from 0 to ${CALM_MAX_DELAY_MS}`);
  }
  return value as unknown as Scenario;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isInt(x: unknown, lo: number, hi: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
}

// ---- reading a scenario ----

/**
 * How long the liveness phase first keeps the network calm with every server
 * disconnected, so that nothing the lossy network still holds (a reply
 * reordered up to 2199 ms late, a request in its short delay) arrives inside
 * the calm window the liveness and stability checks judge. 0 for a reliable
 * network, which holds nothing back, unless the nemesis held replies.
 * (Why: see tester/fuzz/README.md.)
 */
export function drainMs(s: Scenario): number {
  // Replies the nemesis held are released as the drain begins: 1 ms lets them
  // land, on servers all cut off, before the calm window.
  const held = s.steps.some((step) => step.op === 'holdReplies') ? 1 : 0;
  if (s.network.kind !== 'unreliable') return held;
  const reorder = s.network.longReordering ? LAB_TIMING.reorderBaseMs + LAB_TIMING.reorderSpreadMs : 0;
  return Math.max(reorder, s.network.maxDelayMs) + 1;
}

/** The number of fault steps (everything but pauses, client commands and the service's snapshots). */
export function faultCount(s: Scenario): number {
  return s.steps.filter((step) => step.op !== 'pause' && step.op !== 'submit' && step.op !== 'snapshot').length;
}

/** The number of client commands. */
export function commandCount(s: Scenario): number {
  return s.steps.reduce((k, step) => k + (step.op === 'submit' ? step.count : 0), 0);
}

/** Virtual ms the schedule lasts: the sum of its pauses (client steps run in the background). */
export function scheduleMs(s: Scenario): number {
  return s.steps.reduce((t, step) => t + (step.op === 'pause' ? step.ms : 0), 0);
}

export function describeNetwork(net: NetworkProfile): string {
  const delays = net.longDelays ? 'long delays on' : 'long delays off';
  if (net.kind === 'reliable') return `reliable, ${delays}`;
  return [
    'unreliable',
    `request drop ${net.requestDropPct}%`,
    `reply drop ${net.replyDropPct}%`,
    `short delay up to ${net.maxDelayMs} ms`,
    delays,
    `long reordering ${net.longReordering ? 'on' : 'off'}`,
    `duplicates ${net.duplicatePct}%`,
  ].join(', ');
}

export function describeStep(step: Step): string {
  switch (step.op) {
    case 'pause':
      return `pause ${step.ms} ms`;
    case 'disconnect':
      return `disconnect S${step.server}`;
    case 'connect':
      return `connect S${step.server}`;
    case 'partition':
      return `partition ${step.groups.map((g) => `{${g.join(',')}}`).join(' | ')}`;
    case 'cut':
      return `cut link S${step.from} -> S${step.to}`;
    case 'restore':
      return `restore link S${step.from} -> S${step.to}`;
    case 'crash':
      return `crash S${step.server}`;
    case 'restart':
      return `restart S${step.server} (persisted state kept) and connect it`;
    case 'heal':
      return 'heal: restore every link, connect every server';
    case 'crashOnAppend': {
      const when = step.beforeReply ? 'as its next AppendEntries with entries arrives' : 'while it handles its next AppendEntries with entries';
      return `crash S${step.server} ${when}${restartText(step.restartAfterMs)}`;
    }
    case 'snapshot':
      return `S${step.server}'s service snapshots its applied log through index ${step.index} (skipped if it has not applied that far)`;
    case 'crashOnSnapshot':
      return `crash S${step.server} inside its next snapshot() call, right after its first save there (or as the call returns)${restartText(step.restartAfterMs)}`;
    case 'crashOnInstall':
      return `crash S${step.server} inside its next InstallSnapshot, right after its first save there (or as it answers)${restartText(step.restartAfterMs)}`;
    case 'isolateLeader': {
      const with_ =
        step.followers === 0
          ? 'alone'
          : `with ${step.followers} of the followers that acknowledged its term (most entries first${step.pick === 0 ? '' : `, from the ${ordinal(step.pick + 1)}`})`;
      return `isolate the leader ${with_} in a minority; the others form a majority`;
    }
    case 'rotate':
      return `rotate: the nemesis's minority moves ${step.by} server${step.by === 1 ? '' : 's'} around the ring; the others form a majority`;
    case 'holdReplies':
      return `hold each reply inside the nemesis's minority ${step.ms} ms`;
    case 'releaseReplies':
      return 'release every held reply at once';
    case 'submit': {
      const where =
        step.toLeader === true
          ? `on the leader of the moment (else from S${step.server} on until one leads)`
          : `on S${step.server}, then on each next server until one leads`;
      return step.count === 1
        ? `start(${step.command}) ${where}`
        : `start(${step.command}..${step.command + step.count - 1}) ${step.everyMs === 0 ? 'at once' : `${step.everyMs} ms apart in the background`}, each ${where}`;
    }
  }
}

function restartText(restartAfterMs: number | undefined): string {
  return restartAfterMs === undefined ? '' : `, restart it ${restartAfterMs} ms later and connect it`;
}

function ordinal(k: number): string {
  const tens = k % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][k % 10] ?? 'th');
  return `${k}${suffix}`;
}

export function describeLiveness(s: Scenario): string {
  const { members, heal, holdMs } = s.liveness;
  const delay = s.liveness.delayMs ?? 0;
  const others = range(s.n).filter((i) => !members.includes(i));
  const set = `{${members.join(',')}}`;
  const drain = drainMs(s);
  const first = drain > 0 ? `drain ${drain} ms (calm network, every server disconnected), then ` : '';
  const what =
    first +
    (heal === 'all'
      ? 'heal everything (restart crashed servers, connect all, restore links)'
      : `heal the majority ${set} (restart, connect, restore links), isolate {${others.join(',')}}`);
  return (
    `${what}, ${delay > 0 ? `lossless network delaying requests 0..${delay} ms` : 'calm network'}; require a leader among ${set} within ${LIVENESS_MS} ms, ` +
    `and (with start()) a new command applied on all of ${set} within the lab's one() budget; then hold ${holdMs} ms`
  );
}

/** A readable multi-line account: one fault per line with its virtual time. */
export function describeScenario(s: Scenario): string {
  const unused = FAULT_KINDS.filter((k) => !s.kinds.includes(k));
  const lines = [
    `cluster: ${s.n} server${s.n === 1 ? '' : 's'} (majority ${majorityOf(s.n)}), simulation seed ${s.simSeed}`,
    ...(s.snapshot === true
      ? ['lab 2D: the snapshot applier (the service snapshots after every tenth command; a restarted server gets its stored snapshot)']
      : []),
    `network: ${describeNetwork(s.network)}`,
    `fault kinds: ${s.kinds.length === 0 ? 'none' : s.kinds.join(', ')}${unused.length > 0 ? ` (never: ${unused.join(', ')})` : ''}`,
    `schedule: ${faultCount(s)} fault${faultCount(s) === 1 ? '' : 's'}${commandCount(s) === 0 ? '' : ` and ${commandCount(s)} client command${commandCount(s) === 1 ? '' : 's'}`} over ${scheduleMs(s)} ms`,
  ];
  let t = 0;
  for (const step of s.steps) {
    if (step.op === 'pause') {
      t += step.ms;
      continue;
    }
    lines.push(`  t=${String(t).padStart(6)} ms  ${describeStep(step)}`);
  }
  lines.push(`  t=${String(t).padStart(6)} ms  liveness: ${describeLiveness(s)}`);
  return lines.join('\n');
}
