// Fault kind `disconnect`: a server cut off from everyone, or connected again.
import fc from 'fast-check';
import { rawServerArb } from './raw-server.ts';

export type RawDisconnect = { op: 'disconnect' | 'connect'; server: number };

export const rawDisconnectArb: fc.Arbitrary<RawDisconnect> = fc.record({
  op: fc.constantFrom('disconnect' as const, 'connect' as const),
  server: rawServerArb,
});
