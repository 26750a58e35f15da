/**
 * Requests about one agent that meet, through two servers on one store (SQLite files in a shared
 * DATA_DIR, or a PostgreSQL schema), many times over: an id added twice is added once; changes
 * of different fields never undo each other; a removal and a change end with no agent; and a
 * call that claims the agent as the API sends them away leaves them either on the call or away,
 * never both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_STORES, startAppsOnOneStore } from '../_test-shared-store.js';
import { api, type TestApp } from '../_test-utils.js';

const ROUNDS = 40;
const REACH = '+14155552671';

describe.each(SHARED_STORES)('the agents, raced through two servers (%s)', (_name, postgres) => {
  const cleanups: (() => Promise<void>)[] = [];
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const { apps } = await startAppsOnOneStore({
      servers: 2,
      postgres,
      cleanups,
      env: { RATE_LIMIT: '100000' },
    });
    [a, b] = apps as [TestApp, TestApp];
  }, 60_000);
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const agents = (app: TestApp, path = '') => `${app.url}/api/agents${path}`;
  const add = (app: TestApp, body: Record<string, unknown>) =>
    api(agents(app), { method: 'POST', body });
  const setState = (app: TestApp, id: string, state: string) =>
    api(agents(app, `/${id}/state`), { method: 'POST', body: { state } });

  it('adds an id sent twice at once exactly once: one 201, one 409 agent_exists', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const id = `twice-${round}`;
      const [first, second] = await Promise.all([
        add(a, { id, reach: REACH, name: 'through a' }),
        add(b, { id, reach: REACH, name: 'through b' }),
      ]);
      const statuses = [first.status, second.status].sort();
      expect(statuses, id).toEqual([201, 409]);
      const [won, lost] = first.status === 201 ? [first, second] : [second, first];
      expect(lost.json.error.code).toBe('agent_exists');
      // The agent is the winner's, read through either server.
      expect((await api(agents(a, `/${id}`))).json.name).toBe(won.json.name);
      expect((await api(agents(b, `/${id}`))).json.name).toBe(won.json.name);
    }
  });

  it('keeps both of two changes made at once: a log-in through one server, a new name and campaigns through the other', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const id = `both-${round}`;
      expect((await add(a, { id, reach: REACH })).status).toBe(201);
      const [login, patch] = await Promise.all([
        setState(round % 2 === 0 ? a : b, id, 'available'),
        api(agents(round % 2 === 0 ? b : a, `/${id}`), {
          method: 'PATCH',
          body: { name: `round ${round}`, campaigns: ['spring'] },
        }),
      ]);
      expect([login.status, patch.status]).toEqual([200, 200]);
      const agent = (await api(agents(b, `/${id}`))).json;
      expect(agent, id).toMatchObject({
        state: 'available',
        name: `round ${round}`,
        campaigns: ['spring'],
      });
    }
  });

  it('ends with one state, the same through both servers, after opposite state changes at once', async () => {
    expect((await add(a, { id: 'flip', reach: REACH })).status).toBe(201);
    for (let round = 0; round < ROUNDS; round += 1) {
      const answers = await Promise.all([
        setState(a, 'flip', 'available'),
        setState(b, 'flip', 'away'),
        setState(b, 'flip', 'available'),
        setState(a, 'flip', 'away'),
      ]);
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const [viaA, viaB] = await Promise.all([api(agents(a, '/flip')), api(agents(b, '/flip'))]);
      expect(['available', 'away']).toContain(viaA.json.state);
      // The same stored agent (its totals and occupancy count up to each read).
      const stored = ({ state, since, updated_at }: Record<string, unknown>) => ({
        state,
        since,
        updated_at,
      });
      expect(stored(viaB.json)).toEqual(stored(viaA.json));
    }
  });

  it('removes an agent once, whatever change meets the removal: no agent is left', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const id = `gone-${round}`;
      expect((await add(a, { id, reach: REACH })).status).toBe(201);
      const [removeA, removeB, change] = await Promise.all([
        api(agents(a, `/${id}`), { method: 'DELETE' }),
        api(agents(b, `/${id}`), { method: 'DELETE' }),
        round % 2 === 0
          ? setState(b, id, 'available')
          : api(agents(a, `/${id}`), { method: 'PATCH', body: { name: 'late' } }),
      ]);
      expect([removeA.status, removeB.status].sort(), id).toEqual([200, 404]);
      expect([200, 404]).toContain(change.status);
      expect((await api(agents(a, `/${id}`))).status).toBe(404);
      expect((await api(agents(b, `/${id}`))).status).toBe(404);
    }
  });

  it('leaves an agent claimed by a call or sent away, never both, when a claim meets an Away', async () => {
    const outcomes = { claimed: 0, away: 0 };
    for (let round = 0; round < ROUNDS; round += 1) {
      const id = `claim-${round}`;
      const campaign = `race-${round}`;
      expect(
        (await add(a, { id, reach: REACH, campaigns: [campaign], state: 'available' })).status,
      ).toBe(201);
      // A worker's engine (the other server's) claims the agent for an answered call while
      // someone sends them away through the API.
      const claimer = round % 2 === 0 ? b : a;
      // It starts 0–7 ms after the request, so that each comes first in some rounds.
      const claim = async () => {
        await new Promise((resolve) => setTimeout(resolve, (round * 3) % 8));
        return claimer.server.runtime.agents!.claim(campaign, `call-${round}`);
      };
      const [claimed, away] = await Promise.all([
        claim(),
        setState(round % 2 === 0 ? a : b, id, 'away'),
      ]);
      const agent = (await api(agents(a, `/${id}`))).json;
      if (claimed) {
        outcomes.claimed += 1;
        expect(away.status, id).toBe(409);
        expect(away.json.error.code).toBe('agent_busy');
        expect(agent).toMatchObject({ state: 'ringing', call_id: `call-${round}` });
      } else {
        outcomes.away += 1;
        expect(away.status, id).toBe(200);
        expect(agent).toMatchObject({ state: 'away', call_id: null });
      }
    }
    expect(outcomes.claimed + outcomes.away).toBe(ROUNDS);
  });
});
