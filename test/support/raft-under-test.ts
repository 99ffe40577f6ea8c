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

export async function raftUnderTest(): Promise<RaftUnderTest> {
  const module = process.env['RAFT_MODULE'];
  if (module === undefined || module === '') return { make: referenceMake };
  const { loadRaftModule } = await import('../../tester/raft-module.ts');
  const loaded = await loadRaftModule(module);
  return { make: loaded.make, module, globalTimers: loaded.timers === 'global', lacks: loaded.lacks };
}

/** Options for runIteration that run the Raft under test. */
export function iterationOptionsFor(raft: RaftUnderTest): { raft: MakeRaft; raftModule?: string; globalTimers?: boolean } {
  return {
    raft: raft.make,
    ...(raft.module !== undefined && { raftModule: raft.module }),
    ...(raft.globalTimers === true && { globalTimers: true }),
  };
}
