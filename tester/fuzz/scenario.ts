// How fast-check draws and shrinks a fuzz scenario (the plain data itself:
// tester/execution/scenario.ts). A cluster size, a network profile, the
// fault kinds the scenario may use at all (swarm testing), a schedule of
// timed steps, and a liveness phase that heals a majority, calms the network
// and requires a leader among it. Each step or fault kind is drawn by an
// arbitrary of its own (arbitraries/); this file puts them together.
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
import { MAX_SEED } from '../../runtime/random.ts';
import {
  FAULT_KINDS,
  KIND_OF,
  MAX_SERVERS,
  majorityOf,
  maxIsolatedFollowers,
  minorityOf,
  type FaultKind,
  type NetworkProfile,
  type Scenario,
  type Step,
} from '../execution/scenario.ts';
import { rawCrashOnAppendArb, type RawCrashOnAppend } from './arbitraries/crash-on-append.ts';
import { rawCrashArb, type RawCrash } from './arbitraries/crash.ts';
import { rawDisconnectArb, type RawDisconnect } from './arbitraries/disconnect.ts';
import { rawHealArb, type RawHeal } from './arbitraries/heal.ts';
import { rawKindsArb, type RawKinds } from './arbitraries/kinds.ts';
import { rawLinkArb, type RawLink } from './arbitraries/link.ts';
import { rawLivenessArb, type RawLiveness } from './arbitraries/liveness.ts';
import type { RawRound } from './arbitraries/nemesis-round.ts';
import { rawNemesisArb, type RawNemesis } from './arbitraries/nemesis.ts';
import { networkArb, networkArb2D } from './arbitraries/network.ts';
import { rawPartitionArb, type RawPartition } from './arbitraries/partition.ts';
import { rawPauseArb, type RawPause } from './arbitraries/pause.ts';
import { rawSubmitArb, type RawSubmit } from './arbitraries/submit.ts';
import { rawSnapshotArb, type RawSnapshot } from './arbitraries/snapshot.ts';
import { rawCrashOnSnapshotArb, type RawCrashOnSnapshot } from './arbitraries/crash-on-snapshot.ts';
import { rawLagArb, type RawLag, type RawLagRound } from './arbitraries/lag-round.ts';

/** The longest schedule, in raw steps (pauses included). */
export const MAX_STEPS = 24;

// ---- the composition: one arbitrary per step or fault kind (arbitraries/), put together ----

/** A raw step: server numbers are any naturals, mapped onto the cluster later. */
type RawStep = RawPause | RawDisconnect | RawPartition | RawLink | RawHeal | RawCrash | RawCrashOnAppend | RawSubmit | RawSnapshot | RawCrashOnSnapshot;

interface RawScenario {
  n: number;
  /** Lab 2D: the snapshot applier, and its steps. */
  snapshot?: true;
  /** Lab 2D: the lag rounds (null: none). */
  lag?: RawLag | null;
  simSeed: number;
  network: NetworkProfile;
  kinds: Record<FaultKind, boolean>;
  steps: RawStep[];
  liveness: RawLiveness;
  /** null: the scenario does not use the nemesis (its swarm bit). */
  nemesis: RawNemesis | null;
}

// The order and the weights are the draw: each seed's scenarios depend on them.
const STEP_CHOICES = [
  { arbitrary: rawPauseArb, weight: 4 },
  { arbitrary: rawDisconnectArb, weight: 2 },
  { arbitrary: rawPartitionArb, weight: 1 },
  { arbitrary: rawLinkArb, weight: 2 },
  { arbitrary: rawCrashArb, weight: 2 },
  { arbitrary: rawHealArb, weight: 1 },
  { arbitrary: rawCrashOnAppendArb, weight: 1 },
  { arbitrary: rawSubmitArb, weight: 3 },
] satisfies fc.WeightedArbitrary<RawStep>[];
const rawStepArb: fc.Arbitrary<RawStep> = fc.oneof(...STEP_CHOICES);

// Lab 2D's steps, after the others (a scenario of an earlier lab never
// draws this arbitrary, so their seeds are untouched).
const rawStepArb2D: fc.Arbitrary<RawStep> = fc.oneof(
  ...STEP_CHOICES,
  { arbitrary: rawSnapshotArb, weight: 2 },
  { arbitrary: rawCrashOnSnapshotArb, weight: 2 },
);

/** Everything but the nemesis: what a scenario drew before the nemesis existed. */
type BaseRaw = Omit<RawScenario, 'nemesis' | 'kinds'> & { kinds: RawKinds };

const baseRawArb = (servers: fc.Arbitrary<number>): fc.Arbitrary<BaseRaw> =>
  fc.record({
    n: servers,
    simSeed: fc.integer({ min: 0, max: MAX_SEED }),
    network: networkArb,
    kinds: rawKindsArb,
    steps: fc.array(rawStepArb, { maxLength: MAX_STEPS, size: 'max' }),
    liveness: rawLivenessArb,
  });

/** Lab 2D's draw: the same parts, its own steps, the lag rounds, and the snapshot applier on. */
const baseRawArb2D = (servers: fc.Arbitrary<number>): fc.Arbitrary<BaseRaw> =>
  fc
    .record({
      n: servers,
      simSeed: fc.integer({ min: 0, max: MAX_SEED }),
      network: networkArb2D,
      kinds: rawKindsArb,
      steps: fc.array(rawStepArb2D, { maxLength: MAX_STEPS, size: 'max' }),
      liveness: rawLivenessArb,
      lag: rawLagArb,
    })
    .map((raw) => ({ ...raw, snapshot: true as const }));

/**
 * Lab 2D's cluster sizes when none are asked for: from 3, since a server
 * alone, or one of two, never has a follower left behind while the others
 * commit, so it never sends InstallSnapshot.
 */
export const MIN_SERVERS_2D = 3;

/** The cluster sizes a space draws from. */
export function spaceServers(space: ScenarioSpace): number[] {
  if (space.servers !== undefined) return [...space.servers];
  const min = space.snapshot === true ? MIN_SERVERS_2D : 1;
  return Array.from({ length: MAX_SERVERS - min + 1 }, (_, i) => i + min);
}

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

  canShrinkWithoutContext(_value: unknown): _value is RawScenario {
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
const rawScenarioArb = (servers: fc.Arbitrary<number>, nemesis: boolean, snapshot: boolean): fc.Arbitrary<RawScenario> =>
  new RawScenarioArbitrary(snapshot ? baseRawArb2D(servers) : baseRawArb(servers), nemesis ? rawNemesisArb : fc.constant(null));

/**
 * The scenarios a campaign may make: the cluster sizes and the fault kinds
 * the user chose (--servers, --faults, --lab), or that suit the Raft under
 * test (crash faults only for one that persists). Left out: every size from
 * 1 to MAX_SERVERS, every kind.
 */
export interface ScenarioSpace {
  servers?: readonly number[];
  kinds?: readonly FaultKind[];
  /** Lab 2D (--lab 2D): scenarios run with the snapshot applier and draw its steps. */
  snapshot?: boolean;
}

/**
 * The scenarios of a space. A kind outside it is switched off in each
 * scenario's swarm draw, so the same seed draws the same numbers whatever
 * the space: only what the space excludes differs.
 */
export function scenarioArbFor(space: ScenarioSpace = {}): fc.Arbitrary<Scenario> {
  const min = space.snapshot === true ? MIN_SERVERS_2D : 1;
  const servers = space.servers === undefined ? fc.integer({ min, max: MAX_SERVERS }) : fc.constantFrom(...space.servers);
  const allowed = space.kinds;
  return rawScenarioArb(servers, allowed === undefined || allowed.includes('nemesis'), space.snapshot === true).map((raw) =>
    fromRaw(allowed === undefined ? raw : { ...raw, kinds: mapKinds(raw.kinds, (k, on) => on && allowed.includes(k)) }, allowed),
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
  // And the snapshot applier with its steps (LAB_SNAPSHOT).
  '2D': FAULT_KINDS,
};

/** The lab stages whose scenarios run with the snapshot applier (lab 2D's make_config(..., snapshot=true)). */
export const LAB_SNAPSHOT: readonly string[] = ['2D'];

/** The kinds a campaign uses by default: all of them for a Raft that persists, all but crash otherwise. */
export function defaultKinds(persists: boolean): FaultKind[] {
  return FAULT_KINDS.filter((k) => persists || k !== 'crash');
}

/**
 * Maps raw draws onto the cluster: indices modulo n, steps of unused kinds
 * dropped, the nemesis block (if the scenario uses the nemesis) inserted.
 */
export function fromRaw(raw: RawScenario, allowed: readonly FaultKind[] = FAULT_KINDS): Scenario {
  const n = raw.n;
  let kinds = FAULT_KINDS.filter((k) => raw.kinds[k]);
  const steps: Step[] = [];
  for (const r of raw.steps) {
    const kind = KIND_OF[r.op];
    if (kind !== undefined && !raw.kinds[kind]) continue;
    const step = mapStep(r, n);
    if (step !== undefined) steps.push(step);
  }
  if (raw.lag !== undefined && raw.lag !== null) {
    // The lag rounds bring the kinds they use (within those allowed), whatever the swarm drew.
    const block = raw.lag.rounds.flatMap((r) => mapLagRound(r, n, allowed));
    steps.splice(raw.lag.at % (steps.length + 1), 0, ...block);
    const used = new Set(block.map((step) => KIND_OF[step.op]));
    kinds = FAULT_KINDS.filter((k) => kinds.includes(k) || used.has(k));
  }
  if (raw.nemesis !== null && raw.kinds.nemesis) {
    const block = raw.nemesis.rounds.flatMap((r) => mapRound(r, n));
    steps.splice(raw.nemesis.at % (steps.length + 1), 0, ...block);
  }
  // A snapshot step's index within the commands started before it (no server can have applied more).
  let started = 0;
  for (const [k, step] of steps.entries()) {
    if (step.op === 'submit') started += step.count;
    if (step.op === 'snapshot') steps[k] = { ...step, index: 1 + ((step.index - 1) % Math.max(1, started)) };
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
    ...(raw.snapshot === true && { snapshot: true as const }),
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
    case 'snapshot':
      return { op: 'snapshot', server: r.server % n, index: r.index };
    case 'crashOnSnapshot':
    case 'crashOnInstall':
      return { op: r.op, server: r.server % n, ...(r.restartAfterMs !== null && { restartAfterMs: r.restartAfterMs }) };
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

/**
 * A lag round on the cluster: every link restored and every server
 * connected (if heal is allowed), then the server cut off by the round's
 * own kind (crash, or disconnect), else the other if only that one is
 * allowed, else nothing; its crash triggers only if crash is allowed.
 */
function mapLagRound(r: RawLagRound, n: number, allowed: readonly FaultKind[]): Step[] {
  const canCrash = allowed.includes('crash');
  const canDisconnect = allowed.includes('disconnect');
  if (!canCrash && !canDisconnect) return [];
  const byCrash = r.crash ? canCrash : !canDisconnect;
  const x = r.server % n;
  // Healed first, when allowed: a partition the schedule left in place would leave no majority to commit the burst.
  const steps: Step[] = allowed.includes('heal') ? [{ op: 'heal' }] : [];
  steps.push(byCrash ? { op: 'crash', server: x } : { op: 'disconnect', server: x }, { op: 'pause', ms: r.electMs });
  if (r.crashOnSnapshot !== null && canCrash)
    steps.push({ op: 'crashOnSnapshot', server: r.crashOnSnapshot.server % n, restartAfterMs: r.crashOnSnapshot.restartAfterMs });
  steps.push({ op: 'submit', server: (x + 1) % n, command: r.burst.command, count: r.burst.count, everyMs: 0, toLeader: true });
  steps.push({ op: 'pause', ms: r.settleMs });
  if (r.crashOnInstall !== null && canCrash) steps.push({ op: 'crashOnInstall', server: x, restartAfterMs: r.crashOnInstall });
  steps.push(byCrash ? { op: 'restart', server: x } : { op: 'connect', server: x });
  steps.push({ op: 'pause', ms: r.catchUpMs });
  return steps;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
