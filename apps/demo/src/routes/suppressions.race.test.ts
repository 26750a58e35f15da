/**
 * One do-not-call list: concurrent adds and removes of the same numbers, through two servers on
 * one store (SQLite files in a shared DATA_DIR, or a PostgreSQL schema), then a campaign of those
 * numbers. Whatever the API answers for a number is what every claim and placement sees: each
 * listed number ends `suppressed` and never reaches the provider; each other one is called.
 */
import type { Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { SHARED_STORES, startAppsOnOneStore } from '../_test-shared-store.js';
import { api, eventually, startTestApp } from '../_test-utils.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const NUMBERS = Array.from({ length: 100 }, (_, i) => `+1415555${String(5000 + i)}`);
/** Numbers the race never touches: called, each of them. */
const UNTOUCHED = Array.from({ length: 10 }, (_, i) => `+1415555${String(5200 + i)}`);

/** A shuffle by a seeded generator, so a failure can be run again as it was. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe.each(SHARED_STORES)(
  'the do-not-call list, raced through two servers (%s)',
  (_name, postgres) => {
    it(
      'calls no number the API lists after 100 concurrent add/remove pairs, and every other one',
      { timeout: 120_000 },
      async () => {
        const { apps, webhook } = await startAppsOnOneStore({
          servers: 2,
          postgres,
          cleanups,
          env: { RATE_LIMIT: '10000' },
          stepMs: 5,
        });
        // Each number added through one server and removed through the other, at once, the
        // requests sent in a random order; three rounds.
        for (let round = 0; round < 3; round += 1) {
          const requests = NUMBERS.flatMap((phone, i) => [
            () =>
              api(`${apps[(i + round) % 2]!.url}/api/suppressions`, {
                method: 'POST',
                body: { phone_number: phone, reason: 'race' },
              }),
            () =>
              api(
                `${apps[(i + round + 1) % 2]!.url}/api/suppressions/${encodeURIComponent(phone)}`,
                {
                  method: 'DELETE',
                },
              ),
          ]);
          const answers = await Promise.all(shuffled(requests, 64 + round).map((send) => send()));
          for (const answer of answers) expect([200, 201, 404]).toContain(answer.status);
        }

        const listed = new Set<string>();
        for (const [i, phone] of NUMBERS.entries()) {
          const { status } = await api(
            `${apps[i % 2]!.url}/api/suppressions/${encodeURIComponent(phone)}`,
          );
          expect([200, 404]).toContain(status);
          if (status === 200) listed.add(phone);
        }
        expect(listed.size).toBeGreaterThan(0);

        const created = await api(`${apps[0]!.url}/api/campaigns`, {
          method: 'POST',
          body: { name: 'after-the-race', numbers: [...NUMBERS, ...UNTOUCHED], concurrency: 10 },
        });
        expect(created.status).toBe(201);
        const done = await eventually(async () => {
          const { json } = await api(`${apps[1]!.url}/api/campaigns/after-the-race?limit=200`);
          return json.state === 'done' ? json : undefined;
        }, 90_000);
        expect(done.entries).toHaveLength(NUMBERS.length + UNTOUCHED.length);
        const called = new Set(webhook.calls().map((c) => `+${c.phone.replace(/^\+/, '')}`));
        for (const entry of done.entries as { phone: string; status: string }[]) {
          if (listed.has(entry.phone)) {
            expect(entry.status, entry.phone).toBe('suppressed');
            expect(called.has(entry.phone), entry.phone).toBe(false);
          } else {
            expect(entry.status, entry.phone).not.toBe('suppressed');
            expect(called.has(entry.phone), entry.phone).toBe(true);
          }
        }
      },
    );
  },
);

/** A memory store whose writes to its do-not-call list take 0–30 ms, by a seeded generator. */
function slowListStore(seed: number): Store {
  const inner = createMemoryStore();
  let state = seed;
  const pause = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return new Promise((resolve) => setTimeout(resolve, state % 31));
  };
  return Object.assign(Object.create(inner) as Store, {
    async suppress(...args: Parameters<NonNullable<Store['suppress']>>) {
      await pause();
      return inner.suppress!(...args);
    },
    async unsuppress(phone: string) {
      await pause();
      return inner.unsuppress!(phone);
    },
  });
}

describe('the do-not-call list, raced, with a store slow to write its list', () => {
  it(
    'calls no number the API lists, however the writes of an add and a remove interleave',
    { timeout: 120_000 },
    async () => {
      const app = await startTestApp({
        store: slowListStore(7),
        env: { RATE_LIMIT: '10000' },
      });
      cleanups.push(() => app.close());
      const requests = NUMBERS.flatMap((phone) => [
        () => api(`${app.url}/api/suppressions/${encodeURIComponent(phone)}`, { method: 'DELETE' }),
        () =>
          api(`${app.url}/api/suppressions`, {
            method: 'POST',
            body: { phone_number: phone, reason: 'race' },
          }),
      ]);
      for (let round = 0; round < 2; round += 1) {
        await Promise.all(shuffled(requests, 99 + round).map((send) => send()));
      }
      const listed = new Set<string>();
      for (const phone of NUMBERS) {
        const { status } = await api(`${app.url}/api/suppressions/${encodeURIComponent(phone)}`);
        if (status === 200) listed.add(phone);
      }
      expect(listed.size).toBeGreaterThan(0);
      const created = await api(`${app.url}/api/campaigns`, {
        method: 'POST',
        body: { name: 'after-the-race', numbers: NUMBERS, concurrency: 10 },
      });
      expect(created.status).toBe(201);
      const done = await eventually(async () => {
        const { json } = await api(`${app.url}/api/campaigns/after-the-race?limit=200`);
        return json.state === 'done' ? json : undefined;
      }, 90_000);
      const called = new Set(app.webhook.calls().map((c) => `+${c.phone.replace(/^\+/, '')}`));
      const wrong = (done.entries as { phone: string; status: string }[]).filter(
        (entry) => listed.has(entry.phone) !== (entry.status === 'suppressed'),
      );
      expect(wrong).toEqual([]);
      expect([...listed].filter((phone) => called.has(phone))).toEqual([]);
    },
  );
});
