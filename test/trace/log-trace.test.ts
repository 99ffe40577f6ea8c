// Traces of log replication (2B): each server's log (its last entry), commit
// index and applies as 'log' lines and marks on the page; a State Machine
// Safety failure names both applies and the AppendEntries that put each
// entry there, and the page draws those requests in red.
import { expect } from 'chai';
import type { TesterEvent } from '../../tester/events.ts';
import { judge } from '../../tester/monitors/index.ts';
import { describeLine } from '../../tester/trace/describe.ts';
import { buildModel } from '../../tester/trace/html.ts';
import { toStructured } from '../../tester/trace/structured.ts';
import { append, apply, boot, elect, entry, submit, vote } from '../monitors/log.ts';

/** Server 0 (term 1) puts 'a' at index 1 with server 1 and applies it; server 2, elected without it, puts 'b' there. */
function overwritten(): TesterEvent[] {
  return [
    ...boot(3),
    ...elect(10, 0, 1, [1]),
    submit(20, 0, 'a', 1, 1),
    ...append(30, 0, 1, 1, { entries: [entry(1, 'a')] }),
    apply(31, 0, 1, 'a'),
    ...vote(100, 2, 1, 2, 0, 0),
    submit(110, 2, 'b', 1, 2),
    ...append(120, 2, 1, 2, { entries: [entry(2, 'b')], commit: 0 }),
    ...append(140, 2, 1, 2, { prev: 1, prevTerm: 2, commit: 1 }),
    apply(141, 1, 1, 'b'),
  ];
}

function logStates(events: TesterEvent[]): string[] {
  return toStructured(events)
    .filter((line) => line.kind === 'log' && line.detail.event === 'log-state')
    .map((line) => `t=${line.t} S${String(line.server)} ${describeLine(line).text}`);
}

describe('traces of the log', function () {
  it("a 'log' line whenever a server's last entry, commit index or applies change", function () {
    expect(logStates(overwritten())).to.deep.equal([
      't=20 S0 log …1@T1 commit 0 applied 0',
      't=30 S1 log …1@T1 commit 0 applied 0',
      't=31 S0 log …1@T1 commit 1 applied 1',
      't=110 S2 log …1@T2 commit 0 applied 0',
      // The conflict replaced server 1's entry.
      't=120 S1 log …1@T2 commit 0 applied 0',
      // The leader's commit index, as its leaderCommit says; the follower's, as Figure 2's rule 5 gives it.
      't=140 S2 log …1@T2 commit 1 applied 0',
      't=140 S1 log …1@T2 commit 1 applied 0',
      't=141 S1 log …1@T2 commit 1 applied 1',
    ]);
  });

  it('no log lines for a run without a log (2A)', function () {
    const events: TesterEvent[] = [...boot(3), ...elect(10, 0, 1, [1]), ...append(10, 0, 1, 1), ...append(10, 0, 2, 1)];
    expect(toStructured(events).filter((line) => line.kind === 'log')).to.deep.equal([]);
  });

  it('after a restart the log is unknown until the server shows it', function () {
    const events: TesterEvent[] = [
      ...boot(3),
      ...elect(10, 0, 1, [1]),
      submit(20, 0, 'a', 1, 1),
      ...append(30, 0, 1, 1, { entries: [entry(1, 'a')] }),
      apply(31, 0, 1, 'a'),
      { kind: 'crash', t: 50, server: 0 },
      { kind: 'start', t: 60, server: 0, incarnation: 2 },
    ];
    expect(logStates(events).at(-1)).to.equal('t=60 S0 log …? commit 0 applied 0');
  });

  it('a State Machine Safety failure: both applies, and the AppendEntries that put each entry there drawn in red', function () {
    const events = overwritten();
    const violations = judge(events, { policy: { LC: 'off', CM: 'off', ST: 'off' } });
    const sms = violations.find((v) => v.check === 'SMS');
    expect(sms, JSON.stringify(violations)).to.not.equal(undefined);
    const put = events.find((e) => e.kind === 'handled' && e.t === 120);
    expect(put?.kind).to.equal('handled');
    const id = (put as Extract<TesterEvent, { kind: 'handled' }>).id;
    expect(sms?.message).to.include(`server 1 got index 1 from server 2's term-2 AppendEntries (rpc #${id}) at t=120 ms`);
    expect(sms?.message).to.include('server 0 got index 1 from no AppendEntries (it put it there itself through start()');
    expect(sms?.rpcs).to.deep.equal([id]);

    const model = buildModel(toStructured([...events, ...violations]), 'sms');
    expect(model.violations.map((v) => v.rpcs)).to.deep.equal([[id]]);
    expect(model.messages.some((m) => m.id === id)).to.equal(true);
    const applies = model.logMarks.filter((m) => m.kind === 'apply').map((m) => `S${m.s} ${m.text}`);
    expect(applies).to.deep.equal(['S0 apply 1: "a"', 'S1 apply 1: "b"']);
    expect(model.logMarks.filter((m) => m.kind === 'start').map((m) => m.s)).to.deep.equal([0, 2]);
  });
});
