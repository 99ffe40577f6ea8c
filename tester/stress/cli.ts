// npm run stress -- [TESTS...] [options]: the project's main job.
// Exit codes: 0 every iteration passed, 1 a failure (or no iteration ran),
// 2 bad input, 3 internal error; 130 / 143 when stopped by SIGINT / SIGTERM.
import { readFileSync, writeFileSync } from 'node:fs';
import { RaftModuleError, loadRaftModule, refuseLacking } from '../raft-module.ts';
import { describeError } from '../failure.ts';
import { stageTests } from '../tests.ts';
import { startCampaign } from './campaign.ts';
import { enterUserFolder, plural, usageHint, usageText } from '../cli-args.ts';
import { STRESS_USAGE, UsageError, parseStressArgs, type StressOptions } from './options.ts';
import { MergeError, memoryLine, mergeSummaries, renderBreakdown, renderLabSplit, renderTable, type StressSummary } from './summary.ts';
import { stressJUnit } from './junit.ts';
import { writeJUnit } from '../junit.ts';
import { writeCampaignReport, type CampaignFigures } from '../report/campaign-report.ts';
import { stressReportInput } from './report.ts';

/** What each signal's exit code is (128 + its number), as a shell reports it. */
const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_CODES;

async function main(): Promise<number> {
  enterUserFolder();
  let options: StressOptions;
  try {
    const parsed = parseStressArgs(process.argv.slice(2));
    if (parsed === 'help') {
      console.log(usageText(STRESS_USAGE));
      return 0;
    }
    options = parsed;
    const loaded = options.raftModule === undefined ? undefined : await loadRaftModule(options.raftModule);
    // The built-in Raft persists; a module says whether it does.
    const persists = loaded === undefined || loaded.persists === true;
    if (options.merge === undefined) {
      // Tests picked by a pattern that the Raft cannot run (2B tests for a 2A-only one) or survive
      // (crashes without persistence) are left out, saying so; one named exactly is refused or run.
      const staged = stageTests(options.tests, options.patterns, persists, options.raftModule ?? 'the built-in Raft', loaded?.lacks ?? []);
      if (loaded !== undefined && options.raftModule !== undefined) refuseLacking(staged.tests, loaded, options.raftModule);
      if (staged.note !== undefined) console.log(`stress: ${staged.note}`);
      if (staged.tests.length === 0) throw new UsageError('no test left to run');
      options.tests = staged.tests;
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof RaftModuleError) {
      console.error(`stress: ${error.message}${usageHint(error, 'stress')}`);
      return 2;
    }
    throw error;
  }

  if (options.merge !== undefined) {
    let merged: StressSummary;
    try {
      const parts = options.merge.map((file) => {
        try {
          return JSON.parse(readFileSync(file, 'utf8')) as StressSummary;
        } catch (error) {
          throw new MergeError(`${file} is not a stress summary: ${describeError(error)}`);
        }
      });
      merged = mergeSummaries(parts, options.merge);
    } catch (error) {
      console.error(`stress: --merge: ${(error as Error).message}`);
      return 2;
    }
    return report(merged, options, undefined);
  }

  const campaign = startCampaign(options, { write: (line) => console.log(line), tty: process.stdout.isTTY === true });
  let stoppedBy: StopSignal | undefined;
  // SIGTERM (timeout, CI cancellation) is treated as Ctrl-C: the first stops
  // the campaign and reports; a second reports what there is and leaves.
  const onSignal = (signal: StopSignal): void => {
    if (stoppedBy === undefined) {
      stoppedBy = signal;
      campaign.interrupt(signal);
      return;
    }
    // Failure logs are already on disk: they are written as each iteration ends.
    report({ ...campaign.snapshot(), interrupted: true }, options, signal, campaign.figures());
    process.exit(SIGNAL_CODES[signal]);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const summary = await campaign.done;
  const folder = campaign.folder();
  if (folder !== undefined) console.log(`logs of this campaign: ${folder}`);
  return report(summary, options, stoppedBy, campaign.figures());
}

function report(
  summary: StressSummary,
  options: Pick<StressOptions, 'json' | 'junit' | 'report'>,
  signal: StopSignal | undefined,
  figures?: CampaignFigures,
): number {
  const json = options.json;
  console.log(renderTable(summary));
  const failed = summary.tests.reduce((n, t) => n + t.failed, 0);
  const total = summary.tests.reduce((n, t) => n + t.total, 0);
  const breakdown = renderBreakdown(summary);
  if (breakdown !== undefined) {
    console.log('failures by test and check:');
    console.log(breakdown);
    const split = renderLabSplit(summary);
    if (split !== undefined) console.log(split);
  }
  // The first failure of each test and check; the others are in their logs and the JSON summary.
  for (const test of summary.tests) {
    for (const check of Object.keys(test.checks ?? {})) {
      const f = test.failures.find((x) => x.check === check);
      if (f === undefined) continue;
      const lab =
        f.lab === 'fails'
          ? check === 'LAB'
            ? ''
            : `\n    the lab's checks fail it too${f.labMessage !== undefined ? `: ${f.labMessage}` : ''}`
          : f.lab === 'passes'
            ? "\n    only our monitors fail it: the lab's checks pass it"
            : '';
      console.log(
        `  ${test.name} [${check}] first: #${f.iteration} seed ${f.seed}: ${f.message.split('\n')[0]}${lab}\n    log: ${f.log ?? '-'}\n    ${f.replay ?? ''}`,
      );
    }
  }
  const lag = summary.clock === 'real' ? ` | worst event-loop delay ${summary.worstLoopDelayMs} ms` : '';
  const memory = summary.memory.peakRssMb > 0 ? ` | ${memoryLine(summary.memory)}` : '';
  // Only a campaign that ran to its end, and ran something, can pass.
  const verdict = summary.interrupted ? 'INTERRUPTED' : total === 0 ? 'NOTHING RAN' : failed === 0 ? 'PASS' : 'FAIL';
  console.log(
    `${verdict}: ${failed} of ${total} iterations failed in ${summary.wallSeconds} s${summary.interrupted ? ` (interrupted${signal !== undefined ? ` by ${signal}` : ''}: not every iteration ran)` : ''}${summary.skippedByFailfast !== undefined ? ` (--failfast: ${plural(summary.skippedByFailfast, 'iteration')} skipped)` : ''}${lag}${memory} | seed ${summary.seed}`,
  );
  if (json !== undefined) {
    const text = `${JSON.stringify(summary, null, 2)}\n`;
    try {
      writeFileSync(json, text);
      console.log(`summary written to ${json}`);
    } catch (error) {
      // Checked before the campaign, yet it failed now: the summary must not be lost.
      console.log(`stress: cannot write the summary to ${json} (${describeError(error)}); here it is:`);
      console.log(text);
    }
  }
  if (options.junit !== undefined) writeJUnit(options.junit, stressJUnit(summary), 'stress');
  if (options.report !== undefined) {
    const line = `${verdict}: ${failed} of ${total} iterations failed`;
    try {
      writeCampaignReport(stressReportInput(summary, figures, line), options.report);
      console.log(`report written to ${options.report}`);
    } catch (error) {
      // The summary and logs are written already; a page that cannot be drawn does not change the verdict.
      console.log(`stress: cannot write the report to ${options.report}: ${describeError(error)}`);
    }
  }
  if (summary.interrupted) return signal !== undefined ? SIGNAL_CODES[signal] : SIGNAL_CODES.SIGINT;
  return failed === 0 && total > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`stress: internal error: ${(error as Error).stack ?? String(error)}`);
    process.exit(3);
  },
);
