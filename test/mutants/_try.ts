import { stressRaft } from '/work/wt/logmon/test/mutants/harness.ts';
import { LAB_2B_TESTS } from '/work/wt/logmon/tester/lab2b.ts';
const ids = process.argv.slice(2);
const files: Record<string, string> = { L01: 'l01-truncates-always', L02: 'l02-commits-old-term', L03: 'l03-commit-uncapped', L05: 'l05-ignores-prev-term', L06: 'l06-votes-for-stale-logs', L11: 'l11-backs-up-one-by-one', L12: 'l12-applies-twice', L17: 'l17-start-index-off-by-one', REF: '../../raft/raft' };
for (const id of ids) {
  const m = await import(`/work/wt/logmon/test/mutants/${files[id]}.ts`);
  const s = await stressRaft(m.make, { tests: LAB_2B_TESTS, seeds: Number(process.env.SEEDS ?? 3), baseSeed: 20261126 });
  console.log(id, s.iterations, s.failed, JSON.stringify(s.byCheck), JSON.stringify(s.byTest), s.first?.message, s.first?.replay, (s.wallMs/1000).toFixed(1)+'s');
}
