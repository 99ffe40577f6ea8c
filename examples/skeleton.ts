// The smallest module that plugs into the harness: fill in the election
// (2A) and the log (2B). It compiles as it is (and fails the tests: it
// never elects). In your own project, `npx raft-harness init` writes it as
// raft.ts, its types imported from the package; in this repository:
//
//   npm run typecheck-raft -- examples/skeleton.ts
//   npm run stress -- --raft examples/skeleton.ts
//   RAFT_MODULE=examples/skeleton.ts npm test
import type {
  AppendEntriesArgs,
  AppendEntriesReply,
  ApplyChannel,
  MakeRaft,
  Peer,
  Persister,
  RaftPeer,
  RaftRuntime,
  RaftState,
  RequestVoteArgs,
  RequestVoteReply,
  StartResult,
} from '../raft/contract.ts';

class MyRaft implements RaftPeer {
  private currentTerm = 0;
  private dead = false;

  constructor(
    private readonly peers: Peer[], // peers[i].call('Raft.RequestVote', args) resolves to the reply, or null
    private readonly me: number, // this server's index in peers
    private readonly persister: Persister,
    private readonly applyCh: ApplyChannel,
    private readonly runtime: RaftRuntime, // now(), sleep(ms), setTimer(ms, fn), random
  ) {
    void this.ticker(); // make() must return at once: long-running work goes in the background.
  }

  getState(): RaftState {
    return { term: this.currentTerm, isLeader: false };
  }

  kill(): void {
    this.dead = true; // Every loop and timer must stop.
  }

  requestVote(args: RequestVoteArgs): RequestVoteReply {
    return { term: this.currentTerm, voteGranted: false };
  }

  // Lab 2B: a leader appends the command and answers at once; committed
  // entries go, in index order, to this.applyCh.send({ commandValid: true, command, commandIndex }).
  start(command: unknown): StartResult {
    return { index: -1, term: this.currentTerm, isLeader: false };
  }

  appendEntries(args: AppendEntriesArgs): AppendEntriesReply {
    return { term: this.currentTerm, success: false };
  }

  private async ticker(): Promise<void> {
    while (!this.dead) {
      await this.runtime.sleep(30);
      // Check the election timer here; send RequestVote or heartbeats.
    }
  }
}

export const make: MakeRaft = (peers, me, persister, applyCh, runtime) => new MyRaft(peers, me, persister, applyCh, runtime);
