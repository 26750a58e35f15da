import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startServer } from './server.js';
import { api, eventually, startTestApp, type TestApp } from './_test-utils.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function testApp(options: Parameters<typeof startTestApp>[0]): Promise<TestApp> {
  const app = await startTestApp(options);
  cleanups.push(() => app.close());
  return app;
}

describe('startServer', () => {
  it('keeps calls in SQLite under DATA_DIR (created when missing) across restarts', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ringkit-data-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const dataDir = join(root, 'nested', 'dir');
    const first = await testApp({ configuredStore: true, env: { DATA_DIR: dataDir } });
    const { json: call } = await api(`${first.url}/api/scheduled-calls`, {
      method: 'POST',
      body: {
        phone_number: '+14155552671',
        scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    expect(existsSync(join(dataDir, 'ringkit.db'))).toBe(true);
    await first.server.close();

    const second = await testApp({ configuredStore: true, env: { DATA_DIR: dataDir } });
    expect((await api(`${second.url}/api/scheduled-calls/${call.id}`)).json.status).toBe(
      'scheduled',
    );
  });

  it('seeds demo history once per data dir with DEMO_HISTORY=1', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-data-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { DATA_DIR: dataDir, DEMO_HISTORY: '1' };
    const count = async (url: string) => {
      let total = 0;
      let cursor: string | null = null;
      do {
        const page: { json: { items: unknown[]; next_cursor: string | null } } = await api(
          `${url}/api/calls/+14155550100?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        );
        total += page.json.items.length;
        cursor = page.json.next_cursor;
      } while (cursor);
      return total;
    };
    const first = await testApp({ configuredStore: true, env });
    const seeded = await count(first.url);
    expect(seeded).toBeGreaterThan(150);
    // A call of our own, then a restart: nothing is seeded again.
    await first.server.runtime.scheduler.recordCall({
      from: '+14155550100',
      to: '+13018040009',
      status: 'busy',
      startedAt: new Date(),
    });
    await first.server.close();
    const second = await testApp({ configuredStore: true, env });
    expect(await count(second.url)).toBe(seeded + 1);
  });

  it('stops in one line when PostgreSQL cannot be reached at DATABASE_URL', async () => {
    const config = loadConfig({
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    await expect(startServer(config)).rejects.toThrow(/^DATABASE_URL: cannot use PostgreSQL: .+$/);
  });

  // PostgreSQL tests run against TEST_DATABASE_URL; in CI a skipped PostgreSQL test is a failure.
  const databaseUrl = process.env['TEST_DATABASE_URL'];
  if (!databaseUrl) {
    it.skipIf(!process.env['CI'])(
      'keeps calls in PostgreSQL (TEST_DATABASE_URL is unset: skipped)',
      () => {},
    );
    it.runIf(process.env['CI'])('has TEST_DATABASE_URL in CI', () => {
      expect.fail('TEST_DATABASE_URL is unset: the PostgreSQL test cannot run');
    });
  } else {
    it('keeps calls in PostgreSQL with DATABASE_URL', async () => {
      const schema = `rk_demo_${process.pid}_${Date.now().toString(36)}`;
      const env = { DATABASE_URL: databaseUrl, DEMO_HISTORY: '1' };
      const first = await testApp({ configuredStore: true, env, postgresSchema: schema });
      expect(first.server.runtime.store.capabilities.shared).toBe(true);
      // One schema holds everything: none is made beside it.
      const one = first.server.runtime.store as unknown as {
        schema: string;
        pool: { query(sql: string, values: unknown[]): Promise<{ rows: unknown[] }> };
      };
      expect(one.schema).toBe(schema);
      const beside = await one.pool.query(
        'SELECT nspname FROM pg_namespace WHERE nspname LIKE $1',
        [`${schema}%`],
      );
      expect(beside.rows).toEqual([{ nspname: schema }]);
      cleanups.unshift(async () => {
        // By name: the entry is not in every build of scheduler-core (see runtime.ts).
        const entry = '@ringkit/scheduler-core/postgres';
        const { createPostgresStore } = (await import(entry)) as {
          createPostgresStore: (
            c: { connectionString: string },
            o: { schema: string },
          ) => { pool: { query(sql: string): Promise<unknown> }; close(): Promise<void> };
        };
        const store = createPostgresStore({ connectionString: databaseUrl }, { schema });
        await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await store.close();
      });
      const { json: call } = await api(`${first.url}/api/scheduled-calls`, {
        method: 'POST',
        body: {
          phone_number: '+14155552671',
          scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
        },
      });
      const seeded = (await api(`${first.url}/api/calls/+14155550100?limit=100`)).json.items.length;
      expect(seeded).toBe(100);
      await first.server.close();
      const second = await testApp({ configuredStore: true, env, postgresSchema: schema });
      expect((await api(`${second.url}/api/scheduled-calls/${call.id}`)).json.status).toBe(
        'scheduled',
      );
      await second.server.close();
    });
  }

  it('says so in one line when the port is taken', async () => {
    const app = await testApp({});
    const config = loadConfig({
      PORT: String(app.server.port),
      LOG_LEVEL: 'silent',
      DATA_DIR: app.dataDir,
    });
    await expect(startServer(config)).rejects.toThrow(
      /^PORT: 127\.0\.0\.1:(\d+) is already in use; set PORT to a free port \(e\.g\. PORT=\d+\)$/,
    );
  });

  it('leaves the dialer’s calls in flight to the next server, which places nothing again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-data-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { DATA_DIR: dataDir };
    const first = await testApp({ configuredStore: true, env, stepMs: 60_000 });
    await api(`${first.url}/api/dialer/start`, { method: 'POST' });
    await eventually(async () => {
      const { json } = await api(`${first.url}/api/dialer`);
      return json.entries.filter((e: { call_id: string | null }) => e.call_id).length === 2;
    });
    await first.server.close();
    expect((await api(`${first.url}/healthz`).catch(() => ({ status: 0 }))).status).toBe(0);
    // One file holds the campaigns beside the scheduled calls.
    expect(existsSync(join(dataDir, 'ringkit.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'campaigns.db'))).toBe(false);

    const second = await testApp({ configuredStore: true, env });
    const { json: dialer } = await api(`${second.url}/api/dialer`);
    // Still ringing as far as anyone knows: in flight, holding both places, the rest waiting.
    expect(dialer.state).toBe('running');
    expect(dialer.entries.map((e: { status: string }) => e.status)).toEqual([
      'initiated',
      'initiated',
      'idle',
      'idle',
    ]);
    const { json } = await api(`${second.url}/api/calls/+14155550100`);
    expect(json.items).toEqual([
      expect.objectContaining({ type: 'In progress Outbound', duration: null }),
      expect.objectContaining({ type: 'In progress Outbound', duration: null }),
    ]);
    expect(second.webhook.calls()).toEqual([]);
  });
});
