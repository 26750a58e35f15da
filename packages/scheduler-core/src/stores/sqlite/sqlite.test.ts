import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInvalidOptionsError } from '@ringkit/call-client';
import { sourceExecArgv } from '@ringkit/internal/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  expectProvidersUpgraded,
  expectRecordCampaignsUpgraded,
  expectRecordsUpgraded,
  expectUpgradedIntact,
  recordsOfSchema13,
} from '../../../test/upgrade.js';
import { storedCall, storedCampaign, testStore } from '../../testing/store-contract.js';
import type { Store } from '../../store.js';
import { createSqliteStore } from './sqlite.js';
import { claimedRows } from '../../testing/store-contract/_fixtures.js';

/** Undoes migrations 15 and 14: no agents, no call record names its campaign. */
const BACK_TO_VERSION_13 = `DROP TABLE agents;
  DROP INDEX call_records_campaign;
  ALTER TABLE call_records DROP COLUMN campaign_id;
  DELETE FROM schema_migrations WHERE version > 13;`;

/** Undoes migrations 14 and 13: no row or campaign names its provider. */
const BACK_TO_VERSION_12 = `${BACK_TO_VERSION_13}
  DROP INDEX scheduled_calls_wake;
  CREATE INDEX scheduled_calls_wake ON scheduled_calls (wake_at, id) WHERE wake_at IS NOT NULL;
  ALTER TABLE scheduled_calls DROP COLUMN provider;
  ALTER TABLE campaigns DROP COLUMN provider;
  DELETE FROM schema_migrations WHERE version > 12;`;

/**
 * Undoes migrations 14 to 9: no provider; no named send budgets; no archive; no do-not-call list;
 * no mark of a campaign being created.
 */
const BACK_TO_VERSION_8 = `${BACK_TO_VERSION_12}
  DROP TABLE send_shares;
  DROP TABLE send_budgets;
  ALTER TABLE campaigns DROP COLUMN archived_at;
  DROP TABLE suppressions;
  DROP INDEX campaigns_created;
  CREATE INDEX campaigns_created ON campaigns (created_at, id);
  ALTER TABLE campaigns DROP COLUMN creating_by;
  ALTER TABLE campaigns DROP COLUMN creating_at;
  DELETE FROM schema_migrations WHERE version > 8;`;

/** Undoes migration 8: no voicemail, no recording length, no provider word on call records. */
const BACK_TO_VERSION_7 = `${BACK_TO_VERSION_8}
  ALTER TABLE call_records DROP COLUMN recording_url;
  ALTER TABLE call_records DROP COLUMN recording_duration_seconds;
  ALTER TABLE call_records DROP COLUMN provider_status;
  DELETE FROM schema_migrations WHERE version > 7;`;

/** Undoes migrations 8 and 7 (campaigns): the wake time of version 3 to 6, no campaign columns. */
const BACK_TO_VERSION_6 = `${BACK_TO_VERSION_7}
  DROP INDEX scheduled_calls_own_status;
  DROP INDEX scheduled_calls_campaign_position;
  DROP INDEX scheduled_calls_campaign_status;
  DROP INDEX scheduled_calls_campaign_list;
  DROP INDEX scheduled_calls_campaign_due;
  DROP INDEX scheduled_calls_campaign_live;
  DROP INDEX scheduled_calls_campaign_held;
  DROP TABLE campaigns;
  DROP INDEX scheduled_calls_created;
  CREATE INDEX scheduled_calls_created ON scheduled_calls (created_at, id);
  DROP INDEX scheduled_calls_wake;
  ALTER TABLE scheduled_calls DROP COLUMN wake_at;
  ALTER TABLE scheduled_calls DROP COLUMN campaign_id;
  ALTER TABLE scheduled_calls DROP COLUMN position;
  ALTER TABLE scheduled_calls ADD COLUMN wake_at INTEGER GENERATED ALWAYS AS (
    CASE WHEN status = 'scheduled' THEN due_at
      WHEN status IN ('queued', 'initiated', 'ringing', 'answered') THEN lease_until END) VIRTUAL;
  CREATE INDEX scheduled_calls_wake ON scheduled_calls (wake_at, id) WHERE wake_at IS NOT NULL;
  DELETE FROM schema_migrations WHERE version > 6;`;

/** Undoes the migrations after version 3: no call options, no answered_by, no indexes of 6. */
const BACK_TO_VERSION_3 = `${BACK_TO_VERSION_6}
  DROP INDEX scheduled_calls_status;
  DROP INDEX scheduled_calls_finished;
  DROP INDEX call_records_started;
  DROP TABLE leases;
  ALTER TABLE scheduled_calls DROP COLUMN call_options;
  ALTER TABLE call_records DROP COLUMN answered_by;
  DELETE FROM schema_migrations WHERE version > 3;`;

const dir = mkdtempSync(join(tmpdir(), 'ringkit-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const paths = new WeakMap<Store, string>();

testStore({
  name: 'sqlite',
  create: () => {
    const path = join(dir, `contract-${n++}.db`);
    const store = createSqliteStore({ path });
    paths.set(store, path);
    return store;
  },
  connectAgain: (store) => createSqliteStore({ path: paths.get(store)! }),
});

testStore({ name: 'sqlite (:memory:)', create: () => createSqliteStore({ path: ':memory:' }) });

describe('createSqliteStore', () => {
  it.each([
    ['no path', {}],
    ['a path that is not a string', { path: 42 }],
    ['a negative busyTimeoutMs', { path: ':memory:', busyTimeoutMs: -1 }],
    ['an unknown option', { path: ':memory:', busyTimeout: 10 }],
    ['a negative checkpointIntervalMs', { path: ':memory:', checkpointIntervalMs: -1 }],
    ['a fractional checkpointIntervalMs', { path: ':memory:', checkpointIntervalMs: 1.5 }],
  ])('refuses %s with InvalidOptionsError naming it', (_, options) => {
    let error: unknown;
    try {
      createSqliteStore(options as never);
    } catch (e) {
      error = e;
    }
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^Invalid createSqliteStore options: .*(path|busyTimeout|checkpointIntervalMs)/,
    );
  });

  it('keeps rows across a restart and applies each migration once', async () => {
    const path = join(dir, 'restart.db');
    const first = createSqliteStore({ path });
    await first.insert(storedCall({ id: 'a' }));
    await first.close();
    const second = createSqliteStore({ path });
    expect((await second.get('a'))?.id).toBe('a');
    await second.close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
      { version: 5 },
      { version: 6 },
      { version: 7 },
      { version: 8 },
      { version: 9 },
      { version: 10 },
      { version: 11 },
      { version: 12 },
      { version: 13 },
      { version: 14 },
      { version: 15 },
    ]);
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    db.close();
  });

  describe('checkpoints', () => {
    /** Writes enough rows to fill the log past SQLite's automatic checkpoint (1,000 pages). */
    const fill = (store: Store) =>
      store.insertMany!(
        Array.from({ length: 40_000 }, (_, i) =>
          storedCall({ id: `c${i}`, idempotencyKey: `k${i}` }),
        ),
      );
    const sizeOf = (path: string) => statSync(path).size;

    it('never checkpoints inside its own commits by default: a thread of its own does', async () => {
      const quiet = join(dir, 'checkpoint-quiet.db');
      const store = createSqliteStore({ path: quiet, checkpointIntervalMs: 3_600_000 });
      const before = sizeOf(quiet);
      await fill(store);
      // Over 1,000 pages committed, and none copied into the file: no checkpoint ran in a commit.
      expect(sizeOf(`${quiet}-wal`)).toBeGreaterThan(4_096 * 1_000);
      expect(sizeOf(quiet)).toBe(before);
      await store.close();

      const busy = join(dir, 'checkpoint-thread.db');
      const threaded = createSqliteStore({ path: busy, checkpointIntervalMs: 20 });
      const start = sizeOf(busy);
      await fill(threaded);
      // No commit after the last: the pages reach the file through the store's thread.
      await expect
        .poll(() => sizeOf(busy), { timeout: 5_000 })
        .toBeGreaterThan(start + 4_096 * 1_000);
      expect((await threaded.get('c39999'))?.id).toBe('c39999');
      await threaded.close();
    });

    it('never keeps a process alive: one that never closes its store exits', async () => {
      const path = join(dir, 'left-open.db');
      const child = spawn(
        process.execPath,
        [
          ...sourceExecArgv(),
          fileURLToPath(new URL('../../../test/sqlite-unclosed.ts', import.meta.url)),
          path,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
      clearTimeout(timer);
      expect({ code, signal, out: out.trim() }).toEqual({ code: 0, signal: null, out: 'written' });
      const store = createSqliteStore({ path });
      expect((await store.get('left-open'))?.id).toBe('left-open');
      await store.close();
    }, 30_000);

    it('with checkpointIntervalMs 0, leaves checkpoints to SQLite, inside the commits', async () => {
      const path = join(dir, 'checkpoint-inline.db');
      const store = createSqliteStore({ path, checkpointIntervalMs: 0 });
      const before = sizeOf(path);
      await fill(store);
      expect(sizeOf(path)).toBeGreaterThan(before + 4_096 * 1_000);
      await store.close();
    });
  });

  it('creates the folders of its path when they are missing', async () => {
    const path = join(dir, 'not', 'yet', 'there', 'calls.db');
    const store = createSqliteStore({ path });
    await store.insert(storedCall({ id: 'a' }));
    expect((await store.get('a'))?.id).toBe('a');
    await store.close();
  });

  it('upgrades a database of the first schema: its history kept, its followed calls adoptable', async () => {
    const path = join(dir, 'upgrade.db');
    await createSqliteStore({ path }).close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    // Back to the first schema: no outcome_unknown, a wake time for scheduled and queued rows only.
    db.exec(`${BACK_TO_VERSION_3}
      ALTER TABLE call_records DROP COLUMN outcome_unknown;
      DROP INDEX scheduled_calls_wake;
      ALTER TABLE scheduled_calls DROP COLUMN wake_at;
      ALTER TABLE scheduled_calls ADD COLUMN wake_at INTEGER GENERATED ALWAYS AS (
        CASE status WHEN 'scheduled' THEN due_at WHEN 'queued' THEN lease_until END) VIRTUAL;
      CREATE INDEX scheduled_calls_wake ON scheduled_calls (wake_at, id) WHERE wake_at IS NOT NULL;
      DELETE FROM schema_migrations WHERE version > 1;
      INSERT INTO call_records (id, from_phone, to_phone, direction, status, started_at,
        answered_at, ended_at, duration_seconds)
      VALUES ('old', '+14155550100', '+14155552671', 'outbound', 'completed', 1, 2, 62000, 62);`);
    db.close();
    const first = createSqliteStore({ path });
    await first.insert(
      storedCall({ id: 'ringing', status: 'ringing', leaseOwner: 'w1', leaseUntil: 5000 }),
    );
    await first.close();
    const store = createSqliteStore({ path });
    expect((await store.listCallLog({ phone: '+14155552671', limit: 5 })).items).toEqual([
      {
        id: 'old',
        from: '+14155550100',
        to: '+14155552671',
        direction: 'outbound',
        status: 'completed',
        startedAt: 1,
        answeredAt: 2,
        endedAt: 62_000,
        durationS: 62,
        outcomeUnknown: false,
        answeredBy: null,
        recordingUrl: null,
        recordingDurationS: null,
        providerStatus: null,
        campaign: null,
      },
    ]);
    expect(await store.nextDueAt()).toBe(5000);
    expect(await claimedRows(store, 5000, 5, 'w2', 35_000)).toMatchObject([
      { id: 'ringing', status: 'ringing', leaseOwner: 'w2' },
    ]);
    await store.close();
  });

  it('gives campaign rows no wake time in the file: the wake index holds only the rows of the scheduler', async () => {
    const path = join(dir, 'campaign-wake.db');
    const store = createSqliteStore({ path });
    await store.insert(storedCall({ id: 'own', dueAt: 5000 }));
    await store.insertCampaign!(storedCampaign({ id: 'spring', total: 2 }), [
      storedCall({ id: 'entry-0', dueAt: 1000, campaign: 'spring', position: 0 }),
      storedCall({ id: 'entry-1', dueAt: 1000, campaign: 'spring', position: 1 }),
    ]);
    // Claimed and in flight, a campaign row still has none: only claimCampaign takes it back.
    const [claimed] = (await store.claimCampaign!('spring', 1000, 1, 'w', 2000, { holdMs: 0 }))
      .calls;
    await store.update(claimed!.id, claimed!.version, { status: 'ringing' });
    await store.close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    expect(db.prepare('SELECT id, wake_at FROM scheduled_calls ORDER BY id').all()).toEqual([
      { id: 'entry-0', wake_at: null },
      { id: 'entry-1', wake_at: null },
      { id: 'own', wake_at: 5000 },
    ]);
    expect(
      db
        .prepare(
          'SELECT id FROM scheduled_calls INDEXED BY scheduled_calls_wake WHERE wake_at IS NOT NULL',
        )
        .all(),
    ).toEqual([{ id: 'own' }]);
    db.close();
  });

  it('upgrades a database of version 6: its calls read back outside every campaign, still claimed by the scheduler', async () => {
    const path = join(dir, 'upgrade-6.db');
    await createSqliteStore({ path }).close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    db.exec(`${BACK_TO_VERSION_6}
      INSERT INTO scheduled_calls (id, to_phone, status, due_at, created_at, updated_at, version,
        attempt)
      VALUES ('due', '+14155552671', 'scheduled', 5000, 1, 1, 1, 1);`);
    db.close();
    const store = createSqliteStore({ path });
    const row = await store.get('due');
    expect(row).toMatchObject({ id: 'due', status: 'scheduled', dueAt: 5000 });
    expect(row).not.toHaveProperty('campaign');
    expect((await store.list({ limit: 10 })).items.map((r) => r.id)).toEqual(['due']);
    expect(await store.nextDueAt()).toBe(5000);
    expect((await claimedRows(store, 5000, 5, 'w', 35_000)).map((r) => r.id)).toEqual(['due']);
    expect(await store.listCampaigns!({ limit: 5 })).toEqual({ items: [], nextCursor: null });
    await store.close();
  });

  it('upgrades a database of version 8 in place: its campaigns show, and go on being claimed', async () => {
    const path = join(dir, 'upgrade-8.db');
    const before = createSqliteStore({ path });
    await before.insertCampaign!(storedCampaign({ id: 'kept', total: 2 }), [
      storedCall({ id: 'k0', campaign: 'kept', position: 0, dueAt: 0 }),
      storedCall({ id: 'k1', campaign: 'kept', position: 1, dueAt: 0 }),
    ]);
    await before.close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    db.exec(BACK_TO_VERSION_8);
    db.close();
    const store = createSqliteStore({ path });
    expect(await store.getCampaign!('kept')).toMatchObject({ id: 'kept', total: 2 });
    expect((await store.listCampaigns!({ limit: 10 })).items.map((c) => c.id)).toEqual(['kept']);
    const claim = await store.claimCampaign!('kept', 1000, 5, 'w', 61_000, { holdMs: 0 });
    expect(claim.calls.map((c) => c.id)).toEqual(['k0', 'k1']);
    await store.close();
  });

  it('upgrades a database of version 12 in place: its calls name no provider, and any provider finds them', async () => {
    const path = join(dir, 'upgrade-12.db');
    await createSqliteStore({ path }).close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    db.exec(`${BACK_TO_VERSION_12}
      INSERT INTO scheduled_calls (id, to_phone, status, due_at, created_at, updated_at, version,
        attempt, provider_call_id)
      VALUES ('old', '+14155552671', 'initiated', 5000, 1, 1, 1, 1, 'CA9');`);
    db.close();
    await expectProvidersUpgraded(createSqliteStore({ path }));
  });

  it("upgrades a database of version 13 in place: the records of a campaign's entries take its campaign", async () => {
    const path = join(dir, 'upgrade-13.db');
    await createSqliteStore({ path }).close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    db.exec(`${BACK_TO_VERSION_13}${recordsOfSchema13('', '0')}`);
    db.close();
    await expectRecordCampaignsUpgraded(createSqliteStore({ path }));
  });

  it('upgrades a database of version 7 in place: its records read back with no voicemail and no provider word, and merge', async () => {
    const path = join(dir, 'upgrade-7.db');
    await createSqliteStore({ path }).close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    db.exec(`${BACK_TO_VERSION_7}
      INSERT INTO call_records (id, from_phone, to_phone, direction, status, started_at,
        answered_at, ended_at, duration_seconds, outcome_unknown, answered_by)
      VALUES ('twilio:CA1', '+14155552671', '+14155550100', 'inbound', 'ringing', 1000, NULL,
        NULL, NULL, 0, NULL);`);
    db.close();
    await expectRecordsUpgraded(createSqliteStore({ path }));
  });

  it('upgrades a database of version 3 in place: its calls and records intact, with no options and no answeredBy', async () => {
    const path = join(dir, 'upgrade-3.db');
    await createSqliteStore({ path }).close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    db.exec(`${BACK_TO_VERSION_3}
      INSERT INTO scheduled_calls (id, to_phone, status, due_at, created_at, updated_at, version,
        attempt, idempotency_key, options)
      VALUES ('due', '+14155552671', 'scheduled', 5000, 1, 1, 1, 1, 'k',
        '{"maxAttempts":2,"retryBackoff":null,"recurrence":null,"window":null,"metadata":{"n":1},"seriesId":null,"occurrenceAt":null}');
      INSERT INTO call_records (id, from_phone, to_phone, direction, status, started_at,
        answered_at, ended_at, duration_seconds, outcome_unknown)
      VALUES ('old', '+14155550100', '+14155552671', 'outbound', 'completed', 1, 2, 62000, 62, 0);`);
    db.close();
    const store = createSqliteStore({ path });
    await expectUpgradedIntact(store, 5000);
    await store.close();
    const upgraded = new DatabaseSync(path);
    expect(
      upgraded
        .prepare(
          "SELECT name FROM sqlite_master WHERE name IN ('scheduled_calls_status', 'scheduled_calls_finished', 'call_records_started', 'leases') ORDER BY name",
        )
        .all()
        .map((row) => row.name),
    ).toEqual([
      'call_records_started',
      'leases',
      'scheduled_calls_finished',
      'scheduled_calls_status',
    ]);
    upgraded.close();
  });
});
