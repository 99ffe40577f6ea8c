// What a --raft module may declare beyond make(): persists and timing, read
// and checked by the loader into the one value every driver carries down to
// the config; and the built-in Raft as that same value.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_IN_RAFT, loadRaft } from '../../tester/built-in-raft.ts';
import { RaftModuleError, inProcessRaft, loadRaftModule } from '../../tester/raft-module.ts';

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

  it('reads persists and timing into one value, with the path as given', async function () {
    const file = moduleWith('declared', 'export const persists = true; export const timing = { heartbeatMs: 120, electionTimeoutMs: [400, 800] };');
    const module = await loadRaftModule(file);
    expect(module.persists).to.equal(true);
    expect(module.timing).to.deep.equal({ heartbeatMs: 120, electionTimeoutMs: [400, 800] });
    expect(module).to.include({ timers: 'runtime', path: file, label: file });
    expect(module.lacks).to.deep.equal(['start', 'snapshot', 'installSnapshot']);
  });

  it('defaults: does not persist, declares no timing', async function () {
    const module = await loadRaftModule(moduleWith('plain', ''));
    expect(module.persists).to.equal(false);
    expect(module.timing).to.equal(undefined);
  });

  it('the built-in Raft declares that it persists', async function () {
    expect((await loadRaftModule('raft/raft.ts')).persists).to.equal(true);
  });

  it('the built-in Raft is raft/raft.ts as --raft loads it, without a path: no --raft in replay commands, none sent to workers', async function () {
    const loaded = await loadRaftModule('raft/raft.ts');
    // (make itself may be another instance of the same function: mocha's own loader and import() can load raft.ts apart.)
    const { path: _path, label: _label, make: _make, ...declared } = loaded;
    const { label, make, ...builtIn } = BUILT_IN_RAFT;
    expect(declared).to.deep.equal(builtIn);
    expect(make).to.be.a('function');
    expect(BUILT_IN_RAFT.path).to.equal(undefined);
    expect(label).to.equal('the built-in Raft');
    // A command line that names no module runs it.
    expect(await loadRaft(undefined)).to.equal(BUILT_IN_RAFT);
    expect((await loadRaft('raft/raft.ts')).path).to.equal('raft/raft.ts');
  });

  it('a make() given in-process declares nothing unless told', function () {
    const make = BUILT_IN_RAFT.make;
    expect(inProcessRaft(make)).to.deep.equal({ make, timers: 'runtime', persists: false, lacks: [], label: 'the Raft under test' });
    expect(inProcessRaft(make, { persists: true, path: 'mine.ts' })).to.include({ persists: true, path: 'mine.ts', label: 'mine.ts' });
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
