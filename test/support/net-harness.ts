// Helpers shared by the runtime and labrpc test suites: a network on a
// virtual clock, a driver that runs a scenario to completion in virtual time,
// an event recorder and a few ready-made services.
import { expect } from 'chai';
import { Network } from '../../labrpc/network.ts';
import { Server, Service, type Handler } from '../../labrpc/service.ts';
import type { NetEvent } from '../../labrpc/events.ts';
import { Random } from '../../runtime/random.ts';
import { runVirtual, type RunOptions } from '../../runtime/settle-pump.ts';
import { VirtualClock } from '../../runtime/virtual-clock.ts';

export interface VirtualNet {
  clock: VirtualClock;
  net: Network;
  /** Every event the network published, in order (the objects themselves). */
  events: NetEvent[];
}

/** A fresh network on a fresh virtual clock, with an event recorder attached. */
export function virtualNet(seed = 1): VirtualNet {
  const clock = new VirtualClock();
  const net = new Network(clock, new Random(seed, 'network'));
  const events: NetEvent[] = [];
  net.subscribe((e) => events.push(e));
  return { clock, net, events };
}

/** Virtual time after which a simulation is deemed hung (a test then fails fast instead of spinning). */
export const SIMULATION_DEADLINE_MS = 1_000_000;

/** Runs `main` in virtual time and returns its value; fails the test on any other outcome. */
export async function simulate<T>(clock: VirtualClock, main: () => Promise<T>, options: RunOptions = {}): Promise<T> {
  const outcome = await runVirtual(clock, main, { deadline: SIMULATION_DEADLINE_MS, ...options }).outcome;
  if (outcome.status === 'failed') throw outcome.error;
  if (outcome.status !== 'done') expect.fail(`simulation ended with '${outcome.status}' at t=${clock.now()}`);
  return outcome.value;
}

/** A server holding one service. */
export function serverWith(serviceName: string, handlers: Record<string, Handler>): Server {
  const server = new Server();
  server.addService(new Service(serviceName, handlers));
  return server;
}

export interface EchoArgs {
  x: number;
}
export interface EchoReply {
  x: number;
  from: string;
}

/** "Echo.Say" returns {x, from: name}; the server counts its own handler runs. */
export function echoServer(name: string): { server: Server; runs: () => number } {
  let runs = 0;
  const server = serverWith('Echo', {
    Say: (args: EchoArgs): EchoReply => {
      runs++;
      return { x: args.x, from: name };
    },
  });
  return { server, runs: () => runs };
}

/** A promise that never settles. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/** Events of one kind, typed. */
export function ofKind<K extends NetEvent['kind']>(events: readonly NetEvent[], kind: K): Extract<NetEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<NetEvent, { kind: K }> => e.kind === kind);
}

/** Binomial check: `hits` out of `n` is within `sigmas` standard deviations of rate `p`. */
export function expectRate(hits: number, n: number, p: number, sigmas = 5, what = 'rate'): void {
  const sd = Math.sqrt((p * (1 - p)) / n);
  const observed = hits / n;
  expect(Math.abs(observed - p), `${what}: observed ${observed.toFixed(4)} (${hits}/${n}), expected ${p} ± ${(sigmas * sd).toFixed(4)}`).to.be.at.most(
    sigmas * sd,
  );
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function minOf(values: readonly number[]): number {
  let m = Infinity;
  for (const v of values) if (v < m) m = v;
  return m;
}

export function maxOf(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m;
}
