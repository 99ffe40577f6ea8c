// A fuzz worker thread: runs the fast-check streams it is given and reports
// progress, its first failure (so the others can stop), and the outcome.
import { parentPort } from 'node:worker_threads';
import type { MakeRaft } from '../../raft/contract.ts';
import { make as referenceMake } from '../../raft/raft.ts';
import { describeError } from '../failure.ts';
import { loadRaftModule } from '../raft-module.ts';
import { Stop, runStreams, type FromFuzzWorker, type FuzzProgress, type ToFuzzWorker } from './fuzz.ts';
import { wallNow } from '../../runtime/wall.ts';

const port = parentPort;
if (port === null) throw new Error('fuzz-worker.ts runs only as a worker thread');
const post = (message: FromFuzzWorker): void => port.postMessage(message);
const stop = new Stop();
stop.onFound = (runs, ms) => post({ type: 'found', runs, ms });

port.on('message', (message: ToFuzzWorker) => {
  if (message.type === 'stop') stop.all = true;
  else void start(message);
});

async function start(message: Extract<ToFuzzWorker, { type: 'start' }>): Promise<void> {
  try {
    const raft: MakeRaft = message.raftModule !== undefined ? (await loadRaftModule(message.raftModule)).make : referenceMake;
    let lastPost = 0;
    let latest: FuzzProgress | undefined;
    const outcome = await runStreams(message.plan, { ...message.setup, raft }, stop, (progress) => {
      latest = progress;
      const now = wallNow();
      if (now - lastPost >= 100) {
        lastPost = now;
        post({ type: 'progress', progress });
      }
    });
    if (latest !== undefined) post({ type: 'progress', progress: latest });
    post({ type: 'done', outcome });
  } catch (error) {
    post({ type: 'error', message: describeError(error) });
  }
}
