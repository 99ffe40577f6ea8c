// L19: "The log is not trimmed after snapshot()."
// Expected: the lab's `Log size too large` (LAB): the Raft state keeps
// every entry the service's snapshots already hold (§7: the log is
// "discarded up through the last included index").
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class LogNotTrimmed extends Raft {
  // BUG (L19): takes the service's snapshot and keeps the whole log.
  override snapshot(): void {}
}

export const make = makeVariant(LogNotTrimmed);
export { persists } from './variant.ts';
