// The lab's config layer: a cluster of Raft servers on an emulated network,
// with the lab's helpers (start1, crash1, connect, disconnect, checkOneLeader,
// checkTerms, checkNoLeader, begin, end, cleanup), its sleeps, rounds,
// messages and time limit, plus the continuous monitors.
import { invocation } from './cli-args.ts';
import { randomInt } from 'node:crypto';
import { LAB_UNRELIABLE, Network, type ClientEnd, type UnreliableProfile } from '../labrpc/network.ts';
import { Server, Service, type Handler } from '../labrpc/service.ts';
import { RAFT_PEER_METHODS, type MakeRaft, type RaftPeer } from '../raft/contract.ts';
import { make as referenceMake } from '../raft/raft.ts';
import type { ClockKind } from '../runtime/clock.ts';
import { MAX_SEED, type Random } from '../runtime/random.ts';
import { World, type ScopedRuntime } from '../runtime/runtime.ts';
import { runVirtual, type VirtualRun } from '../runtime/settle-pump.ts';
import { nodeTimers, wallNow } from '../runtime/wall.ts';
import type { TesterEvent, ViolationEvent } from './events.ts';
import { TestFailure, describeError } from './failure.ts';
import { CHECKS, LAB_TESTS, LAB_TEST_LIMITS, MonitorSet, type CheckPolicy, type ConductLimits } from './monitors/index.ts';
import { ApplyLog, MemoryPersister } from './persister.ts';

/** The lab's RaftElectionTimeout. */
export const RAFT_ELECTION_TIMEOUT_MS = 1000;
/** The lab's limit on one test. */
export const TIME_LIMIT_MS = 120_000;
/** A killed server may still see timers it set before fire; a new one this long after kill() is a leak. */
export const KILL_GRACE_MS = 100;
/** How long cleanup lets time run after killing everyone, to see such leaks. */
export const KILL_LINGER_MS = 200;
/** In real time, how often every server's getState() is read (virtual time reads it at every instant). */
export const REAL_TIME_POLL_MS = 10;

export interface ConfigOptions {
  /** Virtual (default: fast, deterministic) or real time (the lab's conditions). */
  clock?: ClockKind;
  /** Every random choice flows from it; default: a fresh one, printed on failure. */
  seed?: number;
  /** The implementation under test (default: the reference Raft). */
  raft?: MakeRaft;
  /**
   * The implementation uses the global timers, Date and random source directly: in
   * virtual time those globals are faked for the run (one run at a time).
   */
  globalTimers?: boolean;
  /** What each check does on a violation (default: the lab tests' policy). */
  policy?: CheckPolicy;
  limits?: Partial<ConductLimits>;
  /** Where begin/end/warnings print (default: console.log). */
  print?: (line: string) => void;
  /** Receives every event of the run (traces). */
  record?: (event: TesterEvent) => void;
  /** The test's name and the --raft module, to print how to replay a failure. */
  testName?: string;
  raftModule?: string;
  /** Filled in at cleanup, for drivers. */
  stats?: RunStats;
  timeLimitMs?: number;
}

export interface RunStats {
  seed: number;
  clock: ClockKind;
  /** Milliseconds on the run's clock (virtual in virtual time). */
  elapsedMs: number;
  rpcs: number;
  bytes: number;
  /** Timers the virtual clock ran (0 in real time). */
  events: number;
  /** Wall-clock ms the run cost (in virtual time: its share of the steps it shared with other runs). */
  wallMs: number;
  warnings: string[];
}

export class Config {
  readonly n: number;
  readonly world: World;
  readonly net: Network;
  readonly seed: number;
  /** The tester's own random stream (the lab's global rand). */
  readonly random: Random;
  readonly connected: boolean[];
  readonly rafts: (RaftPeer | undefined)[];
  private readonly persisters: (MemoryPersister | undefined)[];
  private readonly endNames: string[][];
  private readonly runtimes: (ScopedRuntime | undefined)[];
  private readonly incarnations: number[];
  private readonly lastState: ({ term: number; isLeader: boolean } | undefined)[];
  private readonly monitors: MonitorSet;
  private readonly makeRaft: MakeRaft;
  private readonly print: (line: string) => void;
  private readonly warnings: string[] = [];
  private readonly run: VirtualRun<void> | undefined;
  private finishRun: () => void = () => {};
  private failure: TestFailure | undefined;
  private rejectWaits: (error: TestFailure) => void = () => {};
  private readonly failed: Promise<never>;
  private finished = false;
  private readonly createdAt = wallNow();
  private t0 = 0;
  private rpcs0 = 0;
  private bytes0 = 0;

  constructor(
    n: number,
    unreliable: boolean,
    private readonly options: ConfigOptions = {},
  ) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`makeConfig: the number of servers must be a whole number >= 1, got ${n}`);
    this.n = n;
    this.seed = options.seed ?? randomInt(MAX_SEED);
    this.world = new World(options.clock ?? 'virtual', this.seed, { globalTimers: options.globalTimers === true });
    this.random = this.world.random('tester');
    this.net = new Network(this.world.clock, this.world.random('network'));
    this.makeRaft = options.raft ?? referenceMake;
    this.print = options.print ?? ((line) => console.log(line));
    this.connected = new Array<boolean>(n).fill(false);
    this.rafts = new Array<RaftPeer | undefined>(n).fill(undefined);
    this.persisters = new Array<MemoryPersister | undefined>(n).fill(undefined);
    this.runtimes = new Array<ScopedRuntime | undefined>(n).fill(undefined);
    this.incarnations = new Array<number>(n).fill(0);
    this.lastState = new Array(n).fill(undefined);
    this.endNames = Array.from({ length: n }, () => new Array<string>(n).fill(''));
    this.failed = new Promise<never>((_, reject) => {
      this.rejectWaits = reject;
    });
    this.failed.catch(() => {}); // Observed through wait(); never unhandled.

    const clock = this.world.clock;
    this.monitors = new MonitorSet({
      policy: options.policy ?? LAB_TESTS,
      limits: options.limits ?? (options.policy === undefined ? LAB_TEST_LIMITS : {}),
      timingSlackMs: clock.kind === 'real' ? 100 : 0,
      onViolation: (v) => this.onViolation(v),
      wakeAt: (time) => clock.setTimer(time - clock.now(), () => this.monitors.advanceTo(clock.now())),
    });
    this.net.subscribe((e) => this.emit(e));
    const timeLimit = options.timeLimitMs ?? TIME_LIMIT_MS;
    this.emit({ kind: 'cluster', t: 0, n, seed: this.seed, clock: clock.kind });

    if (clock.kind === 'virtual') {
      const lifetime = new Promise<void>((resolve) => {
        this.finishRun = resolve;
      });
      // Whenever virtual time is about to move on, every server's getState()
      // is read, so a wrong answer is seen at once, not at the next
      // checkOneLeader. (Once per instant, not per timer: the servers'
      // tickers mostly fire at the same instants.)
      const clock = this.world.virtualClock;
      let observedAt = -1;
      this.run = runVirtual(clock, () => lifetime, {
        deadline: timeLimit,
        beforeEach: () => {
          if (clock.now() === observedAt) return;
          observedAt = clock.now();
          this.observeStates();
        },
      });
      void this.run.outcome.then((outcome) => {
        if (outcome.status === 'deadline') this.fail(`test took longer than ${timeLimit / 1000} seconds`, 'LAB');
        else if (outcome.status === 'stalled') this.fail('the simulation stalled: nothing is scheduled, yet the test is still waiting', 'RAFT');
        else if (outcome.status === 'failed') this.fail(`a timer callback threw: ${describeError(outcome.error)}`, 'RAFT');
      });
    } else {
      this.run = undefined;
      clock.setTimer(timeLimit, () => this.fail(`test took longer than ${timeLimit / 1000} seconds`, 'LAB'));
      const poll = (): void => {
        if (this.finished) return;
        this.observeStates();
        clock.setTimer(REAL_TIME_POLL_MS, poll);
      };
      poll();
    }

    this.setUnreliable(unreliable);
    this.net.longDelays(true);
    for (let i = 0; i < n; i++) this.start1(i);
    for (let i = 0; i < n; i++) this.connect(i);
  }

  // ---- the network's faults ----

  setUnreliable(unreliable: boolean): void {
    this.net.reliable(!unreliable);
    this.emitNetConfig();
  }

  setLongReordering(on: boolean): void {
    this.net.longReordering(on);
    this.emitNetConfig();
  }

  /** Beyond the lab: the unreliable network's rates, and duplicates. */
  setFaults(profile: UnreliableProfile = LAB_UNRELIABLE, duplicateRate = 0): void {
    this.net.setUnreliableProfile(profile);
    this.net.setDuplicateRate(duplicateRate);
    this.emitNetConfig();
  }

  private emitNetConfig(): void {
    const net = this.net;
    this.emit({
      kind: 'net-config',
      t: this.now(),
      reliable: net.isReliable(),
      longReordering: net.isLongReordering(),
      duplicateRate: net.getDuplicateRate(),
      ...net.getUnreliableProfile(),
    });
  }

  /** Beyond the lab: cuts or restores the one-way link from server i to server j. */
  setLink(from: number, to: number, up: boolean): void {
    this.step(up ? 'restore link' : 'cut link', `${from} -> ${to}`);
    this.net.setLink(from, to, up);
  }

  /** Beyond the lab: links inside each group up, between groups down. */
  partition(groups: readonly (readonly number[])[]): void {
    this.step('partition', groups.map((g) => `{${g.join(',')}}`).join(' | '));
    this.net.partition(groups);
  }

  /** Beyond the lab: restores every one-way link (connect/disconnect are separate). */
  healLinks(): void {
    this.step('heal links');
    this.net.healLinks();
  }

  // ---- servers ----

  /** Starts or restarts server i, as the lab's start1 (crashing it first). */
  start1(i: number): void {
    this.crash1(i);
    const incarnation = ++this.incarnations[i]!;
    const ends: ClientEnd[] = [];
    for (let j = 0; j < this.n; j++) {
      const name = `${i}->${j}#${incarnation}`;
      (this.endNames[i] as string[])[j] = name;
      const end = this.net.makeEnd(name, i);
      this.net.connect(name, j);
      ends.push(end);
    }
    const persister = this.persisters[i]?.copy() ?? new MemoryPersister();
    this.persisters[i] = persister;
    const runtime = this.world.runtime(`server-${i}/${incarnation}`);
    this.runtimes[i] = runtime;
    this.emit({ kind: 'start', t: this.now(), server: i, incarnation });
    let raft: RaftPeer;
    // make() runs synchronously: any Node timer that appears meanwhile is its.
    const watchTimers = this.world.clock.kind === 'virtual' && this.options.globalTimers !== true;
    const timersBefore = watchTimers ? nodeTimers() : 0;
    try {
      raft = this.makeRaft(ends, i, persister, new ApplyLog(), runtime);
    } catch (error) {
      this.fail(`make() of server ${i} threw: ${describeError(error)}`, 'RAFT');
      return;
    }
    if (watchTimers && nodeTimers() > timersBefore) {
      this.fail(
        `make() of server ${i} set a real timer (setTimeout/setInterval) in a virtual-time run: an implementation that uses ` +
          "global timers must say so with `export const timers = 'global'` in its module, so that the harness fakes them",
        'RAFT',
      );
    }
    const missing = RAFT_PEER_METHODS.filter(
      (method) => typeof (raft as unknown as Record<string, unknown> | null)?.[method] !== 'function',
    );
    if (missing.length > 0) {
      this.fail(`make() of server ${i} returned an object without ${missing.join(', ')} (the contract needs ${RAFT_PEER_METHODS.join(', ')})`, 'RAFT');
      return;
    }
    this.rafts[i] = raft;
    const server = new Server();
    server.addService(
      new Service('Raft', {
        RequestVote: ((args: never) => raft.requestVote(args)) as Handler,
        AppendEntries: ((args: never) => raft.appendEntries(args)) as Handler,
      }),
    );
    this.net.addServer(i, server);
  }

  /** Crashes server i, as the lab's crash1: disconnect, delete, keep its persisted state, kill. */
  crash1(i: number): void {
    this.disconnect(i);
    this.net.deleteServer(i);
    const saved = this.persisters[i];
    if (saved !== undefined) this.persisters[i] = saved.copy();
    const raft = this.rafts[i];
    if (raft !== undefined) {
      this.rafts[i] = undefined;
      this.lastState[i] = undefined;
      this.emit({ kind: 'crash', t: this.now(), server: i });
      this.kill(i, raft);
    }
  }

  connect(i: number): void {
    this.connected[i] = true;
    this.emit({ kind: 'connect', t: this.now(), server: i });
    for (let j = 0; j < this.n; j++) if (this.connected[j]) this.net.enable(this.endNames[i]![j]!, true);
    for (let j = 0; j < this.n; j++) if (this.connected[j]) this.net.enable(this.endNames[j]![i]!, true);
  }

  disconnect(i: number): void {
    this.connected[i] = false;
    this.emit({ kind: 'disconnect', t: this.now(), server: i });
    for (let j = 0; j < this.n; j++) if (this.endNames[i]![j]) this.net.enable(this.endNames[i]![j]!, false);
    for (let j = 0; j < this.n; j++) if (this.endNames[j]![i]) this.net.enable(this.endNames[j]![i]!, false);
  }

  // ---- the lab's checks ----

  async checkOneLeader(): Promise<number> {
    this.step('checkOneLeader');
    for (let iters = 0; iters < 10; iters++) {
      await this.sleep(450 + this.random.intn(100));
      const leaders = new Map<number, number[]>();
      for (let i = 0; i < this.n; i++) {
        if (!this.connected[i]) continue;
        const { term, isLeader } = this.getState(i);
        if (isLeader) leaders.set(term, [...(leaders.get(term) ?? []), i]);
      }
      let lastTermWithLeader = -1;
      for (const [term, ids] of leaders) {
        if (ids.length > 1) this.checkFailed('checkOneLeader', `term ${term} has ${ids.length} (>1) leaders`);
        if (term > lastTermWithLeader) lastTermWithLeader = term;
      }
      if (leaders.size !== 0) {
        const leader = leaders.get(lastTermWithLeader)![0]!;
        this.checkPassed('checkOneLeader', `leader ${leader} in term ${lastTermWithLeader}`);
        return leader;
      }
    }
    return this.checkFailed('checkOneLeader', 'expected one leader, got none');
  }

  checkTerms(): number {
    this.step('checkTerms');
    let term = -1;
    for (let i = 0; i < this.n; i++) {
      if (!this.connected[i]) continue;
      const xterm = this.getState(i).term;
      if (term === -1) term = xterm;
      else if (term !== xterm) this.checkFailed('checkTerms', 'servers disagree on term');
    }
    this.checkPassed('checkTerms', `term ${term}`);
    return term;
  }

  checkNoLeader(): void {
    this.step('checkNoLeader');
    for (let i = 0; i < this.n; i++) {
      if (this.connected[i] && this.getState(i).isLeader) {
        this.checkFailed('checkNoLeader', `expected no leader among connected servers, but ${i} claims to be leader`);
      }
    }
    this.checkPassed('checkNoLeader', 'no leader');
  }

  // ---- test lifecycle ----

  begin(description: string): void {
    this.print(`${description} ...`);
    this.step('begin', description);
    this.t0 = this.now();
    this.rpcs0 = this.rpcTotal();
    this.bytes0 = this.bytesTotal();
  }

  end(): void {
    this.throwIfFailed();
    const seconds = (this.now() - this.t0) / 1000;
    const nrpc = this.rpcTotal() - this.rpcs0;
    const nbytes = this.bytesTotal() - this.bytes0;
    this.step('end', 'Passed');
    this.print(`  ... Passed --  ${fmt(seconds.toFixed(1), 4)}  ${this.n} ${fmt(nrpc, 4)} ${fmt(nbytes, 7)} ${fmt(0, 4)}`);
  }

  /**
   * Kills every server, shuts the network down, then lets time run on a
   * little to catch a kill() that leaves timers running; leaves nothing
   * scheduled. (Async, unlike Go's: that little time must pass on the run's
   * clock.) Nothing the dead servers do meanwhile is judged: the network
   * carries none of it and their state is no longer read.
   */
  async cleanup(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.recordStats();
    for (let i = 0; i < this.n; i++) {
      const raft = this.rafts[i];
      if (raft !== undefined) this.kill(i, raft);
    }
    this.net.cleanup();
    if (this.failure === undefined) {
      try {
        await this.wait(this.world.clock.sleep(KILL_LINGER_MS));
      } catch {
        // A failure during the linger (a leak) is reported below.
      }
    }
    this.finishRun();
    this.world.clock.cancelAll();
    this.world.dispose();
    const limit = this.options.timeLimitMs ?? TIME_LIMIT_MS;
    if (this.failure === undefined && this.now() > limit + KILL_LINGER_MS) this.fail(`test took longer than ${limit / 1000} seconds`, 'LAB');
    this.throwIfFailed();
  }

  // The figures describe the test itself, up to cleanup.
  private recordStats(): void {
    const stats = this.options.stats;
    if (stats === undefined) return;
    stats.seed = this.seed;
    stats.clock = this.world.clock.kind;
    stats.elapsedMs = this.now();
    stats.rpcs = this.rpcTotal();
    stats.bytes = this.bytesTotal();
    stats.events = this.world.clock.kind === 'virtual' ? this.world.virtualClock.eventsRun : 0;
    stats.wallMs = this.run !== undefined ? this.run.wallMs() : wallNow() - this.createdAt;
    stats.warnings = this.warnings;
  }

  /** The test's time.Sleep: on the run's clock, and cut short by a failure. */
  sleep(ms: number): Promise<void> {
    return this.wait(this.world.clock.sleep(ms));
  }

  rpcTotal(): number {
    return this.net.getTotalCount();
  }

  bytesTotal(): number {
    return this.net.getTotalBytes();
  }

  now(): number {
    return this.world.clock.now();
  }

  /** The first failure of the run, if any. */
  get failureSeen(): TestFailure | undefined {
    return this.failure;
  }

  /** Records a step of the test (also used by scenario drivers). */
  step(name: string, detail = ''): void {
    this.emit({ kind: 'step', t: this.now(), name, detail });
  }

  /** getState() of server i, observed by the monitors (term -1 when it is down). */
  getStateOf(i: number): { term: number; isLeader: boolean } {
    return this.getState(i);
  }

  // ---- internals ----

  private getState(i: number): { term: number; isLeader: boolean } {
    const state = this.observeState(i);
    if (state === undefined) this.throwIfFailed();
    return state ?? { term: -1, isLeader: false };
  }

  // Every getState() answer feeds the monitors; unchanged answers are not re-sent.
  private observeState(i: number): { term: number; isLeader: boolean } | undefined {
    const raft = this.rafts[i];
    if (raft === undefined) return undefined;
    let answer: unknown;
    try {
      answer = raft.getState();
    } catch (error) {
      this.fail(`server ${i}'s getState() threw: ${describeError(error)}`, 'RAFT');
      return undefined;
    }
    const state = answer as { term?: unknown; isLeader?: unknown } | null;
    if (typeof state?.term !== 'number' || typeof state.isLeader !== 'boolean') {
      this.fail(`server ${i}'s getState() returned ${safeJson(answer)}; the contract says { term: number, isLeader: boolean }`, 'WF');
      return undefined;
    }
    const last = this.lastState[i];
    if (last === undefined || last.term !== state.term || last.isLeader !== state.isLeader) {
      const fresh = { term: state.term, isLeader: state.isLeader };
      this.lastState[i] = fresh;
      this.emit({ kind: 'state', t: this.now(), server: i, ...fresh });
    }
    return this.lastState[i];
  }

  private observeStates(): void {
    if (this.failure !== undefined || this.finished) return;
    for (let i = 0; i < this.n; i++) if (this.rafts[i] !== undefined) this.observeState(i);
  }

  private kill(i: number, raft: RaftPeer): void {
    try {
      raft.kill();
    } catch (error) {
      this.fail(`server ${i}'s kill() threw: ${describeError(error)}`, 'RAFT');
    }
    this.runtimes[i]?.watchAfterKill(KILL_GRACE_MS, (ms) =>
      this.fail(`server ${i} set a timer ${Math.round(ms)} ms after kill(): kill() must stop every loop and timer`, 'RAFT'),
    );
  }

  private emit(e: TesterEvent): void {
    // Recorded before it is judged: a violation comes after the event that caused it.
    this.options.record?.(e);
    this.monitors.observe(e);
  }

  /** Prints a warning, as the lab's fmt.Printf("warning: ..."), and keeps it for the summary. */
  warn(line: string): void {
    this.warnings.push(line);
    this.step('warning', line);
    this.print(line);
  }

  private onViolation(v: ViolationEvent): void {
    this.options.record?.(v);
    const text = `[${v.check}] ${CHECKS[v.check as keyof typeof CHECKS] ?? v.check}: ${v.message}`;
    if (v.fatal) this.fail(text, v.check, v.t);
    else this.warn(`warning: ${text}`);
  }

  private checkFailed(check: string, message: string): never {
    this.emit({ kind: 'check', t: this.now(), name: check, ok: false, detail: message });
    this.fail(message, 'LAB');
    throw this.failure as TestFailure;
  }

  private checkPassed(check: string, detail: string): void {
    this.emit({ kind: 'check', t: this.now(), name: check, ok: true, detail });
  }

  /** The test's t.Fatalf: fails the test here and now. */
  fatal(message: string): never {
    this.fail(message, 'LAB');
    throw this.failure as TestFailure;
  }

  /** Records the run's first failure, stops the clock, and wakes the test. */
  fail(message: string, check: string, t = this.now()): void {
    if (this.failure !== undefined) return;
    const where = this.world.clock.kind === 'virtual' ? `virtual t=${Math.round(t)} ms, seed ${this.seed}` : `real t=${Math.round(t)} ms, seed ${this.seed}`;
    const command = this.replayCommand();
    const replay = command !== undefined ? `\nreplay: ${command}` : '';
    this.failure = new TestFailure(`${message} (${where})${replay}`, check, t);
    this.run?.stop(this.failure);
    this.rejectWaits(this.failure);
  }

  /** The command that runs this iteration again (virtual time only: real time cannot be replayed). */
  replayCommand(): string | undefined {
    const { testName, raftModule } = this.options;
    if (testName === undefined || this.world.clock.kind !== 'virtual') return undefined;
    return replayCommand(testName, this.seed, raftModule);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private wait<T>(promise: Promise<T>): Promise<T> {
    this.throwIfFailed();
    return Promise.race([promise, this.failed]);
  }
}

/** The lab's make_config(t, n, unreliable). */
export function makeConfig(n: number, unreliable: boolean, options: ConfigOptions = {}): Config {
  return new Config(n, unreliable, options);
}

export function replayCommand(testName: string, seed: number, raftModule?: string): string {
  return `${invocation('replay')} --test ${testName} --seed ${seed}${raftModule !== undefined ? ` --raft ${raftModule}` : ''}`;
}

/** Go's %Nd / %N.1f: right-aligned in a field of width N. */
function fmt(value: string | number, width: number): string {
  return String(value).padStart(width);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
