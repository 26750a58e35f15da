import { randomBytes } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEARDOWN_TIMEOUT_MS,
  describeWithDatabase,
  dropSchemas,
  holdDatabaseLock,
  randomSchema,
} from '../../../test/pg-testing.js';
import { storedCall } from '../../testing/store-contract.js';
import { createPostgresStore, type PostgresStore } from './postgres.js';
import { HELD_RECHECK_MS, NO_FLOOR } from './_wake.js';
import { CLAIM_SETTINGS } from './_sql.js';
import { claimedRows } from '../../testing/store-contract/_fixtures.js';

/**
 * What a store keeps of the wake times between its statements: the floor its claims scan from,
 * and the next wake time a claim answers. Neither may ever hide a due call.
 */
describeWithDatabase('createPostgresStore wake times', (url) => {
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    release = await holdDatabaseLock(url, 'shared');
  }, 180_000);
  const admin = new Pool({ connectionString: url, max: 1 });
  const schemas = new Set<string>();
  const stores: PostgresStore[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
    await dropSchemas(url, schemas);
    await admin.end();
    await release?.();
  }, TEARDOWN_TIMEOUT_MS);

  const T0 = Date.UTC(2026, 0, 1, 12);
  const waitFor = async (check: () => boolean, ms = 5000) => {
    const until = Date.now() + ms;
    while (!check()) {
      if (Date.now() > until) throw new Error('timed out waiting');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  /** A store and what it sends: the statements' texts and parameters. */
  const open = (
    schema: string,
    app?: string,
    logger?: { info(m: string): void; warn(m: string): void },
  ) => {
    schemas.add(schema);
    const store = createPostgresStore(
      { connectionString: url, max: 2, ...(app ? { application_name: app } : {}) },
      { schema, ...(logger ? { logger } : {}) },
    );
    stores.push(store);
    const sent: { text: string; values: unknown[] }[] = [];
    const record = (args: unknown[]) => {
      const [config] = args as [string | { text?: string; values?: unknown[] }];
      if (typeof config === 'string') sent.push({ text: config, values: [] });
      else if (config?.text) sent.push({ text: config.text, values: config.values ?? [] });
    };
    const query = store.pool.query.bind(store.pool) as (...args: unknown[]) => unknown;
    (store.pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
      record(args);
      return query(...args);
    };
    // The claim runs on a connection of its own (a prepared statement, run as a simple query).
    const watched = new WeakSet<object>();
    const watch = (client: PoolClient) => {
      if (watched.has(client)) return client;
      watched.add(client);
      const clientQuery = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
        // The pool's own `query` runs on these connections too: it is recorded above.
        if (typeof args[0] === 'string') record(args);
        return clientQuery(...args);
      };
      return client;
    };
    const connect = store.pool.connect.bind(store.pool) as (...args: unknown[]) => unknown;
    // Without a callback only: the pool's own `query` checks out with one (recorded above).
    (store.pool as unknown as { connect: unknown }).connect = (...args: unknown[]) =>
      args.length > 0 ? connect(...args) : (connect() as Promise<PoolClient>).then(watch);
    return { store, sent };
  };
  /** The floor (`$5`) of each claim sent: the fifth value its `EXECUTE` was given. */
  const claimFloors = (sent: { text: string; values: unknown[] }[]) =>
    sent
      .map((s) =>
        /\nEXECUTE \w+_due\(\(([-\d]+)\), \(\d+\), '[^']*', \([-\d]+\), \(([-\d]+)\)/.exec(s.text),
      )
      .filter((match) => match !== null)
      .map((match) => Number(match[2]));

  it("runs the claim as a prepared statement's generic plan, under the campaign claim's settings", async () => {
    const { store, sent } = open(randomSchema());
    await store.insert(storedCall({ id: 'a', dueAt: T0 }));
    await claimedRows(store, T0, 10, 'w1', T0 + 30_000);
    const claims = sent.filter((s) => /\nEXECUTE \w+_due\(/.test(s.text));
    expect(claims).toHaveLength(1);
    // The generic plan of a claim guesses many rows; without these it read the whole table.
    for (const [setting, value] of Object.entries(CLAIM_SETTINGS)) {
      expect(claims[0]!.text).toContain(`set_config('${setting}', '${value}', true)`);
    }
  });

  describe('the floor of claims', () => {
    it('finds a call another process gives an earlier wake time than the floor', async () => {
      const schema = randomSchema();
      const { store: worker, sent } = open(schema);
      const { store: other } = open(schema);
      const heard: (number | null)[] = [];
      await worker.subscribe!((at) => heard.push(at));
      await worker.insert(storedCall({ id: 'later', dueAt: T0 + 60_000 }));
      await waitFor(() => heard.includes(T0 + 60_000));
      expect(
        (await worker.claimDue({ now: T0, limit: 10, workerId: 'w1', leaseUntil: T0 + 30_000 }))
          .calls,
      ).toEqual([]);
      expect(
        (await worker.claimDue({ now: T0, limit: 10, workerId: 'w1', leaseUntil: T0 + 30_000 }))
          .calls,
      ).toEqual([]);
      // The first claim read every row; the second started where the earliest one wakes.
      expect(claimFloors(sent)).toEqual([NO_FLOOR, T0 + 60_000]);

      await other.insert(storedCall({ id: 'overdue', dueAt: T0 - 5000 }));
      await waitFor(() => heard.includes(T0 - 5000));
      expect((await claimedRows(worker, T0, 10, 'w1', T0 + 600_000)).map((r) => r.id)).toEqual([
        'overdue',
      ]);

      // Another process hands a claimed call back: it wakes at its due time again.
      const claimed = await claimedRows(other, T0 + 60_000, 1, 'w2', T0 + 90_000);
      expect(claimed.map((r) => r.id)).toEqual(['later']);
      expect(await claimedRows(worker, T0 + 60_000, 10, 'w1', T0 + 90_000)).toEqual([]);
      await other.update('later', claimed[0]!.version, {
        status: 'scheduled',
        leaseOwner: null,
        leaseUntil: null,
      });
      await waitFor(() => heard.filter((at) => at === T0 + 60_000).length === 2);
      expect(
        (await claimedRows(worker, T0 + 60_000, 10, 'w1', T0 + 90_000)).map((r) => r.id),
      ).toEqual(['later']);
    });

    it('finds a call its own process hands back, before any notification', async () => {
      const schema = randomSchema();
      const { store } = open(schema);
      await store.subscribe!(() => undefined);
      await store.insert(storedCall({ id: 'a', dueAt: T0 }));
      await store.insert(storedCall({ id: 'b', dueAt: T0 + 1000 }));
      const [a] = await claimedRows(store, T0, 1, 'w1', T0 + 30_000);
      expect(
        (await store.claimDue({ now: T0, limit: 1, workerId: 'w1', leaseUntil: T0 + 30_000 }))
          .calls,
      ).toEqual([]); // floor: T0 + 1000
      await store.update('a', a!.version, {
        status: 'scheduled',
        leaseOwner: null,
        leaseUntil: null,
      });
      expect((await claimedRows(store, T0, 1, 'w1', T0 + 30_000)).map((r) => r.id)).toEqual(['a']);
      await store.update('b', 1, { dueAt: T0 - 1 });
      expect((await claimedRows(store, T0, 1, 'w1', T0 + 30_000)).map((r) => r.id)).toEqual(['b']);
    });

    it('reads every row again after its LISTEN connection was lost', async () => {
      const schema = randomSchema();
      const app = `rk-floor-${randomBytes(4).toString('hex')}`;
      const logs: string[] = [];
      const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
      const { store: worker, sent } = open(schema, app, logger);
      const { store: other } = open(schema);
      const heard: (number | null)[] = [];
      await worker.subscribe!((at) => heard.push(at));
      await worker.insert(storedCall({ id: 'later', dueAt: T0 + 60_000 }));
      expect(
        (await worker.claimDue({ now: T0, limit: 10, workerId: 'w1', leaseUntil: T0 + 30_000 }))
          .calls,
      ).toEqual([]);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [app],
      );
      await waitFor(() => logs.some((m) => /LISTEN connection dropped/.test(m)));
      // Announced to nobody, or to a connection just back: the floor was dropped either way.
      await other.insert(storedCall({ id: 'overdue', dueAt: T0 - 5000 }));
      await waitFor(() => heard.includes(null));
      expect((await claimedRows(worker, T0, 10, 'w1', T0 + 30_000)).map((r) => r.id)).toEqual([
        'overdue',
      ]);
      expect(claimFloors(sent).at(-1)).toBe(NO_FLOOR);
    });
  });

  describe('the next wake time a claim answers', () => {
    /** The reads of the next wake time among the statements `sent`. */
    const wakeReads = (sent: { text: string }[]) =>
      sent.filter((s) => s.text.startsWith('SELECT wake_at, id FROM')).length;

    it('answers the nextDueAt that follows a claim without asking the database', async () => {
      const schema = randomSchema();
      const { store, sent } = open(schema);
      await store.insertMany!([
        storedCall({ id: 'a', dueAt: T0 }),
        storedCall({ id: 'b', dueAt: T0 + 5000 }),
      ]);
      const asked = () => wakeReads(sent);
      await store.claimDue({ now: T0, limit: 10, workerId: 'w1', leaseUntil: T0 + 30_000 });
      expect(await store.nextDueAt()).toBe(T0 + 5000);
      expect(asked()).toBe(0);
      // Asked again, or later: from the database.
      expect(await store.nextDueAt()).toBe(T0 + 5000);
      expect(asked()).toBe(1);
      await store.claimDue({ now: T0 + 5000, limit: 10, workerId: 'w1', leaseUntil: T0 + 20_000 });
      expect(await store.nextDueAt()).toBe(T0 + 20_000); // the lease of what it claimed
      expect(asked()).toBe(1);
      await store.claimDue({ now: T0 + 5000, limit: 10, workerId: 'w1', leaseUntil: T0 + 20_000 });
      await new Promise((resolve) => setImmediate(resolve));
      expect(await store.nextDueAt()).toBe(T0 + 20_000);
      expect(asked()).toBe(2);
    });

    it('answers a due row left by a claim that took all it asked for at once, and one held by another transaction 2 ms on', async () => {
      const schema = randomSchema();
      const { store, sent } = open(schema);
      await store.insertMany!([
        storedCall({ id: 'a', dueAt: T0 }),
        storedCall({ id: 'b', dueAt: T0 + 10 }),
        storedCall({ id: 'c', dueAt: T0 + 5000 }),
      ]);
      const asked = () => wakeReads(sent);
      // Room for one: `b` is due and free, so the next wake time is its own, read again.
      expect((await claimedRows(store, T0 + 20, 1, 'w1', T0 + 30_000)).map((r) => r.id)).toEqual([
        'a',
      ]);
      expect(await store.nextDueAt()).toBe(T0 + 10);
      expect(asked()).toBe(1);
      // `b` held by another transaction: the claim takes nothing, and looks again 2 ms on.
      const other = await admin.connect();
      try {
        await other.query('BEGIN');
        await other.query(`SELECT 1 FROM "${schema}".scheduled_calls WHERE id = 'b' FOR UPDATE`);
        expect(await claimedRows(store, T0 + 20, 5, 'w1', T0 + 30_000)).toEqual([]);
        expect(await store.nextDueAt()).toBe(T0 + 20 + HELD_RECHECK_MS);
        expect(asked()).toBe(1);
        await other.query('ROLLBACK');
      } finally {
        other.release();
      }
      // Let go without being claimed: due again, and claimed.
      expect((await claimedRows(store, T0 + 22, 5, 'w1', T0 + 30_000)).map((r) => r.id)).toEqual([
        'b',
      ]);
    });

    it('never answers past a wake time given meanwhile', async () => {
      const schema = randomSchema();
      const { store } = open(schema);
      await store.insert(storedCall({ id: 'a', dueAt: T0 + 5000 }));
      const claim = store
        .claimDue({ now: T0, limit: 10, workerId: 'w1', leaseUntil: T0 + 30_000 })
        .then((c) => c.calls);
      const inserted = store.insert(storedCall({ id: 'b', dueAt: T0 + 1000 }));
      await Promise.all([claim, inserted]);
      expect(await store.nextDueAt()).toBe(T0 + 1000);
    });
  });
});
