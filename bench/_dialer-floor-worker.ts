/**
 * A worker process of the floor beside bench/dialer.ts's durable PostgreSQL rows, started with
 * `fork()`; argv[2] is a JSON `FloorTask`. It issues, with a bare `pg` client and no provider, the
 * statements a durable campaign's call cannot do without: the claim of an entry, the mark before
 * the request, the answer's write with its call record, and the end's write with its record, one
 * after the other in each of its `lanes` (the places it works, a pooled connection each), until
 * no entry is left. Each is a named (prepared) statement, as the store sends them. It sends `{ cpuMs, calls, statements }`
 * to the parent before it exits.
 */
import pg from 'pg';

export interface FloorTask {
  url: string;
  /** The quoted schema of the floor's tables. */
  schema: string;
  worker: string;
  lanes: number;
}

export interface FloorResult {
  cpuMs: number;
  calls: number;
  statements: number;
}

const task = JSON.parse(process.argv[2]!) as FloorTask;
const s = task.schema;
const claim = {
  name: 'floor_claim',
  text: `UPDATE ${s}.entries SET status = 'queued', lease_owner = $1, updated_at = $2
    WHERE id = (SELECT id FROM ${s}.entries WHERE status = 'scheduled'
      ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id, to_phone`,
};
const mark = {
  name: 'floor_mark',
  text: `UPDATE ${s}.entries SET placing_at = $2, updated_at = $2 WHERE id = $1`,
};
const answer = {
  name: 'floor_answer',
  text: `WITH u AS (UPDATE ${s}.entries SET status = 'initiated', provider_call_id = $2,
      updated_at = $3 WHERE id = $1 RETURNING id, to_phone)
    INSERT INTO ${s}.records (id, to_phone, status, started_at) SELECT id, to_phone, 'initiated', $3 FROM u`,
};
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
let calls = 0;
const cpu = process.cpuUsage();
await Promise.all(
  Array.from({ length: task.lanes }, async () => {
    for (;;) {
      const [row] = await run(claim, [task.worker, Date.now()]);
      if (!row) return;
      const id = String(row.id);
      await run(mark, [id, Date.now()]);
      await run(answer, [id, `floor-${id}`, Date.now()]);
      await run(end, [id, Date.now()]);
      calls += 1;
    }
  }),
);
const used = process.cpuUsage(cpu);
await pool.end();
const result: FloorResult = { cpuMs: (used.user + used.system) / 1000, calls, statements };
process.send!(result, () => process.disconnect());
