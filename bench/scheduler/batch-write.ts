/**
 * The PostgreSQL store's batch write (`updateMany`), the statement that carries a worker's marks
 * and answers: each batch is ten marks of calls just claimed and the answers, with their call
 * records, of the ten claimed before, as the dispatcher writes them in a burst. Beside it, in the
 * same run, the same rows written by the same statement with the batch sent the other way `pg`
 * allows, a typed array per column read by `unnest` (`pg` builds each array's text in
 * JavaScript), from a bare `pg` pool. That one is sent unnamed, so each is planned for its own
 * values: prepared once and run with its generic plan, as the store runs its statements, it was
 * slower still on this machine (5.1 ms at p50 where unnamed it took 2.9). The two alternate,
 * round by round, on tables of their own.
 *
 * Printed per way: a batch's time (p50, p90), the client's CPU per batch, and the ratio.
 *
 *   pnpm --filter @ringkit/scheduler-core build
 *   cd bench && pnpm exec node --expose-gc --import tsx scheduler/batch-write.ts [--quick]
 *
 * DATABASE_URL (or TEST_DATABASE_URL) picks the server; default postgres://postgres@127.0.0.1:5432/test.
 */
import type { StoredCall, StoredCallUpdate } from '@ringkit/scheduler-core';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { storedCall } from '@ringkit/scheduler-core/testing';
import pg from 'pg';
import { fmt, percentile, quick, table } from '../_stats.js';

const URL =
  process.env.DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const BATCHES = quick ? 300 : 1_000;
const ROUNDS = quick ? 3 : 5;
const T0 = Date.now();

/** The rows of a round: `BATCHES` × 10 scheduled calls. */
function rowsOf(round: number): StoredCall[] {
  return Array.from({ length: BATCHES * 10 }, (_, i) =>
    storedCall({
      id: `r${round}-${String(i).padStart(6, '0')}`,
      to: '+14155552671',
      dueAt: T0,
      createdAt: T0,
      updatedAt: T0,
    }),
  );
}

/** Batch `b`: the marks of its ten rows, the answers of the ten before. */
function batchOf(rows: StoredCall[], b: number): StoredCallUpdate[] {
  const updates: StoredCallUpdate[] = [];
  for (let i = 0; i < 10; i++) {
    updates.push({
      id: rows[b * 10 + i]!.id,
      expectedVersion: 1,
      patch: {
        status: 'queued',
        placingAt: T0,
        leaseOwner: 'w1',
        leaseUntil: T0 + 30_000,
        updatedAt: T0,
      },
    });
  }
  if (b === 0) return updates;
  for (let i = 0; i < 10; i++) {
    const id = rows[(b - 1) * 10 + i]!.id;
    updates.push({
      id,
      expectedVersion: 2,
      patch: {
        status: 'completed',
        providerCallId: `CA${id}`,
        events: [
          { status: 'queued', at: T0 + 1, attempt: 1 },
          { status: 'completed', at: T0 + 2, attempt: 1, providerStatus: 'completed' },
        ],
        leaseOwner: null,
        leaseUntil: null,
        updatedAt: T0 + 2,
      },
      record: {
        id: `${id}-1`,
        from: '+14155550100',
        to: '+14155552671',
        direction: 'outbound',
        status: 'completed',
        startedAt: T0,
        answeredAt: null,
        endedAt: T0 + 2,
        durationS: null,
        outcomeUnknown: false,
        answeredBy: null,
        recordingUrl: null,
        recordingDurationS: null,
        providerStatus: 'completed',
      },
    });
  }
  return updates;
}

/**
 * The same statement with a typed array per column through `unnest`: every column a batch of
 * marks and answers sets (`placing_at`, `provider_call_id` and `events` each with its mask, as
 * only some of its updates set them), and the call records' columns.
 */
function unnestStatement(s: string) {
  return `WITH u AS (SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::bigint[],
      $5::text[], $6::bigint[], $7::bigint[], $8::boolean[], $9::text[], $10::boolean[],
      $11::jsonb[], $12::boolean[], $13::text[], $14::text[], $15::text[], $16::bigint[],
      $17::bigint[], $18::text[])
      AS u(id, version, f_status, f_updated_at, f_lease_owner, f_lease_until, f_placing_at,
        m_placing_at, f_provider_call_id, m_provider_call_id, f_events, m_events, r_id, r_from,
        r_to, r_started_at, r_ended_at, r_provider_status)),
    locked AS MATERIALIZED (
      SELECT id FROM ${s}.scheduled_calls WHERE id IN (SELECT id FROM u) ORDER BY id FOR UPDATE
    ),
    updated AS (
      UPDATE ${s}.scheduled_calls AS c SET status = u.f_status, updated_at = u.f_updated_at,
        lease_owner = u.f_lease_owner, lease_until = u.f_lease_until,
        placing_at = CASE WHEN u.m_placing_at THEN u.f_placing_at ELSE c.placing_at END,
        provider_call_id = CASE WHEN u.m_provider_call_id THEN u.f_provider_call_id
          ELSE c.provider_call_id END,
        events = CASE WHEN u.m_events THEN u.f_events ELSE c.events END,
        version = c.version + 1
      FROM u JOIN locked ON locked.id = u.id WHERE c.id = u.id AND c.version = u.version
      RETURNING c.id
    ), saved AS (
      INSERT INTO ${s}.call_records (id, from_phone, to_phone, direction, status, started_at,
        ended_at, outcome_unknown, provider_status)
      SELECT u.r_id, u.r_from, u.r_to, 'outbound', 'completed', u.r_started_at, u.r_ended_at,
        false, u.r_provider_status
      FROM u JOIN updated ON updated.id = u.id WHERE u.r_id IS NOT NULL
      ON CONFLICT (id) DO NOTHING
    )
    SELECT id FROM updated`;
}

function unnestValues(updates: StoredCallUpdate[]): unknown[] {
  const col = <T>(f: (u: StoredCallUpdate) => T) => updates.map(f);
  return [
    col((u) => u.id),
    col((u) => u.expectedVersion),
    col((u) => u.patch.status),
    col((u) => u.patch.updatedAt),
    col((u) => u.patch.leaseOwner ?? null),
    col((u) => u.patch.leaseUntil ?? null),
    col((u) => u.patch.placingAt ?? null),
    col((u) => u.patch.placingAt !== undefined),
    col((u) => u.patch.providerCallId ?? null),
    col((u) => u.patch.providerCallId !== undefined),
    col((u) => (u.patch.events ? JSON.stringify(u.patch.events) : null)),
    col((u) => u.patch.events !== undefined),
    col((u) => u.record?.id ?? null),
    col((u) => u.record?.from ?? null),
    col((u) => u.record?.to ?? null),
    col((u) => u.record?.startedAt ?? null),
    col((u) => u.record?.endedAt ?? null),
    col((u) => u.record?.providerStatus ?? null),
  ];
}

interface Way {
  name: string;
  write(updates: StoredCallUpdate[]): Promise<number>;
  insert(rows: StoredCall[]): Promise<void>;
}

async function main() {
  const ringkitStore = createPostgresStore(
    { connectionString: URL, max: 2 },
    { schema: 'bench_batch_json' },
  );
  const bareStore = createPostgresStore(
    { connectionString: URL, max: 2 },
    { schema: 'bench_batch_unnest' },
  );
  await ringkitStore.ready();
  await bareStore.ready();
  const pool = new pg.Pool({ connectionString: URL, max: 2 });
  const text = unnestStatement('bench_batch_unnest');
  const ways: Way[] = [
    {
      name: 'ringkit updateMany (one JSON array, json_to_recordset)',
      write: async (updates) =>
        (await ringkitStore.updateMany!(updates)).filter((applied) => applied).length,
      insert: (rows) => ringkitStore.insertMany!(rows),
    },
    {
      name: 'the same statement, a typed array per column (unnest), bare pg',
      write: async (updates) =>
        (await pool.query({ text, values: unnestValues(updates) })).rowCount ?? 0,
      insert: (rows) => bareStore.insertMany!(rows),
    },
  ];
  const samples = ways.map(() => ({ ms: [] as number[], cpuUs: 0, batches: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [w, way] of ways.entries()) {
      const rows = rowsOf(round);
      for (let i = 0; i < rows.length; i += 1_000) await way.insert(rows.slice(i, i + 1_000));
      globalThis.gc?.();
      const cpu = process.cpuUsage();
      for (let b = 0; b < BATCHES; b++) {
        const updates = batchOf(rows, b);
        const started = performance.now();
        const applied = await way.write(updates);
        samples[w]!.ms.push(performance.now() - started);
        if (applied !== updates.length) {
          throw new Error(`${way.name}: ${applied} of ${updates.length} applied`);
        }
      }
      const used = process.cpuUsage(cpu);
      samples[w]!.cpuUs += used.user + used.system;
      samples[w]!.batches += BATCHES;
    }
  }
  await ringkitStore.close();
  await bareStore.close();
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query('DROP SCHEMA bench_batch_json CASCADE; DROP SCHEMA bench_batch_unnest CASCADE');
  await admin.end();
  await pool.end();

  console.log(
    `PostgreSQL batch writes: ${BATCHES} batches of 10 marks and 10 answers with their call records, ${ROUNDS} rounds alternating, Node ${process.version}\n`,
  );
  const rows = ways.map((way, w) => {
    const sorted = [...samples[w]!.ms].sort((a, b) => a - b);
    return {
      way: way.name,
      'batch p50 ms': fmt(percentile(sorted, 50)),
      'batch p90 ms': fmt(percentile(sorted, 90)),
      'client CPU µs per batch': fmt(samples[w]!.cpuUs / samples[w]!.batches, 0),
    };
  });
  table(rows);
  const p50 = (w: number) =>
    percentile(
      [...samples[w]!.ms].sort((a, b) => a - b),
      50,
    );
  const cpu = (w: number) => samples[w]!.cpuUs / samples[w]!.batches;
  console.log(
    `\nringkit ÷ unnest: batch p50 ${fmt(p50(0) / p50(1))}×, client CPU ${fmt(cpu(0) / cpu(1))}× (< 1: ringkit's is shorter)`,
  );
}

await main();
