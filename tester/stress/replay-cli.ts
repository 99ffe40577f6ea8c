// npm run replay -- --test NAME --seed S [options] (--help lists them)
// Runs one iteration again in virtual time, on a worker thread under the
// stress loop's watchdog, printing every event; --verify
// runs it twice and compares a hash of both event sequences.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkRaftPath, enterUserFolder, invocation, parseCommandLine, positiveSeconds, seedArg, usageHint, usageText, writableFile } from '../cli-args.ts';
import type { TesterEvent } from '../events.ts';
import { RaftModuleError, loadRaftModule, refuseLacking } from '../raft-module.ts';
import { ALL_TESTS, testNamed } from '../tests.ts';
import { formatEvent } from '../trace/format.ts';
import { structuredText } from '../trace/input.ts';
import type { IterationResult } from './iteration.ts';
import { WorkerPool } from './pool.ts';
import type { IterationJob, JobDone } from './protocol.ts';
import { whereItStopped } from './campaign.ts';
import { replayCommand } from '../config.ts';

/** The stress loop's default budget in virtual time (tester/stress/options.ts). */
const DEFAULT_TIMEOUT_S = 60;
import { checksArg, type Checks } from '../checks.ts';

const USAGE = `usage: npm run replay -- --test NAME --seed S [options]

--test NAME   the test to run again, as the failure names it (required)
--seed S      the iteration's seed, as the failure prints it (required)
--raft MODULE the Raft implementation (default: the built-in one)
--checks C    all (default): every monitor and the lab's own checks judge; lab: the
              lab's checks only, as the Go tester would (a failure printed with
              --checks lab in its replay command replays only with it)
--timeout S   the stress loop's watchdog (default 60): the run is stopped, and
              fails [WATCHDOG], once its thread spends S seconds of CPU time
              without virtual time moving on
--verify      run it twice and compare a SHA-256 of the two event sequences;
              exit 0 only when they are identical (the determinism self-check)
--trace FILE  also write the structured trace (JSON Lines), which trace reads
--events FILE also write the raw events, which trace reads too
-q, --quiet   print only the test's output and the verdict, not every event
-h, --help    this text`;

async function main(): Promise<number> {
  enterUserFolder();
  let parsed;
  try {
    parsed = parseCommandLine(
      process.argv.slice(2),
      {
        test: { type: 'string' },
        seed: { type: 'string' },
        raft: { type: 'string' },
        verify: { type: 'boolean' },
        trace: { type: 'string' },
        events: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        checks: { type: 'string' },
        timeout: { type: 'string' },
      },
      false,
    );
  } catch (error) {
    return usage((error as Error).message, usageHint(error, 'replay'));
  }
  if (parsed === 'help') {
    console.log(usageText(USAGE));
    return 0;
  }
  const { values } = parsed;
  if (values.test === undefined || values.seed === undefined) return usage('--test and --seed are required', ` (${invocation('replay')} --help for usage)`);
  // Output paths are checked before the run, so that its result is never lost to a bad one.
  try {
    if (values.trace !== undefined) writableFile(resolve(values.trace), '--trace');
    if (values.events !== undefined) writableFile(resolve(values.events), '--events');
  } catch (error) {
    return usage((error as Error).message);
  }
  const test = testNamed(values.test);
  if (test === undefined) return usage(`unknown test '${values.test}' (known: ${ALL_TESTS.map((t) => t.name).join(', ')})`);
  let seed: number;
  let checks: Checks;
  let timeoutSeconds = DEFAULT_TIMEOUT_S;
  try {
    seed = seedArg(values.seed);
    checks = checksArg(values.checks);
    if (values.timeout !== undefined) timeoutSeconds = positiveSeconds(values.timeout, '--timeout');
    if (values.raft !== undefined) {
      checkRaftPath(values.raft, '--raft');
      const loaded = await loadRaftModule(values.raft);
      refuseLacking([test], loaded, values.raft);
    }
  } catch (error) {
    return usage((error as Error).message);
  }
  // The run is on a worker thread under the stress loop's watchdog: an
  // implementation that never returns is stopped after the same CPU budget,
  // with the same verdict, instead of hanging replay for good.
  const run = (stream: boolean, onLine: (line: string) => void): Promise<WatchedRun> =>
    runWatched({ test: test.name, seed, raftModule: values.raft, checks, timeoutMs: timeoutSeconds * 1000, stream, onLine });
  const quiet = values.quiet === true;
  const lines: string[] = [];
  // Events stream out as they happen when they are printed or written: a stopped run keeps those up to the stop.
  const stream = !quiet || values.trace !== undefined || values.events !== undefined;
  const first = await run(stream, (line) => {
    lines.push(line);
    if (!quiet) console.log(formatEvent(JSON.parse(line) as TesterEvent));
  });
  if (!stream && first.trace !== undefined) lines.push(...first.trace.split('\n').filter((l) => l !== ''));
  for (const line of first.result.output) console.log(line);
  const raw = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  if (values.trace !== undefined) writeOutput(values.trace, () => structuredText(raw, values.trace as string), 'structured trace');
  if (values.events !== undefined) writeOutput(values.events, () => raw, 'raw events');
  printResult(first.result);
  if (first.lost) {
    if (stream) console.log(whereItStopped(lines, true));
    return 1;
  }

  if (values.verify === true) {
    const firstHash = hashOf(lines);
    const second = await run(false, () => {});
    const again = (second.trace ?? '').split('\n').filter((l) => l !== '');
    const secondHash = hashOf(again);
    const same = firstHash === secondHash && first.result.message === second.result.message;
    console.log(
      `verify: run 1 ${firstHash.slice(0, 16)} (${lines.length} events), run 2 ${secondHash.slice(0, 16)} (${again.length} events): ${same ? 'identical' : 'DIFFERENT'}`,
    );
    if (!same) {
      const at = lines.findIndex((line, i) => line !== again[i]);
      if (at >= 0) console.log(`first difference at event ${at}:\n  run 1: ${lines[at]}\n  run 2: ${again[at] ?? '(none)'}`);
      return 1;
    }
    return 0;
  }
  return first.result.ok ? 0 : 1;
}

interface WatchedRun {
  result: IterationResult;
  /** The run's events (when not streamed). */
  trace: string | undefined;
  /** Stopped by the watchdog, or its thread died. */
  lost: boolean;
}

/** One iteration on a pool of one worker thread, with the pool's watchdog. */
async function runWatched(o: {
  test: string;
  seed: number;
  raftModule: string | undefined;
  checks: Checks;
  timeoutMs: number;
  stream: boolean;
  onLine: (line: string) => void;
}): Promise<WatchedRun> {
  let outcome: WatchedRun | undefined;
  let handed = false;
  const job: IterationJob = { key: 0, test: o.test, index: 0, seed: o.seed, trace: true, ...(o.stream && { stream: true }) };
  const pool = new WorkerPool({
    workers: 1,
    init: { clock: 'virtual', raftModule: o.raftModule, archive: false, concurrency: 1, checks: o.checks },
    timeoutMs: o.timeoutMs,
    nextJob: () => (handed ? undefined : ((handed = true), job)),
    onEvent: (_job, line) => o.onLine(line),
    onDone: (_job, done) => {
      const d = done as JobDone;
      outcome = { result: d.result, trace: d.trace, lost: false };
    },
    onLost: (_job, message, check, wallMs) => {
      const replay = replayCommand(o.test, o.seed, o.raftModule);
      outcome = {
        lost: true,
        trace: undefined,
        result: {
          test: o.test,
          seed: o.seed,
          ok: false,
          message: `[${check}] ${message}`,
          check,
          output: [],
          stats: { seed: o.seed, clock: 'virtual', elapsedMs: 0, rpcs: 0, bytes: 0, events: 0, wallMs, warnings: [] },
          wallMs,
          replay,
        },
      };
    },
  });
  await pool.run();
  if (outcome === undefined) throw new Error('the replay worker ended without a result');
  return outcome;
}

function printResult(result: IterationResult): void {
  if (result.ok) console.log(`PASS ${result.test} seed ${result.seed} (${(result.stats.elapsedMs / 1000).toFixed(2)} virtual s, ${result.stats.rpcs} RPCs)`);
  else console.log(`FAIL ${result.test} seed ${result.seed}: ${result.message}`);
}

/** Writes an output checked before the run; if it fails anyway, says so and goes on (the verdict is printed below). */
function writeOutput(file: string, text: () => string, what: string): void {
  try {
    writeFileSync(file, text());
    console.log(`${what} written to ${file}`);
  } catch (error) {
    console.log(`replay: cannot write the ${what} to ${file}: ${(error as Error).message}`);
  }
}

function hashOf(lines: readonly string[]): string {
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line).update('\n');
  return hash.digest('hex');
}

function usage(message: string, hint = ''): number {
  console.error(`replay: ${message}${hint}`);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof RaftModuleError) {
      console.error(`replay: ${error.message}`);
      process.exit(2);
    }
    console.error(`replay: internal error: ${(error as Error).stack ?? String(error)}`);
    process.exit(3);
  },
);
