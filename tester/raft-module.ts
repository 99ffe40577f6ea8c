// Loads a Raft implementation given by path (--raft, RAFT_MODULE) and checks
// that it exports what the contract needs.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RAFT_PEER_METHODS, type Peer, type RaftModule } from '../raft/contract.ts';
import { nodeTimers } from '../runtime/wall.ts';
import { World } from '../runtime/runtime.ts';
import { installTimerRouter } from '../runtime/global-timers.ts';
import { ApplyLog, MemoryPersister } from './persister.ts';
import { describeError } from './failure.ts';

/** A problem with the module a user pointed us at: reported in one line, exit code 2. */
export class RaftModuleError extends Error {
  override name = 'RaftModuleError';
}

export async function loadRaftModule(path: string): Promise<RaftModule> {
  const file = resolve(process.cwd(), path);
  if (!existsSync(file)) throw new RaftModuleError(`--raft: no such file: ${path} (resolved to ${file})`);
  // Before the module first loads: one that copies setTimeout (or Date,
  // Math.random) when it loads must copy the router, not Node's own.
  installTimerRouter();
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new RaftModuleError(`--raft: ${path} failed to load: ${describeError(error)}`);
  }
  const make = loaded['make'] ?? (loaded['default'] as Record<string, unknown> | undefined)?.['make'];
  if (typeof make !== 'function') {
    const exported = Object.keys(loaded).join(', ') || 'nothing';
    throw new RaftModuleError(
      `--raft: ${path} does not export what the contract needs: missing 'make(peers, me, persister, applyCh, runtime)' (it exports: ${exported})`,
    );
  }
  const timers = loaded['timers'] ?? (loaded['default'] as Record<string, unknown> | undefined)?.['timers'] ?? 'runtime';
  if (timers !== 'runtime' && timers !== 'global') {
    throw new RaftModuleError(`--raft: ${path} exports timers = ${JSON.stringify(timers)}; it must be 'runtime' or 'global'`);
  }
  const module: RaftModule = { make: make as RaftModule['make'], timers };
  probe(module, path);
  return module;
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
function probe(module: RaftModule, path: string): void {
  const world = new World('virtual', 0, { globalTimers: module.timers === 'global' });
  const timersBefore = nodeTimers();
  try {
    const peer: Peer = { call: () => Promise.resolve(null) };
    let raft: unknown;
    try {
      raft = module.make([peer], 0, new MemoryPersister(), new ApplyLog(), world.runtime('probe'));
    } catch (error) {
      throw new RaftModuleError(`--raft: ${path}: make() threw: ${describeError(error)}`);
    }
    const record = (typeof raft === 'object' && raft !== null ? raft : {}) as Record<string, unknown>;
    const missing = RAFT_PEER_METHODS.filter((m) => typeof record[m] !== 'function');
    if (missing.length > 0) {
      throw new RaftModuleError(`--raft: ${path}: make() returns an object without ${missing.join(', ')} (the contract needs ${RAFT_PEER_METHODS.join(', ')})`);
    }
    const leaked = nodeTimers() > timersBefore;
    (record['kill'] as () => void)();
    if (leaked && module.timers !== 'global') {
      throw new RaftModuleError(
        `--raft: ${path}: make() sets real timers (setTimeout/setInterval); add \`export const timers = 'global'\` to the module so that virtual time can fake them`,
      );
    }
    if (leaked) throw new RaftModuleError(`--raft: ${path}: ${CAPTURED_TIMERS}`);
  } finally {
    world.clock.cancelAll();
    world.dispose();
  }
}
