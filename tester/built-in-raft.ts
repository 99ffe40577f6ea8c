// The built-in Raft (raft/raft.ts) as the one value the harness runs when
// no module is named: every driver and the config default to it, and to
// nothing else.
import { make, persists } from '../raft/raft.ts';
import { loadRaftModule, type RaftUnderTest } from './raft-module.ts';

/**
 * What `--raft raft/raft.ts` would load, less the path: replay commands then
 * name no --raft, worker threads are sent no path, summaries say 'built-in'.
 */
export const BUILT_IN_RAFT: RaftUnderTest = Object.freeze<RaftUnderTest>({ make, timers: 'runtime', persists, lacks: [], label: 'the built-in Raft' });

/** How summaries, JUnit files and stored regressions name the built-in Raft (and --rerun reads it back). */
export const BUILT_IN_NAME = 'built-in';

/** The Raft a command line names: its module (--raft, RAFT_MODULE), or the built-in Raft when it names none. */
export function loadRaft(path: string | undefined, option = '--raft'): Promise<RaftUnderTest> {
  return path === undefined ? Promise.resolve(BUILT_IN_RAFT) : loadRaftModule(path, option);
}
