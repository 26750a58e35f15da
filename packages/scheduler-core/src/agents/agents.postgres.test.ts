/**
 * Two workers, each its own `createPostgresStore` on one schema, give calls to one roster at
 * once, in random interleavings (random pauses between each call's steps, a seed per run): no
 * agent ever holds two calls, every call that got an agent gives it back, and every agent ends
 * free. `FC_SEED=<seed>` replays a run a failure printed.
 */
import { afterAll, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  TEARDOWN_TIMEOUT_MS,
  describeWithDatabase,
  dropSchemas,
  randomSchema,
} from '../../test/pg-testing.js';
import { createPostgresStore } from '../stores/postgres/postgres.js';
import { createAgents, type Agents } from './agents.js';

const AGENTS = 4;
const CALLS_PER_WORKER = 24;

describeWithDatabase('agents shared by two PostgreSQL workers', (url) => {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(url, schemas), TEARDOWN_TIMEOUT_MS);

  it('never gives one agent two calls, in random interleavings', async () => {
    const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 64, maxLength: 64 }),
        fc.array(fc.constantFrom(0, 0, 5), { minLength: 8, maxLength: 8 }),
        async (pauses, wrapUps) => {
          const schema = randomSchema();
          schemas.push(schema);
          const stores = [0, 1].map(() =>
            createPostgresStore({ connectionString: url, max: 4 }, { schema }),
          );
          try {
            await stores[0]!.ready();
            const workers = stores.map((store) => createAgents({ store }));
            for (let i = 0; i < AGENTS; i += 1) {
              await workers[0]!.add({
                id: `agent-${i}`,
                reach: `+1415555010${i}`,
                campaigns: ['x'],
                state: 'available',
              });
            }
            const holding = new Map<string, string>();
            const violations: string[] = [];
            let step = 0;
            const pause = () =>
              new Promise((resolve) => setTimeout(resolve, pauses[step++ % pauses.length]));

            /** One call of worker `w`: an agent if one is ready, connected, then let go. */
            const call = async (agents: Agents, w: number, n: number) => {
              const callId = `w${w}-${n}`;
              const agent = await agents.claim('x', callId);
              if (!agent) return false;
              const before = holding.get(agent.id);
              if (before !== undefined) violations.push(`${agent.id}: ${before} and ${callId}`);
              holding.set(agent.id, callId);
              await pause();
              expect(await agents.connected(agent.id, callId)).toMatchObject({ state: 'talking' });
              await pause();
              // Ours until this write: nobody else can have them before it.
              holding.delete(agent.id);
              const wrapUpMs = wrapUps[n % wrapUps.length]!;
              expect(await agents.released(agent.id, callId, { wrapUpMs })).not.toBeNull();
              return true;
            };
            const results = await Promise.all(
              workers.flatMap((agents, w) =>
                Array.from({ length: CALLS_PER_WORKER }, async (_, n) => {
                  await pause();
                  return call(agents, w, n);
                }),
              ),
            );
            expect(violations).toEqual([]);
            // With more calls than agents at once, some waited for none; some got one.
            expect(results.some(Boolean)).toBe(true);
            await new Promise((resolve) => setTimeout(resolve, 10));
            const roster = await workers[1]!.list();
            for (const agent of roster.items) {
              expect(agent.state, agent.id).toBe('available');
              expect(agent.callId, agent.id).toBeNull();
            }
          } finally {
            await Promise.all(stores.map((store) => store.close()));
          }
        },
      ),
      { numRuns: 6, ...(seed === undefined ? {} : { seed }) },
    );
  }, 120_000);
});
