/**
 * The floor beside bench/campaigns/dialer.ts's durable PostgreSQL rows: the same number of calls, places
 * and worker processes, each call only the four statements it cannot do without (claim, mark,
 * answer with its record, end with its record; `_dialer-floor-worker.ts`), from bare `pg`
 * clients on tables as narrow as they can be, with calls of 0–5 ms, each claim under the
 * campaign-wide cap (its row locked, the places taken counted). What it costs the workers, and
 * how long a place stands empty between calls, is what the database protocol costs on this
 * machine, before anything of ringkit.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { floorTables } from './_dialer-floor-sql.js';
import type { FloorResult, FloorTask } from './_dialer-floor-worker.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./_dialer-floor-worker.ts', import.meta.url));

export interface FloorRun {
  /** The workers' CPU per call, together, µs. */
  cpuUs: number;
  statementsPerCall: number;
  callsPerSecond: number;
  /** How long a place stood empty between two calls, ms: p50 and mean. */
  emptyP50Ms: number;
  emptyMeanMs: number;
}

/** Runs the floor: `total` calls over `places` lanes spread across `workers` processes. */
export async function campaignFloor(
  url: string,
  total: number,
  places: number,
  workers: number,
): Promise<FloorRun> {
  const schema = `bench_floor_${process.pid}`;
  const s = `"${schema}"`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.query(floorTables(s, total, places));
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        const lanes = Math.floor(places / workers) + (w < places % workers ? 1 : 0);
        const task: FloorTask = { url, schema: s, worker: `floor-${w + 1}`, lanes, seed: 42 + w };
        const child = fork(WORKER_SCRIPT, [JSON.stringify(task)], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        const [result] = (await once(child, 'message')) as [FloorResult];
        await once(child, 'exit');
        return result;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const calls = results.reduce((sum, r) => sum + r.calls, 0);
    if (calls !== total) throw new Error(`the floor placed ${calls} calls of ${total}`);
    const cpuMs = results.reduce((sum, r) => sum + r.cpuMs, 0);
    const statements = results.reduce((sum, r) => sum + r.statements, 0);
    const empty = results.flatMap((r) => r.emptyMs).sort((a, b) => a - b);
    return {
      emptyP50Ms: empty[Math.floor(empty.length / 2)] ?? NaN,
      emptyMeanMs: empty.reduce((sum, v) => sum + v, 0) / empty.length,
      cpuUs: (cpuMs * 1000) / total,
      statementsPerCall: statements / total,
      // Includes the processes' start: a lower bound of what the floor could do.
      callsPerSecond: total / seconds,
    };
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => {});
    await admin.end();
  }
}
