// L11: "A leader backs up nextIndex one entry per RPC."
// Expected: the lab's Backup test times out (LAB), and liveness with client
// commands: a healed majority does not commit a new command within the lab's
// one() budget (LV).
import type { AppendEntriesArgs } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class BacksUpOneByOne extends Raft {
  // BUG (L11): the reference jumps over a whole conflicting term with the follower's hints.
  protected override backUp(args: AppendEntriesArgs): number {
    return args.prevLogIndex;
  }

  // As the bug is usually written: the next step waits for the next heartbeat.
  // (Retrying at once, one entry per round trip, is still too slow for the
  // lab's TestFigure8Unreliable2C; test/variants' C07 shows it.)
  protected override retryAfterRefusal(): void {}
}

// The 2A design's 150-300 ms election timeouts, which the reference had when
// the fuzzer found and shrank this mutant's stored scenario (test/regressions):
// the scenario replays event for event only with the timing it was found with.
export const make = makeVariant(BacksUpOneByOne, { electionTimeoutMs: [150, 300] });
export { persists } from './variant.ts';
