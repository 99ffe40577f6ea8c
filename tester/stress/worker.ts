// A pool worker: runs the iterations (stress) or scenarios (fuzz) it is
// sent, several at once (they share the virtual clock's settle pump), and
// reports each one. A crash of the implementation is the failure of the one
// run live, or, with several live, reported so that they are run again alone;
// either way the thread is then replaced.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import pLimit from 'p-limit';
import type { MakeRaft } from '../../raft/contract.ts';
import { make as referenceMake } from '../../raft/raft.ts';
import { describeError } from '../failure.ts';
import { CRASH_CHECK, installCrashGuard } from '../crash-guard.ts';
import { loadRaftModule } from '../raft-module.ts';
import { drainRealIo, virtualSteps } from '../../runtime/settle-pump.ts';
import { currentThreadId } from '../../runtime/thread-cpu.ts';
import { shareCallSlot } from '../../runtime/in-call.ts';
import { LAB_2A_TESTS } from '../lab2a.ts';
import { testNamed } from '../tests.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { runIteration } from './iteration.ts';
import { wallAfter, wallEvery, wallNow, wallSleep } from '../../runtime/wall.ts';
import type { FromWorker, IterationJob, ScenarioJob, ToWorker, WorkerInit } from './protocol.ts';
import { runScenario } from '../fuzz/run-scenario.ts';
import { policyFor } from '../checks.ts';

const port = parentPort;
if (port === null) throw new Error('worker.ts runs only as a worker thread');
const post = (message: FromWorker): void => port.postMessage(message);
// A crash that no single live iteration can take: the pool re-runs this thread's iterations alone.
installCrashGuard((message) => post({ type: 'crash', message }));

// The call into the implementation this thread is in, for the watchdog to name if it never returns.
const callSlot = shareCallSlot();

let init: WorkerInit | undefined;
let raft: MakeRaft = referenceMake;
let globalTimers = false;
let limit = pLimit(1);

// Event-loop delay matters in real time: a late timer looks like a slow Raft.
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
let recentLagMs = 0;
wallEvery(1000, () => {
  recentLagMs = lag.max / 1e6;
  lag.reset();
  if (init?.clock === 'real') post({ type: 'lag', maxMs: recentLagMs });
});

// The watchdog's heartbeat: a thread stuck in one call sends none, and one
// whose simulations cannot move virtual time on sends the same count.
// In real time, the beat itself shows the thread turns.
let beats = 0;
// Five a second: the watchdog's budget (seconds of CPU) must stay well above
// the CPU a busy thread spends between two beats.
wallEvery(200, () => post({ type: 'beat', progress: init?.clock === 'real' ? ++beats : virtualSteps() }));

// Memory: the live heap, measured right after a full collection. The heap in
// use at a random moment also counts garbage not yet collected, which grows
// over a campaign as V8 lets the old generation grow between collections
// (measured on 3000 iterations: 20 → 26 MiB sampled that way, 10.4 → 10.9 MiB
// live), so it said "growing" when nothing leaked. A full collection costs a
// few ms for the 2A tests' small heaps, but tens of ms amid eight runs of
// TestBackup2B (once a second, that was 40 % of a worker's CPU): the next
// sample waits 100 times as long as the last collection took, at least a
// second, so sampling stays under 1 % of a core whatever the heap.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const sampleMemory = (): void => {
  const started = wallNow();
  collect();
  const tookMs = wallNow() - started;
  const memory = process.memoryUsage();
  post({ type: 'memory', heapMb: memory.heapUsed / 2 ** 20, rssMb: memory.rss / 2 ** 20 });
  wallAfter(Math.max(1000, 100 * tookMs), sampleMemory);
};
// The first sample once the first job is done, however short the campaign:
// every campaign that ran something reports its heap.
let memorySampled = false;
const firstMemorySample = (): void => {
  if (memorySampled) return;
  memorySampled = true;
  sampleMemory();
};

port.on('message', (message: ToWorker) => {
  if (message.type === 'init') void start(message.init);
  else if (message.type === 'exit') process.exit(0);
  else if (message.job.kind === 'scenario') {
    const job = message.job;
    void limit(() => runFuzzScenario(job));
  } else {
    const job = message.job;
    void limit(() => run(job));
  }
});

async function start(options: WorkerInit): Promise<void> {
  init = options;
  try {
    if (options.raftModule !== undefined) {
      const loaded = await loadRaftModule(options.raftModule);
      raft = loaded.make;
      globalTimers = loaded.timers === 'global';
    }
    // The thread's own loading (a cold tsx cache written after the harness's
    // modules compiled) must end before any virtual run, or the run would be
    // failed as waiting on real I/O.
    await drainRealIo();
    // Faked globals belong to the whole thread: one iteration at a time.
    limit = pLimit(globalTimers && options.clock === 'virtual' ? 1 : options.concurrency);
    // Real time: warm the JIT up on a few virtual runs first, so that the
    // first real clusters do not pay for compilation in delayed timers.
    if (options.clock === 'real') {
      for (const entry of LAB_2A_TESTS) await runIteration(entry, 0, { raft, globalTimers });
    }
    post({ type: 'ready', threadId: currentThreadId(), callSlot });
  } catch (error) {
    post({ type: 'init-error', message: describeError(error) });
  }
}

// Real time: clusters start at most one per STAGGER_MS. Starting dozens at
// once (the first batch, before the JIT has warmed up) stalls the event loop
// for tens of milliseconds, enough to distort their first elections.
const STAGGER_MS = 10;
let nextStartAt = 0;

async function staggered(): Promise<void> {
  const now = wallNow();
  const at = Math.max(now, nextStartAt);
  nextStartAt = at + STAGGER_MS;
  if (at > now) await wallSleep(at - now);
}

async function runFuzzScenario(job: ScenarioJob): Promise<void> {
  post({ type: 'start', key: job.key });
  const recorder = job.trace === true ? new TraceRecorder() : undefined;
  const policy = policyFor(job.labOnly === true ? 'lab' : init?.checks);
  const result = await runScenario(job.scenario, {
    raft,
    globalTimers,
    ...(policy !== undefined && { policy }),
    ...(recorder !== undefined && { record: recorder.record }),
  });
  post({ type: 'scenario-done', key: job.key, result, trace: recorder?.text() });
  firstMemorySample();
  if (result.check === CRASH_CHECK) post({ type: 'retire' });
}

async function run(job: IterationJob): Promise<void> {
  const options = init as WorkerInit;
  const test = testNamed(job.test);
  if (test === undefined) throw new Error(`unknown test ${job.test}`);
  if (options.clock === 'real') await staggered();
  post({ type: 'start', key: job.key });
  let worstLag = 0;
  const sampler = options.clock === 'real' ? wallEvery(250, () => (worstLag = Math.max(worstLag, recentLagMs))) : undefined;
  const checks = job.labOnly === true ? 'lab' : (options.checks ?? 'all');
  const common = { clock: options.clock, raft, globalTimers, checks, ...(options.raftModule !== undefined && { raftModule: options.raftModule }) };
  // Virtual time replays exactly, so a failure whose log is kept is run
  // again (a job with trace set) to record its trace, and nothing is
  // recorded otherwise; real time records always.
  const recordNow = job.labOnly !== true && (options.archive || options.clock === 'real' || job.trace === true);
  const recorder = recordNow || job.stream === true ? new TraceRecorder() : undefined;
  // Streamed: each event leaves as its line at once (the recorder's lines are the same JSON, written at the end).
  const record =
    recorder === undefined
      ? undefined
      : job.stream === true
        ? (e: Parameters<TraceRecorder['record']>[0]): void => {
            recorder.record(e);
            post({ type: 'event', key: job.key, line: recorder.lastLine() });
          }
        : recorder.record;
  const result = await runIteration(test, job.seed, { ...common, ...(record && { record }) });
  sampler?.stop();
  const trace = recorder !== undefined && (!result.ok || options.archive || job.trace === true) ? recorder.text() : undefined;
  post({ type: 'done', key: job.key, result, trace, loopDelayMs: worstLag });
  firstMemorySample();
  if (result.check === CRASH_CHECK) post({ type: 'retire' });
}
