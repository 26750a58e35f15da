/**
 * Every statement the SQLite store runs for the scheduler and the demo is served by an index:
 * none reads `scheduled_calls` or `call_records` from end to end. The statements are not listed
 * here: every statement the store prepares and runs is captured (through `StatementSync`'s
 * methods, for the workload's duration) while a workload drives the store through the
 * scheduler's public API (test/plans.ts). Each distinct statement then gets its plan read
 * (`EXPLAIN QUERY PLAN`, on a second connection to the same file) as SQLite plans it before
 * `ANALYZE` (no statistics, as a store that never ran it) and after, and a test of its own per
 * rule, named by the store methods that ran it.
 *
 * The data (loaded before the workload): 100k finished calls over 90 days, 10k scheduled over
 * the next two weeks, 100 in flight, and 100k call records between the caller id and 10k numbers;
 * the workload adds a campaign of 20k entries through `insertCampaign` before the rest of its
 * work (the scheduler's statements run beside its rows), and a small one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, StatementSync, type SQLInputValue } from 'node:sqlite';
import { describe } from 'vitest';
import {
  CALLER_ID,
  currentTag,
  DAY_MS,
  distinctStatements,
  expectedTags,
  PHONES,
  planTests,
  runWorkload,
  statementNames,
  T0,
  taggingStore,
  type Captured,
  type PlanResult,
  type Statement,
} from '../../../test/plans.js';
import { createSqliteStore } from './sqlite.js';

const FINISHED = 100_000;
const SCHEDULED = 10_000;
const IN_FLIGHT = 100;
const RECORDS = 100_000;
/** The tables no statement may read from end to end (but a page of campaigns, in order). */
const TABLES = new Set(['scheduled_calls', 'call_records', 'campaigns']);

/** Rows `0 … n - 1` as `i`, for an `INSERT … SELECT`. */
const series = (n: number) =>
  `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${n - 1})`;

/** Fills the store's tables, one `INSERT … SELECT` each, in one transaction. */
function loadSql(): string {
  const phoneOf = (i: string) => `printf('+1415300%04d', (${i}) % ${PHONES})`;
  const event = (status: string, at: string, attempt: number) =>
    `json_object('status', ${status}, 'at', ${at}, 'attempt', ${attempt})`;
  const columns = `id, to_phone, status, due_at, created_at, updated_at, version, attempt,
    lease_owner, lease_until, placing_at, provider_call_id, reason, idempotency_key, events,
    options, call_options`;
  // 12 completed, 3 no-answer, 2 busy, 2 failed, 1 canceled in 20.
  const ends = `CASE WHEN i % 20 < 12 THEN 'completed' WHEN i % 20 < 15 THEN 'no-answer'
    WHEN i % 20 < 17 THEN 'busy' WHEN i % 20 < 19 THEN 'failed' ELSE 'canceled' END`;
  return `
    BEGIN;
    INSERT INTO scheduled_calls (${columns})
    ${series(FINISHED)}
    SELECT printf('f%07d', i), ${phoneOf('i')}, st, t, t - 3600000, t + 90000, 4, 1,
      NULL, NULL, t, printf('CA%07d', i),
      CASE st WHEN 'failed' THEN 'provider_error' WHEN 'busy' THEN 'busy'
        WHEN 'no-answer' THEN 'no-answer' END,
      CASE WHEN i % 4 = 0 THEN 'key-f' || i END,
      json_array(${event("'scheduled'", 't - 3600000', 0)}, ${event('st', 't + 90000', 1)}),
      NULL, NULL
    FROM (SELECT i, ${T0 - 90 * DAY_MS} + i * ${Math.floor((89 * DAY_MS) / FINISHED)} AS t,
      ${ends} AS st FROM n);

    INSERT INTO scheduled_calls (${columns})
    ${series(SCHEDULED)}
    SELECT printf('s%07d', i), ${phoneOf('i * 7')}, 'scheduled', t, c, c, 1, 0,
      NULL, NULL, NULL, NULL, NULL, CASE WHEN i % 4 = 0 THEN 'key-s' || i END,
      json_array(${event("'scheduled'", 'c', 0)}), NULL, NULL
    FROM (SELECT i, ${T0 + 3_600_000} + i * 120000 AS t,
      ${T0 - DAY_MS} + i * ${Math.floor(DAY_MS / SCHEDULED)} AS c FROM n);

    INSERT INTO scheduled_calls (${columns})
    ${series(IN_FLIGHT)}
    SELECT printf('l%07d', i), ${phoneOf('i * 13')}, 'ringing', t, t - 60000, t + 5000,
      3, 1, 'another-worker', ${T0 + 600_000}, t, 'CA-live-' || i, NULL, NULL,
      json_array(${event("'scheduled'", 't - 60000', 0)}), NULL, NULL
    FROM (SELECT i, ${T0 - 300_000} + i * 100 AS t FROM n);

    INSERT INTO call_records (id, from_phone, to_phone, direction, status, started_at,
      answered_at, ended_at, duration_seconds, outcome_unknown, answered_by)
    ${series(RECORDS)}
    SELECT printf('r%07d', i),
      CASE WHEN inbound THEN ${phoneOf('i')} ELSE '${CALLER_ID}' END,
      CASE WHEN inbound THEN '${CALLER_ID}' ELSE ${phoneOf('i')} END,
      CASE WHEN inbound THEN 'inbound' ELSE 'outbound' END, st, t,
      CASE WHEN st = 'completed' THEN t + 5000 END, t + 65000,
      CASE WHEN st = 'completed' THEN 60 END, 0, NULL
    FROM (SELECT i, i % 10 = 0 AS inbound, ${ends} AS st,
      ${T0 - 90 * DAY_MS} + i * ${Math.floor((90 * DAY_MS - 3_600_000) / RECORDS)} AS t FROM n);
    COMMIT;`;
}

type Method = (...args: unknown[]) => unknown;

/** Records every statement run through `StatementSync` until the returned function is called. */
function captureStatements(captured: Captured[]): () => void {
  const proto = StatementSync.prototype as unknown as Record<string, Method>;
  const names = ['run', 'get', 'all', 'iterate'];
  const originals = names.map((name) => proto[name]!);
  names.forEach((name, i) => {
    proto[name] = function (this: StatementSync, ...args: unknown[]) {
      captured.push({ text: this.sourceSQL, values: args, tag: currentTag() });
      return originals[i]!.apply(this, args);
    };
  });
  return () => names.forEach((name, i) => (proto[name] = originals[i]!));
}

/** Words that may follow a table's name and are not an alias. */
const NOT_ALIASES = new Set(
  'where order group limit indexed not set on using join left inner cross union values select as'.split(
    ' ',
  ),
);

/** The table each name of `TABLES` in a plan stands for: itself, or the alias given to it. */
function tableNames(sql: string): Map<string, string> {
  const names = new Map([...TABLES].map((table) => [table, table]));
  const pattern = /\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?/gi;
  for (const [, table, alias] of sql.matchAll(pattern)) {
    if (TABLES.has(table!) && alias && !NOT_ALIASES.has(alias.toLowerCase())) {
      names.set(alias, table!);
    }
  }
  return names;
}

/**
 * Checks one plan. Rule 1: no `SCAN` of a table without an index (a full table scan), and no
 * automatic index (built by reading the whole table). Rule 2: an index walked from its start
 * (`SCAN … USING [COVERING] INDEX`) only for an unfiltered page: a statement with a `LIMIT` and
 * no `WHERE` (but the one a partial index holds), which stops after its page; a filter must
 * `SEARCH` an index.
 */
function findings(sql: string, plan: string[]): { scans: string[]; walks: string[] } {
  const names = tableNames(sql);
  const scans: string[] = [];
  const walks: string[] = [];
  // `campaign_id IS NULL` alone is no filter on the scheduler's own partial indexes, nor
  // `creating_by IS NULL` on the campaigns' (campaigns being created left out): they hold those
  // rows only.
  const own = sql.replace(/\bWHERE (campaign_id|creating_by) IS NULL (?=ORDER BY)/i, '');
  const page = /\bLIMIT\b/i.test(own) && !/\bWHERE\b/i.test(own);
  for (const detail of plan) {
    const match = /^(SCAN|SEARCH) (\S+)(?: USING (.*))?$/.exec(detail);
    const table = match && names.get(match[2]!);
    if (!match || !table) continue;
    const using = match[3] ?? '';
    if (/AUTOMATIC/.test(using) || (match[1] === 'SCAN' && !/\bINDEX\b/.test(using))) {
      scans.push(detail);
    } else if (match[1] === 'SCAN' && !page) {
      walks.push(detail);
    }
  }
  return { scans, walks };
}

interface Result extends PlanResult {
  scans: string[];
  walks: string[];
}

/** Reads the plans of the statements on a fresh connection to `path`; `label` says which stats. */
function check(path: string, statements: Statement[], label: string) {
  const db = new DatabaseSync(path);
  try {
    return statements.map((statement) => {
      const scans = new Set<string>();
      const walks = new Set<string>();
      const plans: string[] = [];
      for (const values of statement.samples) {
        const plan = (
          db
            .prepare(`EXPLAIN QUERY PLAN ${statement.text}`)
            .all(...(values as SQLInputValue[])) as { detail: string }[]
        ).map((row) => row.detail);
        const found = findings(statement.text, plan);
        if (found.scans.length + found.walks.length === 0) continue;
        for (const scan of found.scans) scans.add(`${scan} (${label})`);
        for (const walk of found.walks) walks.add(`${walk} (${label})`);
        plans.push(`${label}, with ${JSON.stringify(values).slice(0, 300)}:\n${plan.join('\n')}`);
      }
      return { scans: [...scans], walks: [...walks], plans };
    });
  } finally {
    db.close();
  }
}

async function analyse(): Promise<{ results: Result[]; expected: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'ringkit-plans-'));
  const path = join(dir, 'plans.db');
  try {
    const inner = createSqliteStore({ path });
    const loader = new DatabaseSync(path);
    loader.exec('PRAGMA busy_timeout = 5000');
    loader.exec(loadSql());
    loader.close();
    const captured: Captured[] = [];
    const tagged = taggingStore(inner);
    const stop = captureStatements(captured);
    try {
      await runWorkload(tagged);
    } finally {
      stop();
      await inner.close();
    }
    const statements = distinctStatements(captured);
    const bare = check(path, statements, 'before ANALYZE');
    const analyzer = new DatabaseSync(path);
    analyzer.exec('ANALYZE');
    analyzer.close();
    const analyzed = check(path, statements, 'after ANALYZE');
    const names = statementNames(statements);
    const results = statements.map((statement, i) => ({
      name: names[i]!,
      text: statement.text,
      tags: statement.tags,
      scans: [...bare[i]!.scans, ...analyzed[i]!.scans],
      walks: [...bare[i]!.walks, ...analyzed[i]!.walks],
      plans: [...bare[i]!.plans, ...analyzed[i]!.plans].join('\n\n'),
    }));
    return { results, expected: expectedTags(inner) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The statements are known once the workload has run: it runs while the file is collected.
const { results, expected } = await analyse();

describe('createSqliteStore: every statement is served by an index', () => {
  planTests(results, expected, [
    {
      title: 'no full scan of scheduled_calls or call_records (SCAN without an index)',
      findings: (result) => result.scans,
    },
    {
      title: 'a filtered statement searches an index, never walks one from its start',
      findings: (result) => result.walks,
    },
  ]);
});
