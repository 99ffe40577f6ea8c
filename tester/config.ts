// The lab's config layer (config.go): a cluster of Raft servers on an
// emulated network and the helpers the lab's tests call: start1, crash1,
// connect, disconnect, checkOneLeader, checkTerms, checkNoLeader, one,
// nCommitted, wait, begin, end, cleanup; with the lab's sleeps, rounds,
// messages and time limit. The other jobs live beside it in cluster/: the
// driver of the run (driver.ts), the guard around the implementation
// (guard.ts), the feed of the monitors (feed.ts), the fault injector
// (faults.ts) and the applier (applier.ts).
import { CALL_HANDLER, CALL_SNAPSHOT, currentCall } from '../runtime/in-call.ts';
import { LAB_TIMING, Network, type ClientEnd, type UnreliableProfile } from '../labrpc/network.ts';
import { Server, Service, type Handler } from '../labrpc/service.ts';
import type { RaftPeer, StartResult } from '../raft/contract.ts';
import type { ClockKind } from '../runtime/clock.ts';
import type { Random } from '../runtime/random.ts';
import type { ScopedRuntime, World } from '../runtime/runtime.ts';
import { Applier, sameCommand, show, type ApplierKind } from './cluster/applier.ts';
import { REAL_TIME_POLL_MS, RunDriver, replayCommand } from './cluster/driver.ts';
import { FaultInjector } from './cluster/faults.ts';
import { MonitorFeed } from './cluster/feed.ts';
import { KILL_GRACE_MS, guardedGetState, guardedKill, guardedMake, guardedSnapshot, guardedStart } from './cluster/guard.ts';
import type { TesterEvent } from './events.ts';
import { describeError, type TestFailure } from './failure.ts';
import type { CheckId } from './check-ids.ts';
import type { BudgetLimits, BudgetWindow, CheckPolicy, ConductLimits } from './monitors/index.ts';
import { MemoryPersister } from './persister.ts';
import { decodeSnapshot } from './snapshot-codec.ts';
import type { RaftUnderTest } from './raft-module.ts';
import { BUILT_IN_RAFT } from './built-in-raft.ts';
import { liveRun } from './crash-guard.ts';

export { KILL_GRACE_MS, REAL_TIME_POLL_MS, replayCommand };

/** The lab's RaftElectionTimeout. */
export const RAFT_ELECTION_TIMEOUT_MS = 1000;
/** The lab's limit on one test. */
export const TIME_LIMIT_MS = 120_000;
/** How long cleanup lets time run after killing everyone, to see such leaks. */
export const KILL_LINGER_MS = 200;

/** one(): the lab's budgets (config.go). */
export const ONE_TIMEOUT_MS = 10_000;
export const ONE_AGREEMENT_MS = 2_000;
export const ONE_POLL_MS = 20;
export const ONE_NO_LEADER_SLEEP_MS = 50;

export interface ConfigOptions {
  /** Virtual (default: fast, deterministic) or real time (the lab's conditions). */
  clock?: ClockKind;
  /** Every random choice flows from it; default: a fresh one, printed on failure. */
  seed?: number;
  /**
   * Say the seed in a failure's message (default true). The fuzzer's
   * simulation seed is part of its scenario: the seed a user needs is the
   * campaign's, printed beside it, so a second one would only mislead.
   */
  seedInMessages?: boolean;
  /**
   * The implementation under test, with what its module declared (timers,
   * timing) and its path for replay commands (default: the built-in Raft).
   */
  raft?: RaftUnderTest;
  /** What each check does on a violation (default: the lab tests' policy). */
  policy?: CheckPolicy;
  limits?: Partial<ConductLimits>;
  /** Where begin/end/warnings print (default: console.log). */
  print?: (line: string) => void;
  /** Receives every event of the run (traces). */
  record?: (event: TesterEvent) => void;
  /** The test's name, to print how to replay a failure. */
  testName?: string;
  /** Filled in at cleanup, for drivers. */
  stats?: RunStats;
  timeLimitMs?: number;
  /** Methods the test needs beyond the 2A contract (RAFT_LOG_METHODS for 2B and 2C, RAFT_SNAPSHOT_METHODS for 2D); a Raft without them is refused at once. */
  requires?: readonly string[];
  /**
   * The lab's make_config(..., snapshot): every server starts with the
   * snapshot applier (lab 2D) unless start1 is told otherwise; default the
   * plain applier (2B, 2C).
   */
  snapshot?: boolean;
  /**
   * False: the test crashes and restarts no server (a lab test not
   * registered with crashes, which its run enforces), so the monitors leave
   * out the check that only judges restarted servers. Default true.
   */
  restarts?: boolean;
  /**
   * False: the test gives the servers no command (it does not require
   * start(), and start() refuses to run), so no log ever holds an entry
   * and the monitors leave the log checks out. Default true.
   */
  logs?: boolean;
}

/** What Config.watch reports (beyond the lab: the fuzzer's crash triggers). */
export interface ConfigWatcher {
  /** Every event, as it happens. */
  event?: (e: TesterEvent) => void;
  /** Server i's snapshot(index) call (made by its snapshot applier) has returned (an async one may still run). */
  snapshotReturned?: (server: number, incarnation: number, index: number) => void;
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
  /** The highest index applied anywhere (the Passed line's last column, from 0). */
  maxIndex?: number;
  /** The highest term any getState() answered: how many elections the run took (for --report). */
  maxTerm?: number;
  /** The test crashed a running server (crash1, or start1 of one still running): see LabTestEntry.crashes. */
  crashed?: boolean;
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
  readonly applier: Applier;
  /** The lab's cfg.applierSnap, for start1(i, cfg.applierSnap). */
  readonly applierSnap: ApplierKind = 'snapshot';
  private readonly driver: RunDriver;
  private readonly feed: MonitorFeed;
  private readonly faults: FaultInjector;
  private readonly persisters: (MemoryPersister | undefined)[];
  private readonly endNames: string[][];
  private readonly runtimes: (ScopedRuntime | undefined)[];
  private readonly incarnations: number[];
  /** Per server: the incarnation killed inside a call of its own (a handler, snapshot()), and when. */
  private readonly killedInCall: ({ incarnation: number; t: number } | undefined)[] = [];
  /** Per server, the stored snapshot last decoded for a persist event, and the index it holds (storedSnapshot()). */
  private readonly lastStored: ({ text: string; index: number | undefined } | undefined)[] = [];
  private readonly implementation: RaftUnderTest;
  private readonly print: (line: string) => void;
  private readonly warnings: string[] = [];
  private finished = false;
  /** A crash of the thread while this run is the only one live is this run's failure. */
  private readonly releaseCrashes: () => void;
  private t0 = 0;
  private rpcs0 = 0;
  private bytes0 = 0;
  private maxIndex0 = 0;
  /** The highest term observed (kept here, not asked again: monitors already poll getState()). */
  private maxTermSeen = 0;
  private crashed = false;
  private watchers: readonly ConfigWatcher[] = [];
  /** The guard's report, made once: getState() is read at every instant of a run. */
  private readonly reportMisuse = (message: string, check: CheckId): void => this.fail(message, check);

  constructor(
    n: number,
    unreliable: boolean,
    private readonly options: ConfigOptions = {},
  ) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`makeConfig: the number of servers must be a whole number >= 1, got ${n}`);
    this.n = n;
    this.releaseCrashes = liveRun(this);
    this.implementation = options.raft ?? BUILT_IN_RAFT;
    const timeLimitMs = options.timeLimitMs ?? TIME_LIMIT_MS;
    this.driver = new RunDriver({
      timeLimitMs,
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.seedInMessages === false && { seedInMessages: false }),
      globalTimers: this.implementation.timers === 'global',
      ...(options.testName !== undefined && { testName: options.testName }),
      ...(this.implementation.path !== undefined && { raftModule: this.implementation.path }),
    });
    this.world = this.driver.world;
    this.seed = this.driver.seed;
    this.random = this.world.random('tester');
    this.net = new Network(this.world.clock, this.world.random('network'));
    this.print = options.print ?? ((line) => console.log(line));
    this.connected = new Array<boolean>(n).fill(false);
    this.rafts = new Array<RaftPeer | undefined>(n).fill(undefined);
    this.persisters = new Array<MemoryPersister | undefined>(n).fill(undefined);
    this.runtimes = new Array<ScopedRuntime | undefined>(n).fill(undefined);
    this.incarnations = new Array<number>(n).fill(0);
    this.endNames = Array.from({ length: n }, () => new Array<string>(n).fill(''));
    this.feed = new MonitorFeed({
      clock: this.world.clock,
      ...(options.policy !== undefined && { policy: options.policy }),
      ...(options.limits !== undefined && { limits: options.limits }),
      timing: this.implementation.timing,
      ...(options.record !== undefined && { record: options.record }),
      ...(options.restarts === false && { restarts: false }),
      ...(options.logs === false && { logs: false }),
      fail: (message, check, t) => this.fail(message, check, t),
      warn: (line) => this.warn(line),
    });
    this.faults = new FaultInjector(
      this.net,
      (e) => this.emit(e),
      (name, detail) => this.step(name, detail),
      () => this.now(),
    );
    this.applier = new Applier(n, {
      onApply: (server, incarnation, msg) =>
        this.emit({
          kind: 'apply',
          t: this.now(),
          server,
          incarnation,
          commandValid: msg?.commandValid === true,
          command: msg?.command,
          // A snapshot message need not say commandIndex (Go's zero value): 0 keeps the event well formed.
          index: msg?.snapshotValid === true && typeof msg.commandIndex !== 'number' ? 0 : msg?.commandIndex,
          ...(msg?.snapshotValid === true && {
            snapshotValid: true,
            snapshot: msg.snapshot as string,
            snapshotIndex: msg.snapshotIndex as number,
            snapshotTerm: msg.snapshotTerm as number,
          }),
          ...(this.inKilledCall(server, incarnation) && { inKilledCall: true }),
        }),
      onError: (text) => this.fail(`apply error: ${text}`, 'LAB'),
      onMisuse: (text) => this.fail(text, 'RAFT'),
    });
    this.net.subscribe((e) => this.emit(e));
    this.emit({ kind: 'cluster', t: 0, n, seed: this.seed, clock: this.world.clock.kind });
    // Whenever time is about to move on, every server's getState() is read,
    // so a wrong answer is seen at once, not at the next checkOneLeader.
    this.driver.start(() => this.observeStates());

    this.setUnreliable(unreliable);
    this.net.longDelays(true);
    for (let i = 0; i < n; i++) this.start1(i);
    for (let i = 0; i < n; i++) this.connect(i);
  }

  // ---- servers ----

  /**
   * Starts or restarts server i, as the lab's start1 (crashing it first),
   * with the plain applier or the snapshot applier (default: the one the
   * config was made with).
   */
  start1(i: number, applier: ApplierKind = this.options.snapshot === true ? 'snapshot' : 'plain'): void {
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
    // The lab's start1: the new instance reads a copy of what was saved.
    this.applier.lastApplied[i] = 0;
    const persister = this.persisters[i]?.copy() ?? new MemoryPersister();
    this.persisters[i] = persister;
    // Lab 2D: a stored snapshot is taken in now, as the service would at
    // its own restart; the Raft must apply from after it.
    const stored = persister.readSnapshot();
    if (stored.length > 0) {
      const error = this.applier.ingestSnap(i, stored, -1);
      if (error !== '') this.fatal(error);
    }
    persister.onSave = (size) => this.emit({ kind: 'persist', t: this.now(), server: i, incarnation, size, ...this.storedSnapshot(i, persister) });
    const runtime = this.world.runtime(`server-${i}/${incarnation}`, i);
    this.runtimes[i] = runtime;
    this.emit({ kind: 'start', t: this.now(), server: i, incarnation, ...(stored.length > 0 && { snapshotIndex: this.applier.lastApplied[i] }) });
    // The snapshot applier calls snapshot() on the instance whose channel it reads (known once make() returns).
    const made: { raft?: RaftPeer } = {};
    const raft = guardedMake(
      {
        makeRaft: this.implementation.make,
        server: i,
        ends,
        persister,
        applyCh: this.applier.channel(i, incarnation, applier, (index, snapshot) => this.takeSnapshot(i, incarnation, made.raft, index, snapshot)),
        runtime,
        watchTimers: this.world.clock.kind === 'virtual',
        globalTimers: this.implementation.timers === 'global',
        requires: this.options.requires ?? [],
      },
      (message, check) => this.fail(message, check),
    );
    if (raft === undefined) return;
    made.raft = raft;
    this.rafts[i] = raft;
    const server = new Server();
    const handlers: Record<string, Handler> = {
      RequestVote: (args: never) => raft.requestVote(args),
      AppendEntries: (args: never) => raft.appendEntries(args),
    };
    // Lab 2D: the Raft's own RPC, as labrpc's MakeService(rf) offers every method the Raft has.
    // Read once, so that the check and the call see the same value; called with raft as `this`.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const installSnapshot = raft.installSnapshot;
    if (typeof installSnapshot === 'function') handlers['InstallSnapshot'] = (args: never) => installSnapshot.call(raft, args);
    server.addService(new Service('Raft', handlers));
    this.net.addServer(i, server);
  }

  /**
   * Lab 2D: what a save left in the persister's snapshot, for the persist
   * event (the monitors judge that a stored snapshot survives a crash).
   * Decoded with the tester's own encoding, once per distinct snapshot: a
   * Raft saves the same snapshot with every change of its state.
   */
  private storedSnapshot(i: number, persister: MemoryPersister): { snapshotSize?: number; snapshotIndex?: number } {
    const snapshot = persister.readSnapshot();
    if (snapshot === '') return {};
    let stored = this.lastStored[i];
    if (stored === undefined || snapshot !== stored.text) {
      const decoded = decodeSnapshot(snapshot);
      stored = { text: snapshot, index: typeof decoded === 'string' ? undefined : decoded.lastIncludedIndex };
      this.lastStored[i] = stored;
    }
    const index = stored.index;
    return index === undefined ? { snapshotSize: snapshot.length } : { snapshotSize: snapshot.length, snapshotIndex: index };
  }

  /**
   * Whether server i's incarnation is sending from inside the call it was
   * killed in (the same instant, that call still running): see ApplyEvent's
   * inKilledCall.
   */
  private inKilledCall(i: number, incarnation: number): boolean {
    const killed = this.killedInCall[i];
    return killed !== undefined && killed.incarnation === incarnation && killed.t === this.now() && inOwnCall(i);
  }

  /**
   * The snapshot applier's rf.Snapshot(index, snapshot), made from inside
   * server i's apply of index. A throw is the implementation's failure. So is
   * a snapshot() that returns a promise still pending a while later
   * (labrpc's stuck-handler time): the JavaScript form of the lab's
   * apply-channel deadlock, a snapshot() that waits for the apply it was
   * called from.
   */
  private takeSnapshot(i: number, incarnation: number, raft: RaftPeer | undefined, index: number, snapshot: string): void {
    this.emit({ kind: 'snapshot', t: this.now(), server: i, incarnation, index, size: snapshot.length });
    if (raft === undefined) {
      this.fail(
        `server ${i} applied index ${index} from inside make(): the lab's applier reads the channel only once Make() has returned (a send there blocks forever), ` +
          `and the tester has no server yet to call snapshot(${index}) on`,
        'RAFT',
      );
      return;
    }
    const pending = guardedSnapshot(raft, i, index, snapshot, (message, check) => this.fail(message, check));
    for (const w of this.watchers) w.snapshotReturned?.(i, incarnation, index);
    if (pending === undefined) return;
    const stuckMs = LAB_TIMING.stuckHandlerMs;
    // A killed instance may leave its promise pending for good: that is no failure.
    const current = (): boolean => !this.finished && this.incarnations[i] === incarnation && this.rafts[i] === raft;
    // Cancelled once the promise settles: firing means it has not.
    const watch = this.world.clock.setTimer(stuckMs, () => {
      if (!current()) return;
      this.fail(
        `server ${i}'s snapshot(${index}) has not returned after ${stuckMs} ms (it returned a promise that is still pending)${this.applySide(i, index)}: the tester calls snapshot() from inside ` +
          `server ${i}'s apply, as the lab's applier calls Snapshot() from the goroutine that reads the apply channel, so a snapshot() that waits for that apply to ` +
          `finish (a lock held while sending, a promise resolved after the send) waits forever: the lab's apply-channel deadlock`,
        'RAFT',
      );
    });
    pending.then(
      () => watch.cancel(),
      (error: unknown) => {
        watch.cancel();
        if (current()) this.fail(`server ${i}'s snapshot(${index}) threw: ${describeError(error)} (its promise rejected)`, 'RAFT');
      },
    );
  }

  /**
   * The other half of a pending snapshot(index): whether server i's applies
   * stopped with it (the apply waits on the snapshot that waits on the apply,
   * a deadlock) or went on (in Go, the applier would still be inside
   * Snapshot() and read nothing more). What the cluster applied meanwhile
   * shows that the servers went on committing.
   */
  private applySide(i: number, index: number): string {
    const mine = this.applier.lastApplied[i] as number;
    if (mine !== index) return `, although server ${i} has applied on, to index ${mine}`;
    const elsewhere =
      this.applier.maxIndex > index ? `, while the cluster applied up to index ${this.applier.maxIndex}` : ', nor has any other server applied beyond it';
    return `, and server ${i} has applied nothing since index ${index}${elsewhere}`;
  }

  /**
   * Crashes server i, as the lab's crash1: disconnect, delete (in-flight
   * replies are lost), keep a copy of its persisted state, kill. The old
   * instance still holds the old persister: what it writes from now on is
   * lost. Its apply channel keeps working, as the lab's applier goroutine
   * does: a zombie's late applies are judged like any other.
   */
  crash1(i: number): void {
    this.disconnect(i);
    this.net.deleteServer(i);
    const saved = this.persisters[i];
    if (saved !== undefined) {
      saved.onSave = undefined;
      this.persisters[i] = saved.copy();
    }
    const raft = this.rafts[i];
    if (raft !== undefined) {
      this.killedInCall[i] = inOwnCall(i) ? { incarnation: this.incarnations[i] ?? 0, t: this.now() } : undefined;
      this.crashed = true;
      this.rafts[i] = undefined;
      this.feed.forgetState(i);
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

  /**
   * Beyond the lab (the fuzzer's snapshot step, lab 2D): server i's service
   * snapshots its applied log through index now, with the snapshot
   * applier's own encoding and call (Applier.snapshotAt). False, and nothing
   * done, when server i is down or has not applied index.
   */
  snapshotAt(i: number, index: number): boolean {
    if (this.rafts[i] === undefined) return false;
    return this.applier.snapshotAt(i, index);
  }

  /**
   * Beyond the lab (the fuzzer's crash triggers): the watcher is told of
   * every event of the run as it happens, after the monitors (a save: the
   * moment it is stored), and of each snapshot() call once it has returned.
   * Returns the way to stop watching.
   */
  watch(watcher: ConfigWatcher): () => void {
    this.watchers = [...this.watchers, watcher];
    return () => {
      this.watchers = this.watchers.filter((w) => w !== watcher);
    };
  }

  // ---- the network's faults ----

  setUnreliable(unreliable: boolean): void {
    this.faults.setUnreliable(unreliable);
  }

  setLongReordering(on: boolean): void {
    this.faults.setLongReordering(on);
  }

  /** Beyond the lab: the unreliable network's rates, and duplicates. */
  setFaults(profile?: UnreliableProfile, duplicateRate = 0): void {
    this.faults.setFaults(profile, duplicateRate);
  }

  /** Beyond the lab: cuts or restores the one-way link from server i to server j. */
  setLink(from: number, to: number, up: boolean): void {
    this.faults.setLink(from, to, up);
  }

  /** Beyond the lab: links inside each group up, between groups down. */
  partition(groups: readonly (readonly number[])[]): void {
    this.faults.partition(groups);
  }

  /** Beyond the lab: restores every one-way link (connect/disconnect are separate). */
  healLinks(): void {
    this.faults.healLinks();
  }

  /** Beyond the lab (a nemesis): replies between servers of `group` are held `ms` each before delivery. */
  holdReplies(group: readonly number[], ms: number): void {
    this.faults.holdReplies(group, ms);
  }

  /** Stops holding replies and delivers every held one now. Returns how many. */
  releaseReplies(): number {
    return this.faults.releaseReplies();
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

  /**
   * Beyond the lab: checkOneLeader restricted to `members` (say, the majority
   * side of a partition). The lab's checkOneLeader looks at every connected
   * server, and a partition cuts links without disconnecting anyone, so a
   * stale leader on the minority side would satisfy it. Here only a member
   * counts, and only in the highest term any member is in (a stale leader's
   * term is below that of a majority that elected someone else). Same
   * rounds and time as the lab's: 10 of 450..549 ms.
   */
  async checkOneLeaderAmong(members: readonly number[]): Promise<number> {
    const set = `{${members.join(',')}}`;
    this.step('checkOneLeaderAmong', set);
    for (let iters = 0; iters < 10; iters++) {
      await this.sleep(450 + this.random.intn(100));
      const leaders = new Map<number, number[]>();
      let highest = -1;
      for (const i of members) {
        if (!this.connected[i]) continue;
        const { term, isLeader } = this.getState(i);
        highest = Math.max(highest, term);
        if (isLeader) leaders.set(term, [...(leaders.get(term) ?? []), i]);
      }
      for (const [term, ids] of leaders) {
        if (ids.length > 1) this.checkFailed('checkOneLeaderAmong', `term ${term} has ${ids.length} (>1) leaders among ${set}`);
      }
      const current = leaders.get(highest);
      if (current !== undefined) {
        const leader = current[0] as number;
        this.checkPassed('checkOneLeaderAmong', `leader ${leader} in term ${highest}`);
        return leader;
      }
    }
    return this.checkFailed('checkOneLeaderAmong', `expected one leader among ${set}, got none`);
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

  // ---- the lab's log helpers (2B) ----

  /** How many servers think index is committed (have applied it), and the value. */
  nCommitted(index: number): { count: number; command: unknown } {
    this.throwIfFailed();
    const { count, command, error } = this.applier.nCommitted(index);
    if (error !== undefined) this.fatal(error);
    return { count, command };
  }

  /**
   * The lab's one(): submits cmd to whichever connected server accepts it,
   * then waits up to 2 s for at least expectedServers to apply it (polling
   * every 20 ms); with retry, submits again; gives up after 10 s. Returns
   * the index.
   */
  async one(cmd: unknown, expectedServers: number, retry: boolean): Promise<number> {
    this.step('one', `${show(cmd)} on ${expectedServers}${retry ? ', retry' : ''}`);
    const t0 = this.now();
    let starts = 0;
    while (this.now() - t0 < ONE_TIMEOUT_MS && !this.finished) {
      // try all the servers, maybe one is the leader.
      let index = -1;
      for (let si = 0; si < this.n; si++) {
        starts = (starts + 1) % this.n;
        if (!this.connected[starts] || this.rafts[starts] === undefined) continue;
        const result = this.start(starts, cmd);
        if (result.isLeader) {
          index = result.index;
          break;
        }
      }
      if (index !== -1) {
        // somebody claimed to be the leader and to have
        // submitted our command; wait a while for agreement.
        const t1 = this.now();
        while (this.now() - t1 < ONE_AGREEMENT_MS) {
          const { count, command } = this.nCommitted(index);
          // committed, and it was the command we submitted.
          if (count > 0 && count >= expectedServers && sameCommand(command, cmd)) {
            this.checkPassed('one', `${show(cmd)} at index ${index} on ${count}`);
            return index;
          }
          await this.sleep(ONE_POLL_MS);
        }
        if (!retry) this.checkFailed('one', `one(${show(cmd)}) failed to reach agreement`);
      } else {
        await this.sleep(ONE_NO_LEADER_SLEEP_MS);
      }
    }
    if (!this.finished) this.checkFailed('one', `one(${show(cmd)}) failed to reach agreement`);
    return -1;
  }

  /**
   * The lab's wait(): until at least n servers have applied index, sleeping
   * 10, 20, ... ms (at most 30 rounds); -1 once some server's term passes
   * startTerm (when startTerm > -1): the test can no longer count on winning.
   */
  async wait(index: number, n: number, startTerm: number): Promise<unknown> {
    this.step('wait', `index ${index} on ${n}${startTerm > -1 ? `, term ${startTerm}` : ''}`);
    let to = 10;
    for (let iters = 0; iters < 30; iters++) {
      const { count } = this.nCommitted(index);
      if (count >= n) break;
      await this.sleep(to);
      if (to < 1000) to *= 2;
      if (startTerm > -1) {
        for (let i = 0; i < this.n; i++) {
          if (this.rafts[i] === undefined) continue;
          // someone has moved on; can no longer guarantee that we'll "win"
          if (this.getState(i).term > startTerm) return -1;
        }
      }
    }
    const { count, command } = this.nCommitted(index);
    if (count < n) this.checkFailed('wait', `only ${count} decided for index ${index}; wanted ${n}`);
    return command;
  }

  /**
   * The test's rf.Start(cmd) on server i: what it answers, checked for shape
   * and passed to the monitors. A server that is down answers not-leader.
   */
  start(i: number, command: unknown): StartResult {
    if (this.options.logs === false) {
      throw new Error(
        `${this.options.testName ?? 'the test'} calls start() but does not require it: the log checks are not installed, and drivers would run it on a Raft without start()`,
      );
    }
    const raft = this.rafts[i];
    if (raft === undefined) return { index: -1, term: -1, isLeader: false };
    const incarnation = this.incarnations[i]!;
    const result = this.feed.during(
      () => guardedStart(raft, i, command, (message, check) => this.fail(message, check)),
      (answer): TesterEvent | undefined => answer && { kind: 'submit', t: this.now(), server: i, incarnation, command, ...answer },
    );
    if (result === undefined) this.throwIfFailed();
    return result as StartResult;
  }

  /** The lab's LogSize(): the largest persisted raft state of any server, in bytes. */
  logSize(): number {
    let size = 0;
    for (const persister of this.persisters) size = Math.max(size, persister?.raftStateSize() ?? 0);
    return size;
  }

  /** Beyond the lab: LogSize() of server i alone, its persisted Raft state's size (0 before it saves). */
  logSizeOf(i: number): number {
    return this.persisters[i]?.raftStateSize() ?? 0;
  }

  /** The highest index applied anywhere. */
  get maxIndex(): number {
    return this.applier.maxIndex;
  }

  /** RPCs delivered to server i's current incarnation (the lab's rpcCount). */
  rpcCount(i: number): number {
    return this.net.getCount(i);
  }

  rpcTotal(): number {
    return this.net.getTotalCount();
  }

  bytesTotal(): number {
    return this.net.getTotalBytes();
  }

  /**
   * Beyond the lab: a budget the test states (at most so many RPCs delivered,
   * or bytes), counted from now as rpcCount and bytesTotal count, and judged
   * as it is spent: going over fails the test at that instant (BUD), not
   * when the test next looks. close() ends the window.
   */
  budget(limits: BudgetLimits): BudgetWindow {
    return this.feed.budgetWindow(limits);
  }

  // ---- test lifecycle ----

  begin(description: string): void {
    this.print(`${description} ...`);
    this.step('begin', description);
    this.t0 = this.now();
    this.rpcs0 = this.rpcTotal();
    this.bytes0 = this.bytesTotal();
    this.maxIndex0 = this.maxIndex;
  }

  /** The lab's end(): the Passed line with seconds, peers, RPCs, bytes and commands committed. */
  end(): void {
    this.throwIfFailed();
    const seconds = (this.now() - this.t0) / 1000;
    const nrpc = this.rpcTotal() - this.rpcs0;
    const nbytes = this.bytesTotal() - this.bytes0;
    const ncmds = this.maxIndex - this.maxIndex0;
    this.step('end', 'Passed');
    this.print(`  ... Passed --  ${fmt(seconds.toFixed(1), 4)}  ${this.n} ${fmt(nrpc, 4)} ${fmt(nbytes, 7)} ${fmt(ncmds, 4)}`);
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
    // As crash1 does, the network forgets each server before it is killed:
    // an RPC still in flight then reaches a dead instance, and labrpc loses
    // whatever that instance answers (the lab's isServerDead).
    for (let i = 0; i < this.n; i++) {
      const raft = this.rafts[i];
      if (raft === undefined) continue;
      this.net.deleteServer(i);
      this.emit({ kind: 'kill', t: this.now(), server: i, incarnation: this.incarnations[i]! });
      this.kill(i, raft);
    }
    this.net.cleanup();
    if (this.driver.failureSeen === undefined) {
      try {
        await this.driver.sleep(KILL_LINGER_MS);
      } catch {
        // A failure during the linger (a leak) is reported below.
      }
    }
    this.driver.stop();
    this.releaseCrashes();
    const limit = this.options.timeLimitMs ?? TIME_LIMIT_MS;
    if (this.driver.failureSeen === undefined && this.now() > limit + KILL_LINGER_MS) this.fail(`test took longer than ${limit / 1000} seconds`, 'LAB');
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
    stats.events = this.driver.eventsRun();
    stats.wallMs = this.driver.wallMs();
    stats.warnings = this.warnings;
    stats.maxIndex = this.maxIndex;
    stats.maxTerm = this.maxTermSeen;
    stats.crashed = this.crashed;
  }

  /** The test's time.Sleep: on the run's clock, and cut short by a failure. */
  sleep(ms: number): Promise<void> {
    return this.driver.sleep(ms);
  }

  /** The test's wg.Wait() or <-ch: awaits its goroutines, unless the run fails first. */
  sleepUntil<T>(promise: Promise<T>): Promise<T> {
    return this.driver.wait(promise);
  }

  now(): number {
    return this.driver.now();
  }

  /** Whether the test has crashed a running server so far (a server that only the final cleanup kills does not count). */
  get crashedAServer(): boolean {
    return this.crashed;
  }

  /** The first failure of the run, if any. */
  get failureSeen(): TestFailure | undefined {
    return this.driver.failureSeen;
  }

  /** Records a step of the test (also used by scenario drivers). */
  step(name: string, detail = ''): void {
    this.emit({ kind: 'step', t: this.now(), name, detail });
  }

  /** getState() of server i, observed by the monitors (term -1 when it is down). */
  getStateOf(i: number): { term: number; isLeader: boolean } {
    return this.getState(i);
  }

  /** Prints a warning, as the lab's fmt.Printf("warning: ..."), and keeps it for the summary. */
  warn(line: string): void {
    this.warnings.push(line);
    this.step('warning', line);
    this.print(line);
  }

  /** The test's t.Fatalf: fails the test here and now. */
  fatal(message: string): never {
    this.fail(message, 'LAB');
    throw this.driver.failureSeen as TestFailure;
  }

  /** Records the run's first failure, stops the clock, and wakes the test. */
  fail(message: string, check: CheckId, t = this.now()): void {
    this.driver.fail(message, check, t);
  }

  /** The command that runs this iteration again (virtual time only: real time cannot be replayed). */
  replayCommand(): string | undefined {
    return this.driver.replayCommand();
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
    const state = guardedGetState(raft, i, this.reportMisuse);
    if (state === undefined) return undefined;
    if (state.term > this.maxTermSeen) this.maxTermSeen = state.term;
    return this.feed.noteState(i, state.term, state.isLeader, this.now());
  }

  private observeStates(): void {
    if (this.driver.failureSeen !== undefined || this.finished) return;
    for (let i = 0; i < this.n; i++) if (this.rafts[i] !== undefined) this.observeState(i);
  }

  private kill(i: number, raft: RaftPeer): void {
    guardedKill(raft, i, this.runtimes[i], (message, check) => this.fail(message, check));
  }

  private emit(e: TesterEvent): void {
    this.feed.emit(e);
    // A watcher may crash a server from here (crash1 emits too): it reads a copy of the list.
    const watchers = this.watchers;
    for (let k = 0; k < watchers.length; k++) watchers[k]?.event?.(e);
  }

  private checkFailed(check: string, message: string): never {
    this.emit({ kind: 'check', t: this.now(), name: check, ok: false, detail: message });
    return this.fatal(message);
  }

  private checkPassed(check: string, detail: string): void {
    this.emit({ kind: 'check', t: this.now(), name: check, ok: true, detail });
  }

  private throwIfFailed(): void {
    this.driver.throwIfFailed();
  }
}

/** The lab's make_config(t, n, unreliable). */
export function makeConfig(n: number, unreliable: boolean, options: ConfigOptions = {}): Config {
  return new Config(n, unreliable, options);
}

/** Go's %Nd / %N.1f: right-aligned in a field of width N. */
function fmt(value: string | number, width: number): string {
  return String(value).padStart(width);
}

/** Whether this thread is inside one of server i's own calls: an RPC handler, or snapshot(). */
function inOwnCall(i: number): boolean {
  const [call, server] = currentCall();
  return (call === CALL_HANDLER || call === CALL_SNAPSHOT) && server === i;
}
