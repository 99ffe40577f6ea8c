// The lab's eight 2C tests (persistence), written once, exactly as the 2023
// test_test.go defines them, in the order `go test -run 2C` runs them; each
// needs start() (PART_FACTS). Every driver (mocha, the stress loop, replay,
// the bench) runs these bodies. The lab's goroutines are async functions
// started without waiting; in virtual time their interleaving, like every
// other choice, comes from the seed.
import { RAFT_ELECTION_TIMEOUT_MS, type Config } from './config.ts';
import { labTest, type LabTestEntry } from './lab-test.ts';

/** Go's rand.Int() (63 bits there): a non-negative integer JSON carries exactly. */
function randInt(cfg: Config): number {
  return cfg.random.intn(0x7fffffff);
}

/** A goroutine of the test: its failure is kept (the run has failed anyway), never unhandled. */
function go<T>(body: () => Promise<T>): Promise<T | undefined> {
  return body().catch(() => undefined);
}

export const LAB_2C_TESTS: readonly LabTestEntry[] = [
  labTest({ name: 'TestPersist12C', part: '2C', servers: 3, unreliable: false, crashes: true }, async (cfg, servers) => {
    cfg.begin('Test (2C): basic persistence');

    await cfg.one(11, servers, true);

    // crash and re-start all
    for (let i = 0; i < servers; i++) cfg.start1(i);
    for (let i = 0; i < servers; i++) {
      cfg.disconnect(i);
      cfg.connect(i);
    }

    await cfg.one(12, servers, true);

    const leader1 = await cfg.checkOneLeader();
    cfg.disconnect(leader1);
    cfg.start1(leader1);
    cfg.connect(leader1);

    await cfg.one(13, servers, true);

    const leader2 = await cfg.checkOneLeader();
    cfg.disconnect(leader2);
    await cfg.one(14, servers - 1, true);
    cfg.start1(leader2);
    cfg.connect(leader2);

    await cfg.wait(4, servers, -1); // wait for leader2 to join before killing i3

    const i3 = ((await cfg.checkOneLeader()) + 1) % servers;
    cfg.disconnect(i3);
    await cfg.one(15, servers - 1, true);
    cfg.start1(i3);
    cfg.connect(i3);

    await cfg.one(16, servers, true);

    cfg.end();
  }),

  labTest({ name: 'TestPersist22C', part: '2C', servers: 5, unreliable: false, crashes: true }, async (cfg, servers) => {
    cfg.begin('Test (2C): more persistence');

    let index = 1;
    for (let iters = 0; iters < 5; iters++) {
      await cfg.one(10 + index, servers, true);
      index++;

      const leader1 = await cfg.checkOneLeader();

      cfg.disconnect((leader1 + 1) % servers);
      cfg.disconnect((leader1 + 2) % servers);

      await cfg.one(10 + index, servers - 2, true);
      index++;

      cfg.disconnect((leader1 + 0) % servers);
      cfg.disconnect((leader1 + 3) % servers);
      cfg.disconnect((leader1 + 4) % servers);

      cfg.start1((leader1 + 1) % servers);
      cfg.start1((leader1 + 2) % servers);
      cfg.connect((leader1 + 1) % servers);
      cfg.connect((leader1 + 2) % servers);

      await cfg.sleep(RAFT_ELECTION_TIMEOUT_MS);

      cfg.start1((leader1 + 3) % servers);
      cfg.connect((leader1 + 3) % servers);

      await cfg.one(10 + index, servers - 2, true);
      index++;

      cfg.connect((leader1 + 4) % servers);
      cfg.connect((leader1 + 0) % servers);
    }

    await cfg.one(1000, servers, true);

    cfg.end();
  }),

  labTest({ name: 'TestPersist32C', part: '2C', servers: 3, unreliable: false, crashes: true }, async (cfg, servers) => {
    cfg.begin('Test (2C): partitioned leader and one follower crash, leader restarts');

    await cfg.one(101, 3, true);

    const leader = await cfg.checkOneLeader();
    cfg.disconnect((leader + 2) % servers);

    await cfg.one(102, 2, true);

    cfg.crash1((leader + 0) % servers);
    cfg.crash1((leader + 1) % servers);
    cfg.connect((leader + 2) % servers);
    cfg.start1((leader + 0) % servers);
    cfg.connect((leader + 0) % servers);

    await cfg.one(103, 2, true);

    cfg.start1((leader + 1) % servers);
    cfg.connect((leader + 1) % servers);

    await cfg.one(104, servers, true);

    cfg.end();
  }),

  /**
   * Test the scenarios described in Figure 8 of the extended Raft paper. Each
   * iteration asks a leader, if there is one, to insert a command in the Raft
   * log. If there is a leader, that leader will fail quickly with a high
   * probability (perhaps without committing the command), or crash after a
   * while with low probability (most likely committing the command). If the
   * number of alive servers isn't enough to form a majority, perhaps start a
   * new server. The leader in a new term may try to finish replicating log
   * entries that haven't been committed yet.
   */
  labTest({ name: 'TestFigure82C', part: '2C', servers: 5, unreliable: false, crashes: true }, async (cfg, servers) => {
    cfg.begin('Test (2C): Figure 8');

    await cfg.one(randInt(cfg), 1, true);

    let nup = servers;
    for (let iters = 0; iters < 1000; iters++) {
      let leader = -1;
      for (let i = 0; i < servers; i++) {
        if (cfg.rafts[i] !== undefined) {
          const { isLeader: ok } = cfg.start(i, randInt(cfg));
          if (ok) leader = i;
        }
      }

      if (randInt(cfg) % 1000 < 100) {
        const ms = randInt(cfg) % (RAFT_ELECTION_TIMEOUT_MS / 2);
        await cfg.sleep(ms);
      } else {
        const ms = randInt(cfg) % 13;
        await cfg.sleep(ms);
      }

      if (leader !== -1) {
        cfg.crash1(leader);
        nup -= 1;
      }

      if (nup < 3) {
        const s = randInt(cfg) % servers;
        if (cfg.rafts[s] === undefined) {
          cfg.start1(s);
          cfg.connect(s);
          nup += 1;
        }
      }
    }

    for (let i = 0; i < servers; i++) {
      if (cfg.rafts[i] === undefined) {
        cfg.start1(i);
        cfg.connect(i);
      }
    }

    await cfg.one(randInt(cfg), servers, true);

    cfg.end();
  }),

  labTest({ name: 'TestUnreliableAgree2C', part: '2C', servers: 5, unreliable: true }, async (cfg, servers) => {
    cfg.begin('Test (2C): unreliable agreement');

    const wg: Promise<unknown>[] = [];
    for (let iters = 1; iters < 50; iters++) {
      for (let j = 0; j < 4; j++) wg.push(go(() => cfg.one(100 * iters + j, 1, true)));
      await cfg.one(iters, 1, true);
    }

    cfg.setUnreliable(false);

    await cfg.sleepUntil(Promise.all(wg));

    await cfg.one(100, servers, true);

    cfg.end();
  }),

  labTest({ name: 'TestFigure8Unreliable2C', part: '2C', servers: 5, unreliable: true }, async (cfg, servers) => {
    cfg.begin('Test (2C): Figure 8 (unreliable)');

    await cfg.one(randInt(cfg) % 10000, 1, true);

    let nup = servers;
    for (let iters = 0; iters < 1000; iters++) {
      if (iters === 200) cfg.setLongReordering(true);
      let leader = -1;
      for (let i = 0; i < servers; i++) {
        const { isLeader: ok } = cfg.start(i, randInt(cfg) % 10000);
        if (ok && cfg.connected[i]) leader = i;
      }

      if (randInt(cfg) % 1000 < 100) {
        const ms = randInt(cfg) % (RAFT_ELECTION_TIMEOUT_MS / 2);
        await cfg.sleep(ms);
      } else {
        const ms = randInt(cfg) % 13;
        await cfg.sleep(ms);
      }

      if (leader !== -1 && randInt(cfg) % 1000 < RAFT_ELECTION_TIMEOUT_MS / 2) {
        cfg.disconnect(leader);
        nup -= 1;
      }

      if (nup < 3) {
        const s = randInt(cfg) % servers;
        if (cfg.connected[s] === false) {
          cfg.connect(s);
          nup += 1;
        }
      }
    }

    for (let i = 0; i < servers; i++) {
      if (cfg.connected[i] === false) cfg.connect(i);
    }

    await cfg.one(randInt(cfg) % 10000, servers, true);

    cfg.end();
  }),

  labTest({ name: 'TestReliableChurn2C', part: '2C', servers: 5, unreliable: false, crashes: true }, async (cfg) => {
    await internalChurn(cfg, false);
  }),

  labTest({ name: 'TestUnreliableChurn2C', part: '2C', servers: 5, unreliable: true, crashes: true }, async (cfg) => {
    await internalChurn(cfg, true);
  }),
];

async function internalChurn(cfg: Config, unreliable: boolean): Promise<void> {
  const servers = 5;
  if (unreliable) cfg.begin('Test (2C): unreliable churn');
  else cfg.begin('Test (2C): churn');

  let stop = false;

  // create concurrent clients
  const cfn = async (me: number): Promise<number[]> => {
    const values: number[] = [];
    while (!stop) {
      const x = randInt(cfg);
      let index = -1;
      let ok = false;
      for (let i = 0; i < servers; i++) {
        // try them all, maybe one of them is a leader
        if (cfg.rafts[i] !== undefined) {
          const { index: index1, isLeader: ok1 } = cfg.start(i, x);
          if (ok1) {
            ok = ok1;
            index = index1;
          }
        }
      }
      if (ok) {
        // maybe leader will commit our value, maybe not.
        // but don't wait forever.
        for (const to of [10, 20, 50, 100, 200]) {
          const { count: nd, command: cmd } = cfg.nCommitted(index);
          if (nd > 0) {
            if (Number.isInteger(cmd)) {
              if (cmd === x) values.push(x);
            } else {
              cfg.fatal('wrong command type');
            }
            break;
          }
          await cfg.sleep(to);
        }
      } else {
        await cfg.sleep(79 + me * 17);
      }
    }
    return values;
  };

  const ncli = 3;
  const cha: Promise<number[] | undefined>[] = [];
  for (let i = 0; i < ncli; i++) cha.push(go(() => cfn(i)));

  for (let iters = 0; iters < 20; iters++) {
    if (randInt(cfg) % 1000 < 200) {
      const i = randInt(cfg) % servers;
      cfg.disconnect(i);
    }

    if (randInt(cfg) % 1000 < 500) {
      const i = randInt(cfg) % servers;
      if (cfg.rafts[i] === undefined) cfg.start1(i);
      cfg.connect(i);
    }

    if (randInt(cfg) % 1000 < 200) {
      const i = randInt(cfg) % servers;
      if (cfg.rafts[i] !== undefined) cfg.crash1(i);
    }

    // Make crash/restart infrequent enough that the peers can often
    // keep up, but not so infrequent that everything has settled
    // down from one change to the next. Pick a value smaller than
    // the election timeout, but not hugely smaller.
    await cfg.sleep((RAFT_ELECTION_TIMEOUT_MS * 7) / 10);
  }

  await cfg.sleep(RAFT_ELECTION_TIMEOUT_MS);
  cfg.setUnreliable(false);
  for (let i = 0; i < servers; i++) {
    if (cfg.rafts[i] === undefined) cfg.start1(i);
    cfg.connect(i);
  }

  stop = true;

  const values: number[] = [];
  for (let i = 0; i < ncli; i++) {
    const vv = await cfg.sleepUntil(cha[i] as Promise<number[] | undefined>);
    if (vv === undefined) cfg.fatal('client failed');
    values.push(...vv);
  }

  await cfg.sleep(RAFT_ELECTION_TIMEOUT_MS);

  const lastIndex = await cfg.one(randInt(cfg), servers, true);

  const really: number[] = [];
  for (let index = 1; index <= lastIndex; index++) {
    const v = await cfg.wait(index, servers, -1);
    if (Number.isInteger(v)) really.push(v as number);
    else cfg.fatal('not an int');
  }

  for (const v1 of values) {
    if (!really.includes(v1)) cfg.fatal("didn't find a value");
  }

  cfg.end();
}
