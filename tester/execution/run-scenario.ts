// Runs one fuzz scenario on a fresh cluster, in virtual time, with every
// monitor fatal (STRICT). The schedule's faults come first; then the
// liveness phase heals a majority, makes the network calm, and requires a
// leader among that majority within the lab's 5 s (the LV monitor judges it
// too), then keeps the network calm for the scenario's hold so that the
// stability monitor can judge the new leader. With a module that implements
// start(), the schedule's client commands are started as they come, and the
// liveness phase also requires a new command to be applied on every healed
// server within the lab's one() budget.
import type { RaftPeer } from '../../raft/contract.ts';
import { RAFT_SNAPSHOT_METHODS, RPC } from '../../raft/contract.ts';
import { LAB_UNRELIABLE } from '../../labrpc/network.ts';
import { makeConfig, type Config, type RunStats } from '../config.ts';
import { MAXLOGSIZE } from '../lab2d.ts';
import type { TesterEvent } from '../events.ts';
import type { RaftUnderTest } from '../raft-module.ts';
import { describeError, failedWith, type Failed, type Passed } from '../failure.ts';
import { LIVENESS_MS, Nemesis, leaderOfTheMoment } from '../cluster/nemesis.ts';
import { STRICT, type CheckPolicy } from '../monitors/index.ts';
import { KIND_OF, describeStep, drainMs, type Scenario, type Step } from './scenario.ts';

/** How often the liveness phase looks for a leader among the healed servers. */
const POLL_MS = 50;
/** The liveness phase's command: above any the schedule draws (MAX_COMMAND). */
export const LIVENESS_COMMAND = 1_000_000;
/**
 * Lab 2D: how long after the liveness command is applied everywhere each
 * healed server's Raft state may still exceed the lab's MAXLOGSIZE. The lab
 * looks once, right after one(); a Raft may trim a little later than the
 * snapshot() call (at its next tick, say), so the fuzzer waits this long.
 */
export const TRIM_MS = 1000;

export interface RunScenarioOptions {
  /** The implementation under test (default: the built-in Raft). */
  raft?: RaftUnderTest;
  /** Overrides the scenario's own simSeed. */
  seed?: number;
  /** Receives every event of the run (traces). */
  record?: (event: TesterEvent) => void;
  /**
   * Wait out the lossy network's messages in flight before the liveness
   * phase (default true). Off, the stability monitor blames the Raft for
   * late messages of the faulty phase: see tester/fuzz/README.md.
   */
  drain?: boolean;
  /**
   * What the monitors do (default STRICT: every check fails the run).
   * LAB_CHECKS_ONLY leaves the lab's helpers that the scenario uses: the
   * applier's checks on every apply, the liveness phase's leader check
   * (checkOneLeader's requirement, among the healed majority) and its one().
   */
  policy?: CheckPolicy;
}

export type ScenarioPhase = 'faults' | 'drain' | 'liveness' | 'hold';

/** Passed, or failed with the check that failed, its message, and where the run was when it failed (if it was running). */
export type ScenarioResult = { stats: RunStats } & (Passed | (Failed & { phase?: ScenarioPhase }));

export async function runScenario(s: Scenario, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const stats: RunStats = { seed: s.simSeed, clock: 'virtual', elapsedMs: 0, rpcs: 0, bytes: 0, events: 0, wallMs: 0, warnings: [] };
  let result: ScenarioResult = { ok: true, stats };
  const net = s.network;
  let phase: ScenarioPhase = 'faults';
  let cfg: Config;
  try {
    cfg = makeConfig(s.n, net.kind === 'unreliable', {
      // Lab 2D: the lab's make_config(..., snapshot=true), and its Raft must have what the 2D tests call.
      ...(s.snapshot === true && { snapshot: true, requires: RAFT_SNAPSHOT_METHODS }),
      seed: options.seed ?? s.simSeed,
      seedInMessages: false,
      policy: options.policy ?? STRICT,
      print: () => {},
      stats,
      ...(options.raft !== undefined && { raft: options.raft }),
      ...(options.record !== undefined && { record: options.record }),
    });
  } catch (error) {
    return { ok: false, check: 'HARNESS', message: `makeConfig failed: ${describeError(error)}`, stats };
  }
  try {
    cfg.step('fuzz', `scenario: ${s.n} servers, ${s.steps.length} steps`);
    cfg.net.longDelays(net.longDelays);
    if (net.kind === 'unreliable') {
      cfg.setFaults({ requestDropRate: net.requestDropPct / 100, replyDropRate: net.replyDropPct / 100, maxDelayMs: net.maxDelayMs }, net.duplicatePct / 100);
      cfg.setLongReordering(net.longReordering);
    }
    const clients = cfg.rafts.some((r) => typeof r?.start === 'function') ? new Clients(cfg) : undefined;
    const crashes = new CrashTriggers(cfg);
    // Only a schedule with nemesis steps watches the cluster for them; the same for the snapshot crashes.
    const nemesis = s.steps.some((step) => KIND_OF[step.op] === 'nemesis') ? new Nemesis(cfg) : undefined;
    const snapshotCrashes = s.steps.some((step) => step.op === 'crashOnSnapshot' || step.op === 'crashOnInstall') ? new SnapshotCrashes(cfg) : undefined;
    try {
      for (const step of s.steps) await apply(cfg, step, clients, crashes, nemesis, snapshotCrashes);
    } finally {
      // The schedule's clients and crash triggers stop with it: the liveness phase has its own command.
      clients?.stop();
      crashes.stop();
      nemesis?.stop();
      snapshotCrashes?.stop();
    }
    // Replies the nemesis still holds are delivered now, before the drain
    // (at least 1 ms with every server cut off, see drainMs): a late reply
    // must not land in the calm window the liveness and stability checks judge.
    nemesis?.heal();

    // The liveness phase. Messages of the lossy network may still be on
    // their way (a reordered reply arrives up to 2.2 s late and may carry a
    // term from a server that is now isolated); they would count as faults
    // inside the calm window. So the network is made calm first with every
    // server cut off, until nothing sent before can still arrive.
    const drain = options.drain === false ? 0 : drainMs(s);
    if (drain > 0) {
      phase = 'drain';
      cfg.step('fuzz', `drain: network calm, every server disconnected for ${drain} ms`);
      calmNetwork(cfg);
      for (let i = 0; i < s.n; i++) cfg.disconnect(i);
      await cfg.sleep(drain);
    }
    phase = 'liveness';
    const { members, holdMs } = s.liveness;
    cfg.step('fuzz', `liveness: heal {${members.join(',')}}, calm network, a leader within 5 s`);
    for (let i = 0; i < s.n; i++) if (!members.includes(i)) cfg.disconnect(i);
    calmNetwork(cfg, s.liveness.delayMs ?? 0);
    cfg.healLinks();
    for (const m of members) {
      if (cfg.rafts[m] === undefined) cfg.start1(m);
      cfg.connect(m);
    }
    await leaderAmong(cfg, members);
    if (clients) {
      cfg.step('fuzz', `a new command applied on all of {${members.join(',')}}`);
      await cfg.one(LIVENESS_COMMAND, members.length, true);
      if (s.snapshot === true) await logTrimmed(cfg, members);
    }
    phase = 'hold';
    if (holdMs > 0) {
      cfg.step('fuzz', `hold: calm for ${holdMs} ms`);
      await cfg.sleep(holdMs);
    }
  } catch (error) {
    result = { ...failedWith(error), phase, stats };
  }
  try {
    await cfg.cleanup();
  } catch (error) {
    if (result.ok) result = { ...failedWith(error), phase, stats };
  }
  // The first failure of the run is the one that counts, even if the driver
  // tripped over a later consequence of it.
  const first = cfg.failureSeen;
  if (first !== undefined) result = { ...result, ok: false, check: first.check, message: first.message };
  return result;
}

/**
 * The liveness requirement, restricted to the healed majority: one of them
 * says it leads, in the highest term any of them is in, within LIVENESS_MS,
 * and no two of them lead in one term.
 * It gives up a little after LIVENESS_MS, so that the LV monitor, which
 * judges the same window more strictly (the leader's term must be the
 * highest any member has said), names the failure when there is one.
 */
async function leaderAmong(cfg: Config, members: readonly number[]): Promise<number> {
  cfg.step('check', `a leader among {${members.join(',')}} within ${LIVENESS_MS} ms`);
  const deadline = cfg.now() + LIVENESS_MS + 2 * POLL_MS;
  for (;;) {
    const leaders = new Map<number, number[]>();
    let highest = -1;
    for (const m of members) {
      const { term, isLeader } = cfg.getStateOf(m);
      highest = Math.max(highest, term);
      if (isLeader) leaders.set(term, [...(leaders.get(term) ?? []), m]);
    }
    for (const [term, ids] of leaders) if (ids.length > 1) cfg.fatal(`term ${term} has ${ids.length} (>1) leaders: {${ids.join(',')}}`);
    // A leader of an older term than some member's is a stale one: it does not count.
    const current = leaders.get(highest);
    if (current !== undefined) return current[0] as number;
    if (cfg.now() >= deadline) cfg.fatal(`expected a leader among the healed servers {${members.join(',')}} within ${LIVENESS_MS} ms, got none`);
    await cfg.sleep(POLL_MS);
  }
}

/**
 * Lab 2D: the lab's "Log size too large" (after one(), no server's Raft
 * state may reach MAXLOGSIZE), for the healed servers, which have all just
 * applied the liveness command, so that the snapshot applier has asked each
 * of them for a snapshot at most nine entries back (§7: the log is discarded
 * up through the snapshot's last included index). An isolated server may
 * rightly hold a long tail it could not commit, so only members count; and
 * each has TRIM_MS to get there (a Raft may trim after snapshot() returns).
 */
async function logTrimmed(cfg: Config, members: readonly number[]): Promise<void> {
  cfg.step('check', `the Raft state of each of {${members.join(',')}} below ${MAXLOGSIZE} bytes within ${TRIM_MS} ms`);
  const deadline = cfg.now() + TRIM_MS;
  for (;;) {
    const large = members.filter((m) => cfg.logSizeOf(m) >= MAXLOGSIZE);
    if (large.length === 0) return;
    if (cfg.now() >= deadline) {
      cfg.fatal(
        `Log size too large: ${large.map((m) => `server ${m}'s Raft state is ${cfg.logSizeOf(m)} bytes`).join(', ')} (MAXLOGSIZE ${MAXLOGSIZE}), ` +
          `${TRIM_MS} ms after every healed server applied the liveness command, each asked for a snapshot at most nine entries before it`,
      );
    }
    await cfg.sleep(POLL_MS);
  }
}

/** Reliable, or (delayMs > 0) lossless with short request delays: calm either way for the monitors. */
function calmNetwork(cfg: Config, delayMs = 0): void {
  cfg.setLongReordering(false);
  if (delayMs > 0) {
    cfg.setFaults({ requestDropRate: 0, replyDropRate: 0, maxDelayMs: delayMs }, 0);
    cfg.setUnreliable(true);
  } else {
    cfg.setUnreliable(false);
    cfg.setFaults(LAB_UNRELIABLE, 0);
  }
}

/**
 * The schedule's clients. A client step starts its first command at once and
 * the rest everyMs apart in the background, while the schedule goes on: a
 * client step takes none of the schedule's time, so shrinking can drop it
 * without moving any fault.
 */
class Clients {
  private stopped = false;
  constructor(private readonly cfg: Config) {}

  run(step: Extract<Step, { op: 'submit' }>): void {
    this.submit(step, step.command);
    if (step.count > 1) void this.rest(step);
  }

  stop(): void {
    this.stopped = true;
  }

  private async rest(step: Extract<Step, { op: 'submit' }>): Promise<void> {
    try {
      for (let c = 1; c < step.count && !this.stopped; c++) {
        if (step.everyMs > 0) await this.cfg.sleep(step.everyMs);
        if (!this.stopped) this.submit(step, step.command + c);
      }
    } catch {
      // The run failed meanwhile: its failure is reported where the schedule awaits.
    }
  }

  // As the lab's one() does: from the drawn server on, each in turn until one
  // says it leads. The nemesis's clients go to the leader of the moment first.
  private submit(step: Extract<Step, { op: 'submit' }>, command: number): void {
    if (step.toLeader === true) {
      const leader = leaderOfTheMoment(this.cfg);
      if (leader !== undefined && this.cfg.start(leader, command).isLeader) return;
    }
    for (let k = 0; k < this.cfg.n; k++) if (this.cfg.start((step.server + k) % this.cfg.n, command).isLeader) return;
  }
}

/**
 * crashOnAppend steps: each arms a trigger on its server's next
 * AppendEntries that carries entries. Before the reply, the crash comes
 * as the request arrives, inside the network's delivery (the handler then
 * runs on the killed instance, whose answer is lost); otherwise a moment
 * later in the same instant, once the handler is under way.
 */
class CrashTriggers {
  private readonly armed = new Map<number, Extract<Step, { op: 'crashOnAppend' }>>();
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  constructor(private readonly cfg: Config) {}

  arm(step: Extract<Step, { op: 'crashOnAppend' }>): void {
    this.armed.set(step.server, step);
    this.unsubscribe ??= this.cfg.net.subscribe((e) => {
      if (e.kind !== 'deliver' || e.duplicate || e.method !== RPC.AppendEntries || typeof e.to !== 'number') return;
      const step = this.armed.get(e.to);
      const entries = (e.args as { entries?: unknown } | null)?.entries;
      if (step === undefined || !Array.isArray(entries) || entries.length === 0) return;
      this.armed.delete(e.to);
      const raft = this.cfg.rafts[e.to];
      if (step.beforeReply) this.crash(step, raft);
      else queueMicrotask(() => this.crash(step, raft));
    });
  }

  stop(): void {
    this.stopped = true;
    this.armed.clear();
    this.unsubscribe?.();
  }

  private crash(step: Extract<Step, { op: 'crashOnAppend' }>, raft: RaftPeer | undefined): void {
    // The instance that received the request, if it is still the server's.
    if (this.stopped || raft === undefined || this.cfg.rafts[step.server] !== raft) return;
    this.cfg.step('fault', `crash S${step.server} ${step.beforeReply ? 'as an AppendEntries arrives' : 'while it handles an AppendEntries'}`);
    this.cfg.crash1(step.server);
    if (step.restartAfterMs !== undefined) void this.restart(step.server, step.restartAfterMs);
  }

  private async restart(server: number, afterMs: number): Promise<void> {
    try {
      if (afterMs > 0) await this.cfg.sleep(afterMs);
      if (this.stopped || this.cfg.rafts[server] !== undefined) return;
      this.cfg.step('fault', `restart S${server} (persisted state kept) and connect it`);
      this.cfg.start1(server);
      this.cfg.connect(server);
    } catch {
      // The run failed meanwhile: its failure is reported where the schedule awaits.
    }
  }
}

async function apply(
  cfg: Config,
  step: Step,
  clients: Clients | undefined,
  crashes: CrashTriggers,
  nemesis: Nemesis | undefined,
  snapshotCrashes: SnapshotCrashes | undefined,
): Promise<void> {
  if (step.op === 'pause') {
    if (step.ms > 0) await cfg.sleep(step.ms);
    return;
  }
  if (step.op === 'submit') {
    clients?.run(step);
    return;
  }
  if (step.op === 'crashOnAppend') {
    cfg.step('fault', `arm: ${describeStep(step)}`);
    crashes.arm(step);
    return;
  }
  if (step.op === 'snapshot') {
    // The service's own act, not a fault: said either way, so that a skipped one shows in the trace.
    const done = cfg.snapshotAt(step.server, step.index);
    cfg.step(
      'service',
      done ? `S${step.server} snapshots through index ${step.index}` : `S${step.server} does not snapshot through ${step.index}: down, or not applied that far`,
    );
    return;
  }
  if (step.op === 'crashOnSnapshot' || step.op === 'crashOnInstall') {
    cfg.step('fault', `arm: ${describeStep(step)}`);
    snapshotCrashes?.arm(step);
    return;
  }
  if (nemesis !== undefined && KIND_OF[step.op] === 'nemesis') {
    applyNemesis(nemesis, step);
    return;
  }
  cfg.step('fault', describeStep(step));
  switch (step.op) {
    case 'disconnect':
      cfg.disconnect(step.server);
      break;
    case 'connect':
      cfg.connect(step.server);
      break;
    case 'partition':
      cfg.partition(step.groups);
      break;
    case 'cut':
      cfg.setLink(step.from, step.to, false);
      break;
    case 'restore':
      cfg.setLink(step.from, step.to, true);
      break;
    case 'crash':
      cfg.crash1(step.server);
      break;
    case 'restart':
      cfg.start1(step.server);
      cfg.connect(step.server);
      break;
    case 'heal':
      cfg.healLinks();
      for (let i = 0; i < cfg.n; i++) cfg.connect(i);
      // Healed: nothing held back any more (the held replies arrive now, late).
      nemesis?.heal();
      break;
  }
}

type SnapshotCrash = Extract<Step, { op: 'crashOnSnapshot' | 'crashOnInstall' }>;

/** A snapshot() call or an InstallSnapshot handler under way, with a crash armed on it. */
interface CrashWindow {
  step: SnapshotCrash;
  incarnation: number;
  /** The InstallSnapshot request's id (crashOnInstall). */
  id?: number;
}

/**
 * crashOnSnapshot and crashOnInstall steps (lab 2D): a crash between the
 * trim and the persist. Each arms a trigger on its server's next snapshot()
 * call or InstallSnapshot; while that call or handler runs, the server's
 * first save crashes it at once, inside the save (as a power cut right after
 * a write: the persister copy crash1 keeps holds that save and nothing
 * after it, and the rest of the call runs on the killed instance, whose
 * answers are lost). A call that saves nothing crashes it as it returns, or
 * as the handler answers. So a Raft that stores the trimmed log and the
 * snapshot in two saves, or saves the snapshot only later, restarts with a
 * log that starts after a snapshot the service never got (Figure 13: the
 * snapshot and the state that names its last included index go together).
 */
class SnapshotCrashes {
  private readonly armed = new Map<string, SnapshotCrash>();
  /** Each server's current incarnation (from the start and crash events), undefined while it is down. */
  private readonly incarnation: (number | undefined)[];
  private readonly windows = new Map<number, CrashWindow>();
  private stopped = false;
  private readonly unwatch: () => void;

  constructor(private readonly cfg: Config) {
    // Every server was started before the schedule: the current incarnations are the first.
    this.incarnation = cfg.rafts.map((r) => (r === undefined ? undefined : 1));
    this.unwatch = cfg.watch({
      event: (e) => {
        if (this.stopped) return;
        switch (e.kind) {
          case 'start':
            this.incarnation[e.server] = e.incarnation;
            return;
          case 'crash':
            this.incarnation[e.server] = undefined;
            this.windows.delete(e.server);
            return;
          case 'snapshot':
            if (e.incarnation === this.incarnation[e.server]) this.open(e.server, 'crashOnSnapshot', e.incarnation);
            return;
          case 'deliver':
            if (e.method === RPC.InstallSnapshot && !e.duplicate && typeof e.to === 'number') {
              const incarnation = this.incarnation[e.to];
              if (incarnation !== undefined) this.open(e.to, 'crashOnInstall', incarnation, e.id);
            }
            return;
          case 'persist':
            if (this.windows.get(e.server)?.incarnation === e.incarnation) this.crash(e.server, 'right after its first save');
            return;
          case 'handled':
          case 'handler-error': {
            const to = typeof e.to === 'number' ? e.to : undefined;
            if (to !== undefined && !('duplicate' in e && e.duplicate) && this.windows.get(to)?.id === e.id)
              this.crash(to, 'as its handler answers, having saved nothing');
            return;
          }
          default:
            return;
        }
      },
      snapshotReturned: (server, incarnation) => {
        const w = this.windows.get(server);
        if (!this.stopped && w !== undefined && w.id === undefined && w.incarnation === incarnation)
          this.crash(server, 'as snapshot() returns, having saved nothing');
      },
    });
  }

  arm(step: SnapshotCrash): void {
    this.armed.set(`${step.op} ${step.server}`, step);
  }

  stop(): void {
    this.stopped = true;
    this.armed.clear();
    this.windows.clear();
    this.unwatch();
  }

  private open(server: number, op: SnapshotCrash['op'], incarnation: number, id?: number): void {
    const step = this.armed.get(`${op} ${server}`);
    if (step === undefined || this.windows.has(server)) return;
    this.armed.delete(`${op} ${server}`);
    this.windows.set(server, { step, incarnation, ...(id !== undefined && { id }) });
  }

  private crash(server: number, when: string): void {
    const w = this.windows.get(server);
    if (w === undefined) return;
    this.windows.delete(server);
    const inside = w.step.op === 'crashOnSnapshot' ? 'inside snapshot()' : 'inside an InstallSnapshot';
    this.cfg.step('fault', `crash S${server} ${inside}, ${when}`);
    this.cfg.crash1(server);
    if (w.step.restartAfterMs !== undefined) void this.restart(server, w.step.restartAfterMs);
  }

  // Never from inside the call the crash came in: the killed instance is
  // still in it, and may yet send on its channel (a zombie's applies count,
  // as in the lab), which must reach the applier before the new one starts.
  private async restart(server: number, afterMs: number): Promise<void> {
    try {
      await this.cfg.sleep(afterMs);
      if (this.stopped || this.cfg.rafts[server] !== undefined) return;
      this.cfg.step('fault', `restart S${server} (persisted state kept) and connect it`);
      this.cfg.start1(server);
      this.cfg.connect(server);
    } catch {
      // The run failed meanwhile: its failure is reported where the schedule awaits.
    }
  }
}

/** A nemesis step: it finds its servers in the cluster as it is now, and says what it did. */
function applyNemesis(nemesis: Nemesis, step: Step): void {
  switch (step.op) {
    case 'isolateLeader':
      nemesis.isolateLeader(step.followers, step.pick);
      break;
    case 'rotate':
      nemesis.rotate(step.by);
      break;
    case 'holdReplies':
      nemesis.holdReplies(step.ms);
      break;
    case 'releaseReplies':
      nemesis.releaseReplies();
      break;
  }
}
