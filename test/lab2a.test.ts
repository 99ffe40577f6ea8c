// The lab's three 2A tests, run as `go test -run 2A` would (real time, once
// each), then over many seeds in virtual time.
import { registerLabPart } from './support/lab-part-tests.ts';

registerLabPart({ part: '2A', defaultSeeds: 100, passedLine: /^ {2}\.\.\. Passed --/ });
