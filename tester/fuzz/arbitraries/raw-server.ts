// A server as a step draws it: any natural, mapped onto the cluster (modulo
// n) only once the scenario's size is known, so that a step stays valid
// however fast-check shrinks the cluster.
import fc from 'fast-check';

export const rawServerArb: fc.Arbitrary<number> = fc.nat({ max: 1000 });
