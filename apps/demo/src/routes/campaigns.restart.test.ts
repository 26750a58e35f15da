/**
 * A campaign across a restart of the server, on the configured stores (SQLite files in
 * DATA_DIR, and PostgreSQL schemas where TEST_DATABASE_URL is set): the next server joins it and
 * dials only what was not dialed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, freePort, startTestApp, type TestApp } from '../_test-utils.js';

const NUMBERS = ['+13018040009', '+19842068287', '+15512459377', '+14155552671', '+12025550123'];

let app: TestApp | undefined;
let simulators: CallApiSimulator[] = [];
let dataDir: string | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await app?.close();
  app = undefined;
  await Promise.all(simulators.map((s) => s.close()));
  simulators = [];
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

const databaseUrl = process.env['TEST_DATABASE_URL'];

/** The stores to restart over: SQLite always, PostgreSQL where a test database is given. */
const STORES: [string, () => Promise<{ env: Record<string, string>; schema?: string }>][] = [
  ['SQLite', async () => ({ env: {} })],
  ...(databaseUrl
    ? [
        [
          'PostgreSQL',
          async () => {
            const schema = `rk_campaigns_${process.pid}_${Date.now().toString(36)}`;
            cleanups.push(async () => {
              const { createPostgresStore } = await import('@ringkit/scheduler-core/postgres');
              const store = createPostgresStore({ connectionString: databaseUrl }, { schema });
              await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
              await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}_campaigns" CASCADE`);
              await store.close();
            });
            return { env: { DATABASE_URL: databaseUrl }, schema };
          },
        ] as [string, () => Promise<{ env: Record<string, string>; schema?: string }>],
      ]
    : []),
];

describe.each(STORES)('a campaign across a restart (%s)', (_name, stores) => {
  it('finishes on the next server with no number rung twice', { timeout: 60_000 }, async () => {
    const { env: storeEnv, schema } = await stores();
    dataDir = mkdtempSync(join(tmpdir(), 'ringkit-campaign-restart-'));
    // The provider outlives the server, which comes back at the same address: a call in flight
    // at the restart reports its end to the next server.
    const polling = await startCallApiSimulator({ flavour: 'polling', port: 0 });
    const webhook = await startCallApiSimulator({
      flavour: 'webhook',
      port: 0,
      stepMs: [150, 250],
    });
    simulators = [polling, webhook];
    const env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      // One token across restarts (with SQLite it is kept in DATA_DIR anyway).
      WEBHOOK_TOKEN: 'campaign-restart-token-0123',
      // A call whose last webhook came while no server listened (the simulator retries for a
      // moment only) ends at its timeout, `failed`, and is not placed again.
      DIALER_CALL_TIMEOUT_MS: '3000',
      ...storeEnv,
    };
    const start = () =>
      startTestApp({
        env,
        configuredStore: true,
        simulators: { polling, webhook },
        ...(schema ? { postgresSchema: schema } : {}),
      });

    app = await start();
    const first = app;
    const created = await api(`${first.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'survivor', numbers: NUMBERS, concurrency: 2 },
    });
    expect(created.status).toBe(201);
    // Stopped mid-list: some numbers done, others ringing, the rest not dialed.
    await eventually(async () => {
      const { json } = await api(`${first.url}/api/campaigns/survivor`);
      return json.progress.completed >= 1 && json.progress.live >= 1;
    });
    await first.close();
    const before = webhook.calls().length;
    expect(before).toBeLessThan(NUMBERS.length);

    app = await start();
    const next = app;
    // Joined at start, without being asked.
    let last: { state: string; entries: { status: string; reason: string | null }[] } | undefined;
    const done = await eventually(async () => {
      const { json } = await api(`${next.url}/api/campaigns/survivor`);
      last = json;
      return json.state === 'done' ? json : undefined;
      // An entry claimed by the first server as it stopped, its request not sent, waits for
      // that claim's lease (30 s) to run out before the next server places it.
    }, 45_000).catch((error: Error) => {
      const entries = last?.entries.map((e) => `${e.status}${e.reason ? `/${e.reason}` : ''}`);
      throw new Error(`${error.message}: ${last?.state} ${JSON.stringify(entries)}`);
    });
    expect(done.progress).toMatchObject({ dialed: 5, live: 0, unknown: 0, canceled: 0 });
    expect(done.progress.completed + done.progress.missed).toBe(5);
    for (const entry of done.entries as { status: string; reason: string | null }[]) {
      expect(['completed', 'failed/timeout']).toContain(
        entry.status === 'failed' ? `failed/${entry.reason}` : entry.status,
      );
    }
    // The practice API's placements: each number once, in list order.
    expect(webhook.calls().map((c) => c.phone)).toEqual(NUMBERS);
    expect(webhook.calls().length).toBeGreaterThan(before);

    // Listed after one more restart as it ended, without a worker.
    await next.close();
    app = await start();
    const { json } = await api(`${app.url}/api/campaigns`);
    expect(json.items).toEqual([
      expect.objectContaining({ id: 'survivor', state: 'done', progress: done.progress }),
    ]);
    expect(webhook.calls()).toHaveLength(NUMBERS.length);

    // Archived, it stays archived across a restart: out of the list unless asked.
    const archived = await api(`${app.url}/api/campaigns/survivor/archive`, { method: 'POST' });
    expect(archived.status).toBe(200);
    await app.close();
    app = await start();
    expect((await api(`${app.url}/api/campaigns`)).json.items).toEqual([]);
    const all = await api(`${app.url}/api/campaigns?archived=1`);
    expect(all.json.items).toEqual([
      expect.objectContaining({ id: 'survivor', archived_at: archived.json.archived_at }),
    ]);
  });
});
