/**
 * Concurrent `POST /api/campaigns` of one name with different lists, to one server and to two
 * servers on one store (SQLite files in a shared DATA_DIR, or a PostgreSQL schema): exactly one
 * `201`, every other `409 campaign_exists`, and the list stored and dialed is the winner's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SHARED_STORES, startAppsOnOneStore } from '../_test-shared-store.js';
import { api, eventually } from '../_test-utils.js';

const POOL = ['+13018040009', '+19842068287', '+15512459377', '+14155552671', '+12025550123'];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each(SHARED_STORES)('same-name campaign creation (%s)', (_name, postgres) => {
  it.each([1, 2])(
    'answers 201 to exactly one of 20 concurrent creations, across %i server(s), five times',
    { timeout: 60_000 },
    async (servers) => {
      const { apps } = await startAppsOnOneStore({ servers, postgres, cleanups });
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
