/**
 * Several servers on one configured store, as several processes of one deployment are: SQLite
 * files in a shared DATA_DIR, or one PostgreSQL schema (`TEST_DATABASE_URL`), with one pair of
 * simulators. For the tests of requests that meet across servers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallApiSimulator } from '@ringkit/simulator';
import { freePort, startTestApp, type TestApp } from './_test-utils.js';

/** The test database, when one is given. */
export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'];

/** SQLite always, PostgreSQL where a test database is given: `[name, postgres]`. */
export const SHARED_STORES: [string, boolean][] = [
  ['SQLite', false],
  ...(TEST_DATABASE_URL ? [['PostgreSQL', true] as [string, boolean]] : []),
];

/**
 * Starts `servers` apps on one store (PostgreSQL when `postgres`), each with `env` beside the
 * store's and a shared webhook token. Everything it starts is closed, and the store's files or
 * schemas removed, by what it pushes to `cleanups` (run them last first).
 */
export async function startAppsOnOneStore(options: {
  servers: number;
  postgres: boolean;
  cleanups: (() => Promise<void>)[];
  env?: Record<string, string>;
  /** The webhook simulator's step time. @default 20 */
  stepMs?: number;
}): Promise<{ apps: TestApp[]; webhook: TestApp['webhook'] }> {
  const { postgres, cleanups } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-shared-store-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const schema = `rk_shared_${process.pid}_${Date.now().toString(36)}`;
  if (postgres) {
    cleanups.push(async () => {
      const { createPostgresStore } = await import('@ringkit/scheduler-core/postgres');
      const store = createPostgresStore({ connectionString: TEST_DATABASE_URL! }, { schema });
      await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}_campaigns" CASCADE`);
      await store.close();
    });
  }
  const polling = await startCallApiSimulator({ flavour: 'polling', port: 0 });
  const webhook = await startCallApiSimulator({
    flavour: 'webhook',
    port: 0,
    stepMs: options.stepMs ?? 20,
  });
  cleanups.push(async () => {
    await polling.close();
    await webhook.close();
  });
  const apps: TestApp[] = [];
  for (let i = 0; i < options.servers; i += 1) {
    const app = await startTestApp({
      env: {
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        WEBHOOK_TOKEN: 'shared-store-token-0123456789abcdef',
        ...(postgres ? { DATABASE_URL: TEST_DATABASE_URL! } : {}),
        ...options.env,
      },
      configuredStore: true,
      simulators: { polling, webhook },
      ...(postgres ? { postgresSchema: schema } : {}),
    });
    cleanups.push(() => app.close());
    apps.push(app);
  }
  return { apps, webhook };
}
