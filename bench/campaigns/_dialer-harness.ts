/** What the worker processes of the durable PostgreSQL harness (`_dialer-durable.ts`) share. */
import type { FromWorker } from './_dialer-worker.js';

const cpuMsOf = (used: NodeJS.CpuUsage) => (used.user + used.system) / 1000;

/**
 * A worker's CPU from `start`, and the part of it spent before its first `placeCall` (the
 * campaign created or joined, the worker's first claim): a cost each worker pays once.
 */
export class CpuWindow {
  private since = process.cpuUsage();
  private beforeFirst: number | null = null;

  start(): void {
    this.since = process.cpuUsage();
    this.beforeFirst = null;
  }

  /** Called at each `placeCall`. */
  placing(): void {
    this.beforeFirst ??= cpuMsOf(process.cpuUsage(this.since));
  }

  /** The CPU since `start`, and of it the part before the first `placeCall` (all, if none). */
  read(): { cpuMs: number; startCpuMs: number } {
    const cpuMs = cpuMsOf(process.cpuUsage(this.since));
    return { cpuMs, startCpuMs: this.beforeFirst ?? cpuMs };
  }
}

/**
 * A worker's answer to `close`: its CPU in `window`, the statements it sent and the connections
 * it opened until now, then `close()` (its dialer, store or pool), then `closed` with them and
 * its claims' times, and the IPC channel closed.
 */
export async function reportClosed(
  window: CpuWindow,
  counts: { statements: number; connects: number },
  claimsMs: number[],
  close: () => Promise<void>,
): Promise<void> {
  const { cpuMs, startCpuMs } = window.read();
  const { statements, connects } = counts;
  await close();
  const message: FromWorker = {
    type: 'closed',
    cpuMs,
    startCpuMs,
    statements,
    connects,
    claimsMs,
  };
  process.send!(message);
  process.disconnect();
}
