// Which call into the implementation a thread is in, written where another
// thread can read it: a thread stuck in a call can send nothing, so the
// watchdog (on the main thread) reads this slot when it stops one, to name
// the call that never returned. Two plain writes on entry and two on exit,
// into a buffer allocated once: cheap enough for every call.

export const CALL_NONE = 0;
export const CALL_MAKE = 1;
export const CALL_GET_STATE = 2;
export const CALL_START = 3;
export const CALL_KILL = 4;
export const CALL_TIMER = 5;
export const CALL_HANDLER = 6;
export const CALL_SNAPSHOT = 7;

const NAMES = ['', 'make()', 'getState()', 'start()', 'kill()', 'a timer callback', 'an RPC handler', 'snapshot() (called from inside its apply)'];

/** [call, server] (server -1 when unknown). A worker thread replaces it with one on a SharedArrayBuffer. */
let slot: Int32Array<ArrayBufferLike> = new Int32Array(2);

/** A buffer for the slot, to be shared with the thread that watches this one. */
export function shareCallSlot(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  slot = new Int32Array(buffer);
  return buffer;
}

/** Marks the call entered; returns what was in progress before, for leaveCall (calls nest: a handler inside a network timer). */
export function enterCall(call: number, server: number): number {
  const before = (slot[0] as number) * 65536 + ((slot[1] as number) + 1);
  slot[0] = call;
  slot[1] = server;
  return before;
}

/** The call this thread is in now: [call, server] (CALL_NONE when none; server -1 when unknown). */
export function currentCall(): readonly [number, number] {
  return [slot[0] as number, slot[1] as number];
}

export function leaveCall(before: number): void {
  slot[0] = Math.floor(before / 65536);
  slot[1] = (before % 65536) - 1;
}

/** What a shared slot says the thread is in ("server 0's timer callback"), or undefined when it is in none. */
export function describeCall(buffer: SharedArrayBuffer): string | undefined {
  const view = new Int32Array(buffer);
  const call = view[0] as number;
  const server = view[1] as number;
  if (call === CALL_NONE) return undefined;
  const name = NAMES[call] ?? `call ${call}`;
  return server < 0 ? name : call === CALL_TIMER || call === CALL_HANDLER ? `${name} of server ${server}` : `server ${server}'s ${name}`;
}
