// The one list of checks and the documentation's tables say the same: every
// check a run can fail with is in docs/monitors.md, once, with the kind
// tester/check-ids.ts gives it, and the page names no check the list lacks.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { CHECKS, CHECK_IDS, MONITOR_CHECKS, isCheckId, isMonitorCheckId, notACheck, type CheckKind } from '../../tester/check-ids.ts';
import { ROOT } from '../support/run-cli.ts';

/** Every row of the page's check tables (`| ids | what | kind (parts) |`), as id → kind. */
function documentedKinds(page: string): Map<string, string[]> {
  const kinds = new Map<string, string[]>();
  for (const line of page.split('\n')) {
    const cells = /^\|([^|]+)\|.*\|([^|]+)\|$/.exec(line);
    if (cells === null) continue;
    const ids = (cells[1] as string).trim();
    // The tables' rows start with ids in capitals (ES; NET, RAFT; REAL-IO); headers and rules do not.
    if (!/^[A-Z][A-Z0-9-]*(, [A-Z][A-Z0-9-]*)*$/.test(ids)) continue;
    const kind = (cells[2] as string).trim().replace(/ \(.*\)$/, '');
    for (const id of ids.split(', ')) kinds.set(id, [...(kinds.get(id) ?? []), kind]);
  }
  return kinds;
}

describe('the checks: one list, one kind each, documented', function () {
  const page = readFileSync(`${ROOT}docs/monitors.md`, 'utf8');
  const documented = documentedKinds(page);

  it('docs/monitors.md gives every check, once, with the kind tester/check-ids.ts gives it', function () {
    const expected = Object.fromEntries(CHECK_IDS.map((id): [string, CheckKind[]] => [id, [CHECKS[id].kind]]));
    expect(Object.fromEntries(documented)).to.deep.equal(expected);
  });

  it('tells the monitors apart from the other checks', function () {
    expect(CHECK_IDS.filter(isMonitorCheckId)).to.deep.equal(Object.keys(MONITOR_CHECKS));
    expect(CHECK_IDS.filter((id) => !isMonitorCheckId(id))).to.deep.equal(['LAB', 'WATCHDOG', 'CRASH', 'REAL-IO', 'HARNESS']);
  });

  it('knows a check read from a file only by its own ids', function () {
    for (const id of CHECK_IDS) expect(isCheckId(id), id).to.equal(true);
    for (const bad of ['es', 'RND', 'toString', '', undefined, 3]) expect(isCheckId(bad), String(bad)).to.equal(false);
    expect(notACheck('RND')).to.match(/^"RND" is not one of this harness's checks \(ES, V1, .*, HARNESS\)$/);
  });
});
