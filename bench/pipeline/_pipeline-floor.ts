/**
 * The floor beside the scheduler's PostgreSQL row in `pipeline.ts`: the same calls, the same
 * concurrency, against the same kind of simulator, doing only what a scheduled call cannot do
 * without, from a bare `pg` pool and plain `fetch`:
 *
 * 1. a claim of due rows under a lease, up to `concurrency` ahead of the free places, once half
 *    of them are taken (one statement for many rows);
 * 2. a mark that commits before the request (one row);
 * 3. the request;
 * 4. the answer's write with its history record, off the path of the next call once the
 *    request is answered, as in the scheduler: the answers of one tick in one statement.
 *
 * The tables are as narrow as they can be; nothing is traced or checked. What it reaches is what
 * a placement with a durable mark can reach on this machine.
 *
 * With `followMs`, each call placed is also followed as the scheduler must follow it on a
 * provider that can only be polled: a `GET` of its status `followMs` after its answer and every
 * `followMs` after that until it ends, each new status written to its row and its record, the
 * statuses that arrive in one turn of the event loop in one statement. No follow lease is kept,
 * and the poll never slows for a call long in one status.
 */
import { isTerminal, mapProviderStatus } from '@ringkit/call-client';
import pg from 'pg';
import { cpuMeter } from './_pipeline-measure.js';
import { numberOf } from './_pipeline-settings.js';

export interface PgFloorRun {
  perSecond: number;
  cpuUsPerCall: number;
  statementsPerCall: number;
}

/** What one process of the floor did. */
export interface PgFloorLane {
  placed: number;
  cpuMs: number;
  statements: number;
  /** The status requests made so far, with `followMs`. */
  gets: number;
}

/** Whether a provider's status `word` is one a call ends in. */
const ends = (word: string) => {
  const status = mapProviderStatus(word);
  return status !== undefined && isTerminal(status);
};

interface Claimed {
  id: string;
  to: string;
  version: number;
}

export const floorSchema = (tag: string | number) => `"bench_pgfloor_${tag}"`;

/** Creates the floor's tables in schema `s` with `calls` calls due now. */
export async function setUpFloor(url: string, s: string, calls: number, offset = 0) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE; CREATE SCHEMA ${s};
      CREATE TABLE ${s}.calls (id text PRIMARY KEY, to_phone text NOT NULL, due_at bigint NOT NULL,
        status text NOT NULL, lease_owner text, lease_until bigint, placing_at bigint,
        provider_call_id text, version integer NOT NULL);
      CREATE INDEX calls_due ON ${s}.calls (due_at) WHERE status = 'scheduled';
      CREATE TABLE ${s}.records (id text PRIMARY KEY, to_phone text NOT NULL, status text NOT NULL,
        started_at bigint);`);
    await client.query(
      `INSERT INTO ${s}.calls (id, to_phone, due_at, status, version)
        SELECT 'c' || i, to_phone, 0, 'scheduled', 0
        FROM unnest($1::text[]) WITH ORDINALITY AS u(to_phone, i)`,
      [Array.from({ length: calls }, (_, i) => numberOf(offset + i))],
    );
  } finally {
    await client.end();
  }
}

/** Drops the floor's schema `s`. */
export async function dropFloor(url: string, s: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => {});
  await client.end();
}

/**
 * Opens a pool of ten connections to the floor's schema `s` (connected before it returns, as a
 * running scheduler's are). `run` places the due calls through the floor's four steps,
 * `concurrency` at a time, until none is left to claim (other processes may claim from the
 * same table); with `followMs`, the calls it placed are followed until `close()`.
 */
export async function openFloor(url: string, s: string, owner = 'floor') {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const warm = await Promise.all(Array.from({ length: 10 }, () => pool.connect()));
  warm.forEach((client) => client.release());
  let follower: Follower | undefined;
  return {
    run: (simUrl: string, concurrency: number, followMs?: number) => {
      follower = followMs === undefined ? undefined : createFollower(pool, s, simUrl, followMs);
      return runFloor(pool, s, simUrl, concurrency, owner, follower);
    },
    async close() {
      await follower?.stop();
      await pool.end();
    },
  };
}

interface Follower {
  follow(providerCallId: string, id: string): void;
  gets(): number;
  statements(): number;
  /** Stops every poll and waits for the requests and writes in flight. */
  stop(): Promise<void>;
}

/**
 * Follows placed calls by polling: `GET /api/call/{id}` `followMs` after the answer and every
 * `followMs` until the call ends; the new statuses that arrive in one turn of the event loop
 * written in one statement (`setImmediate`), to the calls' rows and their records.
 */
function createFollower(pool: pg.Pool, s: string, simUrl: string, followMs: number): Follower {
  const statusSql = `WITH a AS (SELECT * FROM unnest($1::text[], $2::text[]) AS a(id, status)),
    u AS (UPDATE ${s}.calls AS c SET status = a.status, version = c.version + 1
      FROM a WHERE c.id = a.id RETURNING c.id)
    UPDATE ${s}.records AS r SET status = a.status FROM a WHERE r.id = a.id`;
  const timers = new Set<NodeJS.Timeout>();
  /** The status requests and writes in flight. */
  const writes = new Set<Promise<unknown>>();
  let stopped = false;
  let gets = 0;
  let statements = 0;
  let changes: [string, string][] = [];
  const write = (id: string, status: string) => {
    changes.push([id, status]);
    if (changes.length > 1) return;
    // In `writes` from now, not from the next turn: `stop()` must wait for it before the pool ends.
    const written = new Promise((resolve) => setImmediate(resolve)).then(() => {
      const batch = changes;
      changes = [];
      statements += 1;
      return pool.query(statusSql, [batch.map((c) => c[0]), batch.map((c) => c[1])]);
    });
    writes.add(written);
    void written.finally(() => writes.delete(written));
  };
  const poll = (providerCallId: string, id: string, last: string) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopped) return;
      gets += 1;
      const asked = fetch(`${simUrl}/api/call/${encodeURIComponent(providerCallId)}`)
        .then((response) => response.json() as Promise<{ status: string }>)
        .then(({ status }) => {
          if (stopped) return;
          if (status !== last) write(id, status);
          if (!ends(status)) poll(providerCallId, id, status);
        });
      writes.add(asked);
      void asked.finally(() => writes.delete(asked));
    }, followMs);
    timers.add(timer);
  };
  return {
    follow: (providerCallId, id) => poll(providerCallId, id, 'initiated'),
    gets: () => gets,
    statements: () => statements,
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      while (writes.size > 0) await Promise.all(writes);
    },
  };
}

async function runFloor(
  pool: pg.Pool,
  s: string,
  simUrl: string,
  concurrency: number,
  owner: string,
  follower?: Follower,
): Promise<PgFloorLane> {
  let statements = 0;
  const query = (text: string, values: unknown[]) => {
    statements += 1;
    return pool.query(text, values);
  };
  const claimSql = `UPDATE ${s}.calls AS c SET lease_owner = $4, lease_until = $1,
      version = c.version + 1
    WHERE c.id IN (SELECT id FROM ${s}.calls WHERE status = 'scheduled' AND lease_owner IS NULL
      AND due_at <= $2 ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED)
    RETURNING c.id, c.to_phone, c.version`;
  const markSql = `UPDATE ${s}.calls SET placing_at = $2, version = version + 1
    WHERE id = $1 AND version = $3`;
  const answerSql = `WITH a AS (SELECT * FROM unnest($1::text[], $2::text[], $3::integer[])
      AS a(id, provider_call_id, version)),
    u AS (UPDATE ${s}.calls AS c SET status = 'initiated', provider_call_id = a.provider_call_id,
      lease_owner = NULL, lease_until = NULL, version = c.version + 1
      FROM a WHERE c.id = a.id AND c.version = a.version RETURNING c.id, c.to_phone)
    INSERT INTO ${s}.records (id, to_phone, status, started_at)
      SELECT id, to_phone, 'initiated', $4 FROM u`;

  const reserve: Claimed[] = [];
  const waiting: ((row: Claimed | null) => void)[] = [];
  let claiming = false;
  let exhausted = false;
  const writes = new Set<Promise<unknown>>();
  /** The answers of one tick, written by one statement. */
  let answers: [string, string, number][] = [];
  const answer = (id: string, providerCallId: string, version: number) => {
    answers.push([id, providerCallId, version]);
    if (answers.length > 1) return;
    queueMicrotask(() => {
      const batch = answers;
      answers = [];
      const write = query(answerSql, [
        batch.map((a) => a[0]),
        batch.map((a) => a[1]),
        batch.map((a) => a[2]),
        Date.now(),
      ]);
      writes.add(write);
      void write.finally(() => writes.delete(write));
    });
  };
  /** Claims up to `concurrency` rows ahead once half of the reserve is taken. */
  const refill = async () => {
    if (claiming || exhausted || reserve.length > concurrency / 2) return;
    claiming = true;
    try {
      while (!exhausted && reserve.length < concurrency) {
        const now = Date.now();
        const { rows } = await query(claimSql, [
          now + 60_000,
          now,
          concurrency - reserve.length,
          owner,
        ]);
        if (rows.length === 0) exhausted = true;
        for (const row of rows as { id: string; to_phone: string; version: number }[]) {
          const claimed = { id: row.id, to: row.to_phone, version: row.version };
          const lane = waiting.shift();
          if (lane) lane(claimed);
          else reserve.push(claimed);
        }
      }
    } finally {
      claiming = false;
      if (exhausted) waiting.splice(0).forEach((lane) => lane(null));
    }
  };
  const next = (): Promise<Claimed | null> => {
    const row = reserve.shift();
    void refill();
    if (row) return Promise.resolve(row);
    if (exhausted) return Promise.resolve(null);
    return new Promise((resolve) => waiting.push(resolve));
  };

  const cpu = cpuMeter();
  let placed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let row = await next(); row; row = await next()) {
        const { rowCount } = await query(markSql, [row.id, Date.now(), row.version]);
        if (rowCount !== 1) throw new Error(`the floor lost the mark of ${row.id}`);
        const response = await fetch(`${simUrl}/api/call`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ phone_number: row.to }),
        });
        const { id } = (await response.json()) as { id: string };
        placed += 1;
        answer(row.id, String(id), row.version + 1);
        follower?.follow(String(id), row.id);
      }
    }),
  );
  await Promise.all(writes);
  return {
    placed,
    cpuMs: cpu().ms,
    statements: statements + (follower?.statements() ?? 0),
    gets: follower?.gets() ?? 0,
  };
}

/** The floor in this process: `calls` calls due now, `concurrency` at a time. */
export async function pgSchedulerFloor(
  url: string,
  simUrl: string,
  calls: number,
  concurrency: number,
): Promise<PgFloorRun> {
  const s = floorSchema(process.pid);
  await setUpFloor(url, s, calls);
  const floor = await openFloor(url, s);
  try {
    const t0 = performance.now();
    const lane = await floor.run(simUrl, concurrency);
    const seconds = (performance.now() - t0) / 1000;
    if (lane.placed !== calls) throw new Error(`the floor placed ${lane.placed} calls of ${calls}`);
    return {
      perSecond: calls / seconds,
      cpuUsPerCall: (lane.cpuMs * 1000) / calls,
      statementsPerCall: lane.statements / calls,
    };
  } finally {
    await floor.close();
    await dropFloor(url, s);
  }
}
