/**
 * The do-not-call list's cost, on memory, SQLite and PostgreSQL:
 * - a claim's check: 2,000 due calls claimed 10 at a time, on a store whose list is empty and
 *   on the same store with 1,000,000 numbers on it (none of the due ones), in the same run (µs
 *   per claim and per call claimed, and the ratio); then the same calls all on the list (each
 *   claim ends them);
 * - the last check's read (a call that waited since its claim reads the list again right before
 *   its request): `getSuppression` of each due number on the store with the long list (µs);
 * - the import: `createSuppressionList().import()` of a CSV of 1,000,000 numbers, streamed
 *   (numbers/s), beside its floor measured in the same run: the one check of each number
 *   (`toE164`) alone.
 *
 *   pnpm --filter @ringkit/bench exec node --expose-gc --import tsx compliance/suppressions.ts [--quick]
 *
 * `--quick` uses 100,000 numbers. PostgreSQL is `TEST_DATABASE_URL` (default
 * postgres://postgres@127.0.0.1:5432/test), left out when it cannot be reached; its schema and
 * the SQLite file are removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toE164 } from '@ringkit/call-client';
import {
  createSuppressionList,
  type Store,
  type StoredCall,
  type StoredSuppression,
} from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import { storedCall } from '@ringkit/scheduler-core/testing';
import pg from 'pg';
import { postgresReachable } from '../_server.js';
import { fmt, quick, table } from '../_stats.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const LISTED = quick ? 100_000 : 1_000_000;
const DUE = 2_000;
const CLAIM = 10;
const T0 = Date.parse('2026-06-01T12:00:00Z');

/** The `i`-th number on the list: New York numbers, none of them due. */
const listed = (i: number) => `+1212${String(2_000_000 + i)}`;
/** The `i`-th number called. */
const due = (i: number) => `+4420794${String(60_000 + i).padStart(5, '0')}`;

function row(i: number): StoredCall {
  const id = `call-${String(i).padStart(6, '0')}`;
  return storedCall({ id, to: due(i), dueAt: T0, createdAt: T0, updatedAt: T0 });
}

/** Claims every due call, `CLAIM` at a time: µs per claim, and the statuses it handed out. */
async function claimAll(store: Store): Promise<{ perClaim: number; suppressed: number }> {
  for (let i = 0; i < DUE; i += 500) {
    await store.insertMany!(Array.from({ length: 500 }, (_, j) => row(i + j)));
  }
  let claims = 0;
  let suppressed = 0;
  const started = performance.now();
  for (;;) {
    const rows = (
      await store.claimDue({ now: T0, limit: CLAIM, workerId: 'bench', leaseUntil: T0 + 60_000 })
    ).calls;
    if (rows.length === 0) break;
    claims += 1;
    suppressed += rows.filter((r) => r.status === 'suppressed').length;
  }
  return { perClaim: ((performance.now() - started) * 1000) / claims, suppressed };
}

/**
 * The read a call makes right before its request when it waited since its claim (a paced turn,
 * a place): `getSuppression` of each due number, one after the other; µs per read.
 */
async function lastCheckReads(store: Store): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < DUE; i++) await store.getSuppression!(due(i));
  return ((performance.now() - started) * 1000) / DUE;
}

async function fill(store: Store, count: number): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < count; from += 10_000) {
    const batch: StoredSuppression[] = [];
    for (let i = from; i < Math.min(count, from + 10_000); i++) {
      batch.push({ phone: listed(i), reason: 'bench', createdAt: T0, until: null });
    }
    await store.suppress!(batch);
  }
  return performance.now() - started;
}

async function* csv(count: number): AsyncGenerator<string> {
  let chunk = 'phone,reason\n';
  for (let i = 0; i < count; i++) {
    chunk += `${listed(i)},opted out\n`;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

const dir = mkdtempSync(join(tmpdir(), 'ringkit-bench-dnc-'));
const schemas: string[] = [];
let made = 0;
const stores: [string, () => Promise<Store>][] = [
  ['memory', async () => createMemoryStore()],
  ['sqlite', async () => createSqliteStore({ path: join(dir, `s${made++}.db`) })],
];
if (await postgresReachable(PG_URL)) {
  stores.push([
    'postgres',
    async () => {
      const schema = `bench_dnc_${process.pid}_${made++}`;
      schemas.push(schema);
      const store = createPostgresStore({ connectionString: PG_URL }, { schema });
      await store.ready();
      return store;
    },
  ]);
} else {
  console.log(`PostgreSQL at ${PG_URL} cannot be reached: left out`);
}

const claimRows: Record<string, string>[] = [];
const importRows: Record<string, string>[] = [];
// The floor of an import: each number's one check alone.
const floorStarted = performance.now();
for (let i = 0; i < LISTED; i++) toE164(listed(i));
const floorPerS = LISTED / ((performance.now() - floorStarted) / 1000);

try {
  for (const [name, create] of stores) {
    const empty = await create();
    const alone = await claimAll(empty);
    await empty.close();

    const full = await create();
    const fillMs = await fill(full, LISTED);
    const listedRun = await claimAll(full);
    const readUs = await lastCheckReads(full);
    await full.close();

    const stopped = await create();
    await stopped.suppress!(
      Array.from({ length: DUE }, (_, i) => ({
        phone: due(i),
        reason: 'bench',
        createdAt: T0,
        until: null,
      })),
    );
    const allStopped = await claimAll(stopped);
    await stopped.close();
    claimRows.push({
      store: name,
      'µs/claim, list empty': fmt(alone.perClaim, 0),
      [`µs/claim, ${LISTED.toLocaleString('en')} listed`]: fmt(listedRun.perClaim, 0),
      'full / empty': `${fmt(listedRun.perClaim / alone.perClaim)}×`,
      'µs/claim, every call listed': fmt(allStopped.perClaim, 0),
      'calls ended suppressed': String(allStopped.suppressed),
      [`µs/last check's read, ${LISTED.toLocaleString('en')} listed`]: fmt(readUs, 0),
      'list written (store.suppress)': `${fmt(fillMs / 1000, 1)} s`,
    });

    const target = await create();
    const list = createSuppressionList({ store: target });
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const result = await list.import(csv(LISTED));
    const seconds = (performance.now() - started) / 1000;
    const heapAfter = process.memoryUsage().heapUsed;
    await target.close();
    importRows.push({
      store: name,
      numbers: result.imported.toLocaleString('en'),
      seconds: fmt(seconds, 1),
      'numbers/s': Math.round(result.imported / seconds).toLocaleString('en'),
      'floor: toE164 alone, numbers/s': Math.round(floorPerS).toLocaleString('en'),
      'import / floor': `${fmt(result.imported / seconds / floorPerS)}×`,
      'heap growth': `${fmt((heapAfter - heapBefore) / 2 ** 20, 0)} MiB`,
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (schemas.length > 0) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

console.log(`\nThe claim's check: ${DUE} due calls claimed ${CLAIM} at a time\n`);
table(claimRows);
console.log(`\nThe import of ${LISTED.toLocaleString('en')} numbers (CSV, streamed)\n`);
table(importRows);
