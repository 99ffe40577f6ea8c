// npm run replay -- --test NAME --seed S [--raft MODULE] [--verify] [--trace FILE] [--quiet]
// Runs one iteration again in virtual time, printing every event; --verify
// runs it twice and compares a hash of both event sequences.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { MakeRaft } from '../../raft/contract.ts';
import { make as referenceMake } from '../../raft/raft.ts';
import { checkRaftPath, enterUserFolder, invocation, parseCommandLine, seedArg, usageHint, usageText, writableFile } from '../cli-args.ts';
import type { TesterEvent } from '../events.ts';
import { RaftModuleError, loadRaftModule, refuseLacking } from '../raft-module.ts';
import { ALL_TESTS, testNamed } from '../tests.ts';
import { installCrashGuard } from '../crash-guard.ts';
import { formatEvent } from '../trace/format.ts';
import { structuredText } from '../trace/input.ts';
import { runIteration, type IterationResult } from './iteration.ts';
import { checksArg, type Checks } from '../checks.ts';
import { drainRealIo } from '../../runtime/settle-pump.ts';

const USAGE = `usage: npm run replay -- --test NAME --seed S [--raft MODULE] [--checks all|lab] [--verify] [--trace FILE] [--events FILE] [--quiet]

--checks C  all (default): every monitor and the lab's own checks judge; lab: the
            lab's checks only, as the Go tester would (a failure printed with
            --checks lab in its replay command replays only with it)`;

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
  let raft: MakeRaft = referenceMake;
  let globalTimers = false;
  try {
    seed = seedArg(values.seed);
    checks = checksArg(values.checks);
    if (values.raft !== undefined) {
      checkRaftPath(values.raft, '--raft');
      const loaded = await loadRaftModule(values.raft);
      refuseLacking([test], loaded, values.raft);
      raft = loaded.make;
      globalTimers = loaded.timers === 'global';
    }
  } catch (error) {
    return usage((error as Error).message);
  }
  const options = { raft, globalTimers, checks, ...(values.raft !== undefined && { raftModule: values.raft }) };

  // A crash of the implementation fails the run, as in the stress loop (one run live: it is that run's).
  installCrashGuard((message) => console.error(`replay: ${message}`));
  // The harness's own loading (a cold tsx cache being written) ends before the run.
  await drainRealIo();
  const events: TesterEvent[] = [];
  const lines: string[] = [];
  const first = await runIteration(test, seed, {
    ...options,
    record: (e) => {
      lines.push(JSON.stringify(e));
      if (values.quiet !== true) console.log(formatEvent(e));
      events.push(e);
    },
  });
  for (const line of first.output) console.log(line);
  const raw = `${lines.join('\n')}\n`;
  if (values.trace !== undefined) writeOutput(values.trace, () => structuredText(raw, values.trace as string), 'structured trace');
  if (values.events !== undefined) writeOutput(values.events, () => raw, 'raw events');
  printResult(first);

  if (values.verify === true) {
    const firstHash = hashOf(lines);
    const again: string[] = [];
    const second = await runIteration(test, seed, { ...options, record: (e) => again.push(JSON.stringify(e)) });
    const secondHash = hashOf(again);
    const same = firstHash === secondHash && first.message === second.message;
    console.log(`verify: run 1 ${firstHash.slice(0, 16)} (${lines.length} events), run 2 ${secondHash.slice(0, 16)} (${again.length} events): ${same ? 'identical' : 'DIFFERENT'}`);
    if (!same) {
      const at = lines.findIndex((line, i) => line !== again[i]);
      if (at >= 0) console.log(`first difference at event ${at}:\n  run 1: ${lines[at]}\n  run 2: ${again[at] ?? '(none)'}`);
      return 1;
    }
    return 0;
  }
  return first.ok ? 0 : 1;
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
