/** Starts scheduler worker processes (`pg-worker.ts`) for the multi-process tests. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PgWorkerConfig, PgWorkerMessage } from './pg-worker.js';

const loader = fileURLToPath(new URL('./pg-loader.ts', import.meta.url));
const script = fileURLToPath(new URL('./pg-worker.ts', import.meta.url));

export interface Worker {
  id: string;
  child: ChildProcess;
  messages: PgWorkerMessage[];
  exited: Promise<number | null>;
}

/** Forks one worker; resolves once it reports `ready`. */
export function startWorker(config: PgWorkerConfig): Promise<Worker> {
  const child = fork(script, [JSON.stringify(config)], {
    // Node ≥ 22.18 / 23.6 strips types by default; older 22.x needs the flag.
    execArgv: [
      ...(process.features.typescript ? [] : ['--experimental-strip-types']),
      '--import',
      loader,
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: PgWorkerMessage[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    child.on('message', (message: PgWorkerMessage) => {
      messages.push(message);
      if (message.type === 'ready') resolve({ id: config.workerId, child, messages, exited });
    });
    child.on('exit', (code) => reject(new Error(`worker ${config.workerId} exited (${code})`)));
  });
}
