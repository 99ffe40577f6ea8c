// A fuzz campaign as JUnit XML: one failing test case per finding (its
// check, message, the shrunk counterexample, seed, path and replay command),
// or one passing case for a campaign that found nothing. No times: a
// campaign's wall time varies, and the same seed gives the same file.
import { junitXml, type JUnitCase } from '../junit.ts';
import type { FuzzReport } from './fuzz.ts';

export function fuzzJUnit(report: FuzzReport, raft: string, checkName: (check: string) => string): string {
  const classname = 'raft-harness.fuzz';
  const cases: JUnitCase[] =
    report.findings.length === 0
      ? [
          report.searched === 0
            ? { name: 'no scenario ran', classname, skipped: report.interrupted ? 'interrupted' : 'no scenario ran' }
            : { name: `${report.searched} scenarios, no failure`, classname },
        ]
      : report.findings.map((f) => {
          const lab =
            f.lab === 'fails'
              ? `the lab's checks fail it too${f.labMessage !== undefined && f.check !== 'LAB' ? ` (${f.labMessage})` : ''}`
              : f.lab === 'passes'
                ? "only our monitors fail it (the lab's checks pass)"
                : "the lab's checks: unknown";
          return {
            name: `[${f.check}] ${checkName(f.check)}`,
            classname,
            failure: {
              message: `${firstLine(f.message)} (${f.occurrences} scenario${f.occurrences === 1 ? '' : 's'} failed it; ${lab})`,
              type: f.check,
              text: [
                f.message,
                lab,
                `seed ${f.seed}, path ${f.path}: ${f.scenario.n} servers, ${f.faults} faults`,
                ...f.scenarioText.split('\n').map((l) => `  ${l}`),
                `replay: ${f.replay}`,
              ].join('\n'),
            },
          };
        });
  return junitXml('raft-harness fuzz', [
    {
      name: 'fuzz',
      properties: {
        seed: String(report.seed),
        raft,
        checks: report.checks ?? 'all',
        servers: report.space.servers.join(','),
        faults: report.space.kinds.join(',') || 'none',
        interrupted: String(report.interrupted),
      },
      cases,
    },
  ]);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
