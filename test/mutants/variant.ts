// How a broken variant is made: a subclass of the reference Raft (one
// decision changed), started as the reference's make() starts it.
import type { MakeRaft, RaftTiming } from '../../raft/contract.ts';
import { DEFAULT_TIMING, Raft } from '../../raft/raft.ts';
import { inProcessRaft, type RaftUnderTest } from '../../tester/raft-module.ts';

export type RaftClass = new (...args: ConstructorParameters<typeof Raft>) => Raft;

/** votedFor when a server has voted for nobody in its term (the reference's NOBODY). */
export const NOBODY = -1;

/** Like the reference, every variant persists its term and vote: crash faults are fair game. Each variant's file exports it. */
export const persists = true;

export function makeVariant(Variant: RaftClass, timing: Partial<RaftTiming> = {}): MakeRaft {
  const full: RaftTiming = { ...DEFAULT_TIMING, ...timing };
  return (peers, me, persister, applyCh, runtime) => {
    const raft = new Variant(peers, me, persister, applyCh, runtime, full);
    void raft.ticker();
    return raft;
  };
}

/** A variant run in-process, declaring what its file exports; `path` (its file) names it in replay commands. */
export function variantRaft(make: MakeRaft, path?: string): RaftUnderTest {
  return inProcessRaft(make, { persists, ...(path !== undefined && { path }) });
}
