/**
 * Child processes of the bench scripts: a simulator (or a worker) in a process of its own, as a
 * provider is, started with `fork()` and IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The simulator child, `_pipeline-sim.ts`; argv[2] is its JSON options. */
export const SIMULATOR_SCRIPT = fileURLToPath(
  new URL('./pipeline/_pipeline-sim.ts', import.meta.url),
);

/**
 * Forks `script` under tsx with `args` and resolves once its first message arrives (`ready`,
 * with the simulator's `url`); fails if it exits before.
 */
export async function forkReady<Ready extends object = { url: string }>(
  script: string,
  args: string[],
): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(script, args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(() => {
      throw new Error(`${script} exited before it was ready`);
    }),
  ])) as [Ready];
  return { child, ready };
}

/** Asks a simulator child to close (`{ type: 'close' }`) and waits for it to exit. */
export async function closeChild(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.send({ type: 'close' });
  await exited;
}
