// One named test as every driver (mocha, the stress loop, replay, the bench)
// sees it: its name, its part, its cluster, and a run() that builds the
// config as the lab's make_config does, runs the test's body, and cleans up
// as the lab's `defer cfg.cleanup()` does.
import { makeConfig, type Config, type ConfigOptions } from './config.ts';
import { PART_FACTS, type Part } from './parts.ts';

/** What a driver passes to a run (clock, seed, Raft, policy, ...): the test itself gives its name, what it requires and its applier. */
export type LabTestOptions = Omit<ConfigOptions, 'testName' | 'requires' | 'snapshot' | 'restarts' | 'logs'>;
export type LabTest = (options?: LabTestOptions) => Promise<void>;

export interface LabTestEntry {
  readonly name: string;
  readonly part: Part;
  /** The cluster make_config starts: its size, and whether its network is unreliable. */
  readonly servers: number;
  readonly unreliable: boolean;
  /** Methods the test needs beyond the 2A contract (RAFT_LOG_METHODS for 2B and 2C, RAFT_SNAPSHOT_METHODS for 2D): a Raft without them is refused before any work. */
  readonly requires: readonly string[];
  /**
   * The test crashes and restarts servers: only an implementation that
   * persists (lab 2C) can pass it, so drivers leave it out for others before
   * running. A run records whether it did (RunStats.crashed); run() fails one
   * that crashed a server without saying so here, and the registry's test
   * checks the other way round.
   */
  readonly crashes: boolean;
  readonly run: LabTest;
}

export interface LabTestSpec {
  name: string;
  part: Part;
  servers: number;
  unreliable: boolean;
  /** Default: what every test of its part requires. */
  requires?: readonly string[];
  crashes?: boolean;
}

/** The test's own code, between make_config and cleanup: Go's test function after its first lines. */
export type LabTestBody = (cfg: Config, servers: number) => Promise<void>;

export function labTest(spec: LabTestSpec, body: LabTestBody): LabTestEntry {
  const { name, part, servers, unreliable } = spec;
  const facts = PART_FACTS[part];
  const requires = spec.requires ?? facts.requires;
  const crashes = spec.crashes === true;
  const run: LabTest = async (options = {}) => {
    const cfg = makeConfig(servers, unreliable, {
      ...(facts.policy !== undefined && { policy: facts.policy }),
      ...options,
      requires,
      ...(facts.snapshot === true && { snapshot: true }),
      ...(!crashes && { restarts: false }),
      // A test that does not require start() gives no command: no log to check.
      ...(!requires.includes('start') && { logs: false }),
      testName: name,
    });
    try {
      await body(cfg, servers);
      if (cfg.crashedAServer && !crashes)
        throw new Error(`${name} crashed a server but is not registered with crashes: true (drivers would run it on a Raft that does not persist)`);
    } finally {
      await cfg.cleanup();
    }
  };
  return { name, part, servers, unreliable, requires, crashes, run };
}
