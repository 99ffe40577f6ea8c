// Durability (DUR), and the log checks across crashes and restarts (SMS, AO,
// LC), on hand-written logs: each row must pass, or fail with exactly the
// listed violations, in order.
import { RPC } from '../../raft/contract.ts';
import type { TesterEvent } from '../../tester/events.ts';
import type { CheckPolicy } from '../../tester/monitors/index.ts';
import { agreeOnA, append, apply, boot, crash, deliver, elect, entry, only, rv, send, start, state, submit, table, vote, type Log, type Row } from './log.ts';

/** Every check on but stability (a hand-written log has no fault to explain a new election). */
const noST = { policy: { ST: 'off' } as CheckPolicy };

// Server 0 wins term 1 and replicates 'a' at index 1 on both followers,
// which acknowledge it; every server applies it.
const won: Log = [...boot(3), ...elect(10, 0, 1, [1, 2])];
const acked: Log = agreeOnA(won);
/** Server 2 crashes at 100 and restarts at 110. */
const restarted2: Log = [...acked, crash(100, 2), start(2, 110, 2)];

/** An AppendEntries delivered to `to` whose handler has not answered yet. */
function delivered(
  t: number,
  from: number,
  to: number,
  term: number,
  prev: number,
  prevTerm: number,
  entries: { term: number; command: unknown }[],
): TesterEvent[] {
  const args = { term, leaderId: from, prevLogIndex: prev, prevLogTerm: prevTerm, entries, leaderCommit: 0 };
  return [send(t, from, to, RPC.AppendEntries, args), deliver(t, from, to, RPC.AppendEntries, args)];
}

/** The late success answer of the handler `delivered` started. */
function answered(t: number, started: TesterEvent[]): TesterEvent {
  const d = started[1] as Extract<TesterEvent, { kind: 'deliver' }>;
  return {
    kind: 'handled',
    t,
    id: d.id,
    from: d.from,
    to: d.to,
    method: d.method,
    args: d.args,
    reply: { term: (d.args as { term: number }).term, success: true },
    duplicate: false,
  };
}

const slow = delivered(210, 1, 2, 2, 0, 0, [entry(2, 'c')]);

describe('monitors: durability across crashes and restarts', function () {
  describe('DUR: what a server acknowledged survives its crash', function () {
    const rows: Row[] = [
      {
        name: 'a restarted follower that kept its log accepts what extends it',
        log: [...restarted2, ...append(200, 0, 2, 1, { prev: 1, prevTerm: 1, commit: 1 })],
        want: [],
      },
      {
        name: 'a restarted follower describes the log it kept when it stands',
        log: [...restarted2, ...vote(500, 2, 1, 2, 1, 1)],
        want: [],
        options: noST,
      },
      {
        name: 'an entry a later leader replaced is no longer owed',
        log: [
          ...boot(3),
          ...elect(10, 0, 1, [1]),
          ...append(30, 0, 2, 1, { entries: [entry(1, 'a')] }),
          ...vote(200, 1, 2, 2, 0, 0),
          ...append(210, 1, 2, 2, { entries: [entry(2, 'b')] }),
          crash(300, 2),
          start(2, 310, 2),
          ...vote(500, 2, 0, 3, 1, 2),
        ],
        want: [],
        options: noST,
      },
      {
        name: 'a crash while an AppendEntries handler runs: what follows its prevLogIndex may be gone',
        log: [
          ...boot(3),
          ...elect(10, 0, 1, [1]),
          ...append(30, 0, 2, 1, { entries: [entry(1, 'a'), entry(1, 'b')] }),
          ...elect(200, 1, 2, [0]),
          ...delivered(210, 1, 2, 2, 0, 0, [entry(2, 'c')]),
          crash(211, 2),
          start(2, 220, 2),
          ...vote(500, 2, 0, 3, 0, 0),
        ],
        want: [],
        options: noST,
      },
      {
        name: 'handlers that overlapped: which one changed the log last is unknown',
        log: [
          ...boot(3),
          ...elect(10, 0, 1, [1]),
          ...append(30, 0, 2, 1, { entries: [entry(1, 'a'), entry(1, 'b')] }),
          ...elect(200, 1, 2, [0]),
          ...slow,
          ...append(211, 1, 2, 2, { prev: 2, prevTerm: 1 }),
          answered(212, slow),
          crash(300, 2),
          start(2, 310, 2),
          ...vote(500, 2, 0, 3, 1, 2),
        ],
        want: [],
        options: { policy: { ST: 'off', LM: 'off' } },
      },
      {
        name: 'L09: a restarted follower refuses entries whose previous entry it had acknowledged',
        log: [...restarted2, ...append(200, 0, 2, 1, { prev: 1, prevTerm: 1, commit: 1 }, false)],
        want: [
          {
            check: 'DUR',
            servers: [2],
            t: 200,
            says:
              "server 2 refused server 0's term-1 AppendEntries with prevLogIndex=1 prevLogTerm=1, but before its crash at t=100 ms (restarted at t=110 ms), " +
              "in its success reply to server 0's term-1 AppendEntries at t=40 ms, it had acknowledged holding index 1 term 1: Figure 2 keeps currentTerm, votedFor and log[] on stable storage",
          },
        ],
      },
      {
        name: 'L09: a restarted server stands with a log shorter than it acknowledged',
        log: [...restarted2, ...vote(500, 2, 1, 2, 0, 0, false)],
        want: [{ check: 'DUR', servers: [2], t: 500, says: "server 2's term-2 RequestVote describes a log ending at index 0 term 0, but before its crash" }],
        options: noST,
      },
      {
        name: 'a restarted server that forgot its vote grants another candidate in the same term',
        log: [...boot(3), ...rv(10, 0, 1, 1), crash(20, 1), start(1, 30, 2), ...rv(40, 2, 1, 1)],
        want: [
          {
            check: 'DUR',
            servers: [1],
            t: 40,
            says: "server 1 granted its term-1 vote to server 2, but before its crash at t=20 ms (restarted at t=30 ms), in its reply to server 0's term-1 RequestVote at t=10 ms, it had granted it to server 0",
          },
          { check: 'V1', servers: [1, 0, 2] },
        ],
        options: only('DUR', 'V1'),
      },
      {
        name: 'a restarted server that forgot its term answers getState() with a lower one',
        log: [...boot(3), ...rv(10, 0, 1, 3), crash(20, 1), start(1, 30, 2), state(40, 1, 0, false)],
        want: [
          {
            check: 'DUR',
            servers: [1],
            t: 40,
            says: "server 1 answered getState() with term 0, but before its crash at t=20 ms (restarted at t=30 ms), in its reply to server 0's term-3 RequestVote at t=10 ms, it had answered with term 3",
          },
          { check: 'TM', servers: [1] },
        ],
        options: only('DUR', 'TM'),
      },
      {
        name: 'a restarted leader sends another entry where it had acknowledged one',
        log: [...restarted2, ...vote(500, 2, 1, 2, 1, 1), ...append(510, 2, 1, 2, { entries: [entry(2, 'x')] })],
        want: [{ check: 'DUR', servers: [2], t: 510, says: 'server 2 sent a term-2 AppendEntries with a term-2 entry at index 1, but before its crash' }],
        options: only('DUR'),
      },
      {
        name: "a restarted leader's start() shows its log lost what it acknowledged",
        log: [...restarted2, ...vote(500, 2, 1, 2, 1, 1), submit(510, 2, 'x', 1, 2, true, 2)],
        want: [
          { check: 'DUR', servers: [2], t: 510, says: 'start() on leader 2 of term 2 returned index 1, so its log ended at index 0, but before its crash' },
        ],
        options: only('DUR'),
      },
      {
        name: 'within one incarnation a refusal is not a durability matter (RF judges it)',
        log: [...acked, ...append(200, 0, 2, 1, { prev: 1, prevTerm: 1 }, false)],
        want: [{ check: 'RF', servers: [2] }],
      },
    ];
    table(rows);
  });

  describe('SMS, AO and LC across restarts', function () {
    const rows: Row[] = [
      {
        name: 'SMS: a restarted server applies another command where it had applied one',
        log: [...restarted2, apply(200, 2, 1, 'z', 2)],
        want: [{ check: 'SMS', servers: [2, 0], t: 200, says: 'commit index=1 server=2 "z" != server=0 "a"' }],
        options: only('SMS'),
      },
      {
        name: "SMS: a zombie's late apply of another command",
        log: [...acked, crash(100, 1), apply(101, 1, 2, 'z'), submit(110, 0, 'b', 2, 1), apply(120, 0, 2, 'b')],
        want: [{ check: 'SMS', servers: [0, 1], t: 120 }],
        options: only('SMS'),
      },
      {
        name: 'AO: a restarted server applies again from 1, in order',
        log: [...restarted2, apply(200, 2, 1, 'a', 2)],
        want: [],
        options: only('AO'),
      },
      {
        name: 'AO, L13: a killed incarnation still applies, before and after its server restarted',
        log: [
          ...boot(3),
          apply(10, 0, 1, 'a'),
          crash(20, 0),
          apply(21, 0, 2, 'b', 1),
          start(0, 30, 2),
          apply(31, 0, 1, 'a', 2),
          crash(40, 1),
          start(1, 50, 2),
          apply(60, 1, 1, 'a', 1),
        ],
        want: [
          {
            check: 'AO',
            servers: [0],
            t: 21,
            says: 'server 0 apply out of order 2: incarnation 1 applied index 2 after it was killed (at t=20 ms): a killed server keeps applying',
          },
          {
            check: 'AO',
            servers: [1],
            t: 60,
            says: 'server 1 apply out of order 1: incarnation 1 applied index 1 after it was killed (and the server restarted since)',
          },
        ],
        options: only('AO'),
      },
      {
        name: 'LC: a restarted leader that lost a committed entry of its own',
        log: [
          ...boot(3),
          ...elect(10, 0, 1, [1]),
          submit(20, 0, 'a', 1, 1),
          ...append(30, 0, 1, 1, { entries: [entry(1, 'a')] }),
          apply(31, 0, 1, 'a'),
          crash(40, 0),
          start(0, 50, 2),
          ...vote(500, 0, 2, 2, 0, 0),
          ...append(510, 0, 2, 2, { entries: [entry(2, 'b')] }),
        ],
        want: [
          {
            check: 'LC',
            servers: [0, 0],
            term: 2,
            t: 510,
            says: 'leader 0 of term 2 holds "b" (term 2) there, but server 0 had applied "a" (term 1) at index 1',
          },
        ],
        options: only('LC', 'DUR'),
      },
    ];
    table(rows);
  });
});
