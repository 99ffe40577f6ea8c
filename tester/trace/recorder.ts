// Records a run's events. Serializing each event as it happens costs enough
// to delay a busy real-time event loop, so events are kept as objects and
// written out only when the trace is asked for. Message objects a Raft could
// still change (a reply it returned, or was given) are snapshotted as they
// pass; everything else in an event is the network's own copy.
import { encode } from '../../labrpc/codec.ts';
import type { TesterEvent } from '../events.ts';

export class TraceRecorder {
  private readonly events: TesterEvent[] = [];

  readonly record = (event: TesterEvent): void => {
    if (event.kind === 'handled' || event.kind === 'reply') this.events.push({ ...event, reply: snapshot(event.reply) });
    else this.events.push(event);
  };

  /** The last event recorded, as its line of the trace (a streamed run sends each as it comes). */
  lastLine(): string {
    return JSON.stringify(this.events[this.events.length - 1]);
  }

  /** The events, one JSON object per line. */
  get lines(): string[] {
    return this.events.map((e) => JSON.stringify(e));
  }

  text(): string {
    return this.events.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}

function snapshot(message: unknown): unknown {
  try {
    return encode(message)?.record ?? message;
  } catch {
    return message; // No JSON form: the trace writes what JSON makes of it.
  }
}
