// A known failing run for the trace tests: the reference Raft, except that
// getState() keeps saying "leader" once a server has led. In TestReElection2A
// the first leader is disconnected, a second one is elected in a new term,
// and when the first one comes back it adopts that term while still claiming
// leadership: two leaders in one term, an election-safety violation. Virtual
// time and a fixed seed make it the same run every time.
import { makeWithTiming } from '../../raft/raft.ts';
import type { TesterEvent } from '../../tester/events.ts';
import { registeredTest } from '../../tester/tests.ts';
import { inProcessRaft } from '../../tester/raft-module.ts';
import { runIteration, type IterationResult } from '../../tester/execution/iteration.ts';
import { TraceRecorder } from '../../tester/trace/recorder.ts';

// With the 2A design's 150-300 ms election timeouts, which the reference had
// when this run was chosen: the tests name what happens in it (who leads
// which term), and that is this seed's run only with that timing.
const referenceMake = makeWithTiming({ electionTimeoutMs: [150, 300] });

export const stickyLeaderRaft = inProcessRaft((peers, me, persister, applyCh, runtime) => {
  const raft = referenceMake(peers, me, persister, applyCh, runtime);
  let hasLed = false;
  return {
    getState() {
      const state = raft.getState();
      hasLed ||= state.isLeader;
      return { term: state.term, isLeader: hasLed };
    },
    kill: () => raft.kill(),
    requestVote: (args) => raft.requestVote(args),
    appendEntries: (args) => raft.appendEntries(args),
  };
});

export const FAILING_SEED = 1;

export interface RecordedRun {
  result: IterationResult;
  events: TesterEvent[];
  /** The raw trace text, as the recorder writes it. */
  text: string;
}

/** TestReElection2A on the sticky-leader Raft, recorded. */
export async function knownFailingRun(seed = FAILING_SEED): Promise<RecordedRun> {
  const recorder = new TraceRecorder();
  const result = await runIteration(registeredTest('TestReElection2A'), seed, { raft: stickyLeaderRaft, record: recorder.record });
  const text = recorder.text();
  const events = recorder.lines.map((line) => JSON.parse(line) as TesterEvent);
  return { result, events, text };
}
