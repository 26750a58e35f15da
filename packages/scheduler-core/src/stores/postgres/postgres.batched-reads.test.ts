/**
 * The reads asked together (each campaign's re-read on the process's beat): one statement for
 * the campaigns' rows, one per set of statuses for their pages (`_campaign-reads.ts`), one for
 * calls by id (`get`), one for calls by provider id (`findByProviderCallId`). Every answer is
 * checked against the same read asked alone.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { StoredCall } from '../../store.js';
import { entries } from '../../testing/store-contract/_campaign-fixtures.js';
import { storedCampaign, T0 } from '../../testing/store-contract/_fixtures.js';
import { describeWithDatabase, randomSchema } from '../../../test/pg-testing.js';
import { createPostgresStore, type PostgresStore } from './postgres.js';

const NAMES = ['a', 'b', 'c', 'd'];
const SIZE = 30;

describeWithDatabase(
  'PostgreSQL reads asked together: campaigns, their pages, calls by id',
  (url) => {
    const schema = randomSchema();
    let store: PostgresStore;

    beforeAll(async () => {
      store = createPostgresStore({ connectionString: url, max: 4 }, { schema });
      for (const [k, id] of NAMES.entries()) {
        await store.insertCampaign!(storedCampaign({ id, concurrency: 50, total: SIZE }), [
          ...entries(id, SIZE),
        ]);
        // Some of each list queued, the rest scheduled: pages of one status, and of two.
        await store.claimCampaign!(id, T0, 3 + 4 * k, 'w1', T0 + 60_000, {
          holdMs: 60_000,
          mark: true,
        });
      }
    });
    afterAll(async () => {
      await store.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    });

    it('reads the campaigns asked together in one statement, each its own copy', async () => {
      const query = vi.spyOn(store.pool, 'query');
      const asked = ['c', 'a', 'missing', 'a', 'd'];
      const found = await Promise.all(asked.map((id) => store.getCampaign!(id)));
      expect(query).toHaveBeenCalledTimes(1);
      query.mockRestore();
      expect(found.map((c) => c?.id ?? null)).toEqual(['c', 'a', null, 'a', 'd']);
      expect(found[1]).toEqual(await store.getCampaign!('a'));
      expect(found[1]).not.toBe(found[3]);
      // An id no row can have is nobody's, and fails no other read.
      const [none, b] = await Promise.all([store.getCampaign!('x\u0000'), store.getCampaign!('b')]);
      expect(none).toBeNull();
      expect(b?.id).toBe('b');
    });

    it('looks up the provider ids asked together in one statement, each as it is looked up alone', async () => {
      const rows = await store.listCampaignCalls!('b', { limit: 6 });
      // Two calls of one provider id, at two providers.
      for (const [i, row] of rows.slice(0, 4).entries()) {
        const patch = { providerCallId: i < 2 ? 'p-shared' : `p-${i}`, updatedAt: T0 + 1 };
        await store.update(row.id, row.version, patch);
      }
      // Named by their provider, but for one named by none (an older row).
      const providers = ['other', null, 'mock', 'mock'];
      for (const [i, provider] of providers.entries()) {
        await store.pool.query(
          `UPDATE "${schema}".scheduled_calls SET provider = $2 WHERE id = $1`,
          [rows[i]!.id, provider],
        );
      }
      const asks: [string, string][] = [
        ['mock', 'p-shared'],
        ['other', 'p-shared'],
        ['mock', 'p-2'],
        ['mock', 'missing'],
        ['other', 'p-3'],
        ['mock', 'p-2'],
      ];
      const alone = [];
      for (const [provider, id] of asks) alone.push(await store.findByProviderCallId(provider, id));
      expect(alone.map((row) => row?.id ?? null)).toEqual([
        rows[1]!.id,
        rows[0]!.id,
        rows[2]!.id,
        null,
        null,
        rows[2]!.id,
      ]);
      const query = vi.spyOn(store.pool, 'query');
      const together = await Promise.all(
        asks.map(([provider, id]) => store.findByProviderCallId(provider, id)),
      );
      expect(query).toHaveBeenCalledTimes(1);
      query.mockRestore();
      expect(together).toEqual(alone);
      expect(together[2]).not.toBe(together[5]);
    });

    it('reads the calls asked together by id in one statement; a read asked after a write sees it', async () => {
      const rows = await store.listCampaignCalls!('a', { limit: 4 });
      const ids = [rows[2]!.id, 'missing', rows[0]!.id, rows[2]!.id];
      const alone = [];
      for (const id of ids) alone.push(await store.get(id));
      const query = vi.spyOn(store.pool, 'query');
      const together = await Promise.all(ids.map((id) => store.get(id)));
      expect(query).toHaveBeenCalledTimes(1);
      query.mockRestore();
      expect(together).toEqual(alone);
      expect(together[0]).not.toBe(together[3]);
      expect(await store.get('x\u0000')).toBeNull();
      // A read on its way, a write, then a read: the second read goes after the write.
      const row = rows[1]!;
      const before = store.get(row.id);
      await store.update(row.id, row.version, { reason: 'changed', updatedAt: T0 + 1 });
      const after = await store.get(row.id);
      await before;
      expect(after?.reason).toBe('changed');
    });

    const statusSets: (StoredCall['status'][] | undefined)[] = [
      undefined,
      ['queued'],
      ['scheduled', 'queued'],
      ['queued', 'queued', 'completed'],
    ];
    const pageArb = fc.record({
      campaign: fc.constantFrom(...NAMES, 'missing'),
      after: fc.option(fc.integer({ min: -1, max: SIZE + 2 }), { nil: undefined }),
      limit: fc.integer({ min: 1, max: SIZE + 5 }),
      statuses: fc.constantFrom(...statusSets),
    });

    it('answers pages asked together as each asked alone, one statement per set of statuses', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(pageArb, { minLength: 1, maxLength: 12 }), async (asks) => {
          const read = (a: (typeof asks)[number]) =>
            store.listCampaignCalls!(a.campaign, {
              afterPosition: a.after ?? null,
              limit: a.limit,
              ...(a.statuses ? { status: a.statuses } : {}),
            });
          const alone = [];
          for (const a of asks) alone.push(await read(a));
          const query = vi.spyOn(store.pool, 'query');
          const together = await Promise.all(asks.map(read));
          const sets = new Set(
            asks.map((a) => String(a.statuses && [...new Set(a.statuses)].sort())),
          );
          // The first ask of each set goes at once; the rest of the turn joins it.
          expect(query.mock.calls.length).toBeLessThanOrEqual(sets.size);
          query.mockRestore();
          expect(together).toEqual(alone);
          for (const [i, page] of together.entries()) {
            const a = asks[i]!;
            expect(page.length).toBeLessThanOrEqual(a.limit);
            for (const row of page) {
              expect(row.campaign).toBe(a.campaign);
              expect(row.position!).toBeGreaterThan(a.after ?? -1);
              if (a.statuses) expect(a.statuses).toContain(row.status);
            }
            const positions = page.map((row) => row.position!);
            expect(positions).toEqual([...positions].sort((x, y) => x - y));
          }
        }),
        { numRuns: 60 },
      );
    });

    it('asks a value PostgreSQL refuses alone: it fails, the reads beside it do not', async () => {
      const [bad, good] = await Promise.allSettled([
        store.listCampaignCalls!('a', { afterPosition: 2 ** 40, limit: 5 }),
        store.listCampaignCalls!('b', { afterPosition: 0, limit: 5 }),
      ]);
      expect(bad.status).toBe('rejected');
      expect(good.status === 'fulfilled' && good.value.map((row) => row.position)).toEqual([
        1, 2, 3, 4, 5,
      ]);
      expect(await store.listCampaignCalls!('a\u0000', { limit: 5 })).toEqual([]);
    });
  },
);
