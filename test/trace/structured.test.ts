// The structured trace: what each raw event becomes, the term and role it
// carries, and that a recorded trace file converts to exactly what a live
// listener sees.
import { expect } from 'chai';
import type { TesterEvent } from '../../tester/events.ts';
import { TestReElection2A } from '../../tester/lab2a.ts';
import { runIteration } from '../../tester/stress/iteration.ts';
import { parseTrace, structuredText } from '../../tester/trace/input.ts';
import { TraceRecorder } from '../../tester/trace/recorder.ts';
import { serializeLine, structuredListener, toStructured, type TraceLine } from '../../tester/trace/structured.ts';
import { FAILING_SEED, knownFailingRun, stickyLeaderRaft } from './fixtures.ts';

const RV = 'Raft.RequestVote';
const AE = 'Raft.AppendEntries';
const rv = (term: number, candidateId: number) => ({ term, candidateId, lastLogIndex: 0, lastLogTerm: 0 });
const ae = (term: number, leaderId: number) => ({ term, leaderId, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 });

/** A small election on 3 servers, by hand: S0 times out, wins with S1's vote, sends heartbeats. */
function election(): TesterEvent[] {
  return [
    { kind: 'cluster', t: 0, n: 3, seed: 7, clock: 'virtual' },
    ...[0, 1, 2].map((server): TesterEvent => ({ kind: 'start', t: 0, server, incarnation: 1 })),
    ...[0, 1, 2].map((server): TesterEvent => ({ kind: 'connect', t: 0, server })),
    ...[0, 1, 2].map((server): TesterEvent => ({ kind: 'state', t: 0, server, term: 0, isLeader: false })),
    { kind: 'step', t: 0, name: 'checkOneLeader', detail: '' },
    { kind: 'send', t: 100, id: 1, from: 0, to: 1, method: RV, args: rv(1, 0), bytes: 59 },
    { kind: 'send', t: 100, id: 2, from: 0, to: 2, method: RV, args: rv(1, 0), bytes: 59 },
    { kind: 'delay', t: 100, id: 2, from: 0, to: 2, method: RV, stage: 'request', ms: 7 },
    { kind: 'deliver', t: 100, id: 1, from: 0, to: 1, method: RV, args: rv(1, 0), duplicate: false },
    { kind: 'handled', t: 100, id: 1, from: 0, to: 1, method: RV, args: rv(1, 0), reply: { term: 1, voteGranted: true }, duplicate: false },
    { kind: 'reply', t: 100, id: 1, from: 0, to: 1, method: RV, args: rv(1, 0), reply: { term: 1, voteGranted: true }, bytes: 29 },
    { kind: 'send', t: 100, id: 3, from: 0, to: 1, method: AE, args: ae(1, 0), bytes: 86 },
    { kind: 'handled', t: 100, id: 3, from: 0, to: 1, method: AE, args: ae(1, 0), reply: { term: 1, success: true }, duplicate: false },
    { kind: 'state', t: 100, server: 0, term: 1, isLeader: true },
    { kind: 'fail', t: 107, id: 2, from: 0, to: 2, method: RV, args: rv(1, 0), reason: 'request-dropped', afterMs: 0 },
    // S2 had timed out too, in term 1: it is denied, and a heartbeat makes it a follower.
    { kind: 'send', t: 108, id: 4, from: 2, to: 1, method: RV, args: rv(1, 2), bytes: 59 },
    { kind: 'handled', t: 108, id: 4, from: 2, to: 1, method: RV, args: rv(1, 2), reply: { term: 1, voteGranted: false }, duplicate: false },
    { kind: 'send', t: 110, id: 5, from: 0, to: 2, method: AE, args: ae(1, 0), bytes: 86 },
    { kind: 'handled', t: 110, id: 5, from: 0, to: 2, method: AE, args: ae(1, 0), reply: { term: 1, success: true }, duplicate: false },
    { kind: 'check', t: 500, name: 'checkOneLeader', ok: true, detail: 'leader 0 in term 1' },
    { kind: 'disconnect', t: 500, server: 0 },
    { kind: 'step', t: 510, name: 'partition', detail: '{0} | {1,2}' },
    { kind: 'link', t: 510, from: 0, to: 1, up: false },
    { kind: 'step', t: 520, name: 'warning', detail: 'warning: term changed even though there were no failures' },
    { kind: 'violation', t: 600, check: 'ES', message: 'term 1 has two leaders', servers: [0, 2], term: 1, fatal: true },
    { kind: 'violation', t: 600, check: 'ST', message: 'term changed', servers: [1], term: 1, fatal: false },
    { kind: 'crash', t: 700, server: 2 },
  ];
}

const brief = (l: TraceLine): string => `${l.t} ${l.server ?? '-'} ${l.kind} T${l.term ?? '?'} ${l.role ?? '-'}`;

describe('structured trace', function () {
  it('turns an election into timer, term, votes, leader, heartbeats, with each server’s term and role', function () {
    const lines = toStructured(election());
    const of = (s: number) => lines.filter((l) => l.server === s && l.t > 0).map(brief);
    expect(of(0)).to.deep.equal([
      '100 0 timer T1 candidate',
      '100 0 term T1 candidate',
      '100 0 vote-request T1 candidate',
      '100 0 vote-request T1 candidate',
      '100 0 delay T1 candidate',
      '100 0 vote-grant T1 candidate', // the reply reaching the candidate
      '100 0 leader T1 leader', // its first AppendEntries
      '100 0 heartbeat T1 leader',
      '107 0 drop T1 leader',
      '110 0 heartbeat T1 leader',
      '500 0 connectivity T1 leader',
      '510 0 connectivity T1 leader',
    ]);
    expect(of(1)).to.deep.equal([
      '100 1 term T1 follower',
      '100 1 vote-grant T1 follower', // the voter answering
      '100 1 heartbeat-reply T1 follower',
      '108 1 vote-deny T1 follower',
    ]);
    expect(of(2)).to.deep.equal([
      '108 2 timer T1 candidate',
      '108 2 term T1 candidate',
      '108 2 vote-request T1 candidate',
      '110 2 heartbeat-reply T1 follower', // a leader of its term: back to follower
      '700 2 connectivity T1 -', // crashed: no role
    ]);
  });

  it('says what each line was made of, and keeps test-wide lines apart', function () {
    const lines = toStructured(election());
    const timer = lines.find((l) => l.kind === 'timer' && l.server === 0);
    expect(timer?.detail).to.deep.equal({ previous: 0, term: 1, seenIn: 'RequestVote', id: 1 });
    const grant = lines.find((l) => l.kind === 'vote-grant' && l.server === 1);
    expect(grant?.detail).to.include({ event: 'handled', id: 1, from: 0, to: 1, method: RV });
    expect(grant?.detail.reply).to.deep.equal({ term: 1, voteGranted: true });
    const drop = lines.find((l) => l.kind === 'drop');
    expect(drop?.detail).to.include({ reason: 'request-dropped', id: 2 });
    const wide = lines.filter((l) => l.server === null).map((l) => `${l.t} ${l.kind} ${String(l.detail.event)}`);
    expect(wide).to.deep.equal([
      '0 step cluster',
      '0 step step',
      '500 check check',
      '510 connectivity step', // partition
      '520 warning step',
      '600 violation violation',
      '600 warning violation', // a non-fatal violation is a warning
    ]);
    for (const l of lines.filter((x) => x.server === null)) expect([l.term, l.role]).to.deep.equal([null, null]);
  });

  it('puts a reply’s delay on the answerer and a lost reply on the caller', function () {
    const lines = toStructured([
      { kind: 'send', t: 1, id: 9, from: 3, to: 4, method: AE, args: ae(2, 3), bytes: 86 },
      { kind: 'delay', t: 2, id: 9, from: 3, to: 4, method: AE, stage: 'reply', ms: 900 },
      { kind: 'duplicate', t: 2, id: 9, from: 3, to: 4, method: AE, ms: 5 },
      { kind: 'fail', t: 3, id: 9, from: 3, to: 4, method: AE, args: ae(2, 3), reason: 'reply-dropped', afterMs: 0 },
      { kind: 'fail', t: 4, id: 9, from: 3, to: 4, method: AE, args: ae(2, 3), reason: 'handler-error', afterMs: 0 },
      { kind: 'handler-stuck', t: 5, id: 10, from: 3, to: 4, method: AE, ms: 1000 },
    ]);
    expect(lines.map((l) => `${l.server} ${l.kind}`)).to.deep.equal([
      '3 leader',
      '3 term',
      '3 heartbeat',
      '4 delay',
      '3 duplicate',
      '3 drop',
      '3 warning',
      '4 warning',
    ]);
  });

  it('copies live messages: a line does not change when the network reuses its objects', function () {
    const lines: TraceLine[] = [];
    const listen = structuredListener((l) => lines.push(l));
    const args = rv(5, 1);
    listen({ kind: 'send', t: 0, id: 1, from: 1, to: 0, method: RV, args, bytes: 59 });
    args.term = 99;
    const sent = lines.find((l) => l.kind === 'vote-request');
    expect(sent?.detail.args).to.deep.equal({ term: 5, candidateId: 1, lastLogIndex: 0, lastLogTerm: 0 });
  });

  it('from a recorded trace file is exactly what a live listener produced during the run', async function () {
    const recorder = new TraceRecorder();
    const live: string[] = [];
    const listen = structuredListener((l) => live.push(serializeLine(l)));
    const result = await runIteration({ name: 'TestReElection2A', run: TestReElection2A }, FAILING_SEED, {
      raft: stickyLeaderRaft,
      record: (e) => {
        recorder.record(e);
        listen(e);
      },
    });
    expect(result.ok).to.equal(false);
    const fromFile = parseTrace(recorder.text(), 'run.jsonl').lines.map(serializeLine);
    expect(fromFile).to.deep.equal(live);
    // The structured text reads back as itself.
    const text = structuredText(recorder.text());
    const again = parseTrace(text, 'structured.jsonl');
    expect(again.format).to.equal('structured');
    expect(again.lines.map(serializeLine)).to.deep.equal(live);
    expect(again.n).to.equal(3);
    // JSON Lines, header included: a log's '#' lines become one {"meta": ...} object first, and read back.
    const log = `# test: TestReElection2A\n# seed: ${FAILING_SEED}\n# message:\n#   two leaders\n#   in term 3\n${recorder.text()}`;
    const jsonl = structuredText(log).trimEnd().split('\n');
    const parsed = jsonl.map((row) => JSON.parse(row) as { meta?: Record<string, unknown> });
    expect(parsed[0]?.meta).to.deep.include({ test: 'TestReElection2A', seed: FAILING_SEED, message: 'two leaders\nin term 3' });
    expect(parseTrace(jsonl.join('\n'), 'x.trace.jsonl').header).to.deep.equal([
      'test: TestReElection2A',
      `seed: ${FAILING_SEED}`,
      'message:',
      '  two leaders',
      '  in term 3',
    ]);
  });

  it('shows the known failing run’s re-election and violation', async function () {
    const { events } = await knownFailingRun();
    const lines = toStructured(events);
    const leaders = lines.filter((l) => l.kind === 'leader').map((l) => `S${l.server} T${l.term}`);
    expect(new Set(leaders.map((l) => l.split(' ')[1])).size, leaders.join(', ')).to.be.at.least(2);
    const violation = lines.find((l) => l.kind === 'violation');
    expect(violation?.detail.check).to.equal('ES');
    expect(lines.every((l) => Number.isFinite(l.t))).to.equal(true);
  });
});
