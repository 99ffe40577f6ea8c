// Worker threads do not inherit the tsx loader: register it, then load the worker.
import '../tsx-register.mjs';

await import('./worker.ts');
