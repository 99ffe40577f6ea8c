// The fuzzer's crashOnAppend on a real run: the server is crashed in the
// middle of an AppendEntries that carries entries (before its answer, or
// once the handler is under way) and restarted when the step says so; the
// reference Raft, which persists before it answers, passes.
import { expect } from 'chai';
import { RPC } from '../../raft/contract.ts';
import type { TesterEvent } from '../../tester/events.ts';
import { runScenario } from '../../tester/fuzz/run-scenario.ts';
import type { Scenario } from '../../tester/fuzz/scenario.ts';

function scenario(beforeReply: boolean): Scenario {
  return {
    n: 3,
    simSeed: 5,
    network: { kind: 'reliable', longDelays: false },
    kinds: ['crash'],
    steps: [
      { op: 'pause', ms: 1000 },
      { op: 'crashOnAppend', server: 0, beforeReply, restartAfterMs: 300 },
      { op: 'crashOnAppend', server: 1, beforeReply, restartAfterMs: 300 },
      { op: 'crashOnAppend', server: 2, beforeReply, restartAfterMs: 300 },
      { op: 'submit', server: 0, command: 1, count: 20, everyMs: 30 },
      { op: 'pause', ms: 2000 },
    ],
    liveness: { heal: 'all', members: [0, 1, 2], holdMs: 0 },
  };
}

async function run(beforeReply: boolean): Promise<{ ok: boolean; message: string | undefined; events: TesterEvent[] }> {
  const events: TesterEvent[] = [];
  const r = await runScenario(scenario(beforeReply), { record: (e) => events.push(e) });
  return { ok: r.ok, message: r.message, events };
}

describe('the fuzzer: crashOnAppend', function () {
  this.timeout(20_000);

  for (const beforeReply of [true, false]) {
    it(`crashes a follower ${beforeReply ? 'as the AppendEntries arrives: its answer is lost' : 'once its handler has answered, before the leader hears'}; restarts it`, async function () {
      const { ok, message, events } = await run(beforeReply);
      expect(ok, message).to.equal(true);
      const crashAt = events.findIndex((e) => e.kind === 'crash');
      expect(crashAt).to.be.greaterThan(0);
      const crashed = events[crashAt] as Extract<TesterEvent, { kind: 'crash' }>;
      // The last AppendEntries the crashed server received carried entries, at that very instant.
      const before = events.slice(0, crashAt);
      const delivered = before.filter(
        (e): e is Extract<TesterEvent, { kind: 'deliver' }> => e.kind === 'deliver' && e.to === crashed.server && e.method === RPC.AppendEntries,
      );
      const last = delivered[delivered.length - 1];
      expect(last, 'an AppendEntries reached it first').to.not.equal(undefined);
      expect(last?.t).to.equal(crashed.t);
      expect((last?.args as { entries: unknown[] }).entries).to.not.be.empty;
      const answered = before.some((e) => e.kind === 'handled' && e.id === last?.id);
      expect(answered, 'handled before the crash').to.equal(!beforeReply);
      const restart = events.find((e) => e.kind === 'start' && e.server === crashed.server && e.t > crashed.t);
      expect(restart?.t).to.equal(crashed.t + 300);
    });
  }
});
