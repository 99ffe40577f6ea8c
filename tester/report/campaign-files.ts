// Where a campaign, of the stress loop or of the fuzzer, writes: a folder of
// its own inside --out, and next to each failure's log its structured trace
// (JSON Lines, for people and for trace) and its page.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { wallStamp } from '../../runtime/wall.ts';
import { structuredText } from '../trace/input.ts';

/** A new folder inside --out for one campaign: start time, seed and shard in its name. */
export function campaignFolder(options: { out: string; seed: number; shard: { index: number; count: number } }): string {
  const shard = options.shard.count > 1 ? `_shard-${options.shard.index}-of-${options.shard.count}` : '';
  const base = join(options.out, `${wallStamp()}_seed-${options.seed}${shard}`);
  let folder = base;
  for (let k = 2; existsSync(folder); k++) folder = `${base}-${k}`;
  mkdirSync(folder, { recursive: true });
  return folder;
}

/** The structured trace next to a log: `<log path minus .log>.trace.jsonl`. */
export function structuredPath(log: string): string {
  return `${log.replace(/\.log$/, '')}.trace.jsonl`;
}

/**
 * The trace for people: one JSON object per line with the time, the server,
 * what happened (timer, vote, leader, term, heartbeat, drop...), its term and
 * role, and the message. The log keeps the raw events, complete.
 */
export function writeStructuredTrace(logText: string, path: string): void {
  try {
    writeFileSync(path, structuredText(logText, path));
  } catch {
    // The log is what matters; it converts later with npm run trace -- LOG --json.
  }
}

/** The trace page next to a log: `<log path minus .log>.html`. */
export function pagePath(log: string): string {
  return `${log.replace(/\.log$/, '')}.html`;
}
