// The lab's ten 2B tests (log agreement), written once, exactly as the 2023
// test_test.go defines them, in the order `go test -run 2B` runs them; each
// needs start() (PART_FACTS). Every driver (mocha, the stress loop, replay,
// the bench) runs these bodies.
import { show } from './cluster/applier.ts';
import { RAFT_ELECTION_TIMEOUT_MS, type Config } from './config.ts';
import { labTest, type LabTestEntry } from './lab-test.ts';

/** Go's rand.Int() (63 bits there): a non-negative integer JSON carries exactly. */
function randInt(cfg: Config): number {
  return cfg.random.intn(0x7fffffff);
}

/** Go's rand.Int31(). */
function randInt31(cfg: Config): number {
  return cfg.random.intn(0x7fffffff);
}

/** The lab's randstring(n): n characters of URL-safe base64 of random bytes. */
function randstring(cfg: Config, n: number): string {
  const bytes = Buffer.alloc(2 * n);
  for (let i = 0; i < bytes.length; i++) bytes[i] = cfg.random.intn(256);
  return bytes.toString('base64url').slice(0, n);
}

/** Go's %v of an []int. */
function showInts(values: readonly unknown[]): string {
  return `[${values.map(show).join(' ')}]`;
}

export const LAB_2B_TESTS: readonly LabTestEntry[] = [
  labTest({ name: 'TestBasicAgree2B', part: '2B', servers: 3, unreliable: false }, async (cfg, servers) => {
    cfg.begin('Test (2B): basic agreement');

    const iters = 3;
    for (let index = 1; index < iters + 1; index++) {
      const { count: nd } = cfg.nCommitted(index);
      if (nd > 0) cfg.fatal('some have committed before Start()');

      const xindex = await cfg.one(index * 100, servers, false);
      if (xindex !== index) cfg.fatal(`got index ${xindex} but expected ${index}`);
    }

    cfg.end();
  }),

  /** Check, based on counting bytes of RPCs, that each command is sent to each peer just once. */
  labTest({ name: 'TestRPCBytes2B', part: '2B', servers: 3, unreliable: false }, async (cfg, servers) => {
    cfg.begin('Test (2B): RPC byte count');

    await cfg.one(99, servers, false);
    const bytes0 = cfg.bytesTotal();

    const iters = 10;
    // Beyond the lab: its byte budget judged as it is spent (BUD), not only at the end.
    const budget = cfg.budget({ what: `for ${iters} commands of 5000 bytes`, maxBytes: servers * iters * 5000 + 50000 });
    let sent = 0;
    for (let index = 2; index < iters + 2; index++) {
      const cmd = randstring(cfg, 5000);
      const xindex = await cfg.one(cmd, servers, false);
      if (xindex !== index) cfg.fatal(`got index ${xindex} but expected ${index}`);
      sent += cmd.length;
    }

    const bytes1 = cfg.bytesTotal();
    const got = bytes1 - bytes0;
    const expected = servers * sent;
    if (got > expected + 50000) cfg.fatal(`too many RPC bytes; got ${got}, expected ${expected}`);
    budget.close();

    cfg.end();
  }),

  /** Test just failure of followers. */
  labTest({ name: 'TestFollowerFailure2B', part: '2B', servers: 3, unreliable: false }, async (cfg, servers) => {
    cfg.begin('Test (2B): test progressive failure of followers');

    await cfg.one(101, servers, false);

    // disconnect one follower from the network.
    const leader1 = await cfg.checkOneLeader();
    cfg.disconnect((leader1 + 1) % servers);

    // the leader and remaining follower should be
    // able to agree despite the disconnected follower.
    await cfg.one(102, servers - 1, false);
    await cfg.sleep(RAFT_ELECTION_TIMEOUT_MS);
    await cfg.one(103, servers - 1, false);

    // disconnect the remaining follower
    const leader2 = await cfg.checkOneLeader();
    cfg.disconnect((leader2 + 1) % servers);
    cfg.disconnect((leader2 + 2) % servers);

    // submit a command.
    const { index, isLeader: ok } = cfg.start(leader2, 104);
    if (ok !== true) cfg.fatal('leader rejected Start()');
    if (index !== 4) cfg.fatal(`expected index 4, got ${index}`);

    await cfg.sleep(2 * RAFT_ELECTION_TIMEOUT_MS);

    // check that command 104 did not commit.
    const { count: n } = cfg.nCommitted(index);
    if (n > 0) cfg.fatal(`${n} committed but no majority`);

    cfg.end();
  }),

  /** Test just failure of leaders. */
  labTest({ name: 'TestLeaderFailure2B', part: '2B', servers: 3, unreliable: false }, async (cfg, servers) => {
    cfg.begin('Test (2B): test failure of leaders');

    await cfg.one(101, servers, false);

    // disconnect the first leader.
    const leader1 = await cfg.checkOneLeader();
    cfg.disconnect(leader1);

    // the remaining followers should elect
    // a new leader.
    await cfg.one(102, servers - 1, false);
    await cfg.sleep(RAFT_ELECTION_TIMEOUT_MS);
    await cfg.one(103, servers - 1, false);

    // disconnect the new leader.
    const leader2 = await cfg.checkOneLeader();
    cfg.disconnect(leader2);

    // submit a command to each server.
    for (let i = 0; i < servers; i++) cfg.start(i, 104);

    await cfg.sleep(2 * RAFT_ELECTION_TIMEOUT_MS);

    // check that command 104 did not commit.
    const { count: n } = cfg.nCommitted(4);
    if (n > 0) cfg.fatal(`${n} committed but no majority`);

    cfg.end();
  }),

  /** Test that a follower participates after disconnect and re-connect. */
  labTest({ name: 'TestFailAgree2B', part: '2B', servers: 3, unreliable: false }, async (cfg, servers) => {
    cfg.begin('Test (2B): agreement after follower reconnects');

    await cfg.one(101, servers, false);

    // disconnect one follower from the network.
    const leader = await cfg.checkOneLeader();
    cfg.disconnect((leader + 1) % servers);

    // the leader and remaining follower should be
    // able to agree despite the disconnected follower.
    await cfg.one(102, servers - 1, false);
    await cfg.one(103, servers - 1, false);
    await cfg.sleep(RAFT_ELECTION_TIMEOUT_MS);
    await cfg.one(104, servers - 1, false);
    await cfg.one(105, servers - 1, false);

    // re-connect
    cfg.connect((leader + 1) % servers);

    // the full set of servers should preserve
    // previous agreements, and be able to agree
    // on new commands.
    await cfg.one(106, servers, true);
    await cfg.sleep(RAFT_ELECTION_TIMEOUT_MS);
    await cfg.one(107, servers, true);

    cfg.end();
  }),

  labTest({ name: 'TestFailNoAgree2B', part: '2B', servers: 5, unreliable: false }, async (cfg, servers) => {
    cfg.begin('Test (2B): no agreement if too many followers disconnect');

    await cfg.one(10, servers, false);

    // 3 of 5 followers disconnect
    const leader = await cfg.checkOneLeader();
    cfg.disconnect((leader + 1) % servers);
    cfg.disconnect((leader + 2) % servers);
    cfg.disconnect((leader + 3) % servers);

    const { index, isLeader: ok } = cfg.start(leader, 20);
    if (ok !== true) cfg.fatal('leader rejected Start()');
    if (index !== 2) cfg.fatal(`expected index 2, got ${index}`);

    await cfg.sleep(2 * RAFT_ELECTION_TIMEOUT_MS);

    const { count: n } = cfg.nCommitted(index);
    if (n > 0) cfg.fatal(`${n} committed but no majority`);

    // repair
    cfg.connect((leader + 1) % servers);
    cfg.connect((leader + 2) % servers);
    cfg.connect((leader + 3) % servers);

    // the disconnected majority may have chosen a leader from
    // among their own ranks, forgetting index 2.
    const leader2 = await cfg.checkOneLeader();
    const { index: index2, isLeader: ok2 } = cfg.start(leader2, 30);
    if (ok2 === false) cfg.fatal('leader2 rejected Start()');
    if (index2 < 2 || index2 > 3) cfg.fatal(`unexpected index ${index2}`);

    await cfg.one(1000, servers, true);

    cfg.end();
  }),

  labTest({ name: 'TestConcurrentStarts2B', part: '2B', servers: 3, unreliable: false }, async (cfg, servers) => {
    cfg.begin('Test (2B): concurrent Start()s');

    let success = false;
    loop: for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) {
        // give solution some time to settle
        await cfg.sleep(3000);
      }

      const leader = await cfg.checkOneLeader();
      const { term, isLeader: ok } = cfg.start(leader, 1);
      if (!ok) {
        // leader moved on really quickly
        continue;
      }

      const iters = 5;
      const is: number[] = [];
      // The lab's five goroutines: each calls Start(100+i) and keeps the
      // index when the term is unchanged and the server still leads.
      await Promise.all(
        Array.from({ length: iters }, async (_, ii) => {
          const { index: i, term: term1, isLeader: ok1 } = cfg.start(leader, 100 + ii);
          if (term1 !== term) return;
          if (ok1 !== true) return;
          is.push(i);
        }),
      );

      for (let j = 0; j < servers; j++) {
        // term changed -- can't expect low RPC counts
        if (cfg.getStateOf(j).term !== term) continue loop;
      }

      let failed = false;
      const cmds: number[] = [];
      for (const index of is) {
        const cmd = await cfg.wait(index, servers, term);
        if (Number.isInteger(cmd)) {
          const ix = cmd as number;
          if (ix === -1) {
            // peers have moved on to later terms
            // so we can't expect all Start()s to
            // have succeeded
            failed = true;
            break;
          }
          cmds.push(ix);
        } else {
          cfg.fatal(`value ${show(cmd)} is not an int`);
        }
      }

      if (failed) continue;

      for (let ii = 0; ii < iters; ii++) {
        const x = 100 + ii;
        if (!cmds.includes(x)) cfg.fatal(`cmd ${x} missing in ${showInts(cmds)}`);
      }

      success = true;
      break;
    }

    if (!success) cfg.fatal('term changed too often');

    cfg.end();
  }),

  labTest({ name: 'TestRejoin2B', part: '2B', servers: 3, unreliable: false }, async (cfg, servers) => {
    cfg.begin('Test (2B): rejoin of partitioned leader');

    await cfg.one(101, servers, true);

    // leader network failure
    const leader1 = await cfg.checkOneLeader();
    cfg.disconnect(leader1);

    // make old leader try to agree on some entries
    cfg.start(leader1, 102);
    cfg.start(leader1, 103);
    cfg.start(leader1, 104);

    // new leader commits, also for index=2
    await cfg.one(103, 2, true);

    // new leader network failure
    const leader2 = await cfg.checkOneLeader();
    cfg.disconnect(leader2);

    // old leader connected again
    cfg.connect(leader1);

    await cfg.one(104, 2, true);

    // all together now
    cfg.connect(leader2);

    await cfg.one(105, servers, true);

    cfg.end();
  }),

  labTest({ name: 'TestBackup2B', part: '2B', servers: 5, unreliable: false }, async (cfg, servers) => {
    cfg.begin('Test (2B): leader backs up quickly over incorrect follower logs');

    await cfg.one(randInt(cfg), servers, true);

    // put leader and one follower in a partition
    const leader1 = await cfg.checkOneLeader();
    cfg.disconnect((leader1 + 2) % servers);
    cfg.disconnect((leader1 + 3) % servers);
    cfg.disconnect((leader1 + 4) % servers);

    // submit lots of commands that won't commit
    for (let i = 0; i < 50; i++) cfg.start(leader1, randInt(cfg));

    await cfg.sleep(RAFT_ELECTION_TIMEOUT_MS / 2);

    cfg.disconnect((leader1 + 0) % servers);
    cfg.disconnect((leader1 + 1) % servers);

    // allow other partition to recover
    cfg.connect((leader1 + 2) % servers);
    cfg.connect((leader1 + 3) % servers);
    cfg.connect((leader1 + 4) % servers);

    // lots of successful commands to new group.
    for (let i = 0; i < 50; i++) await cfg.one(randInt(cfg), 3, true);

    // now another partitioned leader and one follower
    const leader2 = await cfg.checkOneLeader();
    let other = (leader1 + 2) % servers;
    if (leader2 === other) other = (leader2 + 1) % servers;
    cfg.disconnect(other);

    // lots more commands that won't commit
    for (let i = 0; i < 50; i++) cfg.start(leader2, randInt(cfg));

    await cfg.sleep(RAFT_ELECTION_TIMEOUT_MS / 2);

    // bring original leader back to life,
    for (let i = 0; i < servers; i++) cfg.disconnect(i);
    cfg.connect((leader1 + 0) % servers);
    cfg.connect((leader1 + 1) % servers);
    cfg.connect(other);

    // lots of successful commands to new group.
    for (let i = 0; i < 50; i++) await cfg.one(randInt(cfg), 3, true);

    // now everyone
    for (let i = 0; i < servers; i++) cfg.connect(i);
    await cfg.one(randInt(cfg), servers, true);

    cfg.end();
  }),

  labTest({ name: 'TestCount2B', part: '2B', servers: 3, unreliable: false }, async (cfg, servers) => {
    cfg.begin("Test (2B): RPC counts aren't too high");

    const rpcs = (): number => {
      let n = 0;
      for (let j = 0; j < servers; j++) n += cfg.rpcCount(j);
      return n;
    };

    // Beyond the lab: the budgets it does not forgive, judged as they are spent (BUD).
    const election = cfg.budget({ what: 'to elect initial leader', maxRpcs: 30 });
    let leader = await cfg.checkOneLeader();
    election.close();

    let total1 = rpcs();

    if (total1 > 30 || total1 < 1) cfg.fatal(`too many or few RPCs (${total1}) to elect initial leader`);

    let total2 = 0;
    let success = false;
    loop: for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) {
        // give solution some time to settle
        await cfg.sleep(3000);
      }

      leader = await cfg.checkOneLeader();
      total1 = rpcs();

      const iters = 10;
      const { index: starti, term, isLeader: ok } = cfg.start(leader, 1);
      if (!ok) {
        // leader moved on really quickly
        continue;
      }
      const cmds: number[] = [];
      for (let i = 1; i < iters + 2; i++) {
        const x = randInt31(cfg);
        cmds.push(x);
        const { index: index1, term: term1, isLeader: ok1 } = cfg.start(leader, x);
        if (term1 !== term) {
          // Term changed while starting
          continue loop;
        }
        if (!ok1) {
          // No longer the leader, so term has changed
          continue loop;
        }
        if (starti + i !== index1) cfg.fatal('Start() failed');
      }

      for (let i = 1; i < iters + 1; i++) {
        const cmd = await cfg.wait(starti + i, servers, term);
        if (!Number.isInteger(cmd) || cmd !== cmds[i - 1]) {
          if (cmd === -1) {
            // term changed -- try again
            continue loop;
          }
          cfg.fatal(`wrong value ${show(cmd)} committed for index ${starti + i}; expected ${showInts(cmds)}`);
        }
      }

      let failed = false;
      total2 = 0;
      for (let j = 0; j < servers; j++) {
        if (cfg.getStateOf(j).term !== term) {
          // term changed -- can't expect low RPC counts
          // need to keep going to update total2
          failed = true;
        }
        total2 += cfg.rpcCount(j);
      }

      if (failed) continue loop;

      if (total2 - total1 > (iters + 1 + 3) * 3) cfg.fatal(`too many RPCs (${total2 - total1}) for ${iters} entries`);

      success = true;
      break;
    }

    if (!success) cfg.fatal('term changed too often');

    const idle = cfg.budget({ what: 'for 1 second of idleness', maxRpcs: 3 * 20 });
    await cfg.sleep(RAFT_ELECTION_TIMEOUT_MS);
    idle.close();

    let total3 = 0;
    for (let j = 0; j < servers; j++) total3 += cfg.rpcCount(j);

    if (total3 - total2 > 3 * 20) cfg.fatal(`too many RPCs (${total3 - total2}) for 1 second of idleness`);

    cfg.end();
  }),
];
