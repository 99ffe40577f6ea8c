// An emulated network in the style of the lab's labrpc. The order of the
// steps, the delays and the probabilities are the lab's (see the comments on
// processRequest); the one-way links, partitions, duplication and held
// replies are extras, off by default, so the lab's tests see the lab's network.
import { CALL_HANDLER, enterCall, leaveCall } from '../runtime/in-call.ts';
import type { Clock, Timer } from '../runtime/clock.ts';
import type { Random } from '../runtime/random.ts';
import type { FailReason, Host, NetEvent, NetListener } from './events.ts';
import { encode, type Encoded } from './codec.ts';
import { pendingPromise, takeResolve } from '../runtime/pending.ts';
import type { Server } from './service.ts';

/** Faults of an unreliable network. LAB_UNRELIABLE is what the lab uses. */
export interface UnreliableProfile {
  /** Probability that a request is lost. */
  requestDropRate: number;
  /** Probability that a reply is lost. */
  replyDropRate: number;
  /** A request waits a uniform 0..maxDelayMs before it is processed. */
  maxDelayMs: number;
}

export const LAB_UNRELIABLE: Readonly<UnreliableProfile> = { requestDropRate: 0.1, replyDropRate: 0.1, maxDelayMs: 26 };

/** The lab's fixed numbers, named once. */
export const LAB_TIMING = {
  /** A failed call with longDelays returns after a uniform 0..6999 ms. */
  longFailMaxMs: 6999,
  /** A failed call without longDelays returns after a uniform 0..99 ms. */
  shortFailMaxMs: 99,
  /** How often a running handler's server is checked for death. */
  deadCheckMs: 100,
  /** Beyond the lab: a handler still running after this long is reported (once). */
  stuckHandlerMs: 1000,
  /** With long reordering, 600 of 900 replies are delayed... */
  reorderShare: [600, 900] as const,
  /** ...by 200 + rand(0 .. rand(0..1999)) ms. */
  reorderBaseMs: 200,
  reorderSpreadMs: 2000,
} as const;

export class ClientEnd {
  /** @internal */ enabled = false;
  /** @internal */ server: Host | undefined = undefined;

  constructor(
    readonly name: string,
    /** The host that calls through this end (for one-way links and events). */
    readonly owner: Host | undefined,
    private readonly net: Network,
  ) {}

  /**
   * Sends an RPC. Resolves to the reply, or to null for failure (the lab's
   * `false`). Never rejects, has no timeout of its own, and resolves unless
   * the handler never returns.
   */
  call<Reply = unknown>(svcMeth: string, args: unknown): Promise<Reply | null> {
    return this.net.send(this, svcMeth, args) as Promise<Reply | null>;
  }
}

interface Request {
  id: number;
  end: ClientEnd;
  method: string;
  encoded: Encoded;
  /** The arguments as the wire carried them: what events show. */
  args: unknown;
  resolve: (reply: unknown) => void;
  // Read once when processing starts, as the lab does.
  server: Server | undefined;
  serverName: Host | undefined;
  reliable: boolean;
  longReordering: boolean;
}

export class Network {
  private reliableNet = true;
  private longDelaysOn = false;
  private longReorderingOn = false;
  private profile: UnreliableProfile = { ...LAB_UNRELIABLE };
  private duplicateRate = 0;
  private readonly ends = new Map<string, ClientEnd>();
  private readonly servers = new Map<Host, Server>();
  private readonly downLinks = new Set<string>();
  private holdRule: { hosts: ReadonlySet<Host>; ms: number } | undefined;
  /** Replies held by the hold rule, in the order they were held (a Map keeps insertion order). */
  private readonly held = new Map<number, { req: Request; encoded: Encoded; timer: Timer }>();
  private listeners: NetListener[] = [];
  private closed = false;
  private nextId = 0;
  private totalCount = 0;
  private totalBytes = 0;
  /** Requests sent and not yet processed (from queuedHead on), in the order their microtasks run. */
  private readonly queued: Request[] = [];
  private queuedHead = 0;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  // ---- configuration, as in the lab ----

  reliable(yes: boolean): void {
    this.reliableNet = yes;
  }
  longDelays(yes: boolean): void {
    this.longDelaysOn = yes;
  }
  longReordering(yes: boolean): void {
    this.longReorderingOn = yes;
  }

  isReliable(): boolean {
    return this.reliableNet;
  }
  isLongReordering(): boolean {
    return this.longReorderingOn;
  }
  getDuplicateRate(): number {
    return this.duplicateRate;
  }
  getUnreliableProfile(): UnreliableProfile {
    return { ...this.profile };
  }

  // ---- extras, off by default ----

  /** The faults used while the network is unreliable (default: the lab's). */
  setUnreliableProfile(profile: UnreliableProfile): void {
    for (const rate of [profile.requestDropRate, profile.replyDropRate]) checkRate(rate, 'drop rate');
    if (!(profile.maxDelayMs >= 0)) throw new Error(`labrpc: maxDelayMs must be >= 0, got ${profile.maxDelayMs}`);
    this.profile = { ...profile };
  }

  /** Probability that a delivered request is delivered a second time. */
  setDuplicateRate(rate: number): void {
    checkRate(rate, 'duplicate rate');
    this.duplicateRate = rate;
  }

  /** Cuts or restores the one-way link from one host to another. */
  setLink(from: Host, to: Host, up: boolean): void {
    this.assertOpen('setLink');
    const key = linkKey(from, to);
    if (up ? this.downLinks.delete(key) : !this.downLinks.has(key) && this.downLinks.add(key)) {
      this.emit({ kind: 'link', t: this.clock.now(), from, to, up });
    }
  }

  /**
   * A nemesis's fault: from now on, each reply that a host of `hosts` sends
   * to a caller that is also one of `hosts` is held `ms` before it is
   * delivered (instead of the long reordering's draw), whatever happens to
   * the links meanwhile, as a reply already on the wire would be. The lab's
   * long reordering delays a reply by up to 2.2 s; holding the replies inside
   * one group for that long, while the cluster elects and re-elects around
   * it, delivers them after it has moved on (Raft §5.1: a reply of an earlier
   * term may arrive at any time). Replaces any earlier rule; replies held
   * under it keep their time.
   */
  holdReplies(hosts: readonly Host[], ms: number): void {
    this.assertOpen('holdReplies');
    if (!(ms >= 0)) throw new Error(`labrpc: holdReplies: ms must be >= 0, got ${ms}`);
    this.holdRule = { hosts: new Set(hosts), ms };
  }

  /** Stops holding replies and delivers every held one now, in the order they were held. Returns how many. */
  releaseReplies(): number {
    this.holdRule = undefined;
    const held = [...this.held.values()];
    this.held.clear();
    for (const h of held) {
      h.timer.cancel();
      if (!this.closed) this.deliverReply(h.req, h.encoded);
    }
    return this.closed ? 0 : held.length;
  }

  /** The hold rule in force, if any. */
  getHold(): { hosts: Host[]; ms: number } | undefined {
    return this.holdRule === undefined ? undefined : { hosts: [...this.holdRule.hosts], ms: this.holdRule.ms };
  }

  linkUp(from: Host | undefined, to: Host | undefined): boolean {
    return this.downLinks.size === 0 || from === undefined || to === undefined || !this.downLinks.has(linkKey(from, to));
  }

  /** True when the network adds no fault but disabled ends: no loss, no delay, no duplicate, no cut link, no held reply. */
  isCalm(): boolean {
    return (
      this.reliableNet && !this.longReorderingOn && this.duplicateRate === 0 && this.downLinks.size === 0 && this.holdRule === undefined && this.held.size === 0
    );
  }

  /**
   * Splits the hosts into groups: links inside a group are up, links between
   * groups are down. Hosts not named keep their links.
   */
  partition(groups: readonly (readonly Host[])[]): void {
    const groupOf = new Map<Host, number>();
    groups.forEach((group, g) => {
      for (const host of group) {
        if (groupOf.has(host)) throw new Error(`labrpc: host ${String(host)} is in two groups of the partition`);
        groupOf.set(host, g);
      }
    });
    for (const [a, ga] of groupOf) for (const [b, gb] of groupOf) if (a !== b) this.setLink(a, b, ga === gb);
  }

  /** Restores every one-way link. */
  healLinks(): void {
    for (const key of [...this.downLinks]) {
      const [from, to] = JSON.parse(key) as [Host, Host];
      this.setLink(from, to, true);
    }
  }

  // ---- ends and servers ----

  makeEnd(name: string, owner?: Host): ClientEnd {
    this.assertOpen('makeEnd');
    if (this.ends.has(name)) throw new Error(`labrpc: makeEnd: an end named '${name}' already exists`);
    const end = new ClientEnd(name, owner, this);
    this.ends.set(name, end);
    return end;
  }

  deleteEnd(name: string): void {
    this.ends.delete(name);
  }

  connect(endName: string, serverName: Host): void {
    this.endNamed(endName, 'connect').server = serverName;
  }

  enable(endName: string, enabled: boolean): void {
    const end = this.endNamed(endName, 'enable');
    if (end.enabled !== enabled) {
      end.enabled = enabled;
      this.emit({ kind: 'end', t: this.clock.now(), end: endName, from: end.owner, to: end.server, enabled });
    }
  }

  addServer(name: Host, server: Server): void {
    this.assertOpen('addServer');
    this.servers.set(name, server);
    this.emit({ kind: 'server', t: this.clock.now(), name, present: true });
  }

  deleteServer(name: Host): void {
    if (this.servers.delete(name)) this.emit({ kind: 'server', t: this.clock.now(), name, present: false });
  }

  /** RPCs received by one server (delivered to a handler). */
  getCount(serverName: Host): number {
    const server = this.servers.get(serverName);
    if (server === undefined) throw new Error(`labrpc: getCount: no server named '${String(serverName)}'`);
    return server.count;
  }

  /** RPCs sent, counted before any check, as in the lab. */
  getTotalCount(): number {
    return this.totalCount;
  }

  /** Bytes of requests sent plus bytes of replies delivered. */
  getTotalBytes(): number {
    return this.totalBytes;
  }

  subscribe(listener: NetListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Shuts the network down: calls fail from now on, other use is an error. */
  cleanup(): void {
    this.closed = true;
  }

  // ---- the life of a call ----

  /** @internal ClientEnd.call */
  send(end: ClientEnd, method: string, args: unknown): Promise<unknown> {
    const id = ++this.nextId;
    const t = this.clock.now();
    const encoded = this.encodeOrReport(args, `arguments of ${method}`);
    const bytes = encoded === undefined ? 0 : encoded.bytes;
    this.totalCount++;
    this.totalBytes += bytes;
    const wireArgs = encoded?.record;
    const from = end.owner;
    const to = end.server;
    this.emit({ kind: 'send', t, id, from, to, method, args: wireArgs, bytes });
    if (this.closed || encoded === undefined) {
      this.emit({ kind: 'fail', t, id, from, to, method, args: wireArgs, reason: encoded === undefined ? 'bad-call' : 'network-closed', afterMs: 0 });
      return Promise.resolve(null);
    }
    const reply = pendingPromise<unknown>();
    this.queued.push({
      id,
      end,
      method,
      encoded,
      args: wireArgs,
      resolve: takeResolve<unknown>(),
      server: undefined,
      serverName: undefined,
      reliable: true,
      longReordering: false,
    });
    void SETTLED.then(this.processQueued);
    return reply;
  }

  // Microtasks run in the order they were queued, so the k-th one queued
  // here takes the k-th request: one method for all, no closure per call.
  // (A settled promise's then() queues one as queueMicrotask would, at the
  // same place, without the AsyncResource Node wraps around each.)
  private readonly processQueued = (): void => {
    const request = this.queued[this.queuedHead++] as Request;
    if (this.queuedHead === this.queued.length) {
      this.queued.length = 0;
      this.queuedHead = 0;
    }
    this.processRequest(request);
  };

  // The lab's processReq, step by step. Connectivity is read once, here.
  // (Steps are methods, not closures: this is the simulator's hot path.)
  private processRequest(req: Request): void {
    const end = req.end;
    const serverName = end.server;
    const server = serverName === undefined ? undefined : this.servers.get(serverName);
    if (!end.enabled || server === undefined || this.closed) {
      // 2. Unreachable: fail after a while, long when longDelays is on.
      this.failLater(req, this.closed ? 'network-closed' : 'unreachable');
      return;
    }
    if (!this.linkUp(end.owner, serverName)) {
      this.failLater(req, 'link-down');
      return;
    }
    req.server = server;
    req.serverName = serverName;
    req.reliable = this.reliableNet;
    req.longReordering = this.longReorderingOn;
    // 1.1 unreliable: a short delay first.
    if (!req.reliable) {
      const ms = this.random.intn(this.profile.maxDelayMs + 1);
      if (ms > 0) {
        this.emit({ kind: 'delay', t: this.clock.now(), id: req.id, from: end.owner, to: serverName, method: req.method, stage: 'request', ms });
        this.clock.setTimer(ms, () => this.deliver(req));
        return;
      }
    }
    this.deliver(req);
  }

  private deliver(req: Request): void {
    // 1.2 unreliable: drop the request.
    if (!req.reliable && this.random.intn(1000) < rateOf(this.profile.requestDropRate)) {
      this.fail(req, 'request-dropped', 0);
      return;
    }
    if (this.duplicateRate > 0 && this.random.chance(this.duplicateRate)) this.duplicate(req);
    this.dispatch(req, false);
  }

  // 1.3 Run the handler; while it runs, check every 100 ms whether the server
  // died for this call; check once more after it returns. A duplicate's
  // outcome goes nowhere: the caller gets the original's.
  private dispatch(req: Request, duplicate: boolean): void {
    const server = req.server as Server;
    const lookup = server.lookup(req.method);
    if ('error' in lookup) {
      this.misuse(`${lookup.error}, called on server ${String(req.serverName)}`);
      if (!duplicate) this.finish(req, undefined, false, 'bad-call');
      return;
    }
    server.count++;
    // A server deleted or replaced since the request was routed to it (crash1,
    // or the end of the run) is a killed instance: its handler still runs, as
    // the lab's dispatch does, but nothing it does is the server's (below).
    if (!this.serverGone(req)) {
      this.emit({ kind: 'deliver', t: this.clock.now(), id: req.id, from: req.end.owner, to: req.serverName, method: req.method, args: req.args, duplicate });
    }
    // The handler gets a copy of its own: events keep req.args as sent.
    const args = req.encoded.copy();
    let result: unknown;
    const before = enterCall(CALL_HANDLER, typeof req.serverName === 'number' ? req.serverName : -1);
    try {
      result = (lookup.handler as (a: unknown) => unknown)(args);
    } catch (error) {
      this.handlerFailed(req, error);
      if (!duplicate) this.finish(req, undefined, this.isDead(req), 'handler-error');
      return;
    } finally {
      leaveCall(before);
    }
    if (isThenable(result)) this.awaitHandler(req, result, duplicate);
    else this.handled(req, result, duplicate);
  }

  private awaitHandler(req: Request, result: PromiseLike<unknown>, duplicate: boolean): void {
    const wait = { settled: false, polls: 0, poll: undefined as { cancel(): void } | undefined };
    const check = (): void => {
      if (wait.settled) return;
      if (this.isDead(req)) {
        wait.settled = true;
        if (!duplicate) this.finish(req, undefined, true, undefined);
        return;
      }
      // Said once: a handler this slow is most likely waiting for something that never comes.
      if (++wait.polls * LAB_TIMING.deadCheckMs === LAB_TIMING.stuckHandlerMs) {
        this.emit({
          kind: 'handler-stuck',
          t: this.clock.now(),
          id: req.id,
          from: req.end.owner,
          to: req.serverName,
          method: req.method,
          ms: LAB_TIMING.stuckHandlerMs,
        });
      }
      wait.poll = this.clock.setTimer(LAB_TIMING.deadCheckMs, check);
    };
    wait.poll = this.clock.setTimer(LAB_TIMING.deadCheckMs, check);
    result.then(
      (reply) => {
        wait.poll?.cancel();
        if (wait.settled) return;
        wait.settled = true;
        this.handled(req, reply, duplicate, true);
      },
      (error: unknown) => {
        wait.poll?.cancel();
        if (wait.settled) return;
        wait.settled = true;
        this.handlerFailed(req, error);
        if (!duplicate) this.finish(req, undefined, this.isDead(req), 'handler-error');
      },
    );
  }

  // A killed instance's answer is no reply (the lab's isServerDead): whatever
  // its handler returned, threw or never settled, the caller sees a failure
  // and no event presents it as the server's answer.
  private handled(req: Request, reply: unknown, duplicate: boolean, async = false): void {
    if (this.serverGone(req)) {
      if (!duplicate) this.finish(req, undefined, true, undefined);
      return;
    }
    const t = this.clock.now();
    if (async)
      this.emit({ kind: 'handled', t, id: req.id, from: req.end.owner, to: req.serverName, method: req.method, args: req.args, reply, duplicate, async });
    else this.emit({ kind: 'handled', t, id: req.id, from: req.end.owner, to: req.serverName, method: req.method, args: req.args, reply, duplicate });
    if (!duplicate) this.finish(req, reply, this.isDead(req), undefined);
  }

  // Steps 1.4 to 1.7: what becomes of the reply.
  private finish(req: Request, reply: unknown, dead: boolean, failure: FailReason | undefined): void {
    if (reply === undefined || dead) {
      this.fail(req, dead ? 'server-dead' : (failure ?? 'no-reply'), 0);
      return;
    }
    if (!req.reliable && this.random.intn(1000) < rateOf(this.profile.replyDropRate)) {
      this.fail(req, 'reply-dropped', 0);
      return;
    }
    if (!this.linkUp(req.serverName, req.end.owner)) {
      this.fail(req, 'reply-link-down', 0);
      return;
    }
    const encoded = this.encodeOrReport(reply, `reply of ${req.method}`);
    if (encoded === undefined) {
      this.fail(req, 'bad-call', 0);
      return;
    }
    const rule = this.holdRule;
    if (rule !== undefined && req.end.owner !== undefined && rule.hosts.has(req.end.owner) && rule.hosts.has(req.serverName as Host)) {
      this.emit({ kind: 'delay', t: this.clock.now(), id: req.id, from: req.end.owner, to: req.serverName, method: req.method, stage: 'reply', ms: rule.ms });
      const timer = this.clock.setTimer(rule.ms, () => {
        this.held.delete(req.id);
        this.deliverReply(req, encoded);
      });
      this.held.set(req.id, { req, encoded, timer });
      return;
    }
    const [share, outOf] = LAB_TIMING.reorderShare;
    if (req.longReordering && this.random.intn(outOf) < share) {
      const ms = LAB_TIMING.reorderBaseMs + this.random.intn(1 + this.random.intn(LAB_TIMING.reorderSpreadMs));
      this.emit({ kind: 'delay', t: this.clock.now(), id: req.id, from: req.end.owner, to: req.serverName, method: req.method, stage: 'reply', ms });
      this.clock.setTimer(ms, () => this.deliverReply(req, encoded));
      return;
    }
    this.deliverReply(req, encoded);
  }

  private deliverReply(req: Request, encoded: Encoded): void {
    const bytes = encoded.bytes;
    this.totalBytes += bytes;
    // Listeners read the reply synchronously, before the caller runs, so
    // the caller's copy can serve them too; and a reply is delivered once,
    // so that copy can be the decoded record itself.
    const reply = encoded.record;
    this.emit({ kind: 'reply', t: this.clock.now(), id: req.id, from: req.end.owner, to: req.serverName, method: req.method, args: req.args, reply, bytes });
    req.resolve(reply);
  }

  private duplicate(req: Request): void {
    const ms = this.random.intn(this.profile.maxDelayMs + 1);
    this.emit({ kind: 'duplicate', t: this.clock.now(), id: req.id, from: req.end.owner, to: req.serverName, method: req.method, ms });
    this.clock.setTimer(ms, () => {
      if (!this.closed && !this.isDead(req)) this.dispatch(req, true);
    });
  }

  private handlerFailed(req: Request, error: unknown): void {
    if (this.serverGone(req)) return;
    this.emit({ kind: 'handler-error', t: this.clock.now(), id: req.id, from: req.end.owner, to: req.end.server, method: req.method, error: describe(error) });
  }

  private failLater(req: Request, reason: FailReason): void {
    const ms = this.longDelaysOn ? this.random.intn(LAB_TIMING.longFailMaxMs + 1) : this.random.intn(LAB_TIMING.shortFailMaxMs + 1);
    this.clock.setTimer(ms, () => this.fail(req, reason, ms));
  }

  private fail(req: Request, reason: FailReason, afterMs: number): void {
    this.emit({ kind: 'fail', t: this.clock.now(), id: req.id, from: req.end.owner, to: req.end.server, method: req.method, args: req.args, reason, afterMs });
    req.resolve(null);
  }

  /** The lab's isServerDead: the end was disabled, or the server replaced or deleted. */
  private isDead(req: Request): boolean {
    return !req.end.enabled || this.servers.get(req.serverName as Host) !== req.server;
  }

  /** The server the request was routed to has been deleted or replaced: that instance is dead. */
  private serverGone(req: Request): boolean {
    return this.servers.get(req.serverName as Host) !== req.server;
  }

  // ---- events ----

  private emit(event: NetEvent): void {
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) (listeners[i] as NetListener)(event);
  }

  /** The value as the wire carries it, or undefined (and a misuse event) when it has no JSON form. */
  private encodeOrReport(value: unknown, what: string): Encoded | undefined {
    try {
      const encoded = encode(value);
      if (encoded === undefined) this.misuse(`${what} cannot be encoded: ${value === undefined ? 'undefined' : `a ${typeof value}`} has no JSON form`);
      return encoded;
    } catch (error) {
      this.misuse(`${what} cannot be encoded: ${describe(error)}`);
      return undefined;
    }
  }

  private misuse(message: string): void {
    this.emit({ kind: 'misuse', t: this.clock.now(), message: `labrpc: ${message}` });
  }

  private endNamed(name: string, operation: string): ClientEnd {
    this.assertOpen(operation);
    const end = this.ends.get(name);
    if (end === undefined) throw new Error(`labrpc: ${operation}: no end named '${name}'`);
    return end;
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new Error(`labrpc: ${operation}: the network was cleaned up`);
  }
}

/** Settled from the start: its then() queues a microtask at once. */
const SETTLED = Promise.resolve();

function linkKey(from: Host, to: Host): string {
  return JSON.stringify([from, to]);
}

function rateOf(probability: number): number {
  return Math.round(probability * 1000);
}

function checkRate(rate: number, what: string): void {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`labrpc: ${what} must be between 0 and 1, got ${rate}`);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
