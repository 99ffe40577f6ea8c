// The lab's applier (config.go's applier and checkLogs): what each server has
// applied, index by index, checked as it arrives. "Committed", in the lab's
// tester, always means applied by some server.
import type { ApplyChannel, ApplyMsg } from '../../raft/contract.ts';

export interface ApplierHooks {
  /** Every message a server sends on its channel, zombies' included. */
  onApply: (server: number, incarnation: number, msg: ApplyMsg) => void;
  /** The lab's log.Fatalf("apply error: ..."): the whole test fails. */
  onError: (text: string) => void;
}

export class Applier {
  /** logs[i]: index → command server i has applied. Survives restarts, as in the lab. */
  readonly logs: Map<number, unknown>[];
  /** The highest index applied anywhere. */
  maxIndex = 0;

  constructor(
    readonly n: number,
    private readonly hooks: ApplierHooks,
  ) {
    this.logs = Array.from({ length: n }, () => new Map<number, unknown>());
  }

  /**
   * Server i's apply channel for one incarnation. The lab's channel is
   * unbuffered and its applier goroutine outlives a crash: here send()
   * checks at once, and an old incarnation's channel keeps working.
   */
  channel(i: number, incarnation: number): ApplyChannel {
    return { send: (msg: ApplyMsg) => this.apply(i, incarnation, msg) };
  }

  private apply(i: number, incarnation: number, msg: ApplyMsg): void {
    this.hooks.onApply(i, incarnation, msg);
    if (msg === null || typeof msg !== 'object' || msg.commandValid !== true) return; // ignore other types of ApplyMsg
    const index = msg.commandIndex;
    let [error, prevok] = this.checkLogs(i, index, msg.command);
    if (index > 1 && !prevok) error = `server ${i} apply out of order ${index}`;
    if (error !== '') this.hooks.onError(error);
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
