// Fault kind `partition`: the cluster split into up to 3 groups. One group
// drawn per possible server, so that the same draw partitions any cluster size.
import fc from 'fast-check';
import { MAX_SERVERS } from '../../execution/scenario.ts';

export type RawPartition = { op: 'partition'; groupOf: number[] };

export const rawPartitionArb: fc.Arbitrary<RawPartition> = fc.record({
  op: fc.constant('partition' as const),
  groupOf: fc.array(fc.nat({ max: 2 }), { minLength: MAX_SERVERS, maxLength: MAX_SERVERS }),
});
