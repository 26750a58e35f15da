import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidationError } from '../errors.js';
import { describeWithDatabase, holdDatabaseLock, randomSchema } from '../internal/_pg-testing.js';
import { storedCall, testStore } from '../testing/store-contract.js';
import { postgresStore, type PostgresStore } from './postgres.js';

describeWithDatabase('postgresStore', (url) => {
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
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    await release?.();
  });

  testStore({
    name: 'postgres',
    create: () => postgresStore({ connectionString: url, max: 4 }, { schema: newSchema() }),
    connectAgain: (store) =>
      postgresStore({ connectionString: url, max: 4 }, { schema: (store as PostgresStore).schema }),
  });

  const T0 = Date.UTC(2026, 0, 1, 12);
  const waitFor = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) throw new Error('timed out waiting');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  describe('postgresStore', () => {
    it('applies its migrations once, under a lock, however many stores start together', async () => {
      const schema = newSchema();
      const stores = Array.from({ length: 4 }, () =>
        postgresStore({ connectionString: url, max: 2 }, { schema }),
      );
      await Promise.all(stores.map((store) => store.ready()));
      await Promise.all(stores.map((store, i) => store.insert(storedCall({ id: `c${i}` }))));
      const { rows } = await admin.query(`SELECT version FROM "${schema}".schema_migrations`);
      expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
      expect((await stores[0]!.list({ limit: 10 })).items).toHaveLength(4);
      for (const store of stores) await store.close();
    });

    it('keeps history, idempotency keys and provider ids indexed', async () => {
      const store = postgresStore({ connectionString: url, max: 1 }, { schema: newSchema() });
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
        ]),
      );
      expect(rows.find((r) => r.indexdef.includes('(idempotency_key)'))?.indexdef).toMatch(
        /UNIQUE/,
      );
      await store.close();
    });

    it('announces new and earlier wake times to every subscriber, and stays quiet on claims', async () => {
      const schema = newSchema();
      const listening = postgresStore({ connectionString: url, max: 1 }, { schema });
      const writer = postgresStore({ connectionString: url, max: 1 }, { schema });
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
      await writer.claimDue(T0 + 3000, 1, 'w1', T0 + 60_000);
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
      const store = postgresStore(
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

    it('leaves a pool it was given open when it closes', async () => {
      const pool = new Pool({ connectionString: url, max: 1 });
      const store = postgresStore({ pool }, { schema: newSchema() });
      await store.insert(storedCall({ id: 'a' }));
      await store.close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await pool.end();
    });

    it('refuses a schema name that is not a plain lowercase identifier', () => {
      for (const schema of ['Ringkit', 'a-b', '1abc', 'x'.repeat(59), 'a"; DROP TABLE x; --']) {
        let error: unknown;
        try {
          postgresStore({ connectionString: url }, { schema });
        } catch (e) {
          error = e;
        }
        expect(isValidationError(error), schema).toBe(true);
      }
    });
  });
});
