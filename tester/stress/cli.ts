// npm run stress -- [TESTS...] [options]: the project's main job.
// Exit codes (runCli): 0 every iteration passed, 1 a failure (or no iteration
// ran, or a merged shard did not run to its end), 2 bad input, 3 internal
// error; 130 / 143 when stopped by SIGINT / SIGTERM.
import { readFileSync, writeFileSync } from 'node:fs';
import { refuseLacking } from '../raft-module.ts';
import { loadRaft } from '../built-in-raft.ts';
import { describeError } from '../failure.ts';
import { stageTests } from '../tests.ts';
import { startCampaign } from './campaign.ts';
import { enterUserFolder, plural, usageText } from '../cli-args.ts';
import { runCli, type CliRun, type CommandResult, type StopSignal } from '../run-cli.ts';
import { countsOf } from '../check-ids.ts';
import { STRESS_USAGE, UsageError, parseStressArgs, type StressOptions } from './options.ts';
import { MergeError, memoryLine, mergeSummaries, renderBreakdown, renderLabSplit, renderTable, unknownCheckIn, type StressSummary } from './summary.ts';
import { stressJUnit } from './junit.ts';
import { writeJUnit } from '../junit.ts';
import { writeCampaignReport, type CampaignFigures } from '../report/campaign-report.ts';
import { stressReportInput } from './report.ts';

async function main(cli: CliRun): Promise<CommandResult> {
  enterUserFolder();
  const parsed = parseStressArgs(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(usageText(STRESS_USAGE));
    return 0;
  }
  const options = parsed;
  const raft = await loadRaft(options.raftModule);
  if (options.merge === undefined) {
    // Tests picked by a pattern that the Raft cannot run (2B tests for a 2A-only one) or survive
    // (crashes without persistence) are left out, saying so; one named exactly is refused or run.
    const staged = stageTests(options.tests, options.patterns, raft.persists, raft.label, raft.lacks);
    if (raft.path !== undefined) refuseLacking(staged.tests, raft, raft.path);
    if (staged.note !== undefined) console.log(`stress: ${staged.note}`);
    if (staged.tests.length === 0) throw new UsageError('no test left to run');
    options.tests = staged.tests;
  }

  if (options.merge !== undefined) {
    let merged: StressSummary;
    try {
      const parts = options.merge.map((file) => {
        let part: StressSummary;
        try {
          part = JSON.parse(readFileSync(file, 'utf8')) as StressSummary;
        } catch (error) {
          throw new MergeError(`${file} is not a stress summary: ${describeError(error)}`);
        }
        const unknown = Array.isArray(part.tests) ? unknownCheckIn(part.tests) : undefined;
        if (unknown !== undefined) throw new MergeError(`${file} is not a stress summary of this harness: ${unknown}`);
        return part;
      });
      merged = mergeSummaries(parts, options.merge);
    } catch (error) {
      throw new UsageError(`--merge: ${(error as Error).message}`);
    }
    return report(merged, options, undefined);
  }

  const campaign = startCampaign(options, { write: (line) => console.log(line), tty: process.stdout.isTTY === true });
  // SIGTERM (timeout, CI cancellation) is treated as Ctrl-C: the first stops
  // the campaign and reports; a second reports what there is and leaves.
  cli.onStop(
    (signal) => campaign.interrupt(signal),
    // Failure logs are already on disk: they are written as each iteration ends.
    (signal) => void report({ ...campaign.snapshot(), interrupted: true }, options, signal, campaign.figures()),
  );
  const summary = await campaign.done;
  const folder = campaign.folder();
  if (folder !== undefined) console.log(`logs of this campaign: ${folder}`);
  return report(summary, options, cli.stoppedBy, campaign.figures());
}

function report(
  summary: StressSummary,
  options: Pick<StressOptions, 'json' | 'junit' | 'report'>,
  signal: StopSignal | undefined,
  figures?: CampaignFigures,
): CommandResult {
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
    for (const [check] of countsOf(test.checks ?? {})) {
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
  // A campaign stopped before its end cannot pass (a signal's exit code is runCli's to give).
  return failed === 0 && total > 0 && !summary.interrupted ? 0 : 1;
}

runCli(main, { name: 'stress' });
