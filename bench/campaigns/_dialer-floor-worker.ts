/**
 * A worker process of the floor beside bench/campaigns/dialer.ts's durable PostgreSQL rows, started with
 * `fork()`; argv[2] is a JSON `FloorTask`. It issues, with a bare `pg` client and no provider, the
 * statements a durable campaign's call cannot do without: the claim of an entry under the
 * campaign-wide cap (`places` of the campaign's row) with its mark before the request, committed
 * durably (as ringkit's claim of a campaign without a budget), the answer's write with its call
 * record, and the end's write with its record, one after the other in each of its `lanes` (the
 * places it works, a pooled connection each), until no entry is left. Each is a named (prepared) statement, as the store sends them. A call lasts
 * 0–5 ms from its mark, as the bench's calls do, while its answer is written; its end is written
 * once both are over. It sends `{ cpuMs, calls, statements, emptyMs }` to the parent before it
 * exits: `emptyMs`, for each call after a lane's first, the time its place stood empty, from the
 * end of the call before it to its own claim and mark committed (the end's write, the claim).
 */
import { seededRandom, sleep } from '@ringkit/internal';
import pg from 'pg';
import { floorAnswer, floorClaim } from './_dialer-floor-sql.js';

export interface FloorTask {
  url: string;
  /** The quoted schema of the floor's tables. */
  schema: string;
  worker: string;
  lanes: number;
  /** The seed of the calls' lengths. */
  seed: number;
}

export interface FloorResult {
  cpuMs: number;
  calls: number;
  statements: number;
  /** How long a place stood empty between two calls, ms, each. */
  emptyMs: number[];
}

const task = JSON.parse(process.argv[2]!) as FloorTask;
const s = task.schema;
const answer = floorAnswer(s);
const end = {
  name: 'floor_end',
  text: `WITH u AS (UPDATE ${s}.entries SET status = 'completed', updated_at = $2
      WHERE id = $1 RETURNING id)
    UPDATE ${s}.records AS r SET status = 'completed', ended_at = $2 FROM u WHERE r.id = u.id`,
};

// A connection per lane, as the store's pool gives each statement one.
const pool = new pg.Pool({
  connectionString: task.url,
  application_name: 'ringkit-bench-floor',
  max: task.lanes,
});
const opened = await Promise.all(Array.from({ length: task.lanes }, () => pool.connect()));
for (const connection of opened) connection.release();
let statements = 0;
const run = async (config: { name: string; text: string }, values: unknown[]) => {
  statements += 1;
  return (await pool.query({ ...config, values })).rows;
};
/** The claim: one round trip (counted as one statement), its `UPDATE`'s rows. */
const claim = async () => {
  statements += 1;
  const results = (await pool.query(
    floorClaim(s, task.worker, 1, Date.now()),
  )) as unknown as pg.QueryResult[];
  return results[2]!.rows;
};
let calls = 0;
const emptyMs: number[] = [];
const random = seededRandom(task.seed);
const cpu = process.cpuUsage();
await Promise.all(
  Array.from({ length: task.lanes }, async () => {
    let endedAt: number | null = null;
    for (;;) {
      const [row] = await claim();
      if (!row) return;
      const id = String(row.id);
      const sentAt = performance.now();
      if (endedAt !== null) emptyMs.push(sentAt - endedAt);
      const call = sleep(random() * 5).then(() => performance.now());
      await run(answer, [id, `floor-${id}`, Date.now()]);
      endedAt = await call;
      await run(end, [id, Date.now()]);
      calls += 1;
    }
  }),
);
const used = process.cpuUsage(cpu);
await pool.end();
const result: FloorResult = {
  cpuMs: (used.user + used.system) / 1000,
  calls,
  statements,
  emptyMs,
};
process.send!(result, () => process.disconnect());
