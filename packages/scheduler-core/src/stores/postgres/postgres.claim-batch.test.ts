/**
 * Campaign claims under a named budget, batched: the claims one store is asked while a batch is
 * on its way go together in one transaction (`_campaign-batch.ts`); and the do-not-call list's
 * reads, asked together, in one statement. Tested meeting: one store's
 * claims at once, and two stores (two workers) claiming for the same campaigns in random
 * interleavings, many times: one transaction per batch, no deadlock, every campaign under its
 * cap, no entry claimed twice, and the budget's slots never closer than its interval.
 */
import fc from 'fast-check';
import { afterAll, expect, it, vi } from 'vitest';
import type { BudgetShare, CampaignClaim, SendBudget } from '../../store.js';
import { entries } from '../../testing/store-contract/_campaign-fixtures.js';
import { storedCampaign, T0 } from '../../testing/store-contract/_fixtures.js';
import {
  TEARDOWN_TIMEOUT_MS,
  describeWithDatabase,
  dropSchemas,
  randomSchema,
} from '../../../test/pg-testing.js';
import { createPostgresStore, type PostgresStore } from './postgres.js';

const PACE = { intervalMs: 10, horizonMs: 1000 };
const shared = (key: string, name = 'account'): SendBudget => ({
  ...PACE,
  share: { name, key, weight: 1 } satisfies BudgetShare,
});
const LEASE = 60_000;

describeWithDatabase(
  'PostgreSQL claims under a named budget and do-not-call reads, batched',
  (url) => {
    const schemas: string[] = [];
    const stores: PostgresStore[] = [];
    const open = (schema: string) => {
      const store = createPostgresStore({ connectionString: url, max: 4 }, { schema });
      stores.push(store);
      return store;
    };
    afterAll(async () => {
      for (const store of stores) await store.close();
      await dropSchemas(url, schemas);
    }, TEARDOWN_TIMEOUT_MS);

    /** A fresh schema with `campaigns` campaigns (`c0`…) of `size` entries, cap `cap` each. */
    async function campaignsIn(campaigns: number, size: number, cap: number) {
      const schema = randomSchema();
      schemas.push(schema);
      const store = open(schema);
      const names = Array.from({ length: campaigns }, (_, k) => `c${k}`);
      for (const id of names) {
        await store.insertCampaign!(storedCampaign({ id, concurrency: cap, total: size }), [
          ...entries(id, size),
        ]);
      }
      return { schema, store, names };
    }

    const claimOf =
      (store: PostgresStore, worker: string, name?: string) =>
      (id: string, now: number, limit: number) =>
        store.claimCampaign!(id, now, limit, worker, now + LEASE, {
          holdMs: 60_000,
          budget: shared(`campaign:${id}`, name),
        });

    /** Every slot given, across claims: sorted. */
    const slotsOf = (claims: CampaignClaim[]) =>
      claims.flatMap((c) => c.slots.filter((s): s is number => s !== null)).sort((a, b) => a - b);

    it('takes the claims asked together in one transaction, each its own rows and slots', async () => {
      const { store, names } = await campaignsIn(6, 4, 3);
      await store.ready();
      const connect = vi.spyOn(store.pool, 'connect');
      const claim = claimOf(store, 'w1');
      const claims = await Promise.all(names.map((id) => claim(id, T0, 3)));
      expect(connect).toHaveBeenCalledTimes(1);
      claims.forEach((c, k) => {
        expect(c.campaign?.id).toBe(`c${k}`);
        expect(c.calls.map((row) => row.campaign)).toEqual([`c${k}`, `c${k}`, `c${k}`]);
        expect(c.taken).toBe(3);
      });
      const slots = slotsOf(claims);
      expect(slots).toHaveLength(18);
      for (let i = 1; i < slots.length; i++)
        expect(slots[i]! - slots[i - 1]!).toBe(PACE.intervalMs);
      // A campaign not stored is answered as `claimCampaign` answers it alone, in the same batch.
      const [none, more] = await Promise.all([claim('nobody', T0, 3), claim('c0', T0, 3)]);
      expect(none).toEqual({ campaign: null, calls: [], slots: [], taken: 0, nextSlotAt: null });
      // c0 has 3 of 3 places taken: nothing more.
      expect(more.calls).toEqual([]);
      expect(connect).toHaveBeenCalledTimes(2);
    });

    it('keeps budgets of other names apart in one batch', async () => {
      const { store } = await campaignsIn(2, 3, 3);
      const [a, b] = await Promise.all([
        claimOf(store, 'w1', 'one')('c0', T0, 3),
        claimOf(store, 'w1', 'two')('c1', T0, 3),
      ]);
      expect(slotsOf([a])).toEqual([T0, T0 + 10, T0 + 20]);
      expect(slotsOf([b])).toEqual([T0, T0 + 10, T0 + 20]);
    });

    it('asks a claim of a failed batch again alone, and loses none of its rows', async () => {
      const { store, names } = await campaignsIn(3, 2, 2);
      await store.ready();
      const lost = Object.assign(new Error('Connection terminated unexpectedly'), {
        code: 'ECONNRESET',
      });
      vi.spyOn(store.pool, 'connect').mockRejectedValueOnce(lost);
      const claims = await Promise.all(names.map((id) => claimOf(store, 'w1')(id, T0, 2)));
      expect(claims.map((c) => c.calls.length)).toEqual([2, 2, 2]);
      expect(slotsOf(claims)).toHaveLength(6);
    });

    it('never deadlocks, overfills a cap, claims an entry twice or crowds the budget, two workers in random interleavings', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              worker: fc.constantFrom(0, 1),
              campaign: fc.nat({ max: 4 }),
              limit: fc.integer({ min: 1, max: 4 }),
              pause: fc.nat({ max: 3 }),
            }),
            { minLength: 4, maxLength: 24 },
          ),
          async (asks) => {
            const { schema, store, names } = await campaignsIn(5, 6, 3);
            const other = open(schema);
            const workers = [store, other];
            const claims = await Promise.all(
              asks.map(async ({ worker, campaign, limit, pause }, n) => {
                for (let i = 0; i < pause; i++) await new Promise((r) => setImmediate(r));
                return {
                  id: names[campaign]!,
                  claim: await claimOf(workers[worker]!, `w${worker}`)(
                    names[campaign]!,
                    T0 + n,
                    limit,
                  ),
                };
              }),
            );
            const byRow = new Map<string, number>();
            for (const { id, claim } of claims) {
              for (const row of claim.calls) {
                expect(row.campaign).toBe(id);
                byRow.set(row.id, (byRow.get(row.id) ?? 0) + 1);
              }
            }
            // No entry twice, and no campaign over its cap of 3.
            expect([...byRow.values()].every((n) => n === 1)).toBe(true);
            for (const id of names) {
              const held = claims.filter((c) => c.id === id).flatMap((c) => c.claim.calls);
              expect(held.length).toBeLessThanOrEqual(3);
            }
            const slots = slotsOf(claims.map((c) => c.claim));
            for (let i = 1; i < slots.length; i++) {
              expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(PACE.intervalMs);
            }
            // Both stores end with the run: 25 runs of stores left open held over 50 of the
            // server's connections, which a second test suite on the same server ran out of.
            await other.close();
            await store.close();
          },
        ),
        { numRuns: 25 },
      );
    }, 120_000);

    it('reads the do-not-call entries asked together in one statement, and a read asked after a listing sees it', async () => {
      const schema = randomSchema();
      schemas.push(schema);
      const store = open(schema);
      await store.ready();
      await store.suppress!([
        { phone: '+14155552671', reason: 'asked', createdAt: T0, until: null },
        { phone: '+14155552672', reason: 'complaint', createdAt: T0, until: T0 + 1000 },
      ]);
      const query = vi.spyOn(store.pool, 'query');
      const asked = ['+14155552671', '+14155552673', '+14155552672', '+14155552671'];
      const found = await Promise.all(asked.map((phone) => store.getSuppression!(phone)));
      expect(query).toHaveBeenCalledTimes(1);
      expect(found.map((entry) => entry?.reason ?? null)).toEqual([
        'asked',
        null,
        'complaint',
        'asked',
      ]);
      expect(found[2]).toEqual({
        phone: '+14155552672',
        reason: 'complaint',
        createdAt: T0,
        until: T0 + 1000,
      });
      // Two asks of one number get copies of their own.
      expect(found[0]).not.toBe(found[3]);
      // A read on its way, a number listed, then read: the second read goes after the listing.
      const before = store.getSuppression!('+14155552674');
      await store.suppress!([
        { phone: '+14155552674', reason: 'asked', createdAt: T0, until: null },
      ]);
      const after = await store.getSuppression!('+14155552674');
      await before;
      expect(after?.reason).toBe('asked');
    });
  },
);
