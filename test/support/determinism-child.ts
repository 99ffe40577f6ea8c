// Runs the determinism scenario for the seed given as the only argument and
// prints the hash of its log and its length (used by the determinism test,
// which runs it in a fresh process).
//   node --import tsx test/support/determinism-child.ts 2026
import { parseSeed } from '../../runtime/random.ts';
import { hashLog, runScenario } from './determinism-scenario.ts';

const seed = parseSeed(process.argv[2] ?? '');
const log = await runScenario(seed);
process.stdout.write(`${JSON.stringify({ seed, hash: hashLog(log), lines: log.length })}\n`);
