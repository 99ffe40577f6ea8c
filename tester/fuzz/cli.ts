// npm run fuzz -- [options]: property-based fuzzing of fault schedules.
// Exit codes: 0 no failure, 1 a failure was found, 2 bad input, 3 internal error.
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import logUpdate from 'log-update';
import { enterUserFolder, invocation, plural, usageText } from '../cli-args.ts';
import { describeError } from '../failure.ts';
import { CHECKS } from '../monitors/index.ts';
import { RaftModuleError, loadRaftModule } from '../raft-module.ts';
import { pagePath, structuredPath, writeStructuredTrace } from '../stress/artifacts.ts';
import { writeTraceHtml } from '../trace/html.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { DEFAULT_RUNS, campaignSpace, runFuzz, type FuzzFailure, type FuzzProgress, type FuzzReport } from './fuzz.ts';
import { FAULT_KINDS, MAX_SERVERS } from './scenario.ts';
import { FUZZ_USAGE, FuzzUsageError, parseFuzzArgs, type FuzzCliOptions } from './options.ts';
import { regressionPath, saveDir, saveRegressionCase } from './regressions.ts';
import { runScenario } from './run-scenario.ts';
import { wallDate, wallEvery, wallNow } from '../../runtime/wall.ts';

async function main(): Promise<number> {
  enterUserFolder();
  let options: FuzzCliOptions;
  let persists = true; // The built-in Raft persists.
  try {
    const parsed = parseFuzzArgs(process.argv.slice(2));
    if (parsed === 'help') {
      console.log(usageText(FUZZ_USAGE));
      return 0;
    }
    options = parsed;
    if (options.raftModule !== undefined) {
      const module = await loadRaftModule(options.raftModule);
      // Faked globals belong to a whole thread: such a Raft runs one scenario at a time in each.
      if (module.timers === 'global') options.streams = 1;
      persists = module.persists === true;
    }
  } catch (error) {
    if (error instanceof FuzzUsageError || error instanceof RaftModuleError) {
      console.error(`fuzz: ${error.message}${error instanceof FuzzUsageError ? ` (${invocation('fuzz')} --help for usage)` : ''}`);
      return 2;
    }
    throw error;
  }

  const tty = process.stdout.isTTY === true;
  const replay = options.path !== undefined;
  const abort = new AbortController();
  process.on('SIGINT', () => {
    if (abort.signal.aborted) process.exit(130);
    console.log('\nfuzz: interrupted: finishing the scenarios in progress (Ctrl-C again to leave now)');
    abort.abort();
  });
  const plan = replay
    ? `replaying seed ${options.seed}, path ${options.path}`
    : `fuzzing ${describePlan(options)} on ${options.raftModule ?? 'the built-in Raft'}, ${plural(options.workers, 'worker')} x ${plural(options.streams, 'stream')}`;
  console.log(`fuzz: ${plan}`);
  const { space, note } = campaignSpace(options, persists, options.raftModule ?? 'the built-in Raft');
  console.log(
    `fuzz: cluster sizes ${space.servers?.join(', ') ?? `1 to ${MAX_SERVERS}`}; fault kinds ${space.kinds === undefined ? FAULT_KINDS.join(', ') : space.kinds.length === 0 ? 'none' : space.kinds.join(', ')}`,
  );
  if (note !== undefined) console.log(`fuzz: ${note}`);
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
  const ticker = tty ? wallEvery(200, () => shown !== undefined && logUpdate(progressLine(shown))) : undefined;
  let report: FuzzReport;
  try {
    report = await runFuzz({
      ...(options.runs !== undefined && { runs: options.runs }),
      ...(options.timeSeconds !== undefined && { timeSeconds: options.timeSeconds }),
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.path !== undefined && { path: options.path }),
      ...(options.raftModule !== undefined && { raftModule: options.raftModule }),
      ...(options.servers !== undefined && { servers: options.servers }),
      ...(options.faults !== undefined && { faults: options.faults }),
      workers: options.workers,
      streams: options.streams,
      onProgress,
      signal: abort.signal,
    });
  } finally {
    ticker?.stop();
    if (tty) logUpdate.clear();
  }

  const seconds = report.wallMs / 1000;
  const failure = report.failure;
  if (failure === undefined) {
    const why = report.timedOut ? ` (the ${options.timeSeconds} s budget ran out)` : report.interrupted ? ' (interrupted)' : '';
    if (replay) console.log(`PASS: the scenario at seed ${options.seed}, path ${options.path} passed`);
    console.log(
      `PASS: ${report.runs} scenario${report.runs === 1 ? '' : 's'} in ${seconds.toFixed(1)} s${why}, no failure | ` +
        `${rate(report.runs, seconds)} scenarios/s (${rate(report.runs, seconds * report.workers)} per core) | seed ${report.seed}`,
    );
  } else {
    const trace = await writeTrace(options, failure);
    printFailure(report, failure, trace, replay);
    if (options.save !== undefined) {
      const path = saveRegressionCase({
        name: options.save,
        description: `Found by the fuzzer on ${options.raftModule ?? 'the built-in Raft'}: ${firstLine(failure.message).replace(/^(?!\[)/, `[${failure.check}] `)}`,
        found: {
          check: failure.check,
          message: failure.message,
          raft: options.raftModule ?? 'built-in',
          seed: failure.seed,
          path: failure.path,
          date: wallDate(),
        },
        scenario: failure.scenario,
      }, saveDir());
      console.log(`saved:   ${shortPath(path)} (replayed by npm test; it must pass on the Raft under test)`);
      if (options.raftModule !== undefined && !/^test\//.test(options.raftModule)) {
        console.log(`         npm test does not re-run it on ${options.raftModule}: only the harness's own broken Rafts (test/...) must keep failing their cases`);
      }
    }
  }
  if (options.save !== undefined && failure === undefined) {
    console.log(`fuzz: nothing saved to ${shortPath(regressionPath(options.save, saveDir()))}: no failure was found`);
  }
  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`report written to ${options.json}`);
  }
  return failure === undefined ? 0 : 1;
}

function describePlan(o: FuzzCliOptions): string {
  const runs = o.runs ?? (o.timeSeconds === undefined ? DEFAULT_RUNS : undefined);
  const parts = [runs !== undefined ? `${runs} scenarios` : 'scenarios', o.timeSeconds !== undefined ? `for at most ${o.timeSeconds} s` : ''];
  return `${parts.filter((p) => p !== '').join(' ')}${o.seed !== undefined ? ` (seed ${o.seed})` : ''}`;
}

function progressLine(p: FuzzProgress): string {
  const s = p.elapsedMs / 1000;
  const shrinking = p.found ? ` | failure found: shrinking (${p.shrinkRuns} runs)` : '';
  return `fuzz: ${p.runs} scenarios in ${s.toFixed(0)} s (${rate(p.runs, s)}/s)${shrinking}`;
}

function rate(count: number, seconds: number): string {
  return seconds > 0 ? (count / seconds).toFixed(1) : '-';
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function printFailure(report: FuzzReport, f: FuzzFailure, trace: { log: string; page: string | undefined } | undefined, replay: boolean): void {
  const name = (CHECKS as Record<string, string>)[f.check] ?? (f.check === 'LAB' ? "the lab's check" : f.check);
  const found = replay
    ? 'replayed'
    : `found after ${f.runsUntilFound} scenario${f.runsUntilFound === 1 ? '' : 's'} in ${(f.msUntilFound / 1000).toFixed(1)} s, ` +
      `shrunk in ${f.shrinks} step${f.shrinks === 1 ? '' : 's'} (${f.shrinkRuns} more scenarios)`;
  console.log(`FAIL: [${f.check}] ${name}, in the ${f.phase ?? '?'} phase (${found})`);
  console.log(`why:     ${f.message.split('\n').join('\n         ')}`);
  console.log(`counterexample (${plural(f.scenario.n, 'server')}, ${plural(f.faults, 'fault')}):`);
  for (const line of f.scenarioText.split('\n')) console.log(`  ${line}`);
  console.log(`fast-check: seed ${f.seed}, path ${f.path}`);
  console.log(`replay:  ${f.replay}`);
  console.log(`trace:   ${trace?.log ?? '(could not be written)'}`);
  if (trace?.page !== undefined) console.log(`page:    ${trace.page}`);
  console.log(`${report.runs} scenarios in ${(report.wallMs / 1000).toFixed(1)} s | campaign seed ${report.seed}`);
}

/** Runs the counterexample again with a recorder and writes its trace: '#' header lines, then one JSON event per line. */
async function writeTrace(options: FuzzCliOptions, f: FuzzFailure): Promise<{ log: string; page: string | undefined } | undefined> {
  const recorder = new TraceRecorder();
  const module = options.raftModule !== undefined ? await loadRaftModule(options.raftModule) : undefined;
  const again = await runScenario(f.scenario, {
    record: recorder.record,
    ...(module !== undefined && { raft: module.make, globalTimers: module.timers === 'global' }),
  });
  const header = [
    'fuzz counterexample',
    `result: FAILED [${f.check}]`,
    'message:',
    ...f.message.split('\n').map((l) => `  ${l}`),
    ...(again.ok || again.message !== f.message ? [`note: the traced re-run ended differently: ${again.ok ? 'it passed' : (again.message ?? '')}`] : []),
    `raft: ${options.raftModule ?? 'built-in'}`,
    `fast-check seed: ${f.seed}`,
    `fast-check path: ${f.path}`,
    `replay: ${f.replay}`,
    'scenario:',
    ...f.scenarioText.split('\n').map((l) => `  ${l}`),
    `scenario json: ${JSON.stringify(f.scenario)}`,
    'trace: one JSON event per line below',
  ];
  const file = join(options.out, `fuzz_${f.seed}_${f.check}.log`);
  const text = `${header.map((l) => `# ${l}`).join('\n')}\n${recorder.text()}`;
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
    writeTraceHtml(text, page, `fuzz counterexample, seed ${f.seed}: FAILED [${f.check}]`);
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

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof RaftModuleError) {
      console.error(`fuzz: ${error.message}`);
      process.exit(2);
    }
    console.error(`fuzz: internal error: ${(error as Error).stack ?? String(error)}`);
    process.exit(3);
  },
);
