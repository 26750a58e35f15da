/**
 * Concurrent `POST /api/campaigns` of one name with different lists, to one server and to two
 * servers on one store (SQLite files in a shared DATA_DIR, or a PostgreSQL schema): exactly one
 * `201`, every other `409 campaign_exists`, and the list stored and dialed is the winner's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallApiSimulator } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, freePort, startTestApp, type TestApp } from '../_test-utils.js';

const POOL = ['+13018040009', '+19842068287', '+15512459377', '+14155552671', '+12025550123'];
const databaseUrl = process.env['TEST_DATABASE_URL'];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** SQLite always, PostgreSQL where a test database is given. */
const STORES: [string, boolean][] = [
  ['SQLite', false],
  ...(databaseUrl ? [['PostgreSQL', true] as [string, boolean]] : []),
];

describe.each(STORES)('same-name campaign creation (%s)', (_name, postgres) => {
  it.each([1, 2])(
    'answers 201 to exactly one of 20 concurrent creations, across %i server(s), five times',
    { timeout: 60_000 },
    async (servers) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-campaign-race-'));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      const schema = `rk_race_${process.pid}_${Date.now().toString(36)}`;
      if (postgres) {
        cleanups.push(async () => {
          const { createPostgresStore } = await import('@ringkit/scheduler-core/postgres');
          const store = createPostgresStore({ connectionString: databaseUrl! }, { schema });
          await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}_campaigns" CASCADE`);
          await store.close();
        });
      }
      const polling = await startCallApiSimulator({ flavour: 'polling', port: 0 });
      const webhook = await startCallApiSimulator({ flavour: 'webhook', port: 0, stepMs: 20 });
      cleanups.push(async () => {
        await polling.close();
        await webhook.close();
      });
      const apps: TestApp[] = [];
      for (let i = 0; i < servers; i += 1) {
        const app = await startTestApp({
          env: {
            DATA_DIR: dataDir,
            PORT: String(await freePort()),
            WEBHOOK_TOKEN: 'campaign-race-token-0123456789',
            ...(postgres ? { DATABASE_URL: databaseUrl! } : {}),
          },
          configuredStore: true,
          simulators: { polling, webhook },
          ...(postgres ? { postgresSchema: schema } : {}),
        });
        cleanups.push(() => app.close());
        apps.push(app);
      }
      for (let round = 0; round < 5; round += 1) {
        const name = `race-${round}`;
        const lists = Array.from({ length: 20 }, (_, i) => POOL.slice(0, 1 + ((i + round) % 5)));
        const answers = await Promise.all(
          lists.map((numbers, i) =>
            api(`${apps[i % apps.length]!.url}/api/campaigns`, {
              method: 'POST',
              body: { name, numbers },
            }),
          ),
        );
        const statuses = answers.map((a) => a.status);
        expect(statuses.filter((s) => s === 201)).toHaveLength(1);
        expect(statuses.filter((s) => s === 409)).toHaveLength(19);
        for (const answer of answers.filter((a) => a.status === 409)) {
          expect(answer.json.error.code).toBe('campaign_exists');
        }
        const winner = lists[statuses.indexOf(201)]!;
        const stored = await eventually(async () => {
          const { json } = await api(`${apps[0]!.url}/api/campaigns/${name}?limit=100`);
          return json.state === 'done' ? json : undefined;
        }, 30_000);
        expect(stored.total).toBe(winner.length);
        expect(stored.entries.map((e: { phone: string }) => e.phone)).toEqual(winner);
      }
    },
  );
});
