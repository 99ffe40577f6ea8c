// E16: "The leader sends heartbeats every 20 ms."
// Expected: HB.
//
// BUG (E16): HeartBeatSendTime = 20 ms instead of the design's 110 ms. The
// design's ticker wakes every 30 ms (ElectionSleepTime), so a leader's
// heartbeats go out every 30 ms: 33 a second to each follower, the lab
// allows 10.
import { makeVariant } from './variant.ts';
import { Raft } from '../../raft/raft.ts';

export const FAST_HEARTBEAT_MS = 20;

export const make = makeVariant(Raft, { heartbeatMs: FAST_HEARTBEAT_MS });
export { persists } from './variant.ts';
