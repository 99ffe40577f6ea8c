// A fuzz scenario: plain data that fast-check generates and shrinks. A
// cluster size, a network profile, the fault kinds the scenario may use at
// all (swarm testing), a schedule of timed steps, and a liveness phase that
// heals a majority, calms the network and requires a leader among it.
//
// Client commands: start(command) on a random server at a random moment of
// the schedule (duplicates allowed), as steps like the faults, so shrinking
// removes commands too. A client step spreads its commands in the background
// and takes none of the schedule's time, so dropping one moves no fault. The
// runner skips them for a module without start().
//
// The arbitraries draw raw numbers and map them onto the cluster (modulo n),
// so a schedule stays valid however fast-check shrinks the cluster size, and
// the kinds a scenario leaves out filter its steps the same way.
//
// Nemesis steps (kind `nemesis`, in the style of Jepsen's nemeses) name no
// server: they act on what the cluster is doing when they run. isolateLeader
// cuts the leader of the moment off with followers that acknowledged it, into
// a minority; rotate moves that minority around the ring, so that the
// majority changes; holdReplies holds the replies inside that minority for
// the lab's long-reordering delays (up to 2.2 s), so that they arrive after
// the cluster has moved on; releaseReplies delivers what is held at once.
// They are drawn in rounds, as a nemesis strikes: cut a minority off (hold
// its replies), give its leader commands the majority never sees, wait for
// the majority to elect, give the new leader commands, wait; and come as one
// block at a drawn position of the schedule. The block is drawn after every
// other part of a scenario, so that a seed draws the same cluster, network,
// faults and liveness phase as before the nemesis existed.
import fc from 'fast-check';
import { LAB_TIMING } from '../../labrpc/network.ts';
import { MAX_SEED } from '../../runtime/random.ts';
import { CALM_MAX_DELAY_MS } from '../monitors/facts.ts';

/** Largest cluster the fuzzer makes. */
export const MAX_SERVERS = 9;
/** The longest schedule, in raw steps (pauses included). */
export const MAX_STEPS = 24;
/** Client commands are drawn from 1..MAX_COMMAND: small enough that duplicates happen. */
export const MAX_COMMAND = 200;
/**
 * A client step starts up to this many commands at once (the lab's Backup
 * starts 50 on a cut-off leader): long divergent logs are what make backing
 * up nextIndex slow.
 */
export const MAX_BURST = 60;
/** The longest gap between the commands of one client step, in virtual ms (0: all at once). */
export const MAX_COMMAND_GAP_MS = 50;
/** The longest wait before a server crashed by crashOnAppend restarts, in virtual ms. */
export const MAX_RESTART_AFTER_MS = 2000;
/** The longest single pause, in virtual ms. */
export const MAX_PAUSE_MS = 2500;
/** The most rounds in a nemesis block. */
export const MAX_NEMESIS_ROUNDS = 8;
/**
 * The longest wait after a nemesis's cut: a few election timeouts, so that
 * the majority elects meanwhile, yet short enough that a few rounds fit in
 * the 2.2 s a reply may be held.
 */
export const MAX_NEMESIS_PAUSE_MS = 1500;
/** The longest wait after a nemesis's commands for the new leader: a heartbeat or a few, to replicate them. */
export const MAX_NEMESIS_SETTLE_MS = 500;
/** The most commands a nemesis round gives a leader at once. */
export const MAX_NEMESIS_BURST = 30;
/** A held reply waits as a long-reordered one may: 200..2199 ms (the lab's labrpc). */
export const MIN_HOLD_MS = LAB_TIMING.reorderBaseMs;
export const MAX_HOLD_REPLY_MS = LAB_TIMING.reorderBaseMs + LAB_TIMING.reorderSpreadMs - 1;
/** The longest calm hold after the liveness leader, in virtual ms. */
export const MAX_HOLD_MS = 3000;
/** The lab's 5 s: the healed majority must have a leader within this long. */
export const LIVENESS_MS = 5000;
/** Highest drop and duplicate rates, in percent. */
export const MAX_RATE_PCT = 30;
/** Highest short delay of an unreliable network, in ms (the lab uses 26). */
export const MAX_SHORT_DELAY_MS = 100;

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
  heal: 'heal',
  isolateLeader: 'nemesis',
  rotate: 'nemesis',
  holdReplies: 'nemesis',
  releaseReplies: 'nemesis',
  submit: undefined,
};

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

// ---- the arbitraries ----

/** A raw step: server numbers are any naturals, mapped onto the cluster later. */
type RawStep =
  | { op: 'pause'; ms: number }
  | { op: 'disconnect' | 'connect' | 'crash' | 'restart'; server: number }
  | { op: 'partition'; groupOf: number[] }
  | { op: 'cut' | 'restore'; from: number; to: number }
  | { op: 'heal' }
  | { op: 'crashOnAppend'; server: number; beforeReply: boolean; restartAfterMs: number | null }
  | RawSubmit;

type RawSubmit = { op: 'submit'; server: number; command: number; count: number; everyMs: number };

/** What a nemesis round does first: cut the leader of the moment off, or move the minority on. */
type RawCut = { op: 'isolateLeader'; followers: number; pick: number } | { op: 'rotate'; by: number };

/** Commands for the leader of the moment. */
interface RawBurst {
  command: number;
  count: number;
}

/**
 * One round of the nemesis: the cut; optionally hold the replies inside the
 * minority; optionally commands at once (for the leader just cut off, which
 * still leads its minority); wait pauseMs (the majority elects); optionally
 * commands for the leader of the moment then (the majority's); wait
 * settleMs; optionally release what is held.
 */
interface RawRound {
  cut: RawCut;
  holdMs: number | null;
  burst: RawBurst | null;
  pauseMs: number;
  then: RawBurst | null;
  settleMs: number;
  release: boolean;
}

/** The nemesis block: its rounds, inserted before the at-th step of the schedule (modulo its length + 1). */
interface RawNemesis {
  at: number;
  rounds: RawRound[];
}

interface RawScenario {
  n: number;
  simSeed: number;
  network: NetworkProfile;
  kinds: Record<FaultKind, boolean>;
  steps: RawStep[];
  liveness: { all: boolean; mask: boolean[]; holdMs: number; delayMs: number };
  /** null: the scenario does not use the nemesis (its swarm bit). */
  nemesis: RawNemesis | null;
}

const rawServer = fc.nat({ max: 1000 });

const rawSubmitArb: fc.Arbitrary<RawSubmit> = fc.record({
  op: fc.constant('submit' as const),
  server: rawServer,
  command: fc.integer({ min: 1, max: MAX_COMMAND }),
  count: fc.integer({ min: 1, max: MAX_BURST }),
  everyMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: MAX_COMMAND_GAP_MS })),
});

const rawBurstArb = (max: number): fc.Arbitrary<RawBurst> =>
  fc.record({ command: fc.integer({ min: 1, max: MAX_COMMAND }), count: fc.integer({ min: 1, max }) });

const rawRoundArb: fc.Arbitrary<RawRound> = fc.record({
  // Mostly the leader of the moment, with followers that acknowledged it.
  cut: fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('isolateLeader' as const), followers: fc.nat({ max: 8 }), pick: fc.nat({ max: 8 }) }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant('rotate' as const), by: rawServer }), weight: 1 },
  ),
  // Mostly the lab's longest delay: replies must outlast the elections that follow.
  holdMs: fc.option(
    fc.oneof({ arbitrary: fc.constant(MAX_HOLD_REPLY_MS), weight: 2 }, { arbitrary: fc.integer({ min: MIN_HOLD_MS, max: MAX_HOLD_REPLY_MS }), weight: 1 }),
    {
      freq: 3,
      nil: null,
    },
  ),
  burst: fc.option(rawBurstArb(MAX_NEMESIS_BURST), { freq: 5, nil: null }),
  pauseMs: fc.integer({ min: 0, max: MAX_NEMESIS_PAUSE_MS }),
  then: fc.option(rawBurstArb(5), { freq: 5, nil: null }),
  settleMs: fc.integer({ min: 0, max: MAX_NEMESIS_SETTLE_MS }),
  // Seldom (one round in four): what is held should mostly arrive on its own,
  // after later rounds. Shrinks to false.
  release: fc.nat({ max: 3 }).map((x) => x === 3),
});

// Half the scenarios use the nemesis (freq 2: null once in two), as the
// other kinds' swarm bits.
const rawNemesisArb: fc.Arbitrary<RawNemesis | null> = fc.option(
  fc.record({ at: fc.nat({ max: 1000 }), rounds: fc.array(rawRoundArb, { minLength: 1, maxLength: MAX_NEMESIS_ROUNDS, size: 'max' }) }),
  { freq: 2, nil: null },
);

const rawStepArb: fc.Arbitrary<RawStep> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: MAX_PAUSE_MS }) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constantFrom('disconnect' as const, 'connect' as const), server: rawServer }), weight: 2 },
  {
    arbitrary: fc.record({ op: fc.constant('partition' as const), groupOf: fc.array(fc.nat({ max: 2 }), { minLength: MAX_SERVERS, maxLength: MAX_SERVERS }) }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constantFrom('cut' as const, 'restore' as const), from: rawServer, to: rawServer }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constantFrom('crash' as const, 'restart' as const), server: rawServer }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('heal' as const) }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('crashOnAppend' as const),
      server: rawServer,
      beforeReply: fc.boolean(),
      restartAfterMs: fc.option(fc.integer({ min: 0, max: MAX_RESTART_AFTER_MS }), { nil: null }),
    }),
    weight: 1,
  },
  { arbitrary: rawSubmitArb, weight: 3 },
);

const percent = fc.integer({ min: 0, max: MAX_RATE_PCT });

export const networkArb: fc.Arbitrary<NetworkProfile> = fc.oneof(
  fc.record({ kind: fc.constant('reliable' as const), longDelays: fc.boolean() }),
  fc.record({
    kind: fc.constant('unreliable' as const),
    requestDropPct: percent,
    replyDropPct: percent,
    maxDelayMs: fc.integer({ min: 0, max: MAX_SHORT_DELAY_MS }),
    longDelays: fc.boolean(),
    longReordering: fc.boolean(),
    duplicatePct: percent,
  }),
);

// The nemesis's swarm bit is drawn with its block, last (rawNemesisArb).
const kindsArb: fc.Arbitrary<Record<Exclude<FaultKind, 'nemesis'>, boolean>> = fc.record({
  disconnect: fc.boolean(),
  partition: fc.boolean(),
  link: fc.boolean(),
  crash: fc.boolean(),
  heal: fc.boolean(),
});

/** Everything but the nemesis: what a scenario drew before the nemesis existed. */
type BaseRaw = Omit<RawScenario, 'nemesis' | 'kinds'> & { kinds: Record<Exclude<FaultKind, 'nemesis'>, boolean> };

const baseRawArb = (servers: fc.Arbitrary<number>): fc.Arbitrary<BaseRaw> =>
  fc.record({
    n: servers,
    simSeed: fc.integer({ min: 0, max: MAX_SEED }),
    network: networkArb,
    kinds: kindsArb,
    steps: fc.array(rawStepArb, { maxLength: MAX_STEPS, size: 'max' }),
    liveness: fc.record({
      all: fc.boolean(),
      mask: fc.array(fc.boolean(), { minLength: MAX_SERVERS, maxLength: MAX_SERVERS }),
      holdMs: fc.integer({ min: 0, max: MAX_HOLD_MS }),
      delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: CALM_MAX_DELAY_MS })),
    }),
  });

/**
 * A scenario's raw draws: everything else first, then the nemesis (so that,
 * as fast-check draws in order, every seed draws what it drew before the
 * nemesis existed), but shrunk the other way round: the nemesis first, so
 * that a failure that does not need it loses it before anything else is
 * shrunk around it. A value without a nemesis shrinks exactly as before
 * (the same candidates, in the same order: saved paths stay valid).
 */
class RawScenarioArbitrary extends fc.Arbitrary<RawScenario> {
  constructor(
    private readonly base: fc.Arbitrary<BaseRaw>,
    private readonly nemesis: fc.Arbitrary<RawNemesis | null>,
  ) {
    super();
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<RawScenario> {
    const base = this.base.generate(mrng, biasFactor);
    const nemesis = this.nemesis.generate(mrng, biasFactor);
    return join(base, nemesis);
  }

  canShrinkWithoutContext(value: unknown): value is RawScenario {
    return false;
  }

  shrink(_value: RawScenario, context: unknown): fc.Stream<fc.Value<RawScenario>> {
    if (!isJoined(context)) return fc.Stream.nil();
    const { base, nemesis } = context;
    return this.nemesis
      .shrink(nemesis.value_, nemesis.context)
      .map((n) => join(base, n))
      .join(this.base.shrink(base.value_, base.context).map((b) => join(b, nemesis)));
  }
}

interface Joined {
  base: fc.Value<BaseRaw>;
  nemesis: fc.Value<RawNemesis | null>;
}

function join(base: fc.Value<BaseRaw>, nemesis: fc.Value<RawNemesis | null>): fc.Value<RawScenario> {
  const b = base.value;
  const context: Joined = { base, nemesis };
  return new fc.Value<RawScenario>({ ...b, kinds: { ...b.kinds, nemesis: nemesis.value !== null }, nemesis: nemesis.value }, context);
}

function isJoined(context: unknown): context is Joined {
  return typeof context === 'object' && context !== null && 'base' in context && 'nemesis' in context;
}

/**
 * With the nemesis out of the space nothing is drawn for it: the scenarios,
 * and their shrinks, are exactly those drawn before it existed.
 */
const rawScenarioArb = (servers: fc.Arbitrary<number>, nemesis: boolean): fc.Arbitrary<RawScenario> =>
  new RawScenarioArbitrary(baseRawArb(servers), nemesis ? rawNemesisArb : fc.constant(null));

/**
 * The scenarios a campaign may make: the cluster sizes and the fault kinds
 * the user chose (--servers, --faults, --lab), or that suit the Raft under
 * test (crash faults only for one that persists). Left out: every size from
 * 1 to MAX_SERVERS, every kind.
 */
export interface ScenarioSpace {
  servers?: readonly number[];
  kinds?: readonly FaultKind[];
}

/**
 * The scenarios of a space. A kind outside it is switched off in each
 * scenario's swarm draw, so the same seed draws the same numbers whatever
 * the space: only what the space excludes differs.
 */
export function scenarioArbFor(space: ScenarioSpace = {}): fc.Arbitrary<Scenario> {
  const servers = space.servers === undefined ? fc.integer({ min: 1, max: MAX_SERVERS }) : fc.constantFrom(...space.servers);
  const allowed = space.kinds;
  return rawScenarioArb(servers, allowed === undefined || allowed.includes('nemesis')).map((raw) =>
    fromRaw(allowed === undefined ? raw : { ...raw, kinds: mapKinds(raw.kinds, (k, on) => on && allowed.includes(k)) }),
  );
}

function mapKinds(kinds: Record<FaultKind, boolean>, f: (kind: FaultKind, on: boolean) => boolean): Record<FaultKind, boolean> {
  return Object.fromEntries(FAULT_KINDS.map((k) => [k, f(k, kinds[k])])) as Record<FaultKind, boolean>;
}

/** Every scenario the fuzzer makes: valid for its own cluster size, whatever fast-check shrinks. */
export const scenarioArb: fc.Arbitrary<Scenario> = scenarioArbFor();

/** The fault kinds each lab stage can be expected to survive: crash needs persistence (lab 2C). */
export const LAB_PROFILES: Readonly<Record<string, readonly FaultKind[]>> = {
  '2A': ['disconnect', 'partition', 'link', 'heal', 'nemesis'],
  '2B': ['disconnect', 'partition', 'link', 'heal', 'nemesis'],
  '2C': FAULT_KINDS,
};

/** The kinds a campaign uses by default: all of them for a Raft that persists, all but crash otherwise. */
export function defaultKinds(persists: boolean): FaultKind[] {
  return FAULT_KINDS.filter((k) => persists || k !== 'crash');
}

/**
 * Maps raw draws onto the cluster: indices modulo n, steps of unused kinds
 * dropped, the nemesis block (if the scenario uses the nemesis) inserted.
 */
export function fromRaw(raw: RawScenario): Scenario {
  const n = raw.n;
  const kinds = FAULT_KINDS.filter((k) => raw.kinds[k]);
  const steps: Step[] = [];
  for (const r of raw.steps) {
    const kind = KIND_OF[r.op];
    if (kind !== undefined && !raw.kinds[kind]) continue;
    const step = mapStep(r, n);
    if (step !== undefined) steps.push(step);
  }
  if (raw.nemesis !== null && raw.kinds.nemesis) {
    const block = raw.nemesis.rounds.flatMap((r) => mapRound(r, n));
    steps.splice(raw.nemesis.at % (steps.length + 1), 0, ...block);
  }
  const majority = majorityOf(n);
  let members: number[];
  if (raw.liveness.all || majority === n) members = range(n);
  else {
    members = range(n).filter((i) => raw.liveness.mask[i] === true);
    for (let i = 0; members.length < majority; i++) if (!members.includes(i)) members.push(i);
    members.sort((a, b) => a - b);
  }
  const heal = members.length === n ? 'all' : 'majority';
  return {
    n,
    simSeed: raw.simSeed,
    network: raw.network,
    kinds,
    steps,
    liveness: { heal, members, holdMs: raw.liveness.holdMs, delayMs: raw.liveness.delayMs },
  };
}

function mapStep(r: RawStep, n: number): Step | undefined {
  switch (r.op) {
    case 'pause':
    case 'heal':
      return r;
    case 'disconnect':
    case 'connect':
    case 'crash':
    case 'restart':
      return { op: r.op, server: r.server % n };
    case 'submit':
      return { op: 'submit', server: r.server % n, command: r.command, count: r.count, everyMs: r.everyMs };
    case 'crashOnAppend':
      return { op: 'crashOnAppend', server: r.server % n, beforeReply: r.beforeReply, ...(r.restartAfterMs !== null && { restartAfterMs: r.restartAfterMs }) };
    case 'partition': {
      const groups = new Map<number, number[]>();
      for (let i = 0; i < n; i++) {
        const g = r.groupOf[i] ?? 0;
        groups.set(g, [...(groups.get(g) ?? []), i]);
      }
      // In order of each group's smallest member, so equal partitions print alike.
      return { op: 'partition', groups: [...groups.values()].sort((a, b) => (a[0] as number) - (b[0] as number)) };
    }
    case 'cut':
    case 'restore': {
      if (n < 2) return undefined; // One server has no link to cut.
      const from = r.from % n;
      const to = (from + 1 + (r.to % (n - 1))) % n;
      return { op: r.op, from, to };
    }
  }
}

function mapRound(r: RawRound, n: number): Step[] {
  const steps: Step[] = [];
  const cut = r.cut;
  // One server has nobody to be cut off from; below 3 there is no minority to move.
  // Mostly as many followers as the minority holds (a raw 0 takes none).
  if (cut.op === 'isolateLeader' && n >= 2) steps.push({ op: 'isolateLeader', followers: Math.min(cut.followers, maxIsolatedFollowers(n)), pick: cut.pick });
  if (cut.op === 'rotate' && minorityOf(n) > 0) steps.push({ op: 'rotate', by: 1 + (cut.by % (n - 1)) });
  if (r.holdMs !== null) steps.push({ op: 'holdReplies', ms: r.holdMs });
  if (r.burst !== null) steps.push({ op: 'submit', server: 0, command: r.burst.command, count: r.burst.count, everyMs: 0, toLeader: true });
  if (r.pauseMs > 0) steps.push({ op: 'pause', ms: r.pauseMs });
  if (r.then !== null) steps.push({ op: 'submit', server: 0, command: r.then.command, count: r.then.count, everyMs: 0, toLeader: true });
  if (r.settleMs > 0) steps.push({ op: 'pause', ms: r.settleMs });
  if (r.release) steps.push({ op: 'releaseReplies' });
  return steps;
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
      case 'crashOnAppend':
        server(step['server'], where);
        if (typeof step['beforeReply'] !== 'boolean') fail(`${where}: crashOnAppend needs beforeReply, a boolean`);
        if (step['restartAfterMs'] !== undefined && !isInt(step['restartAfterMs'], 0, 600_000))
          fail(`${where}: crashOnAppend's restartAfterMs must be a whole number of ms`);
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

/** The number of fault steps (everything but pauses and client commands). */
export function faultCount(s: Scenario): number {
  return s.steps.filter((step) => step.op !== 'pause' && step.op !== 'submit').length;
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
      const then = step.restartAfterMs === undefined ? '' : `, restart it ${step.restartAfterMs} ms later and connect it`;
      return `crash S${step.server} ${when}${then}`;
    }
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
