// npm run fuzz -- [options]: property-based fuzzing of fault schedules.
// Exit codes (runCli): 0 no failure, 1 a failure was found (or nothing ran),
// 2 bad input, 3 internal error; 130 / 143 when stopped by SIGINT / SIGTERM.
import { campaignFolder, pagePath, structuredPath, writeStructuredTrace } from '../report/campaign-files.ts';
import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { enterUserFolder, plural, usageText } from '../cli-args.ts';
import { runCli, type CliRun, type CommandResult } from '../run-cli.ts';
import { describeError } from '../failure.ts';
import { CHECKS, type CheckId } from '../check-ids.ts';
import type { RaftUnderTest } from '../raft-module.ts';
import { BUILT_IN_NAME, loadRaft } from '../built-in-raft.ts';
import { writeTraceHtml } from '../trace/html.ts';
import { randomInt } from 'node:crypto';
import { MAX_SEED } from '../../runtime/random.ts';
import {
  DEFAULT_RUNS,
  FuzzPathError,
  campaignSpace,
  refuseWithoutSnapshots,
  runFuzz,
  scenarioAt,
  type FuzzFailure,
  type FuzzProgress,
  type FuzzReport,
} from './fuzz.ts';
import { spaceServers } from './scenario.ts';
import { FAULT_KINDS, MAX_SERVERS } from '../execution/scenario.ts';
import { fuzzUsage, parseFuzzArgs, type FuzzCliOptions } from './options.ts';
import { regressionPath, saveDir, saveRegressionCase } from './regressions.ts';
import { fuzzJUnit } from './junit.ts';
import { writeJUnit } from '../junit.ts';
import { wallDate, wallEvery, wallNow } from '../../runtime/wall.ts';
import { Figures, writeCampaignReport, type ReportFailure } from '../report/campaign-report.ts';

async function main(cli: CliRun): Promise<CommandResult> {
  enterUserFolder();
  const parsed = parseFuzzArgs(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(usageText(fuzzUsage()));
    return 0;
  }
  const options: FuzzCliOptions = parsed;
  const raft: RaftUnderTest = await loadRaft(options.raftModule);
  // Faked globals belong to a whole thread: such a Raft runs one scenario at a time in each.
  if (raft.timers === 'global') options.streams = 1;
  // Lab 2D needs snapshot() and installSnapshot(): refused in one line, before any work.
  if (options.snapshot) refuseWithoutSnapshots(raft);
  // A --path must lead somewhere from its seed, in this campaign's scenario space.
  if (options.path !== undefined && options.seed !== undefined) {
    scenarioAt(options.seed, options.path, campaignSpace(options, raft.persists, raft.label).space);
  }

  const tty = process.stdout.isTTY === true;
  const replay = options.path !== undefined;
  const seed = options.seed ?? randomInt(MAX_SEED);
  const abort = new AbortController();
  // SIGTERM (timeout, CI cancellation) is Ctrl-C: what was found is reported; a second leaves at once.
  cli.onStop((signal) => {
    console.log(`\nfuzz: interrupted (${signal}): finishing the scenarios in progress (${signal} again to leave now)`);
    abort.abort();
  });
  const plan = replay
    ? `replaying path ${options.path} of seed ${seed}`
    : `fuzzing ${describePlan(options)} on ${raft.label}, ${plural(options.workers, 'worker')} x ${options.streams} scenarios at once | seed ${seed}`;
  console.log(`fuzz: ${plan}`);
  const { space, note } = campaignSpace(options, raft.persists, raft.label);
  const sizes = spaceServers(space);
  console.log(
    `fuzz: cluster sizes ${space.servers?.join(', ') ?? `${sizes[0]} to ${MAX_SERVERS}`}; fault kinds ${space.kinds === undefined ? FAULT_KINDS.join(', ') : space.kinds.length === 0 ? 'none' : space.kinds.join(', ')}`,
  );
  if (space.snapshot === true) {
    console.log(
      'fuzz: lab 2D: the snapshot applier (a snapshot every tenth command), snapshots at any index, crashes inside snapshot() and InstallSnapshot, followers left behind',
    );
  }
  if (note !== undefined) console.log(`fuzz: ${note}`);
  if (options.checks === 'lab')
    console.log("fuzz: the lab's checks only (--checks lab): the applier's checks, one(), the liveness phase's leader check; no monitor");
  let lastPlain = wallNow();
  let shown: FuzzProgress | undefined;
  const onProgress = (p: FuzzProgress): void => {
    shown = p;
    if (tty) return;
    if (wallNow() - lastPlain >= 10_000) {
      lastPlain = wallNow();
      console.log(progressLine(p));
    }
  };
  // The live line's library, loaded only for a terminal: a CI log or a pipe never needs it.
  const live = tty ? await import('log-update').then((m) => m.default) : undefined;
  const ticker = live !== undefined ? wallEvery(200, () => shown !== undefined && live(progressLine(shown))) : undefined;
  let report: FuzzReport;
  // --report: histograms of the searched scenarios (fixed size, see Histogram).
  const figures = options.report !== undefined ? new Figures() : undefined;
  try {
    report = await runFuzz({
      ...(options.runs !== undefined && { runs: options.runs }),
      ...(options.timeSeconds !== undefined && { timeSeconds: options.timeSeconds }),
      seed,
      ...(options.path !== undefined && { path: options.path }),
      raft,
      ...(options.scenarioTimeoutSeconds !== undefined && { scenarioTimeoutSeconds: options.scenarioTimeoutSeconds }),
      ...(options.servers !== undefined && { servers: options.servers }),
      ...(options.faults !== undefined && { faults: options.faults }),
      ...(options.snapshot && { snapshot: true }),
      checks: options.checks,
      workers: options.workers,
      streams: options.streams,
      traces: true,
      ...(figures !== undefined && { onSearched: (result) => figures.add(result.stats) }),
      onProgress,
      signal: abort.signal,
    });
  } finally {
    ticker?.stop();
    live?.clear();
  }

  const seconds = report.wallMs / 1000;
  const why = report.timedOut ? ` (the ${options.timeSeconds} s budget ran out)` : report.interrupted ? ' (interrupted)' : '';
  const pages: ReportFailure[] = [];
  // This campaign's folder inside --out, as the stress loop's (time and seed in its name), made with its first trace.
  let folder: string | undefined;
  const dir = (): string => (folder ??= campaignFolder({ out: options.out, seed, shard: { index: 1, count: 1 } }));
  report.findings.forEach((f, i) => {
    const trace = writeTrace(options, dir, f, i);
    pages.push({
      label: `finding ${i + 1}: ${plural(f.scenario.n, 'server')}, ${plural(f.faults, 'fault')}, ${plural(f.occurrences, 'scenario')} failed it`,
      check: f.check,
      message: f.message,
      page: trace?.page === undefined ? undefined : resolve(trace.page),
    });
    printFailure(f, trace, replay, i, report.findings.length);
    if (options.save !== undefined) {
      const name = i === 0 ? options.save : `${options.save}-${f.check.toLowerCase()}`;
      const path = saveRegressionCase(
        {
          name,
          description: `Found by the fuzzer on ${raft.label}: ${firstLine(f.message).replace(/^(?!\[)/, `[${f.check}] `)}`,
          found: { check: f.check, message: f.message, raft: raft.path ?? BUILT_IN_NAME, seed: f.seed, path: f.path, date: wallDate() },
          scenario: f.scenario,
        },
        saveDir(),
      );
      console.log(`saved:   ${shortPath(path)} (replayed by npm test; it must pass on the Raft under test)`);
      if (raft.path !== undefined && !/^test\//.test(raft.path)) {
        console.log(`         npm test does not re-run it on ${raft.path}: only the harness's own broken Rafts (test/...) must keep failing their cases`);
      }
    }
  });
  const rates = `${rate(report.runs, seconds)} scenarios/s (${rate(report.runs, seconds * report.workers)} per core)`;
  if (report.findings.length === 0) {
    if (replay) console.log(`PASS: the scenario at path ${options.path} of seed ${seed} passed`);
    // Only a campaign that ran something, to its end, passes.
    const verdict = report.interrupted ? 'INTERRUPTED' : report.searched === 0 ? 'NOTHING RAN' : 'PASS';
    console.log(`${verdict}: ${report.runs} scenario${report.runs === 1 ? '' : 's'} in ${seconds.toFixed(1)} s${why}, no failure | ${rates} | seed ${seed}`);
    if (options.save !== undefined) console.log(`fuzz: nothing saved to ${shortPath(regressionPath(options.save, saveDir()))}: no failure was found`);
  } else {
    const checks = report.findings.map((f) => `[${f.check}] x${f.occurrences}`).join(', ');
    const labFails = report.findings.filter((f) => f.lab === 'fails').length;
    const only = report.findings.filter((f) => f.lab === 'passes').length;
    if (options.checks === 'all')
      console.log(
        `the lab's checks: they fail ${labFails} of ${report.findings.length} findings too; only our monitors: ${only}${labFails + only < report.findings.length ? `; unknown: ${report.findings.length - labFails - only}` : ''}`,
      );
    console.log(
      `FAIL: ${report.findings.length} distinct failure${report.findings.length === 1 ? '' : 's'} (${checks}) in ${report.searched} scenario${report.searched === 1 ? '' : 's'}` +
        ` (+${report.runs - report.searched} while shrinking), ${seconds.toFixed(1)} s${why} | ${rates} | seed ${seed}`,
    );
  }
  if (options.json !== undefined) {
    const text = `${JSON.stringify({ ...report, findings: report.findings.map(({ trace: _trace, ...rest }) => rest), failure: undefined }, null, 2)}\n`;
    try {
      writeFileSync(options.json, text);
      console.log(`report written to ${options.json}`);
    } catch (error) {
      console.log(`fuzz: cannot write the report to ${options.json} (${describeError(error)}); here it is:`);
      console.log(text);
    }
  }
  if (options.junit !== undefined) writeJUnit(options.junit, fuzzJUnit(report, raft.path ?? BUILT_IN_NAME, checkName), 'fuzz');
  if (options.report !== undefined) {
    const verdict = report.findings.length > 0 ? `FAIL: ${plural(report.findings.length, 'distinct failure')}` : report.interrupted ? 'INTERRUPTED' : 'PASS';
    try {
      writeCampaignReport(
        {
          title: `fuzz campaign on ${raft.label}`,
          lines: [
            `${verdict} in ${report.searched} scenarios searched (+${report.runs - report.searched} while shrinking), ${seconds.toFixed(1)} s${why}`,
            `seed ${seed}${report.space.snapshot === true ? ' | lab 2D' : ''} | cluster sizes ${report.space.servers.join(', ')} | faults ${report.space.kinds.join(', ') || 'none'} | checks ${options.checks}`,
          ],
          sections: [
            {
              name: 'scenarios searched',
              total: report.searched,
              failed: report.findings.reduce((n, f) => n + f.occurrences, 0),
              checks: Object.fromEntries(report.findings.map((f) => [f.check, f.occurrences])),
              failures: pages,
              figures,
              unit: 'scenario',
              clockLabel: 'Virtual time',
            },
          ],
        },
        options.report,
      );
      console.log(`report written to ${options.report}`);
    } catch (error) {
      console.log(`fuzz: cannot write the report to ${options.report}: ${describeError(error)}`);
    }
  }
  // Only a campaign that ran something, to its end, without a failure, passes (a signal's exit code is runCli's to give).
  return report.findings.length > 0 || report.interrupted || report.searched === 0 ? 1 : 0;
}

function describePlan(o: FuzzCliOptions): string {
  const runs = o.runs ?? (o.timeSeconds === undefined ? DEFAULT_RUNS : undefined);
  const parts = [runs !== undefined ? `${runs} scenarios` : 'scenarios', o.timeSeconds !== undefined ? `for at most ${o.timeSeconds} s` : ''];
  return parts.filter((p) => p !== '').join(' ');
}

function progressLine(p: FuzzProgress): string {
  const s = p.elapsedMs / 1000;
  const shrinking = p.found ? ` | ${p.checks} distinct failure${p.checks === 1 ? '' : 's'} so far (${p.shrinkRuns} shrinking runs)` : '';
  return `fuzz: ${p.runs} scenarios in ${s.toFixed(0)} s (${rate(p.runs, s)}/s)${shrinking}`;
}

function rate(count: number, seconds: number): string {
  return seconds > 0 ? (count / seconds).toFixed(1) : '-';
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function checkName(check: CheckId): string {
  return CHECKS[check].name;
}

function printFailure(f: FuzzFailure, trace: { log: string; page: string | undefined } | undefined, replay: boolean, i: number, of: number): void {
  const name = checkName(f.check);
  const found = replay
    ? 'replayed'
    : `first seen ${f.foundBy === 'search' ? `at scenario ${f.runsUntilFound}` : `while ${f.foundBy}`}, ${f.occurrences > 1 ? `${f.occurrences} scenarios failed it, ` : ''}` +
      `shrunk in ${f.shrinks} step${f.shrinks === 1 ? '' : 's'} (${f.shrinkRuns} more scenarios)${f.shrinkCut ? ', cut short by the budget' : ''}`;
  const where = f.phase !== undefined ? `, in the ${f.phase} phase` : '';
  console.log(`${of > 1 ? `[${i + 1}/${of}] ` : ''}FAIL: [${f.check}] ${name}${where} (${found})`);
  console.log(`why:     ${f.message.split('\n').join('\n         ')}`);
  console.log(`counterexample (${plural(f.scenario.n, 'server')}, ${plural(f.faults, 'fault')}) at path ${f.path}:`);
  // The simulation's own seed is part of the scenario, which the path gives: the one seed a user needs is the campaign's.
  for (const line of f.scenarioText.split('\n')) console.log(`  ${line.replace(/, simulation seed \d+$/, '')}`);
  if (f.lab === 'passes') console.log("lab:     only our monitors fail it: the lab's checks alone pass this scenario");
  else if (f.lab === 'fails' && f.check !== 'LAB') console.log(`lab:     the lab's checks fail it too${f.labMessage !== undefined ? `: ${f.labMessage}` : ''}`);
  console.log(`replay:  ${f.replay}`);
  console.log(`trace:   ${trace?.log ?? '(none: the scenario did not finish, or the trace could not be written)'}`);
  if (trace?.page !== undefined) console.log(`page:    ${trace.page}`);
}

/** Writes a finding's trace (recorded on the pool): '#' header lines, then one JSON event per line. */
function writeTrace(options: FuzzCliOptions, dir: () => string, f: FuzzFailure, i: number): { log: string; page: string | undefined } | undefined {
  if (f.trace === undefined) return undefined;
  const header = [
    'fuzz counterexample',
    `result: FAILED [${f.check}]`,
    'message:',
    ...f.message.split('\n').map((l) => `  ${l}`),
    ...(f.tracedDiffers !== undefined ? [`note: the traced re-run ended differently: ${f.tracedDiffers}`] : []),
    `raft: ${options.raftModule ?? BUILT_IN_NAME}`,
    `seed: ${f.seed}`,
    `path: ${f.path}`,
    `replay: ${f.replay}`,
    'scenario:',
    ...f.scenarioText.split('\n').map((l) => `  ${l}`),
    `scenario json: ${JSON.stringify(f.scenario)}`,
    'trace: one JSON event per line below',
  ];
  let file: string;
  try {
    file = join(dir(), `fuzz_${f.seed}_${i + 1}_${f.check}.log`);
  } catch (error) {
    console.error(`fuzz: cannot make the campaign's folder of traces: ${describeError(error)}`);
    return undefined;
  }
  const text = `${header.map((l) => `# ${l}`).join('\n')}\n${f.trace}`;
  try {
    writeFileSync(file, text);
  } catch (error) {
    console.error(`fuzz: cannot write the trace to ${file}: ${describeError(error)}`);
    return undefined;
  }
  writeStructuredTrace(text, structuredPath(file));
  // The timeline page beside the log; the log is what matters if it cannot be drawn.
  const page = pagePath(file);
  try {
    writeTraceHtml(text, page, `fuzz counterexample, seed ${f.seed}, path ${f.path}: FAILED [${f.check}]`);
  } catch (error) {
    console.error(`fuzz: cannot draw the trace page ${page}: ${describeError(error)}`);
    return { log: shortPath(file), page: undefined };
  }
  return { log: shortPath(file), page: shortPath(page) };
}

function shortPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

runCli(main, { name: 'fuzz', badInput: [FuzzPathError] });
