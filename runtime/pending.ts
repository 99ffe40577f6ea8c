// A pending promise and its resolve, without a closure per promise. The
// simulator makes one for every sleep and every RPC, so the executor is one
// shared function that hands the resolve over through a variable: executors
// run at once, inside the Promise constructor, so nothing can come between
// pendingPromise() and takeResolve().

let captured: ((value: never) => void) | undefined;

function capture(resolve: (value: never) => void): void {
  captured = resolve;
}

/** A new pending promise: call takeResolve() at once for its resolve. */
export function pendingPromise<T>(): Promise<T> {
  return new Promise<T>(capture);
}

/** The resolve of the promise pendingPromise() just made. */
export function takeResolve<T>(): (value: T) => void {
  const resolve = captured as unknown as (value: T) => void;
  captured = undefined;
  return resolve;
}
