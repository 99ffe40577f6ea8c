// L01: "A follower truncates its log after prevLogIndex on every
// AppendEntries, even when the entries match (a stale, reordered
// AppendEntries erases newer entries)."
// Expected: LM, SMS (and RF: the follower then refuses a request whose
// previous entry it had accepted).
import type { AppendEntriesArgs } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class TruncatesAlways extends Raft {
  // BUG (L01): the reference cuts the log only at a conflicting entry.
  protected override mergeEntries(args: AppendEntriesArgs): boolean {
    this.log.length = args.prevLogIndex + 1;
    for (const e of args.entries) this.log.push({ term: e.term, command: e.command });
    return true;
  }
}

// The 2A design's 150-300 ms election timeouts, which the reference had when
// the fuzzer found and shrank this mutant's stored scenario (test/regressions):
// the scenario replays event for event only with the timing it was found with.
export const make = makeVariant(TruncatesAlways, { electionTimeoutMs: [150, 300] });
export { persists } from './variant.ts';
