// Loads a Raft implementation given by path (--raft, RAFT_MODULE) and checks
// that it exports what the contract needs.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RaftModule } from '../raft/contract.ts';
import { describeError } from './failure.ts';

/** A problem with the module a user pointed us at: reported in one line, exit code 2. */
export class RaftModuleError extends Error {
  override name = 'RaftModuleError';
}

export async function loadRaftModule(path: string): Promise<RaftModule> {
  const file = resolve(process.cwd(), path);
  if (!existsSync(file)) throw new RaftModuleError(`--raft: no such file: ${path} (resolved to ${file})`);
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
  return { make: make as RaftModule['make'] };
}
