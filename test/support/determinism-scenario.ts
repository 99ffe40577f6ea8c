// One small scenario for the determinism tests: 3 servers on an unreliable
// network with long reordering and long delays, a few hundred calls, sync and
// async handlers, ends switched off and on, and a server replaced mid-run.
// Everything random flows from one seed; the result is the event log, one
// JSON line per event as published, plus what each caller got.
import { createHash } from 'node:crypto';
import { Network, type ClientEnd } from '../../labrpc/network.ts';
import { Server, Service } from '../../labrpc/service.ts';
import { World } from '../../runtime/runtime.ts';
import { runVirtual } from '../../runtime/settle-pump.ts';

const N = 3;
const CALLS_PER_CALLER = 80;

interface VoteArgs {
  term: number;
  from: number;
}

function raftServer(world: World, me: number, incarnation: number): Server {
  const rt = world.runtime(`server-${me}-${incarnation}`);
  let term = 0;
  const server = new Server();
  server.addService(
    new Service('Raft', {
      RequestVote: (args: VoteArgs) => {
        term = Math.max(term, args.term);
        return { term, voteGranted: rt.random.intn(2) === 1, by: me };
      },
      AppendEntries: async (args: VoteArgs) => {
        await rt.sleep(rt.random.intn(150));
        term = Math.max(term, args.term);
        return { term, success: args.term >= term, by: me };
      },
    }),
  );
  return server;
}

/** Runs the scenario in virtual time and returns its log (one line per event or result). */
export async function runScenario(seed: number): Promise<string[]> {
  const world = new World('virtual', seed);
  const clock = world.virtualClock;
  const net = new Network(clock, world.random('network'));
  const log: string[] = [];
  net.subscribe((e) => log.push(JSON.stringify(e)));
  net.reliable(false);
  net.longReordering(true);
  net.longDelays(true);
  for (let j = 0; j < N; j++) net.addServer(j, raftServer(world, j, 0));
  const endName = (i: number, j: number): string => `${i}->${j}`;
  const ends: ClientEnd[][] = Array.from({ length: N }, (_, i) =>
    Array.from({ length: N }, (_, j) => {
      const end = net.makeEnd(endName(i, j), i);
      net.connect(endName(i, j), j);
      net.enable(endName(i, j), true);
      return end;
    }),
  );

  const caller = async (i: number): Promise<void> => {
    const rt = world.runtime(`caller-${i}`);
    for (let k = 0; k < CALLS_PER_CALLER; k++) {
      await rt.sleep(rt.random.intn(60));
      const j = rt.random.intn(N);
      const method = rt.random.chance(0.5) ? 'Raft.RequestVote' : 'Raft.AppendEntries';
      const end = (ends[i] as ClientEnd[])[j] as ClientEnd;
      // Some calls wait, some are fired and forgotten (the Raft way).
      const call = end.call(method, { term: k, from: i });
      const record = call.then((reply) => {
        log.push(`result t=${clock.now()} ${i}->${j} ${method} k=${k} ${JSON.stringify(reply)}`);
      });
      if (rt.random.chance(0.5)) await record;
    }
  };
  const chaos = async (): Promise<void> => {
    const rt = world.runtime('tester');
    for (let round = 0; round < 12; round++) {
      await rt.sleep(200 + rt.random.intn(300));
      const victim = rt.random.intn(N);
      for (let j = 0; j < N; j++) {
        net.enable(endName(victim, j), false);
        net.enable(endName(j, victim), false);
      }
      if (round % 4 === 3) net.addServer(victim, raftServer(world, victim, round)); // replaced
      await rt.sleep(rt.random.intn(400));
      for (let j = 0; j < N; j++) {
        net.enable(endName(victim, j), true);
        net.enable(endName(j, victim), true);
      }
    }
  };

  const outcome = await runVirtual(
    clock,
    async () => {
      await Promise.all([...Array.from({ length: N }, (_, i) => caller(i)), chaos()]);
      // Let the calls still in flight (long delays, reordering) finish.
      await clock.sleep(10_000);
    },
    { deadline: 600_000 },
  ).outcome;
  if (outcome.status !== 'done') throw new Error(`scenario ended with '${outcome.status}'`);
  log.push(`end t=${clock.now()} events=${clock.eventsRun} rpcs=${net.getTotalCount()} bytes=${net.getTotalBytes()}`);
  return log;
}

/** SHA-256 of the log, one line per entry. */
export function hashLog(log: readonly string[]): string {
  return createHash('sha256').update(log.join('\n')).digest('hex');
}
