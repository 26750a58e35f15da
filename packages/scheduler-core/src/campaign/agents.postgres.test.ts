/**
 * A progressive campaign worked by two workers, each its own `createPostgresStore` on one schema,
 * its statuses told to either worker at random (a webhook reaches any of them), in random order
 * and pauses: no agent is ever joined to two calls at once, the lines never outnumber the agents,
 * every person who answered has one fate, and every agent ends free. `FC_SEED=<seed>` replays a
 * run a failure printed.
 */
import fc from 'fast-check';
import { createFakeProvider } from '@ringkit/simulator';
import { afterAll, expect, it, vi } from 'vitest';
import {
  TEARDOWN_TIMEOUT_MS,
  describeWithDatabase,
  dropSchemas,
  randomSchema,
} from '../../test/pg-testing.js';
import { createAgents } from '../agents/agents.js';
import { createPostgresStore } from '../stores/postgres/postgres.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';

const AGENTS = 3;
const NUMBERS = 12;

async function until(check: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 1500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never: ${what}`);
}

describeWithDatabase('a campaign with agents on two PostgreSQL workers', (url) => {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(url, schemas), TEARDOWN_TIMEOUT_MS);

  it('joins each person to one free agent, whichever worker hears the answer', async () => {
    const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 64, maxLength: 64 }),
        fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 64, maxLength: 64 }),
        async (workersOf, pauses) => {
          const schema = randomSchema();
          schemas.push(schema);
          const stores = [0, 1].map(() =>
            createPostgresStore({ connectionString: url, max: 4 }, { schema }),
          );
          const runners: CampaignRunner[] = [];
          try {
            await stores[0]!.ready();
            const agents = createAgents({ store: stores[0]! });
            for (let i = 0; i < AGENTS; i += 1) {
              await agents.add({
                id: `agent-${i}`,
                reach: `+1415555010${i}`,
                campaigns: ['shift'],
                state: 'available',
              });
            }
            // One provider for both workers: its ids are unique, as a real provider's are.
            const fake = createFakeProvider({ follow: 'webhooks' });
            /** The agent each call is joined to, while it lasts. */
            const joined = new Map<string, string>();
            const violations: string[] = [];
            const provider = Object.assign(fake, {
              connectCall: vi.fn(async (id: string, to: string) => {
                for (const [other, reach] of joined) {
                  if (reach === to) violations.push(`${to}: ${other} and ${id}`);
                }
                joined.set(id, to);
              }),
              abandonCall: vi.fn(async (_id: string, _message: string) => undefined),
            });
            let most = 0;
            for (const [w, store] of stores.entries()) {
              const runner = createCampaignRunner({
                store,
                provider,
                campaign: 'shift',
                callerId: '+14155550100',
                concurrency: 10,
                entries: Array.from({ length: NUMBERS }, (_, i) => ({
                  to: `+1415555${String(2000 + i)}`,
                })),
                mode: 'progressive',
                agents: { sellerName: 'Acme', callbackNumber: '+14155550199', wrapUpMs: 0 },
                workerId: `w${w}`,
                recheckIntervalMs: 100,
              });
              runners.push(runner);
            }
            await Promise.all(runners.map((runner) => runner.start()));
            let step = 0;
            const pause = () =>
              new Promise((resolve) => setTimeout(resolve, pauses[step % pauses.length]));
            const tell = (id: string, status: 'answered' | 'completed') =>
              runners[workersOf[step++ % workersOf.length]!]!.handleStatus({
                callId: id,
                status,
                providerStatus: status,
                at: new Date(),
              });
            const done = new Set<number>();
            const open = () =>
              fake.placed.flatMap((p, n) => (p.id !== undefined && !done.has(n) ? [n] : []));
            while (done.size < NUMBERS) {
              await until(() => open().length > 0, 'a line');
              // Lines the other worker may add meanwhile.
              await pause();
              const batch = open();
              most = Math.max(most, fake.placed.length - done.size);
              const ids = batch.map((n) => fake.placed[n]!.id!);
              // Answered at once, each told to either worker.
              await Promise.all(ids.map((id) => tell(id, 'answered')));
              const abandoned = (id: string) =>
                provider.abandonCall.mock.calls.some(([c]) => c === id);
              await until(() => ids.every((id) => joined.has(id) || abandoned(id)), 'the fates');
              for (const [k, id] of ids.entries()) {
                await pause();
                joined.delete(id);
                await tell(id, 'completed');
                done.add(batch[k]!);
              }
            }
            expect(violations).toEqual([]);
            expect(most).toBeLessThanOrEqual(AGENTS);
            expect(fake.placed).toHaveLength(NUMBERS);
            const answered = [];
            for await (const line of runners[0]!.answered()) answered.push(line);
            expect(answered).toHaveLength(NUMBERS);
            await until(async () => {
              const page = await agents.list({ campaign: 'shift' });
              return page.items.every((agent) => agent.state === 'available');
            }, 'every agent free');
          } finally {
            await Promise.all(runners.map((runner) => runner.close()));
            await Promise.all(stores.map((store) => store.close()));
          }
        },
      ),
      { numRuns: 4, ...(seed === undefined ? {} : { seed }) },
    );
  }, 240_000);
});
