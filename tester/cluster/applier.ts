// The lab's appliers (config.go's applier, applierSnap, checkLogs and
// ingestSnap): what each server has applied, index by index, checked as it
// arrives. "Committed", in the lab's tester, always means applied by some
// server. The plain applier serves 2B and 2C; the snapshot applier (2D) also
// checks that applies come in order from the last snapshot, takes in the
// snapshots a server delivers, and asks the server for a snapshot of its
// applied log after every tenth command.
import type { ApplyChannel, ApplyMsg } from '../../raft/contract.ts';
import { decodeSnapshot, encodeSnapshot } from '../snapshot-codec.ts';

// The encoding lives beside the monitors' reach (they decode snapshots too); said here as well for the applier's users.
export { decodeSnapshot, encodeSnapshot, type TesterSnapshot } from '../snapshot-codec.ts';

/** The lab's SnapShotInterval: the snapshot applier calls snapshot(k) when (k+1) % 10 == 0. */
export const SNAPSHOT_INTERVAL = 10;

/** Which of the lab's appliers reads a server's channel (the lab's start1(i, applier)). */
export type ApplierKind = 'plain' | 'snapshot';

export interface ApplierHooks {
  /** Every message a server sends on its channel, zombies' included. */
  onApply: (server: number, incarnation: number, msg: ApplyMsg) => void;
  /** The lab's log.Fatalf("apply error: ..."): the whole test fails. */
  onError: (text: string) => void;
  /** A misuse of the channel that is the implementation's failure, not the lab's (RAFT). */
  onMisuse?: (text: string) => void;
}

/**
 * The snapshot applier's rf.Snapshot(index, snapshot) on the incarnation
 * whose channel it reads: made synchronously, from inside that send().
 */
export type TakeSnapshot = (index: number, snapshot: string) => void;

/** One snapshot-applier channel: whether it is inside snapshot() now, and how it calls it. */
interface SnapChannel {
  inSnapshot: boolean;
  snapshot: TakeSnapshot | undefined;
}

export class Applier {
  /** logs[i]: index → command server i has applied. Survives restarts, as in the lab. */
  readonly logs: Map<number, unknown>[];
  /** The snapshot applier's lastApplied[i]: start1 resets it, a snapshot sets it. */
  readonly lastApplied: number[];
  /** The highest index applied anywhere. */
  maxIndex = 0;
  /** Each server's latest channel, if it reads it with the snapshot applier (for snapshotAt). */
  private readonly snapChannels: (SnapChannel | undefined)[];

  constructor(
    readonly n: number,
    private readonly hooks: ApplierHooks,
  ) {
    this.logs = Array.from({ length: n }, () => new Map<number, unknown>());
    this.lastApplied = new Array<number>(n).fill(0);
    this.snapChannels = new Array<SnapChannel | undefined>(n).fill(undefined);
  }

  /**
   * Server i's apply channel for one incarnation. The lab's channel is
   * unbuffered and its applier goroutine outlives a crash: here send()
   * checks at once, and an old incarnation's channel keeps working.
   */
  channel(i: number, incarnation: number, kind: ApplierKind = 'plain', snapshot?: TakeSnapshot): ApplyChannel {
    if (kind === 'snapshot') {
      const state: SnapChannel = { inSnapshot: false, snapshot };
      this.snapChannels[i] = state;
      return { send: (msg: ApplyMsg) => this.applySnap(i, incarnation, msg, state) };
    }
    this.snapChannels[i] = undefined;
    return { send: (msg: ApplyMsg) => this.apply(i, incarnation, msg) };
  }

  /**
   * Beyond the lab (the fuzzer's snapshot step): server i's service, reading
   * its latest channel with the snapshot applier, snapshots its applied log
   * through index now, as applierSnap does after every tenth command (the
   * same encoding, the same call). The lab's service may snapshot whenever
   * it likes; applierSnap merely picks every tenth. Returns false, and does
   * nothing, when index is not applied yet (or below 1), when the server's
   * latest channel is not the snapshot applier's, or from inside a
   * snapshot() call.
   */
  snapshotAt(i: number, index: number): boolean {
    const state = this.snapChannels[i];
    if (state === undefined || state.inSnapshot || !Number.isInteger(index) || index < 1 || index > (this.lastApplied[i] as number)) return false;
    this.takeSnapshot(i, index, state);
    return true;
  }

  private apply(i: number, incarnation: number, msg: ApplyMsg): void {
    this.hooks.onApply(i, incarnation, msg);
    if (msg === null || typeof msg !== 'object' || msg.commandValid !== true) return; // ignore other types of ApplyMsg
    const error = this.checkApplied(i, msg.commandIndex, msg.command);
    if (error !== '') this.hooks.onError(error);
  }

  /** Both appliers' check of a command applied at index: checkLogs, then the lab's prevok rule. */
  private checkApplied(i: number, index: number, command: unknown): string {
    const [error, prevok] = this.checkLogs(i, index, command);
    return index > 1 && !prevok ? `server ${i} apply out of order ${index}` : error;
  }

  /**
   * config.go's applierSnap, for one message. A snapshot is taken in; a
   * command must come right after the last one applied (or the last
   * snapshot), pass checkLogs, and after every tenth the server is asked,
   * from inside this send(), to snapshot the log applied so far. (The lab
   * calls Snapshot before its log.Fatalf on an error; here the failure comes
   * first and ends the run, so no snapshot is asked of a failed apply.)
   */
  private applySnap(i: number, incarnation: number, msg: ApplyMsg, state: SnapChannel): void {
    this.hooks.onApply(i, incarnation, msg);
    if (state.inSnapshot) {
      // Go: the applier goroutine is inside rf.Snapshot(), so a send from
      // there has no reader and blocks forever.
      this.hooks.onMisuse?.(
        `server ${i} sent on its apply channel from inside snapshot(): the tester calls snapshot() from inside its handling of an apply (as the lab's applier calls Snapshot() ` +
          `from the goroutine that reads the channel), so in the lab this send would wait for itself forever (the apply-channel deadlock)`,
      );
      return;
    }
    if (msg === null || typeof msg !== 'object') return; // ignore other types of ApplyMsg
    let error = '';
    if (msg.snapshotValid === true) {
      error = this.ingestSnap(i, msg.snapshot, msg.snapshotIndex as number);
    } else if (msg.commandValid === true) {
      const index = msg.commandIndex;
      if (index !== (this.lastApplied[i] as number) + 1) {
        error = `server ${i} apply out of order, expected index ${(this.lastApplied[i] as number) + 1}, got ${index}`;
      }
      if (error === '') error = this.checkApplied(i, index, msg.command);
      this.lastApplied[i] = index;
      if (error === '' && (index + 1) % SNAPSHOT_INTERVAL === 0) this.takeSnapshot(i, index, state);
    }
    if (error !== '') this.hooks.onError(error);
  }

  /** applierSnap's rf.Snapshot(index, labgob(index, logs[i][0..index])), made on the channel's server. */
  private takeSnapshot(i: number, index: number, state: SnapChannel): void {
    const log = this.logs[i] as Map<number, unknown>;
    const xlog: unknown[] = [];
    for (let j = 0; j <= index; j++) xlog.push(log.get(j) ?? null);
    state.inSnapshot = true;
    try {
      state.snapshot?.(index, encodeSnapshot(index, xlog));
    } finally {
      state.inSnapshot = false;
    }
  }

  /**
   * config.go's ingestSnap: server i's applied log becomes the snapshot's,
   * and its lastApplied the snapshot's index. `index` is the ApplyMsg's
   * snapshotIndex, which must match the snapshot's own, or -1 (start1: the
   * snapshot the persister kept). Returns '' or the error text; as in the
   * lab, nothing checks that snapshots only move forward.
   */
  ingestSnap(i: number, snapshot: unknown, index: number): string {
    if (snapshot === undefined || snapshot === null) {
      return `nil snapshot (server ${i} ${index === -1 ? 'stored' : `sent a snapshot ApplyMsg for index ${String(index)} with`} no snapshot)`;
    }
    const decoded = decodeSnapshot(snapshot);
    if (typeof decoded === 'string') {
      return `snapshot decode error (server ${i}'s ${index === -1 ? 'stored snapshot' : `snapshot for index ${String(index)}`}: ${decoded})`;
    }
    if (index !== -1 && index !== decoded.lastIncludedIndex) {
      return `server ${i} snapshot doesn't match m.SnapshotIndex (the snapshot holds the log up to index ${decoded.lastIncludedIndex}; snapshotIndex is ${String(index)})`;
    }
    const log = new Map<number, unknown>();
    for (let j = 0; j < decoded.log.length; j++) log.set(j, decoded.log[j]);
    this.logs[i] = log;
    this.lastApplied[i] = decoded.lastIncludedIndex;
    return '';
  }

  /** config.go's checkLogs: a different value at k anywhere is an error; notes whether k-1 was there. */
  checkLogs(i: number, index: number, command: unknown): [string, boolean] {
    let error = '';
    for (let j = 0; j < this.n; j++) {
      const log = this.logs[j] as Map<number, unknown>;
      if (log.has(index)) {
        const old = log.get(index);
        // some server has already committed a different value for this entry!
        if (!sameCommand(old, command)) error = `commit index=${index} server=${i} ${show(command)} != server=${j} ${show(old)}`;
      }
    }
    const mine = this.logs[i] as Map<number, unknown>;
    const prevok = mine.has(index - 1);
    mine.set(index, command);
    if (index > this.maxIndex) this.maxIndex = index;
    return [error, prevok];
  }

  /** config.go's nCommitted: how many servers applied index, and the value; a mismatch is returned as an error text. */
  nCommitted(index: number): { count: number; command: unknown; error?: string } {
    let count = 0;
    let command: unknown = undefined;
    for (let i = 0; i < this.n; i++) {
      const log = this.logs[i] as Map<number, unknown>;
      if (!log.has(index)) continue;
      const cmd1 = log.get(index);
      if (count > 0 && !sameCommand(command, cmd1)) {
        return { count, command, error: `committed values do not match: index ${index}, ${show(command)}, ${show(cmd1)}` };
      }
      count++;
      command = cmd1;
    }
    return { count, command };
  }
}

/** Go's == on interface values: equal primitives, or (for our JSON commands) equal encodings. */
export function sameCommand(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Go's %v for a command. */
export function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    // What JSON cannot say (a cycle, a BigInt): the value's own text, whatever it is.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    return String(value);
  }
}
