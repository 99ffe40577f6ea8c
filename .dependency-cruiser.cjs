// The house's floors, bottom to top, as import rules (npm run deps; .ci/run):
//   runtime -> labrpc, raft -> the tester's core (config layer, cluster,
//   monitors, lab tests) -> what renders a run (trace, report) -> what runs
//   one (tester/execution: one iteration, one scenario, the pool) -> the
//   drivers (stress, fuzz, replay, the trace command, mocha's entry, init)
//   -> bench, test, examples.
// An import may only run down the house, never up, and never in a circle.
const DRIVERS = '^tester/(stress|fuzz|replay)/|^tester/trace/cli[^/]*\\.ts$|^tester/(mocha|init-cli|typecheck-cli)\\.ts$';
const EXECUTION = '^tester/execution/';
const OUTPUTS = '^tester/(trace|report)/';
const ABOVE_CORE = `${DRIVERS}|${EXECUTION}|${OUTPUTS}`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'A cycle makes two modules one.', from: {}, to: { circular: true } },
    {
      name: 'runtime-is-the-ground-floor',
      severity: 'error',
      comment: 'Clocks and random streams know nothing of the network, Raft or the tester.',
      from: { path: '^runtime/' },
      to: { path: '^(labrpc|raft|tester|test|bench|examples)/' },
    },
    {
      name: 'labrpc-knows-only-runtime',
      severity: 'error',
      comment: 'The network carries messages; it knows no Raft and no tester.',
      from: { path: '^labrpc/' },
      to: { path: '^(raft|tester|test|bench|examples)/' },
    },
    {
      name: 'raft-knows-only-runtime',
      severity: 'error',
      comment: 'A Raft sees the contract and the runtime, nothing of the harness.',
      from: { path: '^raft/' },
      to: { path: '^(labrpc|tester|test|bench|examples)/' },
    },
    {
      name: 'monitors-only-read-events',
      severity: 'error',
      comment: 'Monitors judge the record of events; they do not drive the cluster.',
      from: { path: '^tester/monitors/' },
      to: { path: '^tester/(cluster/|config\\.ts|lab[^/]*\\.ts|own-tests\\.ts|tests\\.ts|execution/|stress/|fuzz/|replay/|trace/|report/)' },
    },
    {
      name: 'core-below-what-runs-it',
      severity: 'error',
      comment: 'The config layer, cluster, monitors and lab tests know nothing of what runs or renders them.',
      from: { path: '^tester/', pathNot: ABOVE_CORE },
      to: { path: ABOVE_CORE },
    },
    {
      name: 'outputs-below-execution',
      severity: 'error',
      comment: 'Traces and reports render what they are given; they run nothing.',
      from: { path: OUTPUTS, pathNot: DRIVERS },
      to: { path: `${DRIVERS}|${EXECUTION}` },
    },
    {
      name: 'execution-below-drivers',
      severity: 'error',
      comment: 'One iteration, one scenario and the pool serve every driver and import none.',
      from: { path: EXECUTION },
      to: { path: DRIVERS },
    },
    {
      name: 'drivers-side-by-side',
      severity: 'error',
      comment: 'The stress loop, the fuzzer and replay stand beside each other on the execution floor.',
      from: { path: '^tester/(stress|fuzz|replay)/' },
      to: { path: '^tester/(stress|fuzz|replay)/', pathNot: '^tester/$1/' },
    },
    {
      name: 'product-never-imports-tests',
      severity: 'error',
      comment: "What users install does not reach into the repository's tests, bench or examples.",
      from: { path: '^(runtime|labrpc|raft|tester|bin)/' },
      to: { path: '^(test|bench|examples)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.cjs', '.js'] },
  },
};
