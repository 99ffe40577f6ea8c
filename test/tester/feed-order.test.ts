// Effects inside one synchronous call are ordered after the call's own
// effect. A start() that appends, commits and applies at once (a leader of a
// one-server cluster is a majority by itself, and applyCh.send returns at
// once) applied an entry its log already held; judged in emission order,
// the apply came before start()'s answer and LC took it for a leader
// lacking a committed entry.
import { expect } from 'chai';
import { VirtualClock } from '../../runtime/virtual-clock.ts';
import { MonitorFeed } from '../../tester/cluster/feed.ts';
import type { TesterEvent } from '../../tester/events.ts';
import { STRICT } from '../../tester/monitors/index.ts';

function feed(): { feed: MonitorFeed; recorded: TesterEvent[]; failures: string[] } {
  const recorded: TesterEvent[] = [];
  const failures: string[] = [];
  const f = new MonitorFeed({
    clock: new VirtualClock(),
    policy: STRICT,
    timing: undefined,
    record: (e) => recorded.push(e),
    fail: (message) => failures.push(message),
    warn: () => {},
  });
  for (const e of [
    { kind: 'cluster', t: 0, n: 1, seed: 1, clock: 'virtual' },
    { kind: 'start', t: 0, server: 0, incarnation: 1 },
    { kind: 'state', t: 0, server: 0, term: 0, isLeader: false },
  ] satisfies TesterEvent[]) {
    f.emit(e);
  }
  return { feed: f, recorded, failures };
}

const apply: TesterEvent = { kind: 'apply', t: 10, server: 0, incarnation: 1, commandValid: true, command: 101, index: 1 };
const submit: TesterEvent = { kind: 'submit', t: 10, server: 0, incarnation: 1, command: 101, index: 1, term: 1, isLeader: true };

describe("the monitors' feed: a call's effects come after the call's own", function () {
  it('in the order they were emitted, an apply inside start() reads as a leader lacking a committed entry (LC)', function () {
    const { feed: f, failures } = feed();
    f.emit(apply);
    f.emit(submit);
    expect(failures.join('\n')).to.match(/\[LC\].*start\(\) on leader 0 of term 1 returned index 1, so its log lacked index 1, which server 0 had applied/);
  });

  it('during(start) records the answer first, then the apply made inside it, and nothing fails', function () {
    const { feed: f, recorded, failures } = feed();
    const answer = f.during(
      () => {
        f.emit(apply);
        return { index: 1, term: 1, isLeader: true };
      },
      () => submit,
    );
    expect(answer.index).to.equal(1);
    expect(failures).to.deep.equal([]);
    expect(recorded.slice(-2).map((e) => e.kind)).to.deep.equal(['submit', 'apply']);
  });

  it('a call that throws still passes on what it caused', function () {
    const { feed: f, recorded } = feed();
    expect(() =>
      f.during(
        () => {
          f.emit(apply);
          throw new Error('start() threw');
        },
        () => submit,
      ),
    ).to.throw('start() threw');
    expect(recorded.at(-1)).to.deep.equal(apply);
  });
});
