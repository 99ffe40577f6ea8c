// The config layer: the lab's output format, failure messages with replay
// commands, and cleanup that leaves nothing behind.
import { expect } from 'chai';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { MakeRaft, RaftPeer } from '../../raft/contract.ts';
import { make as referenceMake } from '../../raft/raft.ts';
import { activeSimulations } from '../../runtime/settle-pump.ts';
import { makeConfig, type RunStats } from '../../tester/config.ts';
import { TestInitialElection2A, TestReElection2A } from '../../tester/lab2a.ts';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

describe('config', function () {
  this.timeout(60_000);

  it("prints the lab's begin and Passed lines", async function () {
    const lines: string[] = [];
    await TestInitialElection2A({ seed: 5, print: (l) => lines.push(l) });
    expect(lines[0]).to.equal('Test (2A): initial election ...');
    // Go's "  ... Passed --" then "  %4.1f  %d %4d %7d %4d".
    expect(lines[1]).to.match(/^ {2}\.\.\. Passed -- {2}[ \d]\d\.\d {2}3 [ \d]{3}\d [ \d]{6}\d {4}0$/);
  });

  it("fails with the lab's message and the replay command when no leader can be elected", async function () {
    // A Raft that never campaigns: the lab's checkOneLeader gives up after 10 rounds.
    const passive: MakeRaft = () => ({
      getState: () => ({ term: 0, isLeader: false }),
      kill: () => {},
      requestVote: (a) => ({ term: a.term, voteGranted: false }),
      appendEntries: (a) => ({ term: a.term, success: false }),
    });
    let message = '';
    try {
      await TestInitialElection2A({ seed: 9, raft: passive, print: () => {} });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.match(/^expected one leader, got none \(virtual t=\d+ ms, seed 9\)/);
    expect(message).to.include('replay: npm run replay -- --test TestInitialElection2A --seed 9');
  });

  it('names the invariant, term, servers, time and seed when a monitor sees a violation', async function () {
    // Servers that claim leadership of term 1 without ever asking for a vote.
    const liar: MakeRaft = (_peers, me) => ({
      getState: () => ({ term: 1, isLeader: me < 2 }),
      kill: () => {},
      requestVote: (a) => ({ term: a.term, voteGranted: false }),
      appendEntries: (a) => ({ term: a.term, success: true }),
    });
    let message = '';
    try {
      await TestReElection2A({ seed: 3, raft: liar, print: () => {} });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.match(/^\[QC\] leader had a quorum: server 0 getState\(\) said leader for term 1 with valid term-1 votes from \{0\} only/);
    expect(message).to.match(/virtual t=\d+ ms, seed 3\)/);
  });

  it('cleanup kills every server and leaves no timer, in virtual time', async function () {
    const killed: number[] = [];
    const tracked: MakeRaft = (peers, me, persister, applyCh, runtime) => {
      const raft: RaftPeer = referenceMake(peers, me, persister, applyCh, runtime);
      return {
        ...raft,
        getState: () => raft.getState(),
        requestVote: (a) => raft.requestVote(a),
        appendEntries: (a) => raft.appendEntries(a),
        kill: () => {
          killed.push(me);
          raft.kill();
        },
      };
    };
    const cfg = makeConfig(3, false, { seed: 1, raft: tracked, print: () => {} });
    await cfg.checkOneLeader();
    await cfg.cleanup();
    expect(killed.sort()).to.deep.equal([0, 1, 2]);
    expect(cfg.world.clock.pendingTimers()).to.equal(0);
    await new Promise((r) => setImmediate(r));
    expect(activeSimulations()).to.equal(0);
  });

  it('cleanup leaves no timer in real time', async function () {
    await new Promise((r) => setTimeout(r, 20));
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const cfg = makeConfig(3, false, { clock: 'real', seed: 1, print: () => {} });
    await cfg.checkOneLeader();
    await cfg.cleanup();
    expect(cfg.world.clock.pendingTimers()).to.equal(0);
    await new Promise((r) => setTimeout(r, 20));
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).to.be.at.most(before);
  });

  it('a thousand configs in a row do not grow memory or leave simulations running', async function () {
    const heapAfter = async (configs: number): Promise<number> => {
      for (let i = 0; i < configs; i++) {
        const stats = {} as RunStats;
        const cfg = makeConfig(3, false, { seed: i, print: () => {}, stats });
        await cfg.checkOneLeader();
        await cfg.cleanup();
      }
      await new Promise((r) => setImmediate(r));
      gc();
      return process.memoryUsage().heapUsed;
    };
    const warm = await heapAfter(100);
    const later = await heapAfter(1000);
    expect(activeSimulations()).to.equal(0);
    // A leak of even 1 KiB per config would show as 1 MB here.
    expect(later - warm, `heap grew from ${warm} to ${later} bytes`).to.be.below(1_000_000);
  });
});
