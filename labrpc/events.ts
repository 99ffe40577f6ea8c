// What the network publishes. Every RPC gets an id; every step of its life is
// one event carrying that id, its virtual time, who sent it, which server it
// was for, and the message as the wire carried it. Subscribers see events
// synchronously, in order; one that keeps a message past the call must copy it.

/** A host: the owner of an end, or the name of a server. */
export type Host = string | number;

/** Why a caller got failure instead of a reply. */
export type FailReason =
  | 'unreachable' // end disabled or unconnected, or no such server
  | 'link-down' // a one-way link on the request's path was cut
  | 'request-dropped' // unreliable network lost the request
  | 'reply-dropped' // unreliable network lost the reply
  | 'reply-link-down' // a one-way link on the reply's path was cut
  | 'server-dead' // end disabled or server replaced while the handler ran
  | 'no-reply' // the handler returned nothing
  | 'handler-error' // the handler threw or rejected
  | 'bad-call' // unknown service or method, or arguments that cannot be encoded
  | 'network-closed'; // the network was cleaned up

interface RpcEventBase {
  t: number;
  id: number;
  from: Host | undefined;
  to: Host | undefined;
  /** "Service.Method" */
  method: string;
}

export interface SendEvent extends RpcEventBase {
  kind: 'send';
  args: unknown;
  bytes: number;
}
export interface DeliverEvent extends RpcEventBase {
  kind: 'deliver';
  args: unknown;
  /** A second copy made by the duplication fault. */
  duplicate: boolean;
}
export interface HandledEvent extends RpcEventBase {
  kind: 'handled';
  args: unknown;
  reply: unknown;
  duplicate: boolean;
  /**
   * The handler returned a promise: the server may have run other work
   * (another handler, a reply, a timer) between the delivery and this
   * answer, so the answer describes the server as it was at the end.
   */
  async?: true;
}
export interface ReplyEvent extends RpcEventBase {
  kind: 'reply';
  args: unknown;
  reply: unknown;
  bytes: number;
}
export interface FailEvent extends RpcEventBase {
  kind: 'fail';
  args: unknown;
  reason: FailReason;
  /** Virtual ms between the decision and the caller seeing the failure. */
  afterMs: number;
}
export interface DelayEvent extends RpcEventBase {
  kind: 'delay';
  /** request: unreliable short delay; reply: long reordering. */
  stage: 'request' | 'reply';
  ms: number;
}
export interface DuplicateEvent extends RpcEventBase {
  kind: 'duplicate';
  ms: number;
}
/** A handler has been running for `ms` without returning (said once per call). */
export interface HandlerStuckEvent extends RpcEventBase {
  kind: 'handler-stuck';
  ms: number;
}
export interface HandlerErrorEvent extends RpcEventBase {
  kind: 'handler-error';
  error: string;
}
/** Bad use of the network: it names the problem. */
export interface MisuseEvent {
  kind: 'misuse';
  t: number;
  message: string;
}
export interface EndEvent {
  kind: 'end';
  t: number;
  end: string;
  from: Host | undefined;
  to: Host | undefined;
  enabled: boolean;
}
export interface LinkEvent {
  kind: 'link';
  t: number;
  from: Host;
  to: Host;
  up: boolean;
}
export interface ServerEvent {
  kind: 'server';
  t: number;
  name: Host;
  present: boolean;
}

export type RpcEvent = SendEvent | DeliverEvent | HandledEvent | ReplyEvent | FailEvent | DelayEvent | DuplicateEvent | HandlerStuckEvent | HandlerErrorEvent;

export type NetEvent = RpcEvent | MisuseEvent | EndEvent | LinkEvent | ServerEvent;

export type NetListener = (event: NetEvent) => void;
