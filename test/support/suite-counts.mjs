// The counts at the end of a mocha pass (its spec reporter's "N passing" and
// "N failing" lines), so that npm test, which runs two passes, can end with
// one line over both: `N passed, N failed` (CI reads that line).

// eslint-disable-next-line no-control-regex -- colour codes are control characters
const ANSI = /\u001b\[[0-9;]*m/g;

/** Adds the counts of one line of mocha's output to `counts` (a line that is neither leaves them). */
export function countLine(line, counts) {
  const plain = line.replace(ANSI, '');
  const passing = /^\s*(\d+) passing\b/.exec(plain);
  if (passing !== null) counts.passed += Number(passing[1]);
  const failing = /^\s*(\d+) failing\b/.exec(plain);
  if (failing !== null) counts.failed += Number(failing[1]);
}

/** The final line over every pass. */
export function totalLine(counts) {
  return `${counts.passed} passed, ${counts.failed} failed`;
}
