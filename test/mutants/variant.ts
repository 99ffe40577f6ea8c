// How a broken variant is made: a subclass of the reference Raft (one
// decision changed), started as the reference's make() starts it.
import type { MakeRaft } from '../../raft/contract.ts';
import { DEFAULT_TIMING, Raft, type ElectionTiming } from '../../raft/raft.ts';
import { declare } from '../../tester/raft-module.ts';

export type RaftClass = new (...args: ConstructorParameters<typeof Raft>) => Raft;

/** votedFor when a server has voted for nobody in its term (the reference's NOBODY). */
export const NOBODY = -1;

export function makeVariant(Variant: RaftClass, timing: Partial<ElectionTiming> = {}): MakeRaft {
  const full: ElectionTiming = { ...DEFAULT_TIMING, ...timing };
  const make: MakeRaft = (peers, me, persister, applyCh, runtime) => {
    const raft = new Variant(peers, me, persister, applyCh, runtime, full);
    void raft.ticker();
    return raft;
  };
  // Like the reference, every variant persists its term and vote: crash faults are fair game.
  declare({ make, persists: true });
  return make;
}
