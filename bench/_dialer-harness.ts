/** What the worker processes of the durable PostgreSQL harness (`_dialer-durable.ts`) share. */
import type { FromWorker } from './_dialer-worker.js';

/**
 * A worker's answer to `close`: its CPU since `since` and the statements it sent until now, then
 * `close()` (its dialer, store or pool), then `closed` with them and its claims' times, and the
 * IPC channel closed.
 */
export async function reportClosed(
  since: NodeJS.CpuUsage,
  statements: number,
  claimsMs: number[],
  close: () => Promise<void>,
): Promise<void> {
  const used = process.cpuUsage(since);
  await close();
  const message: FromWorker = {
    type: 'closed',
    cpuMs: (used.user + used.system) / 1000,
    statements,
    claimsMs,
  };
  process.send!(message);
  process.disconnect();
}
