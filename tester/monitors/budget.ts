// BUD: the lab's RPC and byte budgets, as limits a test sets on a window of
// its run (TestCount2B: at most 30 RPCs to elect, 42 more for 10 entries, 60
// per idle second; TestRPCBytes2B: at most 3 x 50,000 + 50,000 bytes). The
// counts are the lab's: an RPC is a request delivered to a server (rpcCount),
// bytes are request sizes plus delivered reply sizes (bytesTotal). A window
// that goes over its limit is reported at the instant it does, not when the
// test looks.
import type { TesterEvent } from '../events.ts';
import type { EventKind, Monitor, MonitorContext } from './monitor.ts';

export interface BudgetLimits {
  /** What the window is for, as the lab's message says it ("for 10 entries"). */
  what: string;
  maxRpcs?: number;
  maxBytes?: number;
}

/** An open window: its counts so far; close() stops counting. */
export interface BudgetWindow {
  readonly rpcs: number;
  readonly bytes: number;
  close(): void;
}

interface Open {
  limits: BudgetLimits;
  rpcs: number;
  bytes: number;
  rpcsReported: boolean;
  bytesReported: boolean;
  closed: boolean;
}

export class RpcBudget implements Monitor {
  readonly kinds: readonly EventKind[] = ['deliver', 'send', 'reply', 'cluster'];
  private open: Open[] = [];
  constructor(private readonly ctx: MonitorContext) {}

  /** Starts counting now. */
  window(limits: BudgetLimits): BudgetWindow {
    const w: Open = { limits, rpcs: 0, bytes: 0, rpcsReported: false, bytesReported: false, closed: false };
    this.open.push(w);
    return {
      get rpcs() {
        return w.rpcs;
      },
      get bytes() {
        return w.bytes;
      },
      close: () => {
        w.closed = true;
        this.open = this.open.filter((o) => o !== w);
      },
    };
  }

  observe(e: TesterEvent): void {
    if (e.kind === 'cluster') {
      this.open = [];
      return;
    }
    if (this.open.length === 0) return;
    for (const w of this.open) {
      if (e.kind === 'deliver') w.rpcs++;
      else if (e.kind === 'send' || e.kind === 'reply') w.bytes += e.bytes;
      else continue;
      const { maxRpcs, maxBytes, what } = w.limits;
      if (maxRpcs !== undefined && w.rpcs > maxRpcs && !w.rpcsReported) {
        w.rpcsReported = true;
        this.ctx.report('BUD', { message: `too many RPCs (${w.rpcs}) ${what} (at most ${maxRpcs})`, servers: [] });
      }
      if (maxBytes !== undefined && w.bytes > maxBytes && !w.bytesReported) {
        w.bytesReported = true;
        this.ctx.report('BUD', { message: `too many RPC bytes; got ${w.bytes}, expected at most ${maxBytes} ${what}`, servers: [] });
      }
    }
  }
}
