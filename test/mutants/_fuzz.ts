import { fuzzRaft } from './harness.ts';
const files: Record<string, string> = { L01: 'l01-truncates-always', L02: 'l02-commits-old-term', L03: 'l03-commit-uncapped', L05: 'l05-ignores-prev-term', L06: 'l06-votes-for-stale-logs', L11: 'l11-backs-up-one-by-one', L12: 'l12-applies-twice', L17: 'l17-start-index-off-by-one', REF: '../../raft/raft' };
for (const id of process.argv.slice(2)) {
  const m = await import(`./${files[id] ?? id}.ts`);
  const f = await fuzzRaft(m.make, { runs: Number(process.env.RUNS ?? 100), timeSeconds: Number(process.env.SECS ?? 60), shrinkSeconds: 3, seed: Number(process.env.SEED ?? 20261126) });
  console.log(id, 'found', f.found, 'check', f.check, 'after', f.scenariosUntilFound, 'scen', f.scenarios, (f.wallMs/1000).toFixed(1)+'s');
  if (f.found) console.log(f.message?.slice(0, 700), '\n', f.scenarioText);
}
