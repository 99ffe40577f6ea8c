// The Raft that the 2A tests run: the reference one, or RAFT_MODULE's.
import type { MakeRaft } from '../../raft/contract.ts';
import { make as referenceMake } from '../../raft/raft.ts';

export async function raftUnderTest(): Promise<{ make: MakeRaft; module?: string }> {
  const module = process.env['RAFT_MODULE'];
  if (module === undefined || module === '') return { make: referenceMake };
  const { loadRaftModule } = await import('../../tester/raft-module.ts');
  return { make: (await loadRaftModule(module)).make, module };
}
