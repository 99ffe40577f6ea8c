// Fake peers and a virtual runtime for driving the reference Raft by hand:
// every RPC the Raft sends waits in its peer's list until the test answers it.
import { expect } from 'chai';
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  InstallSnapshotArgs,
  InstallSnapshotReply,
  Peer,
  RequestVoteArgs,
  RequestVoteReply,
} from '../../raft/contract.ts';
import { RPC } from '../../raft/contract.ts';
import { Raft } from '../../raft/raft.ts';
import { World, type ScopedRuntime } from '../../runtime/runtime.ts';
import { ApplyLog, MemoryPersister } from '../../tester/persister.ts';

/** One call the Raft made, waiting for the test to answer it. */
export interface PendingCall {
  readonly method: string;
  readonly args: unknown;
  /** When it was sent, on the runtime's clock. */
  readonly at: number;
  answered: boolean;
  /** Resolves the call with a reply, or with null (the RPC failed). */
  answer(reply: RequestVoteReply | AppendEntriesReply | InstallSnapshotReply | null): void;
}

export class FakePeer implements Peer {
  readonly calls: PendingCall[] = [];

  constructor(private readonly now: () => number) {}

  call<Reply = unknown>(method: string, args: unknown): Promise<Reply | null> {
    return new Promise<Reply | null>((resolve) => {
      const pending: PendingCall = {
        method,
        args,
        at: this.now(),
        answered: false,
        answer(reply) {
          expect(pending.answered, `${method} answered twice`).to.equal(false);
          pending.answered = true;
          resolve(reply as Reply | null);
        },
      };
      this.calls.push(pending);
    });
  }

  /** The calls of one method, in order. */
  of(method: string): PendingCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  requestVotes(): PendingCall[] {
    return this.of(RPC.RequestVote);
  }

  appendEntries(): PendingCall[] {
    return this.of(RPC.AppendEntries);
  }

  /** The latest RequestVote, which the test expects to exist. */
  lastRequestVote(): PendingCall & { args: RequestVoteArgs } {
    const calls = this.requestVotes();
    expect(calls, 'a RequestVote was sent').to.not.have.length(0);
    return calls[calls.length - 1] as PendingCall & { args: RequestVoteArgs };
  }

  lastAppendEntries(): PendingCall & { args: AppendEntriesArgs } {
    const calls = this.appendEntries();
    expect(calls, 'an AppendEntries was sent').to.not.have.length(0);
    return calls[calls.length - 1] as PendingCall & { args: AppendEntriesArgs };
  }

  installSnapshots(): PendingCall[] {
    return this.of(RPC.InstallSnapshot);
  }

  lastInstallSnapshot(): PendingCall & { args: InstallSnapshotArgs } {
    const calls = this.installSnapshots();
    expect(calls, 'an InstallSnapshot was sent').to.not.have.length(0);
    return calls[calls.length - 1] as PendingCall & { args: InstallSnapshotArgs };
  }
}

export interface Harness {
  raft: Raft;
  peers: FakePeer[];
  world: World;
  runtime: ScopedRuntime;
}

/** A Raft of an n-server cluster with fake peers, on a virtual clock; the ticker is not started. */
export function harness(n: number, me = 0, seed = 1): Harness {
  const world = new World('virtual', seed);
  const runtime = world.runtime(`server-${me}`);
  const peers = Array.from({ length: n }, () => new FakePeer(() => runtime.now()));
  const raft = new Raft(peers, me, new MemoryPersister(), new ApplyLog(), runtime);
  return { raft, peers, world, runtime };
}

/** Lets every promise continuation that is ready run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function grant(term: number): RequestVoteReply {
  return { term, voteGranted: true };
}

export function deny(term: number): RequestVoteReply {
  return { term, voteGranted: false };
}

/** Runs the virtual clock's timers one by one (letting continuations run) until `done` or `maxMs` of virtual time. */
export async function runUntil(world: World, done: () => boolean, maxMs: number): Promise<void> {
  const clock = world.virtualClock;
  while (!done()) {
    const due = clock.nextDue();
    if (due === undefined || due > maxMs) return;
    clock.runNext();
    await flush();
  }
}
