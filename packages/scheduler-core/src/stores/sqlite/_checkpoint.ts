import { Worker } from 'node:worker_threads';

/**
 * The code of the checkpoint thread. It is given as a string (`eval`) so that the ESM and the
 * CommonJS builds need no second file. It opens its own connection to the database and runs a
 * `PASSIVE` checkpoint every `intervalMs`: it copies what it can of the WAL into the file, with
 * its `fsync`, without waiting for or blocking any reader or writer. A checkpoint that fails
 * (another one running, a lock held) is simply tried again at the next interval.
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.path);
let checkpoint = null;
const run = () => {
  try {
    checkpoint ??= db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
    const result = checkpoint.get();
    parentPort.postMessage({ type: 'checkpoint', result });
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
  }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  run();
  db.close();
  parentPort.postMessage({ type: 'closed' });
  parentPort.close();
});
parentPort.postMessage({ type: 'ready' });
`;

export interface CheckpointResult {
  /** 1 when another checkpoint or a lock kept this one from running. */
  busy: number;
  /** Pages in the WAL. */
  log: number;
  /** Pages of the WAL copied into the database file so far. */
  checkpointed: number;
}

export interface Checkpointer {
  /** Resolves once the thread has opened its connection. */
  ready: Promise<void>;
  /** Resolves when the thread has ended, closed or not. */
  ended: Promise<void>;
  /** Runs a last checkpoint, closes the thread's connection and ends the thread. */
  close(): Promise<void>;
}

/**
 * Checkpoints the WAL of the SQLite file at `path` on a thread of its own, so that the copy of
 * the log into the database file and its `fsync` never stall the event loop of the process that
 * writes (SQLite's automatic checkpoint runs inside the commit that fills the log, on the caller's
 * thread). The caller turns the automatic checkpoint off (`PRAGMA wal_autocheckpoint = 0`).
 * The thread does not keep the process alive.
 */
export function startCheckpointer(options: {
  path: string;
  intervalMs: number;
  onCheckpoint?: (result: CheckpointResult) => void;
  onError?: (message: string) => void;
}): Checkpointer {
  const worker = new Worker(SOURCE, {
    eval: true,
    workerData: { path: options.path, intervalMs: options.intervalMs },
  });
  let closed: Promise<void> | null = null;
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const ready = new Promise<void>((resolve, reject) => {
    // An uncaught error ends the thread ('exit' follows); after `ready` it changes nothing.
    worker.on('error', reject);
    worker.on(
      'message',
      (message: { type: string; result?: CheckpointResult; message?: string }) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'checkpoint') options.onCheckpoint?.(message.result!);
        else if (message.type === 'error') options.onError?.(message.message!);
      },
    );
    void exit.then(() => reject(new Error('the checkpoint thread ended before it was ready')));
  });
  // A thread that failed to start is reported by `ready`; nobody else awaits it.
  ready.catch(() => {});
  // After the listeners: listening for messages refs the thread again.
  worker.unref();
  return {
    ready,
    ended: exit,
    close() {
      closed ??= (async () => {
        if (exited) return;
        // Held by the process while it ends: an unref'd thread alone would let the process
        // exit with this close still waiting.
        worker.ref();
        worker.postMessage('close');
        await exit;
      })();
      return closed;
    },
  };
}
