/** The child processes of `pipeline.ts`: the simulator, and the scheduler or fetch workers. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { SimulatorOptions } from '@ringkit/simulator';
import { closeChild, forkReady, SIMULATOR_SCRIPT } from '../_child.js';
import type { WorkerTask } from './_pipeline-worker.js';
import { here } from './_pipeline-settings.js';

export interface Sim {
  url: string;
  /**
   * The calls created since the last take: numbers and receive times; the status changes of all
   * calls since then; the child's CPU ms.
   */
  take(): Promise<{ phones: string[]; at: number[]; changes: number; cpu: number }>;
  close(): Promise<void>;
}

export async function startSim(options: Omit<SimulatorOptions, 'port'>): Promise<Sim> {
  const { child, ready } = await forkReady(SIMULATOR_SCRIPT, [JSON.stringify(options)]);
  return {
    url: ready.url,
    async take() {
      child.send({ type: 'take' });
      for (;;) {
        const [message] = (await once(child, 'message')) as [
          { type: string; phones: string[]; at: number[]; changes: number; cpu: number },
        ];
        if (message.type === 'created') return message;
      }
    },
    async close() {
      await closeChild(child);
    },
  };
}

/** A message of a worker process: `ready`, or `done` with what it measured. */
export interface WorkerMessage {
  type: string;
  cpu?: number;
  gets?: number;
  unchanged?: number;
  placed?: number;
  statements?: number;
}

export async function startWorker(task: WorkerTask): Promise<{
  child: ChildProcess;
  next(): Promise<WorkerMessage>;
}> {
  const child = fork(join(here, '_pipeline-worker.ts'), [JSON.stringify(task)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: WorkerMessage[] = [];
  const waiting: ((m: WorkerMessage) => void)[] = [];
  child.on('message', (m: WorkerMessage) => {
    const resolve = waiting.shift();
    if (resolve) resolve(m);
    else inbox.push(m);
  });
  const next = () =>
    inbox.length > 0
      ? Promise.resolve(inbox.shift()!)
      : new Promise<WorkerMessage>((resolve) => waiting.push(resolve));
  await next(); // ready
  return { child, next };
}
