// --report for the stress loop: the campaign's summary and figures as the
// report page's input (see tester/report/campaign-report.ts).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CampaignFigures, ReportInput } from '../report/campaign-report.ts';
import { pagePath } from './artifacts.ts';
import type { StressSummary } from './summary.ts';

export function stressReportInput(summary: StressSummary, figures: CampaignFigures | undefined, verdict: string): ReportInput {
  return {
    title: `stress campaign: ${summary.tests.map((t) => t.name).join(', ')}`,
    lines: [
      verdict,
      `seed ${summary.seed} | raft ${summary.raft} | clock ${summary.clock} | checks ${summary.checks ?? 'all'} | shard ${summary.shard} | ${summary.wallSeconds} s`,
    ],
    sections: summary.tests.map((t) => ({
      name: t.name,
      total: t.total,
      failed: t.failed,
      checks: t.checks ?? {},
      // Only the kept failures are listed: past --keep a campaign may have thousands, counted in the chart by check.
      failures: t.failures
        .filter((f) => f.log !== undefined)
        .map((f) => {
          // A kept failure's page sits beside its log (written only when it had a trace).
          const page = resolve(pagePath(f.log as string));
          return { label: `#${f.iteration} seed ${f.seed}`, check: f.check, message: f.message, page: existsSync(page) ? page : undefined };
        }),
      figures: figures?.get(t.name),
      unit: 'iteration',
      clockLabel: summary.clock === 'virtual' ? 'Virtual time' : 'Time',
    })),
  };
}
