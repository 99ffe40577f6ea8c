// The Raft that the 2A tests run: the reference one, or RAFT_MODULE's.
import type { MakeRaft } from '../../raft/contract.ts';
import { make as referenceMake } from '../../raft/raft.ts';

export interface RaftUnderTest {
  make: MakeRaft;
  /** The module's path, for replay commands. */
  module?: string;
  globalTimers?: boolean;
  /** Log methods (start) its servers lack: a 2A-only module runs only the 2A tests. */
  lacks?: string[];
}

let loaded: Promise<RaftUnderTest> | undefined;

/** Loaded once: a wrong RAFT_MODULE fails with one message that names the variable. */
export function raftUnderTest(): Promise<RaftUnderTest> {
  loaded ??= load();
  return loaded;
}

async function load(): Promise<RaftUnderTest> {
  const module = process.env['RAFT_MODULE'];
  if (module === undefined || module === '') return { make: referenceMake };
  const { RaftModuleError, loadRaftModule } = await import('../../tester/raft-module.ts');
  try {
    const raft = await loadRaftModule(module, 'RAFT_MODULE');
    return { make: raft.make, module, globalTimers: raft.timers === 'global', lacks: raft.lacks };
  } catch (error) {
    // One line, no stack: the message says what is wrong with the module.
    if (error instanceof RaftModuleError) {
      const plain = new Error(error.message);
      plain.stack = error.message;
      throw plain;
    }
    throw error;
  }
}

/** Options for runIteration that run the Raft under test. */
export function iterationOptionsFor(raft: RaftUnderTest): { raft: MakeRaft; raftModule?: string; globalTimers?: boolean } {
  return {
    raft: raft.make,
    ...(raft.module !== undefined && { raftModule: raft.module }),
    ...(raft.globalTimers === true && { globalTimers: true }),
  };
}
