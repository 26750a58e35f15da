/**
 * How a claim (a campaign's, and the scheduler's `claimDue`, with or without a `mark`) commits on
 * PostgreSQL: without waiting for the flush when it marked nothing (a claim lost in a crash of
 * the server is only claimed again), durably when it marked rows (a mark lost with its call sent
 * would send it again). Read inside the claim's own transaction: the one-trip claim, followed by
 * `SHOW synchronous_commit` before it commits.
 */
import pg from 'pg';
import { expect, it } from 'vitest';
import { storedCall, storedCampaign } from '../../testing/store-contract/_fixtures.js';
import { entries } from '../../testing/store-contract/_campaign-fixtures.js';
import { campaignSchema, describeWithDatabase, randomSchema } from '../../../test/pg-testing.js';
import { preparedClaim, withLiterals } from './_campaign-sql.js';
import { campaignStatementsFor, statementsFor } from './_sql.js';
import { createPostgresStore } from './postgres.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');

describeWithDatabase('a PostgreSQL campaign claim', (url) => {
  const db = campaignSchema(url, { campaign: 'spring', concurrency: 3, total: 10, max: 2 });
  const { schema, s, client } = db;

  const { prepare, execute } = preparedClaim(campaignStatementsFor(s), s, 'rk_commit');
  let prepared = false;

  /** Claims `limit` rows at `now`, marking or not; the rows and the commit mode before commit. */
  async function claim(now: number, limit: number, mark: boolean) {
    if (!prepared) await client.query(prepare);
    prepared = true;
    const text = `${execute};\nSHOW synchronous_commit`;
    const values = ['spring', now, limit, 'w1', now + 30_000, now - 60_000, 60_000, mark];
    const results = (await client.query(
      withLiterals(text, values, pg.escapeLiteral),
    )) as unknown as pg.QueryResult[];
    const rows = results[2]!.rows.filter((row) => row.id !== null);
    return {
      marked: rows.map((row) => row.claim_marked as boolean),
      placingAt: rows.map((row) => (row.placing_at === null ? null : Number(row.placing_at))),
      commit: results[4]!.rows[0]!.synchronous_commit as string,
    };
  }

  it('commits without waiting for the flush when it marked nothing, durably when it marked', async () => {
    expect(await claim(T0, 1, false)).toEqual({
      marked: [false],
      placingAt: [null],
      commit: 'off',
    });
    expect(await claim(T0 + 1, 2, true)).toEqual({
      marked: [true, true],
      placingAt: [T0 + 1, T0 + 1],
      commit: 'on',
    });
    // Marking asked, nothing to claim (the cap is full): nothing to make durable.
    expect(await claim(T0 + 2, 5, true)).toEqual({ marked: [], placingAt: [], commit: 'off' });
  });

  it("commits the scheduler's claim without waiting for the flush unless it marked a row", async () => {
    for (const id of ['s1', 's2', 's3', 's4']) {
      await db.store.insert(storedCall({ id, dueAt: T0 + 5000, to: '+14155552671' }));
    }
    /** The scheduler's claim at `now` of `limit` rows, marking the first `mark`. */
    const claimDue = async (now: number, limit: number, mark: number) => {
      const values = [now, limit, 'w1', now + 30_000, 0, mark, null, ''];
      const text = `BEGIN;\n${statementsFor(s).claim};\nSHOW synchronous_commit;\nCOMMIT`;
      const results = (await client.query(
        withLiterals(text, values, pg.escapeLiteral),
      )) as unknown as pg.QueryResult[];
      const rows = results[1]!.rows.filter((row) => row.id !== null);
      return {
        ids: rows.map((row) => row.id as string),
        marked: rows.map((row) => row.claim_marked as boolean),
        commit: results[2]!.rows[0]!.synchronous_commit as string,
      };
    };
    expect(await claimDue(T0 + 5000, 1, 0)).toEqual({
      ids: ['s1'],
      marked: [false],
      commit: 'off',
    });
    expect(await claimDue(T0 + 5001, 2, 1)).toEqual({
      ids: ['s2', 's3'],
      marked: [true, false],
      commit: 'on',
    });
    expect(await claimDue(T0 + 5002, 2, 2)).toEqual({ ids: ['s4'], marked: [true], commit: 'on' });
    // Asked to mark, nothing due: nothing to make durable.
    expect(await claimDue(T0 + 5003, 2, 2)).toEqual({ ids: [], marked: [], commit: 'off' });
  });

  it("prepares its statements again on a new connection when the server dropped the store's", async () => {
    const application = `rk_claim_${schema}`.slice(0, 60);
    const other = createPostgresStore(
      { connectionString: url, max: 1, application_name: application },
      { schema },
    );
    try {
      const first = await other.claimCampaign!('spring', T0 + 10, 1, 'w2', T0 + 30_010, {
        holdMs: 60_000,
        mark: true,
      });
      expect(first.campaign?.id).toBe('spring');
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [application],
      );
      // The pool's one connection is gone, and its prepared statements with it.
      for (let i = 0; i < 3; i++) {
        const again = await other.claimCampaign!('spring', T0 + 20 + i, 1, 'w2', T0 + 30_020, {
          holdMs: 60_000,
          mark: true,
        });
        expect(again.campaign?.id).toBe('spring');
      }
    } finally {
      await other.close();
    }
  });

  it('claims for two stores of different schemas on one shared pool, each with its own prepared statements', async () => {
    const second = randomSchema();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const a = createPostgresStore({ pool }, { schema });
    const b = createPostgresStore({ pool }, { schema: second });
    try {
      await b.insertCampaign!(
        storedCampaign({ id: 'autumn', concurrency: 5, total: 3 }),
        entries('autumn', 3),
      );
      // One connection: both stores prepare their claims on it, under names of their own.
      const fromA = await a.claimCampaign!('spring', T0 + 100, 1, 'wa', T0 + 30_100, {
        holdMs: 60_000,
        mark: true,
      });
      const fromB = await b.claimCampaign!('autumn', T0 + 100, 2, 'wb', T0 + 30_100, {
        holdMs: 60_000,
        mark: true,
      });
      expect(fromA.campaign?.id).toBe('spring');
      expect(fromB.calls.map((row) => row.campaign)).toEqual(['autumn', 'autumn']);
      expect(fromB.marked).toEqual([true, true]);
    } finally {
      await a.close();
      await b.close();
      await pool.query(`DROP SCHEMA IF EXISTS "${second}" CASCADE`);
      await pool.end();
    }
  });
});
