import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';
import type { Store } from './store.js';
import { storedCall } from './testing/store-contract.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const LEASE = 1_000;

const scenario = fc.record({
  dueOffsets: fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 12 }),
  steps: fc.array(
    fc.record({
      worker: fc.integer({ min: 0, max: 3 }),
      advance: fc.integer({ min: 0, max: 1_500 }),
      limit: fc.integer({ min: 1, max: 4 }),
      /** The worker finishes its claims (the row leaves the queue) instead of dying. */
      finish: fc.boolean(),
    }),
    { minLength: 1, maxLength: 40 },
  ),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/**
 * Leases under random interleavings of claimants, clocks and crashes: a row is never held by two
 * workers at once, never claimed before it is due, always earliest first, and a row whose worker
 * died is claimable again once its lease expired.
 */
async function checkLeases(store: Store, { dueOffsets, steps }: Scenario) {
  const due = new Map<string, number>();
  await Promise.all(
    dueOffsets.map((offset, i) => {
      const id = `c${String(i).padStart(2, '0')}`;
      due.set(id, T0 + offset);
      return store.insert(storedCall({ id, dueAt: T0 + offset }));
    }),
  );
  const held = new Map<string, { worker: number; until: number }>();
  const finished = new Set<string>();
  let now = T0;
  for (const step of steps) {
    now += step.advance;
    const claimed = (
      await store.claimDue({
        now,
        limit: step.limit,
        workerId: `w${step.worker}`,
        leaseUntil: now + LEASE,
      })
    ).calls;
    const wakes = claimed.map((row) => held.get(row.id)?.until ?? due.get(row.id)!);
    expect(wakes, 'earliest first').toEqual([...wakes].sort((a, b) => a - b));
    for (const row of claimed) {
      expect(finished.has(row.id), `${row.id} was finished`).toBe(false);
      expect(due.get(row.id)!, `${row.id} claimed early`).toBeLessThanOrEqual(now);
      const previous = held.get(row.id);
      if (previous) expect(previous.until, `${row.id} held twice`).toBeLessThanOrEqual(now);
      expect(row).toMatchObject({
        status: 'queued',
        leaseOwner: `w${step.worker}`,
        leaseUntil: now + LEASE,
      });
      held.set(row.id, { worker: step.worker, until: now + LEASE });
      if (step.finish) {
        await store.update(row.id, row.version, {
          status: 'completed',
          leaseOwner: null,
          leaseUntil: null,
        });
        finished.add(row.id);
        held.delete(row.id);
      }
    }
  }
  // Whatever was left behind by "dead" workers is claimable once every lease has expired.
  now += 10_000 + LEASE;
  const rest = (
    await store.claimDue({ now, limit: 1_000, workerId: 'sweeper', leaseUntil: now + LEASE })
  ).calls;
  expect(new Set(rest.map((r) => r.id))).toEqual(
    new Set([...due.keys()].filter((id) => !finished.has(id))),
  );
}

describe('leases (property)', () => {
  it('hold for the memory store', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const store = createMemoryStore();
        await checkLeases(store, s);
        await store.close();
      }),
      { numRuns: 150 },
    );
  });

  it('hold for the sqlite store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringkit-prop-'));
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const store = createSqliteStore({ path: join(dir, `${n++}.db`) });
          await checkLeases(store, s);
          await store.close();
        }),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
