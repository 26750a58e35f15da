import { randomBytes } from 'node:crypto';
import { Client, Pool, type QueryConfig } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isInvalidOptionsError } from '@ringkit/call-client';
import { isSchedulerError } from '../../errors.js';
import {
  TEARDOWN_TIMEOUT_MS,
  describeWithDatabase,
  dropSchemas,
  holdDatabaseLock,
  randomSchema,
  runThenLoseAnswer,
} from '../../../test/pg-testing.js';
import {
  expectProvidersUpgraded,
  expectRecordCampaignsUpgraded,
  expectRecordsUpgraded,
  expectUpgradedIntact,
  recordsOfSchema13,
} from '../../../test/upgrade.js';
import { storedCall, testStore } from '../../testing/store-contract.js';
import type { StoredCall, StoredCampaign } from '../../store.js';
import { createPostgresStore, type PostgresStore } from './postgres.js';
import { LIVE_SQL } from '../_columns.js';
import { claimedRows } from '../../testing/store-contract/_fixtures.js';

const T0 = Date.UTC(2026, 0, 1, 12);

/** A running campaign row (no entries counted in `total`: the tests add theirs). */
const campaignRow = (id: string, overrides: Partial<StoredCampaign> = {}): StoredCampaign => ({
  id,
  state: 'running',
  concurrency: 3,
  total: 0,
  fingerprint: `fp-${id}`,
  settings: { callsPerSecond: null },
  nextSlotAt: 0,
  createdAt: T0,
  updatedAt: T0,
  archivedAt: null,
  version: 1,
  ...overrides,
});

/** `n` entries of campaign `id`, due at `T0`, in list order. */
const entries = (id: string, n: number): StoredCall[] =>
  Array.from({ length: n }, (_, position) =>
    storedCall({ id: `${id}-${String(position).padStart(3, '0')}`, campaign: id, position }),
  );

/**
 * A `pg.Client` class that loses the answer of the next `COMMIT` (or claim of one round trip) once
 * `armed` says so: it commits, then its caller gets a connection reset, as when the connection
 * drops just after the commit.
 */
function commitLosingClient(
  armed: { on: boolean; fired: boolean },
  // A transaction's COMMIT, or a campaign claim of one round trip (its own transaction).
  commits = (text: unknown) =>
    text === 'COMMIT' || (typeof text === 'string' && text.includes('FOR UPDATE;\n')),
) {
  const original = Client.prototype.query as (...args: unknown[]) => unknown;
  class LosingClient extends Client {}
  LosingClient.prototype.query = function (this: Client, ...args: unknown[]) {
    const text =
      typeof args[0] === 'object' && args[0] !== null ? (args[0] as QueryConfig).text : args[0];
    if (!(armed.on && commits(text))) return original.apply(this, args);
    armed.on = false;
    armed.fired = true;
    return runThenLoseAnswer(original, this, args, 'an answer lost on purpose');
  } as typeof Client.prototype.query;
  return LosingClient;
}

/** Undoes migration 16 of schema `s` (quoted): the index of live calls, the list's by creation. */
const backToVersion15 = (s: string) => `
  CREATE INDEX scheduled_calls_live ON ${s}.scheduled_calls (status) WHERE status IN (${LIVE_SQL});
  CREATE INDEX scheduled_calls_created ON ${s}.scheduled_calls (created_at, id)
    WHERE campaign_id IS NULL;
  DELETE FROM ${s}.schema_migrations WHERE version > 15;`;

/** Undoes migrations 16 to 14 of schema `s` (quoted): no agents, no record names its campaign. */
const backToVersion13 = (s: string) => `${backToVersion15(s)}
  DROP TABLE ${s}.agents;
  ALTER TABLE ${s}.call_records DROP COLUMN campaign_id;
  DELETE FROM ${s}.schema_migrations WHERE version > 13;`;

/** Undoes migrations 14 and 13 of schema `s` (quoted): no row or campaign names its provider. */
const backToVersion12 = (s: string) => `${backToVersion13(s)}
  ALTER TABLE ${s}.scheduled_calls DROP COLUMN provider;
  ALTER TABLE ${s}.campaigns DROP COLUMN provider;
  DELETE FROM ${s}.schema_migrations WHERE version > 12;`;

/**
 * Undoes migrations 14 to 9 of schema `s` (quoted): no provider; no named send budgets; no
 * archive; no do-not-call list; no voicemail, no recording length, no provider word.
 */
const backToVersion8 = (s: string) => `${backToVersion12(s)}
  DROP TABLE ${s}.send_shares;
  DROP TABLE ${s}.send_budgets;
  ALTER TABLE ${s}.campaigns DROP COLUMN archived_at;
  DROP TABLE ${s}.suppressions;
  ALTER TABLE ${s}.call_records DROP COLUMN recording_url, DROP COLUMN recording_duration_seconds,
    DROP COLUMN provider_status;
  DELETE FROM ${s}.schema_migrations WHERE version > 8;`;

/**
 * Undoes migrations 9 and 8 of schema `s` (quoted): no campaigns, no campaign columns or
 * indexes, a wake time for every row, the list's indexes over every row.
 */
const backToVersion7 = (s: string) => `${backToVersion8(s)}
  DROP TABLE ${s}.campaigns;
  DROP INDEX ${s}.scheduled_calls_campaign_position;
  DROP INDEX ${s}.scheduled_calls_campaign_status;
  DROP INDEX ${s}.scheduled_calls_campaign_list;
  DROP INDEX ${s}.scheduled_calls_campaign_next;
  DROP INDEX ${s}.scheduled_calls_campaign_due;
  DROP INDEX ${s}.scheduled_calls_campaign_live;
  DROP INDEX ${s}.scheduled_calls_campaign_held;
  DROP INDEX ${s}.scheduled_calls_created;
  DROP INDEX ${s}.scheduled_calls_status;
  DROP TRIGGER scheduled_calls_wake_update ON ${s}.scheduled_calls;
  DROP INDEX ${s}.scheduled_calls_wake;
  ALTER TABLE ${s}.scheduled_calls DROP COLUMN wake_at;
  ALTER TABLE ${s}.scheduled_calls DROP COLUMN campaign_id, DROP COLUMN position;
  ALTER TABLE ${s}.scheduled_calls ADD COLUMN wake_at bigint GENERATED ALWAYS AS (
    CASE WHEN status = 'scheduled' THEN due_at
      WHEN status IN ('queued', 'initiated', 'ringing', 'answered') THEN lease_until END
  ) STORED;
  CREATE INDEX scheduled_calls_wake ON ${s}.scheduled_calls (wake_at, id)
    WHERE wake_at IS NOT NULL;
  CREATE TRIGGER scheduled_calls_wake_update AFTER UPDATE ON ${s}.scheduled_calls
    FOR EACH ROW
    WHEN (NEW.wake_at IS NOT NULL AND (OLD.wake_at IS NULL OR NEW.wake_at < OLD.wake_at))
    EXECUTE FUNCTION ${s}.notify_wake();
  CREATE INDEX scheduled_calls_created ON ${s}.scheduled_calls (created_at, id);
  CREATE INDEX scheduled_calls_status ON ${s}.scheduled_calls (status, created_at, id);
  DELETE FROM ${s}.schema_migrations WHERE version > 7;`;

/**
 * Undoes the migrations after version 4 of schema `s` (quoted): no call options, no answered_by,
 * none of the indexes and leases of version 7, nothing of version 8.
 */
const backToVersion4 = (s: string) => `${backToVersion7(s)}
  DROP INDEX ${s}.scheduled_calls_live;
  DROP INDEX ${s}.scheduled_calls_finished;
  DROP INDEX ${s}.call_records_started;
  DROP TABLE ${s}.leases;
  ALTER TABLE ${s}.scheduled_calls DROP COLUMN call_options;
  ALTER TABLE ${s}.call_records DROP COLUMN answered_by;
  DELETE FROM ${s}.schema_migrations WHERE version > 4;`;

describeWithDatabase('createPostgresStore', (url) => {
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    release = await holdDatabaseLock(url, 'shared');
  }, 180_000);
  const admin = new Pool({ connectionString: url, max: 2 });
  const schemas = new Set<string>();
  const newSchema = () => {
    const schema = randomSchema();
    schemas.add(schema);
    return schema;
  };
  afterAll(async () => {
    await dropSchemas(url, schemas);
    await admin.end();
    await release?.();
  }, TEARDOWN_TIMEOUT_MS);

  testStore({
    name: 'postgres',
    create: () => createPostgresStore({ connectionString: url, max: 4 }, { schema: newSchema() }),
    connectAgain: (store) =>
      createPostgresStore(
        { connectionString: url, max: 4 },
        { schema: (store as PostgresStore).schema },
      ),
  });

  const waitFor = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) throw new Error('timed out waiting');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  describe('createPostgresStore', () => {
    it('applies its migrations once, under a lock, however many stores start together', async () => {
      const schema = newSchema();
      const stores = Array.from({ length: 4 }, () =>
        createPostgresStore({ connectionString: url, max: 2 }, { schema }),
      );
      await Promise.all(stores.map((store) => store.ready()));
      await Promise.all(stores.map((store, i) => store.insert(storedCall({ id: `c${i}` }))));
      const { rows } = await admin.query(`SELECT version FROM "${schema}".schema_migrations`);
      expect(rows).toEqual(
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16].map((version) => ({ version })),
      );
      expect((await stores[0]!.list({ limit: 10 })).items).toHaveLength(4);
      for (const store of stores) await store.close();
    });

    it('upgrades a schema of version 12: its calls name no provider, and any provider finds them', async () => {
      const schema = newSchema();
      const before = createPostgresStore({ connectionString: url, max: 1 }, { schema });
      await before.ready();
      await before.close();
      const s = `"${schema}"`;
      await admin.query(`${backToVersion12(s)}
        INSERT INTO ${s}.scheduled_calls (id, to_phone, status, due_at, created_at, updated_at,
          version, attempt, provider_call_id)
        VALUES ('old', '+14155552671', 'initiated', 5000, 1, 1, 1, 1, 'CA9');`);
      await expectProvidersUpgraded(
        createPostgresStore({ connectionString: url, max: 1 }, { schema }),
      );
    });

    it("upgrades a schema of version 13: the records of a campaign's entries take its campaign", async () => {
      const schema = newSchema();
      const before = createPostgresStore({ connectionString: url, max: 1 }, { schema });
      await before.ready();
      await before.close();
      const s = `"${schema}"`;
      await admin.query(`${backToVersion13(s)}${recordsOfSchema13(`${s}.`, 'false')}`);
      await expectRecordCampaignsUpgraded(
        createPostgresStore({ connectionString: url, max: 1 }, { schema }),
      );
    });

    it('upgrades a schema of the first version: history kept, followed calls adoptable and announced', async () => {
      const schema = newSchema();
      const before = createPostgresStore({ connectionString: url, max: 1 }, { schema });
      await before.ready();
      await before.close();
      const s = `"${schema}"`;
      // Back to the first schema: no outcome_unknown, no send budget, a wake time for scheduled and queued rows only.
      await admin.query(`
        ${backToVersion4(s)}
        ALTER TABLE ${s}.call_records DROP COLUMN outcome_unknown;
        DROP TABLE ${s}.send_budget;
        DROP TRIGGER scheduled_calls_wake_update ON ${s}.scheduled_calls;
        ALTER TABLE ${s}.scheduled_calls DROP COLUMN wake_at;
        ALTER TABLE ${s}.scheduled_calls ADD COLUMN wake_at bigint GENERATED ALWAYS AS (
          CASE status WHEN 'scheduled' THEN due_at WHEN 'queued' THEN lease_until END) STORED;
        CREATE INDEX scheduled_calls_wake ON ${s}.scheduled_calls (wake_at, id)
          WHERE wake_at IS NOT NULL;
        CREATE TRIGGER scheduled_calls_wake_update AFTER UPDATE ON ${s}.scheduled_calls
          FOR EACH ROW
          WHEN (NEW.wake_at IS NOT NULL AND (OLD.wake_at IS NULL OR NEW.wake_at < OLD.wake_at))
          EXECUTE FUNCTION ${s}.notify_wake();
        DELETE FROM ${s}.schema_migrations WHERE version > 1;
        INSERT INTO ${s}.call_records (id, from_phone, to_phone, direction, status, started_at,
          answered_at, ended_at, duration_seconds)
        VALUES ('old', '+14155550100', '+14155552671', 'outbound', 'completed', 1, 2, 62000, 62);
        INSERT INTO ${s}.scheduled_calls (id, to_phone, status, due_at, created_at, updated_at,
          version, attempt, lease_owner, lease_until, placing_at, provider_call_id)
        VALUES ('ringing', '+14155552671', 'ringing', ${T0}, ${T0}, ${T0}, 1, 1, 'w1',
          ${T0 + 5000}, ${T0}, 'p1');`);
      const store = createPostgresStore({ connectionString: url, max: 2 }, { schema });
      expect((await store.listCallLog({ phone: '+14155552671', limit: 5 })).items).toMatchObject([
        { id: 'old', status: 'completed', durationS: 62, outcomeUnknown: false },
      ]);
      expect(await store.nextDueAt()).toBe(T0 + 5000);
      const heard: (number | null)[] = [];
      const stop = await store.subscribe!((at) => heard.push(at));
      // A follower that stops gives its lease up at once: every worker hears of it.
      const row = (await store.get('ringing'))!;
      await store.update('ringing', row.version, { leaseOwner: null, leaseUntil: T0 + 1000 });
      await waitFor(() => heard.includes(T0 + 1000));
      expect(await claimedRows(store, T0 + 1000, 5, 'w2', T0 + 31_000)).toMatchObject([
        { id: 'ringing', status: 'ringing', leaseOwner: 'w2', providerCallId: 'p1' },
      ]);
      await stop();
      await store.close();
    });

    it('upgrades a schema of version 4 in place: its calls and records intact, with no options and no answeredBy', async () => {
      const schema = newSchema();
      const before = createPostgresStore({ connectionString: url, max: 1 }, { schema });
      await before.ready();
      await before.close();
      const s = `"${schema}"`;
      await admin.query(`${backToVersion4(s)}
        INSERT INTO ${s}.scheduled_calls (id, to_phone, status, due_at, created_at, updated_at,
          version, attempt, idempotency_key, options)
        VALUES ('due', '+14155552671', 'scheduled', ${T0}, 1, 1, 1, 1, 'k',
          '{"maxAttempts": 2, "retryBackoff": null, "recurrence": null, "window": null,
            "metadata": {"n": 1}, "seriesId": null, "occurrenceAt": null}');
        INSERT INTO ${s}.call_records (id, from_phone, to_phone, direction, status, started_at,
          answered_at, ended_at, duration_seconds, outcome_unknown)
        VALUES ('old', '+14155550100', '+14155552671', 'outbound', 'completed', 1, 2, 62000, 62,
          false);`);
      const store = createPostgresStore({ connectionString: url, max: 2 }, { schema });
      await expectUpgradedIntact(store, T0);
      await store.close();
      const { rows } = await admin.query(
        `SELECT relname FROM pg_class JOIN pg_namespace n ON n.oid = relnamespace
          WHERE nspname = $1 AND relname = ANY($2) ORDER BY relname`,
        [
          schema,
          [
            'scheduled_calls_live',
            'scheduled_calls_created',
            'scheduled_calls_finished',
            'call_records_started',
            'leases',
          ],
        ],
      );
      // Version 7's index of live calls and the list's by creation go again with version 16.
      expect(rows.map((row) => row.relname)).toEqual([
        'call_records_started',
        'leases',
        'scheduled_calls_finished',
      ]);
    });

    it('upgrades a schema of version 8 in place: its records read back with no voicemail and no provider word, and merge', async () => {
      const schema = newSchema();
      const before = createPostgresStore({ connectionString: url, max: 1 }, { schema });
      await before.ready();
      await before.close();
      const s = `"${schema}"`;
      await admin.query(`${backToVersion8(s)}
        INSERT INTO ${s}.call_records (id, from_phone, to_phone, direction, status, started_at,
          answered_at, ended_at, duration_seconds, outcome_unknown, answered_by)
        VALUES ('twilio:CA1', '+14155552671', '+14155550100', 'inbound', 'ringing', 1000, NULL,
          NULL, NULL, false, NULL);`);
      await expectRecordsUpgraded(
        createPostgresStore({ connectionString: url, max: 2 }, { schema }),
      );
    });

    it('upgrades a schema of version 15 whose dropped indexes were already dropped by hand', async () => {
      const schema = newSchema();
      const before = createPostgresStore({ connectionString: url, max: 1 }, { schema });
      await before.insert(storedCall({ id: 'kept' }));
      await before.close();
      await admin.query(`DELETE FROM "${schema}".schema_migrations WHERE version > 15`);
      const store = createPostgresStore({ connectionString: url, max: 1 }, { schema });
      expect((await store.get('kept'))?.id).toBe('kept');
      const { rows } = await admin.query<{ v: number }>(
        `SELECT max(version)::int AS v FROM "${schema}".schema_migrations`,
      );
      expect(rows).toEqual([{ v: 16 }]);
      await store.close();
    });

    it("upgrades a schema of version 7 in place: its rows stay the scheduler's own, and campaigns come", async () => {
      const schema = newSchema();
      const before = createPostgresStore({ connectionString: url, max: 1 }, { schema });
      await before.ready();
      await before.close();
      const s = `"${schema}"`;
      await admin.query(`${backToVersion7(s)}
        INSERT INTO ${s}.scheduled_calls (id, to_phone, status, due_at, created_at, updated_at,
          version, attempt)
        VALUES ('due', '+14155552671', 'scheduled', ${T0}, 1, 1, 1, 1),
          ('done', '+14155552671', 'completed', ${T0}, 2, 2, 3, 1);
        INSERT INTO ${s}.scheduled_calls (id, to_phone, status, due_at, created_at, updated_at,
          version, attempt, lease_owner, lease_until, placing_at, provider_call_id)
        VALUES ('ringing', '+14155552671', 'ringing', ${T0}, 3, 3, 2, 1, 'w1', ${T0 + 5000},
          ${T0}, 'p1');`);
      const store = createPostgresStore({ connectionString: url, max: 2 }, { schema });
      const due = await store.get('due');
      expect(due).toEqual(storedCall({ id: 'due', dueAt: T0, createdAt: 1, updatedAt: 1 }));
      expect(due?.campaign ?? null).toBeNull();
      expect(due?.position ?? null).toBeNull();
      expect((await store.list({ limit: 10 })).items.map((r) => r.id)).toEqual([
        'due',
        'done',
        'ringing',
      ]);
      expect(await store.countByStatus!(['scheduled', 'completed', 'ringing'])).toEqual({
        scheduled: 1,
        completed: 1,
        ringing: 1,
      });
      expect(await store.nextDueAt()).toBe(T0);

      await store.insertCampaign!(campaignRow('c'), entries('c', 4));
      // The campaign's rows wake nobody and are claimed through the campaign only.
      expect((await claimedRows(store, T0, 10, 'w2', T0 + 30_000)).map((r) => r.id)).toEqual([
        'due',
      ]);
      expect(await store.nextDueAt()).toBe(T0 + 5000);
      expect((await store.list({ limit: 10 })).items.map((r) => r.id)).toEqual([
        'due',
        'done',
        'ringing',
      ]);
      expect((await store.list({ campaign: 'c', limit: 10 })).items).toHaveLength(4);
      const claim = await store.claimCampaign!('c', T0, 10, 'w2', T0 + 30_000, { holdMs: 60_000 });
      expect(claim.calls.map((r) => [r.position, r.status])).toEqual([
        [0, 'queued'],
        [1, 'queued'],
        [2, 'queued'],
      ]);
      expect(claim.taken).toBe(3);
      const { rows } = await admin.query(
        `SELECT count(*)::int AS n FROM ${s}.scheduled_calls
          WHERE campaign_id IS NOT NULL AND wake_at IS NOT NULL`,
      );
      expect(rows).toEqual([{ n: 0 }]);
      const versions = await admin.query(`SELECT max(version) AS v FROM ${s}.schema_migrations`);
      expect(versions.rows).toEqual([{ v: 16 }]);
      await store.close();
    });

    it('claims of one campaign from two processes take turns: never more calls live than its concurrency', async () => {
      const schema = newSchema();
      const a = createPostgresStore({ connectionString: url, max: 4 }, { schema });
      const b = createPostgresStore({ connectionString: url, max: 4 }, { schema });
      const budget = { intervalMs: 10, horizonMs: 1_000_000 };
      await a.insertCampaign!(campaignRow('race', { concurrency: 5 }), entries('race', 40));
      const now = T0 + 1000;
      const seen = new Set<string>();
      const slots: number[] = [];
      const live: StoredCall[] = [];
      for (let round = 0; round < 20 && seen.size < 40; round++) {
        const room = Math.min(5 - live.length, 40 - seen.size);
        const claims = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 === 0 ? a : b).claimCampaign!('race', now, 3, `w${i}`, now + 60_000, {
              holdMs: 60_000,
              budget,
            }),
          ),
        );
        const calls = claims.flatMap((claim) => claim.calls);
        for (const call of calls) {
          expect(seen.has(call.id), call.id).toBe(false);
          seen.add(call.id);
        }
        for (const claim of claims) {
          slots.push(...claim.slots.filter((slot): slot is number => slot !== null));
        }
        // The claims of a round fill the room, in list order, and stop there.
        expect(calls.length).toBe(room);
        expect(calls.map((call) => call.position).sort((x, y) => x! - y!)).toEqual(
          Array.from({ length: room }, (_, i) => seen.size - room + i),
        );
        live.push(...calls);
        expect((await a.countCampaign!('race')).queued).toBe(live.length);
        expect(Math.max(...claims.map((claim) => claim.taken))).toBe(live.length);
        // Three of the live calls end; the others stay live into the next round.
        for (const call of live.splice(0, 3)) {
          await a.update(call.id, call.version, { status: 'completed', leaseOwner: null });
        }
      }
      expect(seen.size).toBe(40);
      // One slot each, intervalMs apart from the first, whichever process claimed it.
      expect(slots.sort((x, y) => x - y)).toEqual(
        Array.from({ length: 40 }, (_, i) => now + i * budget.intervalMs),
      );
      expect((await a.getCampaign!('race'))?.nextSlotAt).toBe(now + 40 * budget.intervalMs);
      await a.close();
      await b.close();
    });

    it('hands out again the rows of a campaign claim whose answer was lost, and claims no more', async () => {
      const armed = { on: false, fired: false };
      const store = createPostgresStore(
        { connectionString: url, max: 2, Client: commitLosingClient(armed) },
        { schema: newSchema() },
      );
      await store.insertCampaign!(campaignRow('lost', { concurrency: 5 }), entries('lost', 8));
      armed.on = true;
      const claim = await store.claimCampaign!('lost', T0, 2, 'w1', T0 + 30_000, {
        holdMs: 60_000,
      });
      expect(armed.fired).toBe(true);
      expect(claim.calls.map((r) => [r.position, r.leaseOwner])).toEqual([
        [0, 'w1'],
        [1, 'w1'],
      ]);
      expect(claim.taken).toBe(2);
      expect(await store.countCampaign!('lost')).toEqual({ queued: 2, scheduled: 6 });
      await store.close();
    });

    it('hands out again the rows a marking claim whose answer was lost leased, never those it marked', async () => {
      const armed = { on: false, fired: false };
      // The scheduler's claim: its prepared statement run in a simple query, its own transaction.
      const claims = (text: unknown) =>
        typeof text === 'string' && /\nEXECUTE \w+_due\(/.test(text);
      const store = createPostgresStore(
        { connectionString: url, max: 2, Client: commitLosingClient(armed, claims) },
        { schema: newSchema() },
      );
      await store.insertMany!(['a', 'b', 'c', 'd'].map((id) => storedCall({ id })));
      armed.on = true;
      const claim = await store.claimDue({
        now: T0,
        limit: 3,
        workerId: 'w1',
        leaseUntil: T0 + 30_000,
        mark: 2,
      });
      expect(armed.fired).toBe(true);
      // The lost try leased a, b and c and marked a and b: only c is handed out, unmarked,
      // with d, which the retry claims (and marks: it is among the first two it hands out).
      expect(claim.calls.map((r) => [r.id, r.placingAt])).toEqual([
        ['c', null],
        ['d', T0],
      ]);
      expect(claim.marked).toEqual([false, true]);
      // Nobody sends a and b: marked and leased, they end `outcome_unknown` once it runs out.
      for (const id of ['a', 'b']) {
        expect(await store.get(id)).toMatchObject({
          status: 'queued',
          placingAt: T0,
          leaseOwner: 'w1',
        });
      }
      await store.close();
    });

    it('analyses the calls after storing a large campaign, so that its statements are planned knowing its rows', async () => {
      const store = createPostgresStore({ connectionString: url, max: 2 }, { schema: newSchema() });
      const nullShare = async () => {
        const { rows } = await admin.query<{ null_frac: number }>(
          `SELECT null_frac FROM pg_stats
            WHERE schemaname = $1 AND tablename = 'scheduled_calls' AND attname = 'campaign_id'`,
          [store.schema],
        );
        return rows[0]?.null_frac ?? null;
      };
      await store.insertMany!(Array.from({ length: 50 }, (_, i) => storedCall({ id: `own-${i}` })));
      await store.insertCampaign!(campaignRow('small'), entries('small', 10));
      expect(await nullShare()).toBeNull();
      const many = Array.from({ length: 1000 }, (_, position) =>
        storedCall({ id: `big-${position}`, campaign: 'big', position }),
      );
      await store.insertCampaign!(campaignRow('big', { total: 1000 }), many);
      // Planned from statistics of no campaign row at all, its statements would take it for one row.
      expect(await nullShare()).toBeCloseTo(50 / 1060, 2);
      await store.close();
    });

    it('keeps history, idempotency keys and provider ids indexed', async () => {
      const store = createPostgresStore({ connectionString: url, max: 1 }, { schema: newSchema() });
      await store.ready();
      const { rows } = await admin.query<{ indexdef: string }>(
        'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
        [store.schema],
      );
      const defs = rows.map((r) => r.indexdef.replace(/^.* USING btree /, ''));
      expect(defs).toEqual(
        expect.arrayContaining([
          '(from_phone, started_at DESC, id DESC)',
          '(to_phone, started_at DESC, id DESC)',
          '(idempotency_key) WHERE (idempotency_key IS NOT NULL)',
          '(provider_call_id) WHERE (provider_call_id IS NOT NULL)',
          '(wake_at, id) WHERE (wake_at IS NOT NULL)',
          '(status, created_at, id) WHERE (campaign_id IS NULL)',
          '(campaign_id, "position") WHERE (campaign_id IS NOT NULL)',
          '(status, campaign_id, "position") WHERE (campaign_id IS NOT NULL)',
          '(campaign_id, status, created_at, id) WHERE (campaign_id IS NOT NULL)',
          '(campaign_id, "position", due_at) WHERE ((campaign_id IS NOT NULL) AND (status = \'scheduled\'::text))',
          "(campaign_id, due_at) WHERE ((campaign_id IS NOT NULL) AND (status = 'scheduled'::text))",
          "(campaign_id, lease_until) WHERE ((campaign_id IS NOT NULL) AND (status = ANY (ARRAY['queued'::text, 'initiated'::text, 'ringing'::text, 'answered'::text])))",
          "(campaign_id, placing_at) WHERE ((campaign_id IS NOT NULL) AND (status = 'failed'::text) AND (reason = 'outcome_unknown'::text))",
        ]),
      );
      expect(rows.find((r) => r.indexdef.includes('(idempotency_key)'))?.indexdef).toMatch(
        /UNIQUE/,
      );
      // A status step writes no entry where a status index serves (see migration 16).
      expect(defs).not.toContain('(created_at, id) WHERE (campaign_id IS NULL)');
      expect(defs.filter((d) => d.startsWith('(status)'))).toEqual([]);
      await store.close();
    });

    it('announces new and earlier wake times to every subscriber, and stays quiet on claims', async () => {
      const schema = newSchema();
      const listening = createPostgresStore({ connectionString: url, max: 1 }, { schema });
      const writer = createPostgresStore({ connectionString: url, max: 1 }, { schema });
      const heard: (number | null)[] = [];
      const unsubscribe = await listening.subscribe!((at) => heard.push(at));
      await writer.insertMany!([
        storedCall({ id: 'a', dueAt: T0 + 5000 }),
        storedCall({ id: 'b', dueAt: T0 + 3000 }),
      ]);
      await waitFor(() => heard.length === 1);
      expect(heard).toEqual([T0 + 3000]);
      await writer.insert(storedCall({ id: 'c', dueAt: T0 + 9000 }));
      await waitFor(() => heard.length === 2);
      await writer.claimDue({ now: T0 + 3000, limit: 1, workerId: 'w1', leaseUntil: T0 + 60_000 });
      await writer.update('a', 1, { dueAt: T0 + 8000 }); // later: nobody needs waking
      await writer.update('c', 1, { dueAt: T0 + 1000 }); // earlier
      await waitFor(() => heard.length === 3);
      expect(heard).toEqual([T0 + 3000, T0 + 9000, T0 + 1000]);
      await unsubscribe();
      await writer.insert(storedCall({ id: 'd', dueAt: T0 }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(heard).toHaveLength(3);
      await listening.close();
      await writer.close();
    });

    it('listens again after its connection is killed, and says so with a null wake time', async () => {
      const schema = newSchema();
      const app = `rk-listen-${randomBytes(4).toString('hex')}`;
      const logs: string[] = [];
      const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
      const store = createPostgresStore(
        { connectionString: url, max: 1, application_name: app },
        { schema, logger },
      );
      const heard: (number | null)[] = [];
      const unsubscribe = await store.subscribe!((at) => heard.push(at));
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [app],
      );
      await waitFor(() => heard.includes(null));
      await store.insert(storedCall({ id: 'a', dueAt: T0 }));
      await waitFor(() => heard.includes(T0));
      expect(logs.some((m) => /LISTEN connection dropped/.test(m))).toBe(true);
      expect(logs.some((m) => /LISTEN connection restored/.test(m))).toBe(true);
      await unsubscribe();
      await store.close();
    });

    it('locks the rows of a batch in id order: no deadlock with a transaction holding one', async () => {
      const schema = newSchema();
      const logs: string[] = [];
      const store = createPostgresStore(
        { connectionString: url, max: 2, application_name: `batch-${schema}` },
        { schema, logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m) } },
      );
      // `b` first on disk and first in the batch: any join order reaches it before `a`.
      await store.insertMany!([storedCall({ id: 'b' }), storedCall({ id: 'a' })]);
      const other = await admin.connect();
      try {
        // Another transaction holds `a` and will want `b`. A batch that locked `b` first, then
        // waited for `a`, would deadlock with it; one that locks `a` first waits and holds nothing.
        await other.query('BEGIN');
        await other.query(`SELECT id FROM "${schema}".scheduled_calls WHERE id = 'a' FOR UPDATE`);
        const batch = store.updateMany!([
          { id: 'b', expectedVersion: 1, patch: { reason: 'batch' } },
          { id: 'a', expectedVersion: 1, patch: { reason: 'batch' } },
        ]);
        // Until the batch waits for a lock.
        for (;;) {
          const { rows } = await admin.query(
            `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
            [`batch-${schema}`],
          );
          if (rows.length > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await other.query(
          `UPDATE "${schema}".scheduled_calls SET reason = 'other', version = version + 1 WHERE id = 'b'`,
        );
        await other.query('COMMIT');
        // The other transaction moved `b` on first: the batch's `b` is stale, its `a` applies.
        expect(await batch).toEqual([false, true]);
        expect((await store.get('a'))?.reason).toBe('batch');
        expect((await store.get('b'))?.reason).toBe('other');
        expect(logs).toEqual([]);
      } finally {
        await other.query('ROLLBACK').catch(() => {});
        other.release();
        await store.close();
      }
    });

    it('takes and refuses in a batch the numbers a lone write takes and refuses', async () => {
      const store = createPostgresStore({ connectionString: url, max: 2 }, { schema: newSchema() });
      const me = '+14155550100';
      const record = (id: string, durationS: number) => ({
        id,
        from: me,
        to: '+14155550001',
        direction: 'outbound' as const,
        status: 'completed' as const,
        startedAt: 1_000,
        answeredAt: null,
        endedAt: 2_000,
        durationS,
        outcomeUnknown: false,
        answeredBy: null,
        recordingUrl: null,
        recordingDurationS: Number.NEGATIVE_INFINITY,
        providerStatus: null,
      });
      try {
        await store.insertMany!([storedCall({ id: 'a' }), storedCall({ id: 'b' })]);
        // A duration is a double: it holds what JSON cannot, as it does from a lone write.
        await store.saveCallRecord(record('lone', Number.POSITIVE_INFINITY));
        expect(
          await store.updateMany!([
            { id: 'a', expectedVersion: 1, patch: { reason: 'x' }, record: record('a-1', NaN) },
            {
              id: 'b',
              expectedVersion: 1,
              patch: { reason: 'y' },
              record: record('b-1', Number.POSITIVE_INFINITY),
            },
          ]),
        ).toEqual([true, true]);
        const history = (await store.listCallLog({ phone: me, limit: 10 })).items;
        const byId = new Map(history.map((r) => [r.id, r]));
        expect(byId.get('lone')).toMatchObject({
          durationS: Infinity,
          recordingDurationS: -Infinity,
        });
        expect(byId.get('a-1')).toMatchObject({ durationS: NaN, recordingDurationS: -Infinity });
        expect(byId.get('b-1')).toMatchObject({ durationS: Infinity });
        // A time is a bigint: a lone write and a batch both refuse one that is not a number, and
        // the batch changes nothing.
        await expect(store.update('a', 2, { leaseUntil: NaN })).rejects.toThrow(/bigint/);
        await expect(
          store.updateMany!([
            { id: 'a', expectedVersion: 2, patch: { reason: 'z' } },
            { id: 'b', expectedVersion: 2, patch: { leaseUntil: Number.POSITIVE_INFINITY } },
          ]),
        ).rejects.toThrow(/bigint/);
        expect(await store.get('a')).toMatchObject({ reason: 'x', version: 2 });
        expect(await store.get('b')).toMatchObject({ reason: 'y', version: 2, leaseUntil: null });
      } finally {
        await store.close();
      }
    });

    it('opens two connections at ready() and keeps them past the idle timeout', async () => {
      // An idle timeout of 50 ms instead of the 10 s of pg's default, for the test.
      const store = createPostgresStore(
        { connectionString: url, max: 3, idleTimeoutMillis: 50 },
        { schema: newSchema() },
      );
      let opened = 0;
      store.pool.on('connect', () => opened++);
      const backends = async (count: number) => {
        const sql = 'SELECT pg_backend_pid() AS pid, pg_sleep(0.05)';
        const all = Array.from({ length: count }, () => store.pool.query<{ pid: number }>(sql));
        return new Set((await Promise.all(all)).map(({ rows }) => rows[0]!.pid));
      };
      try {
        await store.ready();
        // The migrations' connection and one more, opened before any statement needs it.
        expect([opened, store.pool.totalCount, store.pool.idleCount]).toEqual([2, 2, 2]);
        // Two statements at once: neither waits for a connection to open.
        const kept = await backends(2);
        expect(kept.size).toBe(2);
        expect(opened).toBe(2);
        // Three at once, on three connections; the third is closed once idle, the two kept are
        // still open after a quiet spell of ten idle timeouts. (The pool is not read right after
        // the three: on a busy machine the third may have idled out already.)
        const three = await backends(3);
        expect(three.size).toBe(3);
        expect(opened).toBe(3);
        await vi.waitFor(() => expect(store.pool.totalCount).toBe(2), { timeout: 10_000 });
        await new Promise((resolve) => setTimeout(resolve, 500));
        // The two kept answer the next two statements at once: none is opened for them.
        const before = opened;
        const after = await backends(2);
        expect(opened).toBe(before);
        expect(store.pool.totalCount).toBe(2);
        expect(after.size).toBe(2);
        expect([...after].filter((pid) => three.has(pid))).toHaveLength(2);
      } finally {
        await store.close();
      }
    });

    // A pool's own setting wins over the store's, and none keeps more than its `max`.
    it.each([
      [{ min: 0 }, 1, 0],
      [{ min: 1 }, 1, 1],
      [{ min: 3, max: 2 }, 2, 2],
      [{ max: 1 }, 1, 1],
    ] as const)(
      'with pool options %j opens %i connection(s) at ready() and keeps %i past the idle timeout',
      async (pool, held, idle) => {
        const own = createPostgresStore(
          { connectionString: url, idleTimeoutMillis: 50, ...pool },
          { schema: newSchema() },
        );
        try {
          await own.ready();
          // At most `held`: the migrations' connection, beyond what the pool keeps, may have
          // idled out already on a busy machine.
          expect(own.pool.totalCount).toBeLessThanOrEqual(held);
          expect(own.pool.totalCount).toBeGreaterThanOrEqual(idle);
          await vi.waitFor(() => expect(own.pool.totalCount).toBe(idle), { timeout: 10_000 });
          await new Promise((resolve) => setTimeout(resolve, 300));
          expect(own.pool.totalCount).toBe(idle);
        } finally {
          await own.close();
        }
      },
    );

    it('opens no connection ahead in a pool it was given', async () => {
      const pool = new Pool({ connectionString: url, max: 4, min: 3 });
      const store = createPostgresStore({ pool }, { schema: newSchema() });
      try {
        await store.ready();
        expect(pool.totalCount).toBe(1);
      } finally {
        await store.close();
        await pool.end();
      }
    });

    it('is ready when a connection cannot be opened ahead, and says so', async () => {
      // A role of one connection at a time: the migrations take it, the one ahead is refused.
      const role = `rk_one_${process.pid}_${randomBytes(3).toString('hex')}`;
      const schema = newSchema();
      await admin.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1`);
      await admin.query(`GRANT CREATE ON DATABASE ${new URL(url).pathname.slice(1)} TO ${role}`);
      const warnings: string[] = [];
      const limited = new URL(url);
      limited.username = role;
      limited.password = '';
      const store = createPostgresStore(
        { connectionString: limited.href },
        { schema, logger: { info: () => {}, warn: (message) => warnings.push(message) } },
      );
      try {
        await store.ready();
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(
          /could not open a connection ahead \(53300: too many connections/,
        );
        expect(store.pool.totalCount).toBe(1);
        await store.insert(storedCall({ id: 'a' }));
        expect((await store.get('a'))?.id).toBe('a');
      } finally {
        await store.close();
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.query(`DROP OWNED BY ${role}`);
        await admin.query(`DROP ROLE ${role}`);
      }
    });

    it('leaves a pool it was given open when it closes', async () => {
      const pool = new Pool({ connectionString: url, max: 1 });
      const store = createPostgresStore({ pool }, { schema: newSchema() });
      await store.insert(storedCall({ id: 'a' }));
      await store.close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await pool.end();
    });

    it('refuses a schema name that is not a plain lowercase identifier', () => {
      for (const schema of ['Ringkit', 'a-b', '1abc', 'x'.repeat(59), 'a"; DROP TABLE x; --']) {
        let error: unknown;
        try {
          createPostgresStore({ connectionString: url }, { schema });
        } catch (e) {
          error = e;
        }
        expect(isInvalidOptionsError(error), schema).toBe(true);
        expect(isSchedulerError(error), schema).toBe(false);
      }
    });

    it('refuses an option it does not know, before it connects', () => {
      expect(() =>
        createPostgresStore({ connectionString: url }, { schema: 'ringkit', retries: 3 } as never),
      ).toThrow(
        'Invalid createPostgresStore options: (root): unknown option "retries"; the options are schema, logger, reconnectTimeoutMs',
      );
      expect(() =>
        createPostgresStore({ connectionString: url }, { reconnectTimeout: 5 } as never),
      ).toThrow(
        'Invalid createPostgresStore options: (root): unknown option "reconnectTimeout": did you mean "reconnectTimeoutMs"?',
      );
    });
  });
});
