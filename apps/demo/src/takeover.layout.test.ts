/**
 * The first start on a `DATA_DIR` (or a PostgreSQL schema) laid out by earlier versions, which
 * kept the campaigns in a store of their own: everything moves into the one store, nothing is
 * lost, nothing is dialled again, and the old store is put aside. The old layout is made as the
 * earlier demo made it: the scheduler's calls and inbound calls in one store, the campaigns (run
 * by the packages' own `createCampaigns`) and a do-not-call entry in the other, both stores
 * then taken back to the schema version before rows named their provider.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCampaigns } from '@ringkit/dialer';
import { createScheduler, LIVE_STATUSES, type Store } from '@ringkit/scheduler-core';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import { createFakeProvider } from '@ringkit/simulator';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from './_test-utils.js';

const CALLER = '+14155550100';
const A = '+14155552671';
const LISTED = '+14155559999';
const SPRING = [A, '+14155552672', '+14155552673'];
const SUMMER = ['+14155552681', '+14155552682'];
const databaseUrl = process.env['TEST_DATABASE_URL'];

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** What the old layout holds, to find again after the takeover. */
interface OldLayout {
  placedId: string;
  tomorrowId: string;
}

/**
 * Fills `own` and `campaigns` as the earlier demo did: through the packages, a scheduled call
 * placed and one due tomorrow, an inbound call, a campaign dialled to its end and one paused
 * with its hours still to come, and a number listed only in the campaigns' store.
 */
async function makeOldLayout(own: Store, campaignStore: Store): Promise<OldLayout> {
  const scheduler = createScheduler({
    store: own,
    provider: createFakeProvider({ name: 'mock-call-api' }),
    callerId: CALLER,
    watchIntervalMs: 10,
  });
  await scheduler.start();
  const placed = await scheduler.schedule({ to: A, at: new Date() });
  const tomorrow = await scheduler.schedule({ to: A, at: new Date(Date.now() + 86_400_000) });
  await eventually(async () => (await scheduler.get(placed.id)).status === 'completed');
  await scheduler.recordCall({
    id: 'twilio:CA-inbound',
    from: A,
    to: CALLER,
    status: 'completed',
    startedAt: new Date(Date.now() - 60_000),
    answeredAt: new Date(Date.now() - 55_000),
    endedAt: new Date(Date.now() - 5_000),
  });
  await scheduler.stop();

  const campaigns = createCampaigns({
    store: campaignStore,
    provider: createFakeProvider({ name: 'num-dialer' }),
    callerId: CALLER,
    watchIntervalMs: 10,
  });
  await campaigns.start();
  await campaigns.create('spring', SPRING, { concurrency: 2 });
  await eventually(async () => (await campaigns.get('spring')).state === 'done');
  // Its calling hours open in two hours: its entries wait, scheduled, and it is paused.
  const hour = String((new Date().getUTCHours() + 2) % 24).padStart(2, '0');
  await campaigns.create('summer', SUMMER, {
    concurrency: 1,
    window: { start: `${hour}:00`, end: `${hour}:30`, timezone: 'UTC' },
  });
  await campaigns.pause('summer');
  await campaigns.close();
  await campaignStore.suppress!([
    { phone: LISTED, reason: 'asked by phone', createdAt: Date.now(), until: null },
  ]);
  return { placedId: placed.id, tomorrowId: tomorrow.id };
}

/** The checks every old layout passes once the demo started on it. */
async function expectTakenOver(app: TestApp, old: OldLayout) {
  const url = app.url;
  // One history page: the scheduled call and the campaign's call to the number (inbound, as the
  // number saw them), and its call to the app.
  const history = (await api(`${url}/api/calls/${encodeURIComponent(A)}?limit=50`)).json.items as {
    type: string;
  }[];
  expect(history.filter((item) => item.type.endsWith('Inbound'))).toHaveLength(2);
  expect(history.filter((item) => item.type.endsWith('Outbound'))).toHaveLength(1);
  const listed = (await api(`${url}/api/campaigns`)).json.items as {
    id: string;
    state: string;
    progress: { dialed: number };
  }[];
  expect(listed.map((c) => [c.id, c.state]).sort()).toEqual([
    ['spring', 'done'],
    ['summer', 'paused'],
  ]);
  expect(listed.find((c) => c.id === 'spring')!.progress.dialed).toBe(3);
  // The campaign's calls, recorded before records named their campaign, are found by it.
  const spring = (await api(`${url}/api/calls?campaign=spring`)).json.items as { to: string }[];
  expect(spring.map((r) => r.to).sort()).toEqual([...SPRING].sort());
  expect((await api(`${url}/api/suppressions/${encodeURIComponent(LISTED)}`)).status).toBe(200);
  expect((await api(`${url}/api/scheduled-calls/${old.placedId}`)).json.status).toBe('completed');
  expect((await api(`${url}/api/scheduled-calls/${old.tomorrowId}`)).json.status).toBe('scheduled');
  // Nothing dialled again.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(app.polling.calls()).toEqual([]);
  expect(app.webhook.calls()).toEqual([]);
}

/**
 * The one store at work after the takeover: the paused campaign resumes and still waits for its
 * hours, and a new campaign to the same number is dialled, its call on the same history page.
 */
async function expectWorking(app: TestApp) {
  const resumed = await api(`${app.url}/api/campaigns/summer/resume`, { method: 'POST' });
  expect(resumed.json.state).toBe('running');
  const created = await api(`${app.url}/api/campaigns`, {
    method: 'POST',
    body: { name: 'autumn', numbers: [A], concurrency: 1 },
  });
  expect(created.status).toBe(201);
  await eventually(async () => {
    const { json } = await api(`${app.url}/api/campaigns/autumn`);
    return json.state === 'done';
  }, 30_000);
  expect(app.webhook.calls().map((c) => c.phone)).toEqual([A]);
  const history = (await api(`${app.url}/api/calls/${encodeURIComponent(A)}?limit=50`)).json
    .items as { type: string }[];
  expect(history.filter((item) => item.type.endsWith('Inbound'))).toHaveLength(3);
  const autumn = (await api(`${app.url}/api/calls?campaign=autumn`)).json.items as { to: string }[];
  expect(autumn.map((r) => r.to)).toEqual([A]);
  const summer = (await api(`${app.url}/api/campaigns/summer`)).json;
  expect(summer.progress).toMatchObject({ dialed: 0 });
}

describe('the first start on a DATA_DIR of the old layout (SQLite)', () => {
  it('moves the campaigns’ file into the one store, puts it aside, and dials nothing again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringkit-old-layout-'));
    dirs.push(dir);
    const own = createSqliteStore({ path: join(dir, 'ringkit.db') });
    const theirs = createSqliteStore({ path: join(dir, 'campaigns.db') });
    const old = await makeOldLayout(own, theirs);
    await own.close();
    await theirs.close();
    for (const file of ['ringkit.db', 'campaigns.db']) {
      const db = new DatabaseSync(join(dir, file));
      db.exec(`DROP TABLE agents;
        DROP INDEX call_records_campaign;
        ALTER TABLE call_records DROP COLUMN campaign_id;
        DROP INDEX scheduled_calls_wake;
        CREATE INDEX scheduled_calls_wake ON scheduled_calls (wake_at, id) WHERE wake_at IS NOT NULL;
        ALTER TABLE scheduled_calls DROP COLUMN provider;
        ALTER TABLE campaigns DROP COLUMN provider;
        DELETE FROM schema_migrations WHERE version > 12;`);
      db.close();
    }

    app = await startTestApp({ configuredStore: true, env: { DATA_DIR: dir } });
    await expectTakenOver(app, old);
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.db'))).toEqual(['ringkit.db']);
    expect(files.some((f) => /^campaigns\.db\.taken-over-\d{8}t\d{6}$/.test(f))).toBe(true);
    expect(app.logs.some((line) => String(line['msg']).startsWith('took over'))).toBe(true);

    // A second start has nothing to take over, and finds everything where the first left it.
    await app.close();
    app = await startTestApp({ configuredStore: true, env: { DATA_DIR: dir } });
    expect(app.logs.some((line) => String(line['msg']).startsWith('took over'))).toBe(false);
    await expectTakenOver(app, old);
    await expectWorking(app);
    expect(existsSync(join(dir, 'campaigns.db'))).toBe(false);
  });
});

describe.runIf(databaseUrl)('the first start on PostgreSQL schemas of the old layout', () => {
  it('moves the campaigns’ schema into the one schema, puts it aside, and dials nothing again', async () => {
    const { createPostgresStore } = await import('@ringkit/scheduler-core/postgres');
    const schema = `rk_old_${process.pid}_${Date.now().toString(36)}`;
    const own = createPostgresStore({ connectionString: databaseUrl! }, { schema });
    const theirs = createPostgresStore(
      { connectionString: databaseUrl! },
      { schema: `${schema}_campaigns` },
    );
    const admin = createPostgresStore(
      { connectionString: databaseUrl! },
      { schema: `${schema}_x` },
    );
    try {
      const old = await makeOldLayout(own, theirs);
      await own.close();
      await theirs.close();
      for (const s of [schema, `${schema}_campaigns`]) {
        await admin.pool.query(`DROP TABLE "${s}".agents;
          ALTER TABLE "${s}".call_records DROP COLUMN campaign_id;
          ALTER TABLE "${s}".scheduled_calls DROP COLUMN provider;
          ALTER TABLE "${s}".campaigns DROP COLUMN provider;
          CREATE INDEX scheduled_calls_live ON "${s}".scheduled_calls (status)
            WHERE status IN (${LIVE_STATUSES.map((status) => `'${status}'`).join(', ')});
          CREATE INDEX scheduled_calls_created ON "${s}".scheduled_calls (created_at, id)
            WHERE campaign_id IS NULL;
          DELETE FROM "${s}".schema_migrations WHERE version > 12;`);
      }

      const env = { DATABASE_URL: databaseUrl! };
      app = await startTestApp({ configuredStore: true, env, postgresSchema: schema });
      await expectTakenOver(app, old);
      const { rows } = await admin.pool.query(
        'SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 ORDER BY nspname',
        [`${schema}%`],
      );
      const names = rows.map((row: { nspname: string }) => row.nspname);
      expect(names).toContain(schema);
      expect(names).not.toContain(`${schema}_campaigns`);
      expect(names.some((n: string) => n.startsWith(`${schema}_campaigns_old`))).toBe(true);

      await app.close();
      app = await startTestApp({ configuredStore: true, env, postgresSchema: schema });
      expect(app.logs.some((line) => String(line['msg']).startsWith('took over'))).toBe(false);
      await expectTakenOver(app, old);
      await expectWorking(app);
    } finally {
      await app?.close();
      app = undefined;
      const { rows } = await admin.pool.query(
        'SELECT nspname FROM pg_namespace WHERE nspname LIKE $1',
        [`${schema}%`],
      );
      for (const row of rows as { nspname: string }[]) {
        await admin.pool.query(`DROP SCHEMA IF EXISTS "${row.nspname}" CASCADE`);
      }
      await admin.close();
    }
  });
});
