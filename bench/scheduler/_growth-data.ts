/**
 * The rows of `growth.ts`, one definition for its three stores: JavaScript rows for the memory
 * store, and the same rows as SQL expressions of a row number for PostgreSQL (`generate_series`)
 * and SQLite (a recursive CTE). A size `n` is n finished calls, n / 10 pending ones and n call
 * records over n / 20 numbers:
 *
 * - finished call `i`: created over the last 60 days (oldest first), due up to an hour later,
 *   55 % completed, 15 % busy, 15 % no-answer, 10 % failed, 5 % canceled (before it was sent), a
 *   timeline of 2 or 4 steps, a provider id, one in ten with an idempotency key;
 * - pending call `j`: `scheduled`, created over the last 7 days, due 1 to 30 days from now, in an
 *   order unrelated to its creation;
 * - call record `k`: started over the last 60 days, nine in ten outbound (from the caller id), one
 *   in ten inbound (to it), with the statuses of the finished calls.
 *
 * Numbers and due times are spread by multiplying the row number by a prime (7919) modulo the
 * count, so each number's calls are spread over the 60 days.
 */
import type { StoredCall, StoredCallRecord } from '@ringkit/scheduler-core';
import { storedCall } from '@ringkit/scheduler-core/testing';

export const DAY = 86_400_000;
/** The caller id of the outbound records, and the scheduler's. */
export const CALLER = '+14155550100';
const PRIME = 7919;

/** The rows of one size. */
export interface Shape {
  finished: number;
  pending: number;
  records: number;
  /** How many numbers the rows go to (50,000 for the empty store: the numbers looked up). */
  phones: number;
}

export function shapeOf(size: number): Shape {
  return {
    finished: size,
    pending: Math.floor(size / 10),
    records: size,
    phones: size === 0 ? 50_000 : Math.max(1, Math.floor(size / 20)),
  };
}

/** Number `p` of a size's numbers, E.164 (`+1415` and seven digits from 2,000,000). */
export const phoneOf = (p: number) => `+1415${2_000_000 + p}`;
/** The number of record `k` (the one a history lookup of it finds). */
export const recordPhone = (k: number, shape: Shape) => (k * PRIME + 7) % shape.phones;

/** Ids that look like UUIDs and sort in the order the rows are loaded (the id index appends). */
const ID_TAIL = '-9c1d-4e2f-8a3b-5d6e7f809102';
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

type Ended = 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';
/** The status of row `i`, by `i % 20`: 11 completed, 3 busy, 3 no-answer, 2 failed, 1 canceled. */
function statusOf(i: number): Ended {
  const r = i % 20;
  return r < 11
    ? 'completed'
    : r < 14
      ? 'busy'
      : r < 17
        ? 'no-answer'
        : r < 19
          ? 'failed'
          : 'canceled';
}
/** {@link statusOf} in SQL, of the expression `i`. */
const statusSql = (i: string) =>
  `CASE WHEN ${i} % 20 < 11 THEN 'completed' WHEN ${i} % 20 < 14 THEN 'busy'
    WHEN ${i} % 20 < 17 THEN 'no-answer' WHEN ${i} % 20 < 19 THEN 'failed' ELSE 'canceled' END`;

/** The time steps of a size, whole milliseconds. */
function steps(shape: Shape) {
  return {
    finished: Math.floor((59 * DAY) / Math.max(1, shape.finished)),
    pendingCreated: Math.floor((7 * DAY) / Math.max(1, shape.pending)),
    pendingDue: Math.floor((29 * DAY) / Math.max(1, shape.pending)),
    records: Math.floor((59 * DAY) / Math.max(1, shape.records)),
  };
}

/** Finished call `i` (0 ≤ i < finished). */
export function finishedCall(i: number, shape: Shape, now: number): StoredCall {
  const status = statusOf(i);
  const created = now - 60 * DAY + i * steps(shape).finished;
  const due = created + (i % 3600) * 1000;
  const updated = due + (status === 'completed' ? 45_000 : 20_000);
  const canceled = status === 'canceled';
  return storedCall({
    id: hex8(i) + ID_TAIL,
    to: phoneOf((i * PRIME) % shape.phones),
    status,
    dueAt: due,
    createdAt: created,
    updatedAt: updated,
    version: canceled ? 2 : 4,
    placingAt: canceled ? null : due + 5,
    providerCallId: canceled ? null : `CA${i.toString(16).padStart(32, '0')}`,
    reason: status === 'failed' ? 'provider_error' : null,
    idempotencyKey: i % 10 === 0 ? `order-${i}` : null,
    events: canceled
      ? [
          { status: 'scheduled', at: created, attempt: 1 },
          { status: 'canceled', at: updated, attempt: 1 },
        ]
      : [
          { status: 'scheduled', at: created, attempt: 1 },
          { status: 'queued', at: due, attempt: 1 },
          { status: 'initiated', at: due + 5, attempt: 1, providerStatus: 'queued' },
          { status, at: updated, attempt: 1, providerStatus: status },
        ],
  });
}

/** Pending call `j` (0 ≤ j < pending); its id follows the finished calls'. */
export function pendingCall(j: number, shape: Shape, now: number): StoredCall {
  const step = steps(shape);
  const created = now - 7 * DAY + j * step.pendingCreated;
  return storedCall({
    id: hex8(shape.finished + j) + ID_TAIL,
    to: phoneOf((j * PRIME + 13) % shape.phones),
    dueAt: now + DAY + ((j * PRIME) % shape.pending) * step.pendingDue,
    createdAt: created,
    updatedAt: created,
  });
}

/** Call record `k` (0 ≤ k < records). */
export function callRecord(k: number, shape: Shape, now: number): StoredCallRecord {
  const status = statusOf(k);
  const started = now - 60 * DAY + k * steps(shape).records + 5000;
  const completed = status === 'completed';
  const duration = completed ? k % 300 : 0;
  const phone = phoneOf(recordPhone(k, shape));
  const inbound = k % 10 === 9;
  return {
    id: `${hex8(k)}${ID_TAIL}-1`,
    from: inbound ? phone : CALLER,
    to: inbound ? CALLER : phone,
    direction: inbound ? 'inbound' : 'outbound',
    status,
    startedAt: started,
    answeredAt: completed ? started + 8000 : null,
    endedAt: started + (completed ? 8000 + duration * 1000 : 25_000),
    durationS: duration,
    outcomeUnknown: false,
    answeredBy: completed && k % 4 === 0 ? 'human' : null,
  };
}

/** The columns loaded: those of PostgreSQL's migrations 1–6 and SQLite's 1–5 (not `wake_at`). */
export const CALL_COLUMNS =
  'id, to_phone, status, due_at, created_at, updated_at, version, attempt, lease_owner, ' +
  'lease_until, placing_at, provider_call_id, reason, idempotency_key, events, options, call_options';
export const RECORD_COLUMNS =
  'id, from_phone, to_phone, direction, status, started_at, answered_at, ended_at, ' +
  'duration_seconds, outcome_unknown, answered_by';

/** What differs between the two SQL dialects in the statements below. */
interface Dialect {
  hex8(i: string): string;
  hex32(i: string): string;
  array(...items: string[]): string;
  object(...pairs: string[]): string;
  bool(value: boolean): string;
  float(expr: string): string;
  /** Ends a derived table so that its columns are computed once, not inlined where used. */
  fence: string;
}

export const POSTGRES: Dialect = {
  hex8: (i) => `lpad(to_hex(${i}), 8, '0')`,
  hex32: (i) => `lpad(to_hex(${i}), 32, '0')`,
  array: (...items) => `jsonb_build_array(${items.join(', ')})`,
  object: (...pairs) => `jsonb_build_object(${pairs.join(', ')})`,
  bool: (value) => String(value),
  float: (expr) => `(${expr})::float8`,
  fence: ' OFFSET 0',
};

export const SQLITE: Dialect = {
  hex8: (i) => `printf('%08x', ${i})`,
  hex32: (i) => `printf('%032x', ${i})`,
  array: (...items) => `json_array(${items.join(', ')})`,
  object: (...pairs) => `json_object(${pairs.join(', ')})`,
  bool: (value) => (value ? '1' : '0'),
  float: (expr) => `CAST(${expr} AS REAL)`,
  fence: '',
};

/**
 * The values of the rows, as SQL over a derived table `g` of row numbers `i` (a `bigint`/INTEGER
 * column), for `INSERT INTO … (CALL_COLUMNS) SELECT <these> FROM (<source of i>) AS g`. Nested
 * derived tables name each step once (created → due → updated); PostgreSQL's are fenced
 * (`OFFSET 0`), or it inlines each step wherever it is used (a third faster).
 */
export function finishedSelect(d: Dialect, shape: Shape, now: number, source: string): string {
  const step = steps(shape).finished;
  const event = (status: string, at: string, extra = '') =>
    d.object(`'status', ${status}`, `'at', ${at}`, `'attempt', 1${extra}`);
  return `SELECT ${d.hex8('i')} || '${ID_TAIL}',
      '+1415' || (2000000 + (i * ${PRIME}) % ${shape.phones}),
      st, due, created, upd,
      CASE WHEN st = 'canceled' THEN 2 ELSE 4 END, 1, NULL, NULL,
      CASE WHEN st = 'canceled' THEN NULL ELSE due + 5 END,
      CASE WHEN st = 'canceled' THEN NULL ELSE 'CA' || ${d.hex32('i')} END,
      CASE WHEN st = 'failed' THEN 'provider_error' END,
      CASE WHEN i % 10 = 0 THEN 'order-' || i END,
      CASE WHEN st = 'canceled' THEN ${d.array(event("'scheduled'", 'created'), event("'canceled'", 'upd'))}
        ELSE ${d.array(
          event("'scheduled'", 'created'),
          event("'queued'", 'due'),
          event("'initiated'", 'due + 5', `, 'providerStatus', 'queued'`),
          event('st', 'upd', `, 'providerStatus', st`),
        )} END,
      NULL, NULL
    FROM (SELECT i, st, created, due, due + CASE WHEN st = 'completed' THEN 45000 ELSE 20000 END AS upd
      FROM (SELECT i, st, created, created + (i % 3600) * 1000 AS due
        FROM (SELECT i, ${statusSql('i')} AS st, ${now - 60 * DAY} + i * ${step} AS created
          FROM (${source}) AS g${d.fence}) AS a${d.fence}) AS b${d.fence}) AS c`;
}

export function pendingSelect(d: Dialect, shape: Shape, now: number, source: string): string {
  const step = steps(shape);
  return `SELECT ${d.hex8(`i + ${shape.finished}`)} || '${ID_TAIL}',
      '+1415' || (2000000 + (i * ${PRIME} + 13) % ${shape.phones}),
      'scheduled', ${now + DAY} + ((i * ${PRIME}) % ${shape.pending}) * ${step.pendingDue},
      created, created, 1, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM (SELECT i, ${now - 7 * DAY} + i * ${step.pendingCreated} AS created
      FROM (${source}) AS g${d.fence}) AS a`;
}

export function recordSelect(d: Dialect, shape: Shape, now: number, source: string): string {
  const step = steps(shape).records;
  return `SELECT ${d.hex8('i')} || '${ID_TAIL}-1',
      CASE WHEN i % 10 = 9 THEN phone ELSE '${CALLER}' END,
      CASE WHEN i % 10 = 9 THEN '${CALLER}' ELSE phone END,
      CASE WHEN i % 10 = 9 THEN 'inbound' ELSE 'outbound' END,
      st, started,
      CASE WHEN st = 'completed' THEN started + 8000 END,
      started + CASE WHEN st = 'completed' THEN 8000 + dur * 1000 ELSE 25000 END,
      ${d.float('dur')}, ${d.bool(false)},
      CASE WHEN st = 'completed' AND i % 4 = 0 THEN 'human' END
    FROM (SELECT i, st, phone, started, CASE WHEN st = 'completed' THEN i % 300 ELSE 0 END AS dur
      FROM (SELECT i, ${statusSql('i')} AS st,
          '+1415' || (2000000 + (i * ${PRIME} + 7) % ${shape.phones}) AS phone,
          ${now - 60 * DAY} + i * ${step} + 5000 AS started
        FROM (${source}) AS g${d.fence}) AS a${d.fence}) AS b`;
}
