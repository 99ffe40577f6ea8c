// Loads a Raft implementation given by path (--raft, RAFT_MODULE) and checks
// that it exports what the contract needs; the loaded module is the one value
// every driver hands down to the config (RaftUnderTest).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RAFT_LOG_METHODS, RAFT_PEER_METHODS, RAFT_SNAPSHOT_METHODS, type MakeRaft, type Peer, type RaftTiming } from '../raft/contract.ts';
import { nodeTimers } from '../runtime/wall.ts';
import { World } from '../runtime/runtime.ts';
import { installTimerRouter } from '../runtime/global-timers.ts';
import { drainRealIo } from '../runtime/settle-pump.ts';
import { ApplyLog, MemoryPersister } from './persister.ts';
import { describeError } from './failure.ts';

/** A problem with the module a user pointed us at: reported in one line, exit code 2. */
export class RaftModuleError extends Error {
  override name = 'RaftModuleError';
}

/**
 * One Raft implementation as the harness runs it, carried whole from the
 * command line to the config: a loaded module (loadRaftModule), the built-in
 * Raft (BUILT_IN_RAFT), or a make() given in-process (inProcessRaft).
 */
export interface RaftUnderTest {
  make: MakeRaft;
  /** RaftModule.timers: 'global' ones are faked in virtual time, for one run of a thread at a time. */
  timers: 'runtime' | 'global';
  /** RaftModule.persists: only then do the drivers crash and restart its servers on their own. */
  persists: boolean;
  /** RaftModule.timing: what it declared, which the checks then hold it to. */
  timing?: RaftTiming;
  /**
   * The methods of the later labs (RAFT_LOG_METHODS, RAFT_SNAPSHOT_METHODS)
   * its make() result does not have: a 2A-only implementation lacks start,
   * a 2C one snapshot and installSnapshot.
   */
  lacks: readonly string[];
  /**
   * Its module's path as the user gave it: what worker threads load, and
   * what replay commands name with --raft. None for the built-in Raft (a
   * worker told no path runs it) nor for a make() given in-process.
   */
  path?: string;
  /** How messages name it: its path, the built-in Raft, or the Raft under test. */
  label: string;
}

/** A make() given in-process (tests, benchmarks), with what its module would declare (default: nothing). */
export function inProcessRaft(make: MakeRaft, declared: Partial<Omit<RaftUnderTest, 'make'>> = {}): RaftUnderTest {
  return { make, timers: 'runtime', persists: false, lacks: [], label: declared.path ?? 'the Raft under test', ...declared };
}

/**
 * `option` names where the path came from (`--raft`, `RAFT_MODULE`), so that
 * every message points at what the user typed.
 */
export async function loadRaftModule(path: string, option = '--raft'): Promise<RaftUnderTest> {
  const file = resolve(process.cwd(), path);
  if (!existsSync(file)) throw new RaftModuleError(`${option}: no such file: ${path} (resolved to ${file})`);
  if (statSync(file).isDirectory())
    throw new RaftModuleError(`${option}: ${path} is a folder; name the module's file (e.g. ${path.replace(/\/$/, '')}/raft.ts)`);
  // Before the module first loads: one that copies setTimeout (or Date,
  // Math.random) when it loads must copy the router, not Node's own.
  installTimerRouter();
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new RaftModuleError(`${option}: ${path} failed to load: ${describeError(error)}`);
  }
  // The loader's own I/O (a fresh compile written to tsx's cache) ends before any run starts.
  await drainRealIo();
  const make = loaded['make'] ?? (loaded['default'] as Record<string, unknown> | undefined)?.['make'];
  if (typeof make !== 'function') {
    const exported = Object.keys(loaded).join(', ') || 'nothing';
    throw new RaftModuleError(
      `${option}: ${path} does not export what the contract needs: missing 'make(peers, me, persister, applyCh, runtime)' (it exports: ${exported})`,
    );
  }
  const timers = loaded['timers'] ?? (loaded['default'] as Record<string, unknown> | undefined)?.['timers'] ?? 'runtime';
  if (timers !== 'runtime' && timers !== 'global') {
    throw new RaftModuleError(`${option}: ${path} exports timers = ${JSON.stringify(timers)}; it must be 'runtime' or 'global'`);
  }
  const persists = exported(loaded, 'persists') ?? false;
  if (typeof persists !== 'boolean') {
    throw new RaftModuleError(`${option}: ${path} exports persists = ${JSON.stringify(persists)}; it must be true or false`);
  }
  const timing = exported(loaded, 'timing');
  const problem = timing === undefined ? undefined : timingProblem(timing);
  if (problem !== undefined) throw new RaftModuleError(`${option}: ${path} exports timing = ${safeJson(timing)}: ${problem}`);
  const declared: Omit<RaftUnderTest, 'lacks'> = {
    make: make as MakeRaft,
    timers,
    persists,
    ...(timing !== undefined && { timing: timing as RaftTiming }),
    path,
    label: path,
  };
  return { ...declared, lacks: probe(declared, path, option) };
}

/**
 * Refuses, in one line and before any work, to run tests that need methods
 * the module's servers lack (a 2A-only implementation and the 2B tests, a
 * 2C one and the 2D tests).
 */
export function refuseLacking(
  tests: readonly { name: string; requires?: readonly string[] }[],
  loaded: Pick<RaftUnderTest, 'lacks'>,
  path: string,
  option = '--raft',
): void {
  const refused = tests.filter((t) => t.requires?.some((m) => loaded.lacks.includes(m)) === true);
  if (refused.length === 0) return;
  const { what, lab, runs } = lackingText(loaded.lacks.filter((m) => refused.some((t) => t.requires?.includes(m) === true)));
  const names =
    refused.length > 3
      ? `${refused
          .slice(0, 3)
          .map((t) => t.name)
          .join(', ')} and ${refused.length - 3} more`
      : refused.map((t) => t.name).join(', ');
  throw new RaftModuleError(
    `${option}: ${path}: make() returns an object without ${what}, which ${names} ${refused.length === 1 ? 'needs' : 'need'} (${lab}); it can run only ${runs}`,
  );
}

/** The lab that brings each method beyond 2A, and how a message shows it. */
const LATER_METHODS: Record<string, { lab: string; shown: string; runs: string }> = {
  start: { lab: '2B', shown: 'start(command)', runs: 'the 2A tests' },
  snapshot: { lab: '2D', shown: 'snapshot(index, snapshot)', runs: 'the 2A-2C tests' },
  installSnapshot: { lab: '2D', shown: 'installSnapshot(args)', runs: 'the 2A-2C tests' },
};

/**
 * Lacking methods as a message names them: `what` ("start(command)"), `lab`
 * ("lab 2B", or "labs 2B and 2D") and what the implementation can still run
 * (the tests before the earliest of those labs).
 */
export function lackingText(lacking: readonly string[]): { what: string; lab: string; runs: string } {
  const known = lacking.map((m) => ({ m, ...(LATER_METHODS[m] ?? { lab: '2B', shown: m, runs: 'the 2A tests' }) })).sort((a, b) => a.lab.localeCompare(b.lab));
  const labs = [...new Set(known.map((k) => k.lab))];
  return {
    what: known.map((k) => k.shown).join(', '),
    lab: labs.length === 1 ? `lab ${labs[0]}` : `labs ${labs.slice(0, -1).join(', ')} and ${labs[labs.length - 1]}`,
    runs: known[0]?.runs ?? 'every test',
  };
}

function exported(loaded: Record<string, unknown>, name: string): unknown {
  return loaded[name] ?? (loaded['default'] as Record<string, unknown> | undefined)?.[name];
}

/** Why a declared timing cannot be used, or undefined when it can. */
export function timingProblem(timing: unknown): string | undefined {
  const t = timing as { heartbeatMs?: unknown; electionTimeoutMs?: unknown } | null;
  if (typeof t !== 'object' || t === null) return 'it must be { heartbeatMs, electionTimeoutMs: [min, max] }';
  if (typeof t.heartbeatMs !== 'number' || !(t.heartbeatMs > 0)) return 'heartbeatMs must be a positive number of ms';
  const range = t.electionTimeoutMs;
  if (!Array.isArray(range) || range.length !== 2 || !range.every((x) => typeof x === 'number' && x > 0) || (range[0] as number) > (range[1] as number)) {
    return 'electionTimeoutMs must be [min, max], positive numbers of ms with min <= max';
  }
  return undefined;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Why a module that says timers = 'global' can still set real timers in
 * virtual time: it copied them before the harness could route them.
 */
export const CAPTURED_TIMERS =
  "make() set a real timer although the module says timers = 'global': it copied setTimeout/setInterval before the harness " +
  'could route them to virtual time (at load time, as tinyraft does), because it was imported before the harness loaded it. ' +
  'Load it only through --raft / RAFT_MODULE (the harness routes the globals before the first import), or look the globals up when calling them';

/**
 * Makes one server of a one-server cluster on a throwaway virtual clock and
 * checks what it returns, so that a module that cannot work is refused
 * before any campaign starts.
 */
function probe(module: Pick<RaftUnderTest, 'make' | 'timers'>, path: string, option: string): string[] {
  const world = new World('virtual', 0, { globalTimers: module.timers === 'global' });
  const timersBefore = nodeTimers();
  try {
    const peer: Peer = { call: () => Promise.resolve(null) };
    let raft: unknown;
    try {
      raft = module.make([peer], 0, new MemoryPersister(), new ApplyLog(), world.runtime('probe'));
    } catch (error) {
      throw new RaftModuleError(`${option}: ${path}: make() threw: ${describeError(error)}`);
    }
    const record = (typeof raft === 'object' && raft !== null ? raft : {}) as Record<string, unknown>;
    const missing = RAFT_PEER_METHODS.filter((m) => typeof record[m] !== 'function');
    if (missing.length > 0) {
      throw new RaftModuleError(
        `${option}: ${path}: make() returns an object without ${missing.join(', ')} (the contract needs ${RAFT_PEER_METHODS.join(', ')})`,
      );
    }
    const lacks = [...new Set<string>([...RAFT_LOG_METHODS, ...RAFT_SNAPSHOT_METHODS])].filter((m) => typeof record[m] !== 'function');
    const leaked = nodeTimers() > timersBefore;
    (record['kill'] as () => void)();
    if (leaked && module.timers !== 'global') {
      throw new RaftModuleError(
        `${option}: ${path}: make() sets real timers (setTimeout/setInterval); add \`export const timers = 'global'\` to the module so that virtual time can fake them`,
      );
    }
    if (leaked) throw new RaftModuleError(`${option}: ${path}: ${CAPTURED_TIMERS}`);
    return lacks;
  } finally {
    world.clock.cancelAll();
    world.dispose();
  }
}
