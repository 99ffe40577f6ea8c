// L09: "The log is not persisted before a reply that acknowledges it."
// Expected: DUR (a restarted follower no longer holds what it acknowledged),
// and SMS once a leader elected on a log that lost a committed entry
// overwrites it.
import type { AppendEntriesArgs } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { makeVariant } from './variant.ts';

export class LogNotPersisted extends Raft {
  // BUG (L09): the reference persists the log whenever an AppendEntries
  // changed it, before replying success. Here the new entries stay in
  // memory until something else (a vote, a new term, start()) persists.
  protected override mergeEntries(args: AppendEntriesArgs): boolean {
    super.mergeEntries(args);
    return false;
  }
}

export const make = makeVariant(LogNotPersisted);
export { persists } from './variant.ts';
