/**
 * Fills a store of `growth.ts` with the rows of `_growth-data.ts`, as fast as each store allows.
 *
 * PostgreSQL and SQLite: the store is opened once through its factory, so that its migrations
 * create the schema (with every index they define, whatever their number), and closed. Then, by
 * SQL: the secondary indexes are read from the catalogue and dropped, the rows inserted, the
 * indexes built again from their own definitions (a sort, not 10 million inserts into a B-tree),
 * and the tables analysed. The caller opens the store again through its factory. The memory store
 * takes `insertMany` and `saveCallRecord`.
 */
import { DatabaseSync } from 'node:sqlite';
import type { Store } from '@ringkit/scheduler-core';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import pg from 'pg';
import {
  CALL_COLUMNS,
  callRecord,
  finishedCall,
  finishedSelect,
  pendingCall,
  pendingSelect,
  POSTGRES,
  RECORD_COLUMNS,
  recordSelect,
  SQLITE,
  type Shape,
} from './_growth-data.js';

/** Milliseconds per phase of a load, in order. */
export type Phases = Record<string, number>;

/** Rows per statement (PostgreSQL) or per transaction (SQLite). */
const CHUNK = 1_000_000;

function chunks(count: number): [number, number][] {
  const out: [number, number][] = [];
  for (let lo = 0; lo < count; lo += CHUNK) out.push([lo, Math.min(count, lo + CHUNK) - 1]);
  return out;
}

/** Runs `phase` and notes its time in `phases`. */
async function timed<T>(phases: Phases, name: string, phase: () => Promise<T> | T): Promise<T> {
  const t = performance.now();
  const result = await phase();
  phases[name] = (phases[name] ?? 0) + performance.now() - t;
  return result;
}

export async function loadPostgres(
  url: string,
  schema: string,
  applicationName: string,
  shape: Shape,
  now: number,
): Promise<Phases> {
  const phases: Phases = {};
  await timed(phases, 'migrations', async () => {
    const store = createPostgresStore(
      { connectionString: url, max: 1, application_name: applicationName },
      { schema },
    );
    await store.ready();
    await store.close();
  });
  if (shape.finished === 0) return phases;
  const s = `"${schema}"`;
  // Two connections: the calls and the records are loaded side by side, one core each.
  const clients = [0, 1].map(
    () => new pg.Client({ connectionString: url, application_name: applicationName }),
  );
  try {
    for (const client of clients) {
      // A lost connection fails the query under way; without a listener it would end the process.
      client.on('error', () => {});
      await client.connect();
      await client.query("SET synchronous_commit = off; SET maintenance_work_mem = '512MB'");
    }
    const [a, b] = clients as [pg.Client, pg.Client];
    const { rows: indexes } = await a.query<{ name: string; definition: string }>(
      `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
        WHERE i.schemaname = $1 AND i.tablename IN ('scheduled_calls', 'call_records')
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c
            WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
      [schema],
    );
    await timed(phases, 'drop indexes', async () => {
      for (const index of indexes) await a.query(`DROP INDEX ${s}."${index.name}"`);
    });
    const series = (lo: number, hi: number) =>
      `SELECT i FROM generate_series(${lo}::bigint, ${hi}::bigint) AS i`;
    await timed(phases, 'insert', () =>
      Promise.all([
        (async () => {
          for (const [lo, hi] of chunks(shape.finished)) {
            await a.query(
              `INSERT INTO ${s}.scheduled_calls (${CALL_COLUMNS})
                ${finishedSelect(POSTGRES, shape, now, series(lo, hi))}`,
            );
          }
          for (const [lo, hi] of chunks(shape.pending)) {
            await a.query(
              `INSERT INTO ${s}.scheduled_calls (${CALL_COLUMNS})
                ${pendingSelect(POSTGRES, shape, now, series(lo, hi))}`,
            );
          }
        })(),
        (async () => {
          for (const [lo, hi] of chunks(shape.records)) {
            await b.query(
              `INSERT INTO ${s}.call_records (${RECORD_COLUMNS})
                ${recordSelect(POSTGRES, shape, now, series(lo, hi))}`,
            );
          }
        })(),
      ]),
    );
    await timed(phases, 'build indexes', async () => {
      const queue = [...indexes];
      await Promise.all(
        clients.map(async (client) => {
          for (let index = queue.shift(); index; index = queue.shift()) {
            await client.query(index.definition);
          }
        }),
      );
    });
    await timed(phases, 'vacuum analyze', () =>
      Promise.all([
        a.query(`VACUUM (ANALYZE) ${s}.scheduled_calls`),
        b.query(`VACUUM (ANALYZE) ${s}.call_records`),
      ]),
    );
  } finally {
    for (const client of clients) await client.end().catch(() => {});
  }
  return phases;
}

export async function loadSqlite(path: string, shape: Shape, now: number): Promise<Phases> {
  const phases: Phases = {};
  await timed(phases, 'migrations', async () => {
    await createSqliteStore({ path }).close();
  });
  if (shape.finished === 0) return phases;
  const db = new DatabaseSync(path);
  try {
    // A file made for this run: no journal, no sync, a large cache, sorts in memory on two threads.
    db.exec(`PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
      PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY; PRAGMA threads = 2`);
    const indexes = db
      .prepare(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
          AND tbl_name IN ('scheduled_calls', 'call_records')`,
      )
      .all() as { name: string; sql: string }[];
    await timed(phases, 'drop indexes', () => {
      for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
    });
    const series = (lo: number, hi: number) =>
      `WITH RECURSIVE s(i) AS (SELECT ${lo} UNION ALL SELECT i + 1 FROM s WHERE i < ${hi})`;
    const insert = (
      table: string,
      columns: string,
      count: number,
      select: typeof pendingSelect,
    ) => {
      for (const [lo, hi] of chunks(count)) {
        db.exec('BEGIN');
        db.exec(
          `${series(lo, hi)} INSERT INTO ${table} (${columns})
            ${select(SQLITE, shape, now, 'SELECT i FROM s')}`,
        );
        db.exec('COMMIT');
      }
    };
    await timed(phases, 'insert', () => {
      insert('scheduled_calls', CALL_COLUMNS, shape.finished, finishedSelect);
      insert('scheduled_calls', CALL_COLUMNS, shape.pending, pendingSelect);
      insert('call_records', RECORD_COLUMNS, shape.records, recordSelect);
    });
    await timed(phases, 'build indexes', () => {
      for (const index of indexes) db.exec(index.sql);
    });
    await timed(phases, 'analyze', () => {
      db.exec('ANALYZE');
      db.exec('PRAGMA journal_mode = WAL');
    });
  } finally {
    db.close();
  }
  return phases;
}

export async function loadMemory(store: Store, shape: Shape, now: number): Promise<Phases> {
  const phases: Phases = {};
  const batch = 10_000;
  await timed(phases, 'insertMany', async () => {
    for (let lo = 0; lo < shape.finished; lo += batch) {
      const n = Math.min(batch, shape.finished - lo);
      await store.insertMany!(
        Array.from({ length: n }, (_, i) => finishedCall(lo + i, shape, now)),
      );
    }
    for (let lo = 0; lo < shape.pending; lo += batch) {
      const n = Math.min(batch, shape.pending - lo);
      await store.insertMany!(Array.from({ length: n }, (_, j) => pendingCall(lo + j, shape, now)));
    }
  });
  await timed(phases, 'saveCallRecord', async () => {
    for (let k = 0; k < shape.records; k++) await store.saveCallRecord(callRecord(k, shape, now));
  });
  return phases;
}
