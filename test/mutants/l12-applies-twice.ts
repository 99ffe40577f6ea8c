// L12: "A server applies an index twice, or skips one."
// Expected: AO.
import type { LogEntry } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class AppliesTwice extends Raft {
  // BUG (L12): each round of applies starts again at the last index applied,
  // not just after it (the reference applies lastApplied+1 .. commitIndex).
  protected override applyCommitted(): void {
    if (this.lastApplied >= this.commitIndex || this.killed()) return;
    let index = Math.max(1, this.lastApplied);
    for (; index <= this.commitIndex; index++) {
      const entry = this.log[index] as LogEntry;
      this.applyCh.send({ commandValid: true, command: entry.command, commandIndex: index });
    }
    this.lastApplied = this.commitIndex;
  }
}

export const make = makeVariant(AppliesTwice);
export { persists } from './variant.ts';
