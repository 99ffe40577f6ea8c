// npm run bench [-- --seconds S] [--only network|tests|2B|2C|2D|fuzz]: the simulator's speed, on one core.
// 1. The network alone: RPC round trips and clock events per second with
//    await-style callers, for one simulation and for many sharing the pump.
// 2. Each 2A test: iterations per second, virtual seconds per wall second,
//    events per second, peak memory; with and without tracing. The traced
//    row records every event (TraceRecorder) and converts the trace to its
//    structured form afterwards, as reading or writing it does; its cost is
//    given against the untraced row of the same test.
// 3. Each 2B, 2C and 2D test likewise, plus the cost of a set of each: the
//    CPU time of 1,000 seeds of each per core (the goals: 5 min for 2B, 15
//    min for 2C, on 2 cores; none set for 2D).
// 4. The fuzzer: scenarios per second per core (npm run fuzz's scenarios,
//    every monitor fatal), and their virtual seconds.
import { parseArgs } from 'node:util';
import { Network } from '../labrpc/network.ts';
import { Server, Service } from '../labrpc/service.ts';
import { World } from '../runtime/runtime.ts';
import { runVirtual } from '../runtime/settle-pump.ts';
import type { RunStats } from '../tester/config.ts';
import type { LabTestEntry } from '../tester/lab-test.ts';
import { registeredTest, testsOf } from '../tester/tests.ts';
import { availableParallelism } from 'node:os';
import { structuredText } from '../tester/trace/input.ts';
import { TraceRecorder } from '../tester/trace/recorder.ts';
import { runFuzz } from '../tester/fuzz/fuzz.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, only: { type: 'string' } } });
const SECONDS = Number(values.seconds ?? 5);
const CONCURRENCY = 8;

interface Row {
  what: string;
  figures: Record<string, string>;
}
const rows: Row[] = [];

function report(what: string, figures: Record<string, string>): void {
  rows.push({ what, figures });
  console.log(
    `${what.padEnd(44)} ${Object.entries(figures)
      .map(([k, v]) => `${k} ${v}`)
      .join(' | ')}`,
  );
}

// ---- 1. the network and the clock alone ----

/** One simulation: `callers` loops of (sleep 1..10 ms, await an RPC) on a reliable 3-server network. */
async function networkSimulation(seed: number, virtualMs: number, callers: number): Promise<{ events: number; rpcs: number }> {
  const world = new World('virtual', seed);
  const clock = world.virtualClock;
  const net = new Network(clock, world.random('network'));
  for (let s = 0; s < 3; s++) {
    const server = new Server();
    server.addService(new Service('Echo', { Ping: (args: { n: number }) => ({ n: args.n + 1 }) }));
    net.addServer(s, server);
  }
  let rpcs = 0;
  const random = world.random('callers');
  const loops = Array.from({ length: callers }, (_, c) => {
    const end = net.makeEnd(`c${c}`, 100 + c);
    net.connect(`c${c}`, c % 3);
    net.enable(`c${c}`, true);
    return (async () => {
      for (;;) {
        await clock.sleep(1 + random.intn(10));
        const reply = await end.call<{ n: number }>('Echo.Ping', { n: rpcs });
        if (reply !== null) rpcs++;
      }
    })();
  });
  void loops;
  const run = runVirtual(clock, () => new Promise<void>(() => {}), { deadline: virtualMs });
  await run.outcome;
  clock.cancelAll();
  return { events: clock.eventsRun, rpcs };
}

async function benchNetwork(simulations: number): Promise<void> {
  const virtualMs = 20_000;
  const started = performance.now();
  let events = 0;
  let rpcs = 0;
  let seed = 0;
  while (performance.now() - started < SECONDS * 1000) {
    const batch = await Promise.all(Array.from({ length: simulations }, () => networkSimulation(seed++, virtualMs, 4)));
    for (const r of batch) {
      events += r.events;
      rpcs += r.rpcs;
    }
  }
  const wall = (performance.now() - started) / 1000;
  report(`network, ${simulations} simulation(s) at once`, {
    'events/s': fmt(events / wall),
    'RPC round trips/s': fmt(rpcs / wall),
  });
}

// ---- 2. the lab's tests ----

/** Untraced iterations per second, by test, to give the cost of tracing. */
const untracedRate = new Map<string, number>();

async function benchTest(test: LabTestEntry, traced: boolean): Promise<number> {
  const started = performance.now();
  let iterations = 0;
  let failed = 0;
  let rpcs = 0;
  let traceEvents = 0;
  let convertMs = 0;
  let virtualMs = 0;
  let events = 0;
  let peakRss = 0;
  let seed = 1;
  const rss0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const runOne = async (): Promise<void> => {
    while (performance.now() - started < SECONDS * 1000) {
      const stats = {} as RunStats;
      const recorder = traced ? new TraceRecorder() : undefined;
      try {
        await test.run({ seed: seed++, stats, print: () => {}, ...(recorder && { record: recorder.record }) });
      } catch {
        failed++; // Timed all the same: a failing run costs what it costs.
      }
      if (recorder !== undefined) {
        // A trace is only worth its cost when read or written: convert it too.
        const converting = performance.now();
        structuredText(recorder.text());
        convertMs += performance.now() - converting;
        traceEvents += recorder.lines.length;
      }
      iterations++;
      virtualMs += stats.elapsedMs;
      events += stats.events;
      rpcs += stats.rpcs;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, runOne));
  clearInterval(sample);
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // CPU time, unlike wall time, does not count what other processes took from this one.
  const cpuMsPerIteration = (cpu.user + cpu.system) / 1000 / Math.max(1, iterations);
  const rate = iterations / wall;
  if (!traced) untracedRate.set(test.name, rate);
  const base = untracedRate.get(test.name);
  report(`${test.name}${traced ? ' (traced)' : ''}`, {
    'iterations/s': rate.toFixed(1),
    'virtual s per wall s': fmt(virtualMs / 1000 / wall),
    'events/s': fmt(events / wall),
    'events/iteration': fmt(events / Math.max(1, iterations)),
    'CPU ms/iteration': cpuMsPerIteration.toFixed(2),
    'RPCs/iteration': fmt(rpcs / Math.max(1, iterations)),
    ...(failed > 0 && { failed: `${failed} of ${iterations}` }),
    'peak RSS': `${Math.round(peakRss / 2 ** 20)} MiB (start ${Math.round(rss0 / 2 ** 20)} MiB)`,
    ...(traced && {
      'trace events/iteration': fmt(traceEvents / Math.max(1, iterations)),
      'conversion ms/iteration': (convertMs / Math.max(1, iterations)).toFixed(2),
      'cost of tracing': base !== undefined ? tracingCost(base, rate, convertMs / 1000 / wall) : 'no untraced figure to compare',
    }),
  });
  return cpuMsPerIteration;
}

/**
 * Extra wall time per iteration over the untraced rate, split into recording
 * (during the run) and conversion (after it); `convertShare` is the share of
 * the wall time spent converting.
 */
function tracingCost(untracedRate: number, tracedRate: number, convertShare: number): string {
  const total = untracedRate / tracedRate - 1;
  const recording = (untracedRate * (1 - convertShare)) / tracedRate - 1;
  const pct = (x: number): string => `${x >= 0 ? '+' : ''}${Math.round(x * 100)}%`;
  return `${pct(total)} wall per iteration (recording ${pct(recording)}, conversion ${pct(total - recording)})`;
}

function fmt(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(0)}k` : x.toFixed(0);
}

// ---- 3. the fuzzer ----

/** Fuzz scenarios (every monitor fatal) per second on this one core, fast-check's streams sharing the pump. */
async function benchFuzz(): Promise<void> {
  let virtualMs = 0;
  // In this thread (workers 0), 8 scenarios at once sharing the pump, as one pool worker runs them.
  const fuzz = await runFuzz({ seed: 1, timeSeconds: SECONDS, workers: 0, onScenario: (_, result) => (virtualMs += result.stats.elapsedMs) });
  if (fuzz.failure !== undefined) console.log(`bench: the fuzzer found a failure: ${fuzz.failure.message}`);
  const wall = fuzz.wallMs / 1000;
  report('fuzz scenarios (8 at once)', {
    'scenarios per second per core': (fuzz.runs / wall).toFixed(1),
    'virtual s per scenario': (virtualMs / 1000 / Math.max(1, fuzz.runs)).toFixed(1),
    'virtual s per wall s': fmt(virtualMs / 1000 / wall),
  });
}

console.log(`bench: ${SECONDS} s per figure, one core (this process), ${CONCURRENCY} simulations at once where shared`);
const only = values.only;
if (only === undefined || only === 'network') {
  await benchNetwork(1);
  await benchNetwork(CONCURRENCY);
}
if (only === undefined || only === 'tests') {
  for (const test of testsOf('2A')) await benchTest(test, false);
  await benchTest(registeredTest('TestManyElections2A'), true);
}
/**
 * The stress loop runs sets of tests on every core at once; the estimate is
 * CPU time per core, so that a loaded machine does not inflate it.
 */
async function benchSet(what: string, tests: readonly LabTestEntry[], goalSeconds?: number): Promise<void> {
  let setMs = 0;
  for (const test of tests) setMs += await benchTest(test, false);
  const cores = availableParallelism();
  report(`${what}, one set`, {
    'CPU ms': setMs.toFixed(1),
    [`1000 seeds each on ${cores} cores`]: `${Math.round((setMs * 1000) / cores / 1000)} s of CPU per core${goalSeconds === undefined ? '' : ` (goal: ${goalSeconds} s on 2 cores)`}`,
  });
}
if (only === undefined || only === 'tests' || only === '2B') await benchSet('the ten 2B tests', testsOf('2B'), 300);
if (only === undefined || only === 'tests' || only === '2C') await benchSet('the eight 2C tests', testsOf('2C'), 900);
if (only === undefined || only === 'tests' || only === '2D') await benchSet('the seven 2D tests', testsOf('2D'));
if (only === undefined || only === 'fuzz') await benchFuzz();
