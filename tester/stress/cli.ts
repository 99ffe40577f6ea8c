// npm run stress -- [TESTS...] [options]: the project's main job.
import { readFileSync, writeFileSync } from 'node:fs';
import { RaftModuleError, loadRaftModule } from '../raft-module.ts';
import { startCampaign } from './campaign.ts';
import { enterUserFolder, invocation, usageText } from '../cli-args.ts';
import { STRESS_USAGE, UsageError, parseStressArgs, type StressOptions } from './options.ts';
import { mergeSummaries, renderTable, type StressSummary } from './summary.ts';

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
    if (options.raftModule !== undefined) await loadRaftModule(options.raftModule);
  } catch (error) {
    if (error instanceof UsageError || error instanceof RaftModuleError) {
      console.error(`stress: ${error.message}${error instanceof UsageError ? ` (${invocation('stress')} --help for usage)` : ''}`);
      return 2;
    }
    throw error;
  }

  if (options.merge !== undefined) {
    let merged: StressSummary;
    try {
      merged = mergeSummaries(options.merge.map((file) => JSON.parse(readFileSync(file, 'utf8')) as StressSummary));
    } catch (error) {
      console.error(`stress: --merge: ${(error as Error).message}`);
      return 2;
    }
    return report(merged, options.json);
  }

  const campaign = startCampaign(options, { write: (line) => console.log(line), tty: process.stdout.isTTY === true });
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts === 1) {
      campaign.interrupt();
      return;
    }
    // Second Ctrl-C: report what we have and leave now. Failure logs are
    // already on disk: they are written as each iteration ends.
    report({ ...campaign.snapshot(), interrupted: true }, options.json);
    process.exit(130);
  });
  const summary = await campaign.done;
  return report(summary, options.json);
}

function report(summary: StressSummary, json: string | undefined): number {
  console.log(renderTable(summary));
  const failed = summary.tests.reduce((n, t) => n + t.failed, 0);
  const total = summary.tests.reduce((n, t) => n + t.total, 0);
  for (const test of summary.tests) {
    for (const f of test.failures.slice(0, 5)) console.log(`  ${test.name} #${f.iteration} seed ${f.seed}: ${f.message.split('\n')[0]}\n    log: ${f.log ?? '-'}\n    ${f.replay ?? ''}`);
    if (test.failures.length > 5) console.log(`  ... and ${test.failures.length - 5} more failures of ${test.name} (see the JSON summary or the logs)`);
  }
  const lag = summary.clock === 'real' ? ` | worst event-loop delay ${summary.worstLoopDelayMs} ms` : '';
  const memory = summary.memory.peakRssMb > 0 ? ` | worker heap ${summary.memory.earlyHeapMb} → ${summary.memory.lateHeapMb} MiB (first → last quarter), peak RSS ${summary.memory.peakRssMb} MiB` : '';
  console.log(`${failed === 0 ? 'PASS' : 'FAIL'}: ${failed} of ${total} iterations failed in ${summary.wallSeconds} s${summary.interrupted ? ' (interrupted)' : ''}${lag}${memory} | seed ${summary.seed}`);
  if (json !== undefined) {
    writeFileSync(json, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`summary written to ${json}`);
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`stress: internal error: ${(error as Error).stack ?? String(error)}`);
    process.exit(3);
  },
);
