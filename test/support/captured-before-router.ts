// Imports a module that copies the global timers when it loads before any of
// the harness does (so before the harness could route them), then runs one
// iteration of it in virtual time and prints the result as JSON.
import { make } from '../fixtures/captured-timers-raft.ts';
import { LAB_2A_TESTS } from '../../tester/lab2a.ts';
import { runIteration } from '../../tester/execution/iteration.ts';
import { inProcessRaft } from '../../tester/raft-module.ts';

const result = await runIteration(LAB_2A_TESTS[0]!, 1, { raft: inProcessRaft(make, { timers: 'global' }) });
console.log(JSON.stringify({ ok: result.ok, check: result.check, message: result.message }));
process.exit(0);
