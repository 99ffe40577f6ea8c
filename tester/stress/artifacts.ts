// Failure logs: one file per failing iteration (every iteration with
// --archive), written as soon as the iteration ends so nothing is lost when
// the campaign is interrupted. Header lines start with '#'; the rest is the
// run's event trace, one JSON object per line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pagePath, structuredPath, writeStructuredTrace } from '../report/campaign-files.ts';
import type { IterationResult } from '../execution/iteration.ts';
import { writeTraceHtml } from '../trace/html.ts';

export interface LogHeader {
  test: string;
  iteration: number;
  seed: number;
  clock: string;
  raft: string;
}

export function logPath(out: string, test: string, iteration: number): string {
  return join(out, `${test}_${iteration}.log`);
}

/** Writes the log; for a failure with a trace, also its page. Returns the page's path, if written. */
export function writeIterationLog(path: string, header: LogHeader, result: IterationResult, trace: string | undefined): string | undefined {
  const lines = [
    `test: ${header.test}`,
    `iteration: ${header.iteration}`,
    `seed: ${header.seed}`,
    `clock: ${header.clock}`,
    `raft: ${header.raft}`,
    `result: ${result.ok ? 'passed' : `FAILED [${result.check}]`}`,
    ...(result.ok ? [] : ['message:', ...result.message.split('\n').map((l) => `  ${l}`)]),
    `replay: ${result.replay ?? '(real time cannot be replayed; run the same test in virtual time to search for it)'}`,
    'output:',
    ...result.output.map((l) => `  ${l}`),
    'trace: one JSON event per line below',
  ];
  const text = `${lines.map((l) => `# ${l}`).join('\n')}\n${trace ?? ''}`;
  writeFileSync(path, text);
  if (trace === undefined || trace.trim() === '') return undefined;
  writeStructuredTrace(text, structuredPath(path));
  if (result.ok) return undefined;
  const page = pagePath(path);
  try {
    writeTraceHtml(text, page, `${header.test} #${header.iteration}, seed ${header.seed}: FAILED [${result.check}]`);
  } catch {
    return undefined; // The log is what matters; a page that cannot be drawn is not a reason to stop.
  }
  return page;
}
