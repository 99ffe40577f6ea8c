// The column printer: one column per server (10 here), widths from the
// terminal's, topic filters, the time window, colour; and the input errors.
import { expect } from 'chai';
import { makeConfig } from '../../tester/config.ts';
import { parseTopics, renderColumns, wrap } from '../../tester/trace/columns.ts';
import { TraceInputError, parseTrace } from '../../tester/trace/input.ts';
import { TraceRecorder } from '../../tester/trace/recorder.ts';

const ANSI = /\x1b\[[0-9;]*m/;

/** A 10-server cluster electing a leader, recorded. */
async function tenServerTrace(): Promise<string> {
  const recorder = new TraceRecorder();
  const cfg = makeConfig(10, false, { seed: 42, print: () => {}, record: recorder.record });
  try {
    await cfg.checkOneLeader();
    cfg.disconnect(9);
    await cfg.sleep(300);
  } finally {
    await cfg.cleanup();
  }
  return `# test: ten servers\n${recorder.text()}`;
}

describe('trace columns', function () {
  let ten: ReturnType<typeof parseTrace>;
  before(async function () {
    ten = parseTrace(await tenServerTrace(), 'ten.log');
  });

  it('gives each of 10 servers its own column, with S9 at its place', function () {
    expect(ten.n).to.equal(10);
    expect(ten.header).to.deep.equal(['test: ten servers']);
    const rows = renderColumns(ten.lines, { n: 10, width: 160 });
    const timeWidth = 7; // "  12345 "
    const column = Math.floor((160 - timeWidth) / 10);
    const head = rows[0] as string;
    for (let s = 0; s < 10; s++) expect(head.indexOf(`S${s}`), `header of S${s}`).to.equal(timeWidth + s * column);
    // Every server's lines start in its own column.
    for (let s = 0; s < 10; s++) {
      const ownLines = ten.lines.filter((l) => l.server === s);
      expect(ownLines.length, `lines of S${s}`).to.be.greaterThan(0);
    }
    const disconnected = rows.find(
      (r) =>
        r.includes('DISCONNECTED') && r.trimStart().startsWith(String(ten.lines.find((l) => l.server === 9 && l.detail.event === 'disconnect' && l.t > 0)?.t)),
    );
    expect(disconnected, 'the row of S9’s disconnection').to.not.equal(undefined);
    expect((disconnected as string).indexOf('DISCONNECTED')).to.equal(timeWidth + 9 * column);
    for (const row of rows) expect([...row].length, row).to.be.at.most(160);
    // Test-wide lines take the full width from the time on.
    const step = rows.find((r) => r.includes('── checkOneLeader')) as string;
    expect(step.indexOf('──')).to.equal(timeWidth);
  });

  it('adapts the column width to the terminal’s width', function () {
    const narrow = renderColumns(ten.lines, { n: 10, width: 100 });
    const head = narrow[0] as string;
    expect(head.indexOf('S1') - head.indexOf('S0')).to.equal(9);
    for (const row of narrow.slice(1)) expect([...row].length, row).to.be.at.most(100);
    // A heartbeat to nine peers wraps inside its column.
    const wide = renderColumns(ten.lines, { n: 10, width: 400 });
    expect((wide[0] as string).indexOf('S1') - (wide[0] as string).indexOf('S0')).to.equal(39);
  });

  it('merges one message to several peers at an instant into one line', function () {
    const rows = renderColumns(ten.lines, { n: 10, width: 400, only: new Set(['heartbeat']) });
    expect(
      rows.some((r) => /AE→S\d(,S\d){7,8} T\d+/.test(r)),
      rows.slice(0, 5).join('\n'),
    ).to.equal(true);
  });

  it('filters by topic: --only and --ignore, kinds and groups', function () {
    // The first row of each line (continuation rows have no time).
    const firstRows = (rows: string[]): string[] => rows.slice(2).filter((r) => r.slice(0, 7).trim() !== '');
    const onlyVotes = firstRows(renderColumns(ten.lines, { n: 10, width: 160, only: parseTopics('votes'), all: true }));
    expect(onlyVotes.length).to.be.greaterThan(0);
    expect(
      onlyVotes.every((r) => /RV→|vote|deny|denied/.test(r)),
      onlyVotes.slice(0, 8).join('\n'),
    ).to.equal(true);
    const noHeartbeats = renderColumns(ten.lines, { n: 10, width: 160, ignore: parseTopics('heartbeats, term') });
    expect(noHeartbeats.some((r) => /AE/.test(r))).to.equal(false);
    expect(noHeartbeats.some((r) => /term \d+→/.test(r))).to.equal(false);
    expect(noHeartbeats.some((r) => /RV→/.test(r))).to.equal(true);
    expect([...parseTopics('TIMR,lead,drop')].sort()).to.deep.equal(['drop', 'leader', 'timer']);
    expect(() => parseTopics('votes,bogus')).to.throw(/unknown topic "bogus"/);
  });

  it('shows only the time window', function () {
    const rows = renderColumns(ten.lines, { n: 10, width: 160, from: 100, to: 400 });
    const times = rows
      .slice(2)
      .map((r) => r.slice(0, 7).trim())
      .filter((t) => t !== '')
      .map(Number);
    expect(times.length).to.be.greaterThan(0);
    for (const t of times) expect(t).to.be.within(100, 400);
  });

  it('hides the link toggles a connect implies unless asked', function () {
    const quiet = renderColumns(ten.lines, { n: 10, width: 160 });
    const all = renderColumns(ten.lines, { n: 10, width: 160, all: true });
    expect(quiet.some((r) => r.includes('link→'))).to.equal(false);
    expect(all.some((r) => r.includes('link→'))).to.equal(true);
  });

  it('colours by topic only when asked', function () {
    expect(renderColumns(ten.lines, { n: 10, width: 160 }).some((r) => ANSI.test(r))).to.equal(false);
    const coloured = renderColumns(ten.lines, { n: 10, width: 160, color: true });
    const leader = coloured.find((r) => r.includes('LEADER')) as string;
    expect(leader).to.match(ANSI);
    expect(leader).to.include('\x1b[1m'); // bold
  });

  it('wraps at spaces, and cuts words longer than the column', function () {
    expect(wrap('vote for S2 T13', 8)).to.deep.equal(['vote for', 'S2 T13']);
    expect(wrap('abcdefghij', 4)).to.deep.equal(['abcd', 'efgh', 'ij']);
    expect(wrap('short', 10)).to.deep.equal(['short']);
    expect(wrap('RV→S0,S1,S3,S4,S5 T1', 14)).to.deep.equal(['RV→S0,S1,S3,', 'S4,S5 T1']);
  });
});

describe('reading a trace', function () {
  const failsWith = (text: string, pattern: RegExp): void => {
    expect(() => parseTrace(text, 'f.log')).to.throw(TraceInputError, pattern);
  };

  it('says when the file is empty, or has only a header', function () {
    failsWith('', /^f\.log: empty file/);
    failsWith('\n  \n', /^f\.log: empty file/);
    failsWith('# test: X\n# seed: 1\n', /^f\.log: empty trace: 2 header line\(s\) but no events/);
  });

  it('names the line and the problem of a malformed line', function () {
    const good = '{"kind":"cluster","t":0,"n":3,"seed":1,"clock":"virtual"}';
    failsWith(`# header\n${good}\n{"kind":"state","t":1,`, /^f\.log:3: malformed line: not JSON/);
    failsWith(`${good}\n[1,2]`, /^f\.log:2: malformed line: expected a JSON object/);
    failsWith(`${good}\n\n{"t":4}`, /^f\.log:3: malformed line: no "kind" field/);
    failsWith(`${good}\n{"kind":"teleport","t":4}`, /^f\.log:2: malformed line: unknown event kind "teleport"/);
    failsWith(`${good}\n{"kind":"state","t":5,"server":"x","term":1,"isLeader":true}`, /^f\.log:2: .*"state" event needs "server" to be a number; got "x"/);
    failsWith(`${good}\n{"kind":"connect","server":1}`, /^f\.log:2: .*needs "t" to be a number; it is missing/);
    failsWith(
      '{"t":0,"server":null,"kind":"step","term":null,"role":null,"detail":{}}\n{"t":1,"server":0,"kind":"nap","term":1,"role":"leader","detail":{}}',
      /^f\.log:2: malformed line: unknown kind "nap"/,
    );
    failsWith(
      '{"t":0,"server":null,"kind":"step","term":null,"role":null,"detail":{}}\n' + good,
      /^f\.log:2: malformed line: a raw event in a structured trace/,
    );
  });

  it('skips header and blank lines and counts servers from the cluster event', function () {
    const parsed = parseTrace('# a\n\n{"kind":"cluster","t":0,"n":4,"seed":1,"clock":"virtual"}\r\n', 'f');
    expect(parsed.header).to.deep.equal(['a']);
    expect(parsed.n).to.equal(4);
    expect(parsed.format).to.equal('raw');
  });
});
