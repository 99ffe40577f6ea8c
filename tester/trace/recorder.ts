// Records a run's events as JSON lines. Each event is serialized when it
// happens, since the network hands out live message objects.
import type { TesterEvent } from '../events.ts';

export class TraceRecorder {
  readonly lines: string[] = [];

  readonly record = (event: TesterEvent): void => {
    this.lines.push(JSON.stringify(event));
  };

  text(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}
