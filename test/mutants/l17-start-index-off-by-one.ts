// L17: "`start()` returns an index off by one."
// Expected: SI, and the lab's "got index X but expected Y" (LAB).
import type { StartResult } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class StartIndexOffByOne extends Raft {
  // BUG (L17): answers one more than the index the new entry has.
  override start(command: unknown): StartResult {
    const result = super.start(command);
    return result.isLeader ? { ...result, index: result.index + 1 } : result;
  }
}

export const make = makeVariant(StartIndexOffByOne);
export { persists } from './variant.ts';
