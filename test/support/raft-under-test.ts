// The Raft that the lab tests run: the built-in one, or RAFT_MODULE's.
import type { RaftUnderTest } from '../../tester/raft-module.ts';

let loaded: Promise<RaftUnderTest> | undefined;

/** Loaded once: a wrong RAFT_MODULE fails with one message that names the variable. */
export function raftUnderTest(): Promise<RaftUnderTest> {
  loaded ??= load();
  return loaded;
}

async function load(): Promise<RaftUnderTest> {
  const module = process.env['RAFT_MODULE'];
  const { loadRaft } = await import('../../tester/built-in-raft.ts');
  const { RaftModuleError } = await import('../../tester/raft-module.ts');
  try {
    return await loadRaft(module === '' ? undefined : module, 'RAFT_MODULE');
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
