// What the stress loop shows while it runs: a live block on a terminal
// (per test and overall: done/total, failures, rate, time left), plain
// lines every few seconds otherwise (CI logs).
import type { Tally } from './summary.ts';
import { wallEvery, wallNow } from '../../runtime/wall.ts';

/** Seconds before the time left is estimated. */
export const ETA_AFTER_S = 5;

/** log-update's default export: redraws a block of lines in place. */
type LiveBlock = typeof import('log-update').default;

export class Progress {
  private readonly started = wallNow();
  private timer: { stop(): void } | undefined;
  private lastPlain = 0;
  /**
   * The terminal's live block, loaded only for a terminal (a CI log or a
   * pipe never needs it, and every command start would pay for it).
   */
  private live: LiveBlock | undefined;
  /** The live block could not be loaded: plain lines, as in a CI log. */
  private liveless = false;

  constructor(
    private readonly tests: readonly string[],
    /** Iterations planned for a test (undefined: --loop, no end). */
    private readonly planned: (test: string) => number | undefined,
    private readonly tally: Tally,
    private readonly tty: boolean,
    private readonly write: (line: string) => void,
  ) {}

  start(): void {
    if (this.tty)
      void import('log-update').then(
        (m) => (this.live = m.default),
        () => (this.liveless = true),
      );
    this.timer = wallEvery(this.tty ? 200 : 1000, () => this.refresh());
  }

  /** Prints a line (a failure, a warning) without disturbing the live block. */
  announce(line: string): void {
    if (this.live !== undefined) {
      this.live.clear();
      this.write(line);
      this.live(this.render());
    } else this.write(line);
  }

  stop(): void {
    this.timer?.stop();
    this.live?.clear();
  }

  private refresh(): void {
    if (this.live !== undefined) {
      this.live(this.render());
      return;
    }
    if (this.tty && !this.liveless) return; // Until the live block has loaded (a few ms).
    if (wallNow() - this.lastPlain < 5000) return;
    this.lastPlain = wallNow();
    this.write(this.overallLine());
  }

  private render(): string {
    const width = Math.max(...this.tests.map((t) => t.length));
    const lines = this.tests.map((test) => {
      const perTest = this.planned(test);
      const { done, failed } = this.tally.doneOf(test);
      return `${test.padEnd(width)}  ${bar(done, perTest)}  ${done}/${perTest ?? '∞'}  ${failed > 0 ? `${failed} failed` : 'ok'}`;
    });
    lines.push(this.overallLine());
    return lines.join('\n');
  }

  private overallLine(): string {
    const each = this.tests.map((t) => this.planned(t));
    const total = each.some((n) => n === undefined) ? undefined : each.reduce((a: number, n) => a + (n ?? 0), 0);
    const done = this.tally.total;
    const seconds = (wallNow() - this.started) / 1000;
    const rate = done / Math.max(seconds, 1e-3);
    const left = timeLeft(total, done, seconds);
    return `overall: ${done}/${total ?? '∞'} done, ${this.tally.failed} failed, ${rate.toFixed(0)}/s${left}`;
  }
}

function bar(done: number, total: number | undefined, width = 24): string {
  if (total === undefined || total === 0) return `[${'~'.repeat(width)}]`;
  const full = Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

/**
 * ", ~N s left", or nothing: no estimate without an end, before anything is
 * done, or in the first seconds, when the first iterations finish in a burst
 * (or not at all yet) and a rate from them is wild.
 */
export function timeLeft(total: number | undefined, done: number, seconds: number): string {
  if (total === undefined || done === 0 || seconds < ETA_AFTER_S) return '';
  return `, ~${Math.ceil((total - done) / (done / seconds))} s left`;
}
