// What a --raft module may declare beyond make(): persists and timing, read
// and checked by the loader, and carried with make() to every driver.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftModuleError, declaredBy, loadRaftModule } from '../../tester/raft-module.ts';

const PASSIVE = `export const make = () => ({ getState: () => ({ term: 0, isLeader: false }), kill() {}, requestVote: (a) => ({ term: a.term, voteGranted: false }), appendEntries: (a) => ({ term: a.term, success: true }) });`;

describe('--raft module declarations', function () {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'raft-module-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function moduleWith(name: string, extra: string): string {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, `${PASSIVE}\n${extra}\n`);
    return file;
  }

  it('reads persists and timing, and declaredBy(make) gives them back', async function () {
    const module = await loadRaftModule(
      moduleWith('declared', 'export const persists = true; export const timing = { heartbeatMs: 120, electionTimeoutMs: [400, 800] };'),
    );
    expect(module.persists).to.equal(true);
    expect(module.timing).to.deep.equal({ heartbeatMs: 120, electionTimeoutMs: [400, 800] });
    expect(declaredBy(module.make)).to.deep.equal({ persists: true, timing: { heartbeatMs: 120, electionTimeoutMs: [400, 800] } });
  });

  it('defaults: does not persist, declares no timing', async function () {
    const module = await loadRaftModule(moduleWith('plain', ''));
    expect(module.persists).to.equal(false);
    expect(module.timing).to.equal(undefined);
  });

  it('the built-in Raft declares that it persists', async function () {
    expect((await loadRaftModule('raft/raft.ts')).persists).to.equal(true);
  });

  it('refuses a declaration it cannot use, naming the problem', async function () {
    const bad: [string, RegExp][] = [
      ['export const persists = "yes";', /exports persists = "yes"; it must be true or false/],
      ['export const timing = { heartbeatMs: 100 };', /electionTimeoutMs must be \[min, max\]/],
      ['export const timing = { heartbeatMs: 100, electionTimeoutMs: [300, 150] };', /min <= max/],
      ['export const timing = { heartbeatMs: -1, electionTimeoutMs: [150, 300] };', /heartbeatMs must be a positive number/],
    ];
    for (const [i, [extra, message]] of bad.entries()) {
      let error: unknown;
      try {
        await loadRaftModule(moduleWith(`bad${i}`, extra));
      } catch (e) {
        error = e;
      }
      expect(error, extra).to.be.instanceOf(RaftModuleError);
      expect((error as Error).message, extra).to.match(message);
    }
  });
});
