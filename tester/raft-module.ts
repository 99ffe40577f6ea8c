// Loads a Raft implementation given by path (--raft, RAFT_MODULE) and checks
// that it exports what the contract needs.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RAFT_PEER_METHODS, type Peer, type RaftModule } from '../raft/contract.ts';
import { nodeTimers } from '../runtime/wall.ts';
import { World } from '../runtime/runtime.ts';
import { ApplyLog, MemoryPersister } from './persister.ts';
import { describeError } from './failure.ts';

/** A problem with the module a user pointed us at: reported in one line, exit code 2. */
export class RaftModuleError extends Error {
  override name = 'RaftModuleError';
}

/**
 * `label` names where the path came from (`--raft`, `RAFT_MODULE`), so that
 * every message points at what the user typed.
 */
export async function loadRaftModule(path: string, label = '--raft'): Promise<RaftModule> {
  const file = resolve(process.cwd(), path);
  if (!existsSync(file)) throw new RaftModuleError(`${label}: no such file: ${path} (resolved to ${file})`);
  if (statSync(file).isDirectory()) throw new RaftModuleError(`${label}: ${path} is a folder; name the module's file (e.g. ${path.replace(/\/$/, '')}/raft.ts)`);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new RaftModuleError(`${label}: ${path} failed to load: ${describeError(error)}`);
  }
  const make = loaded['make'] ?? (loaded['default'] as Record<string, unknown> | undefined)?.['make'];
  if (typeof make !== 'function') {
    const exported = Object.keys(loaded).join(', ') || 'nothing';
    throw new RaftModuleError(
      `${label}: ${path} does not export what the contract needs: missing 'make(peers, me, persister, applyCh, runtime)' (it exports: ${exported})`,
    );
  }
  const timers = loaded['timers'] ?? (loaded['default'] as Record<string, unknown> | undefined)?.['timers'] ?? 'runtime';
  if (timers !== 'runtime' && timers !== 'global') {
    throw new RaftModuleError(`${label}: ${path} exports timers = ${JSON.stringify(timers)}; it must be 'runtime' or 'global'`);
  }
  const module: RaftModule = { make: make as RaftModule['make'], timers };
  probe(module, path, label);
  return module;
}

/**
 * Makes one server of a one-server cluster on a throwaway virtual clock and
 * checks what it returns, so that a module that cannot work is refused
 * before any campaign starts.
 */
function probe(module: RaftModule, path: string, label: string): void {
  const world = new World('virtual', 0, { globalTimers: module.timers === 'global' });
  const timersBefore = nodeTimers();
  try {
    const peer: Peer = { call: () => Promise.resolve(null) };
    let raft: unknown;
    try {
      raft = module.make([peer], 0, new MemoryPersister(), new ApplyLog(), world.runtime('probe'));
    } catch (error) {
      throw new RaftModuleError(`${label}: ${path}: make() threw: ${describeError(error)}`);
    }
    const record = (typeof raft === 'object' && raft !== null ? raft : {}) as Record<string, unknown>;
    const missing = RAFT_PEER_METHODS.filter((m) => typeof record[m] !== 'function');
    if (missing.length > 0) {
      throw new RaftModuleError(`${label}: ${path}: make() returns an object without ${missing.join(', ')} (the contract needs ${RAFT_PEER_METHODS.join(', ')})`);
    }
    const leaked = nodeTimers() > timersBefore;
    (record['kill'] as () => void)();
    if (leaked && module.timers !== 'global') {
      throw new RaftModuleError(
        `${label}: ${path}: make() sets real timers (setTimeout/setInterval); add \`export const timers = 'global'\` to the module so that virtual time can fake them`,
      );
    }
  } finally {
    world.clock.cancelAll();
    world.dispose();
  }
}
