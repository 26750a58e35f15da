/**
 * The cases of `testStore()` for agents: stored whole and read back, paged, found ready for a
 * campaign in the order they became ready, and written only by a compare-and-set of their
 * version, which two connections racing for one agent both honour.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import type { Store, StoredAgent } from '../../store.js';
import { T0 } from './_fixtures.js';

/** An agent, `available` since `T0` and serving campaign `a`, with `overrides`. */
export const storedAgent = (id: string, overrides: Partial<StoredAgent> = {}): StoredAgent => ({
  id,
  name: null,
  reach: '+14155550100',
  campaigns: ['a'],
  state: 'available',
  since: T0,
  until: null,
  callId: null,
  campaign: null,
  totals: { availableMs: 0, ringingMs: 0, talkingMs: 0, wrapUpMs: 0 },
  version: 1,
  createdAt: T0,
  updatedAt: T0,
  ...overrides,
});

/** The agent methods, bound; the test skipped (naming them) when the store has none. */
function agentsOf(store: Store, context: TestContext) {
  const { insertAgent, getAgent, listAgents, readyAgents, updateAgent, deleteAgent } = store;
  if (!insertAgent || !getAgent || !listAgents || !readyAgents || !updateAgent || !deleteAgent) {
    context.skip('the store has no agent methods');
    return null;
  }
  return {
    insert: insertAgent.bind(store),
    get: getAgent.bind(store),
    list: listAgents.bind(store),
    ready: readyAgents.bind(store),
    update: updateAgent.bind(store),
    delete: deleteAgent.bind(store),
  };
}

const ids = (agents: StoredAgent[]) => agents.map((a) => a.id);

export function agentCases(store: () => Store, another: () => Promise<Store>): void {
  describe('agents', () => {
    it('stores an agent whole and reads it back; an id taken is refused', async (context) => {
      const agents = agentsOf(store(), context);
      if (!agents) return;
      const agent = storedAgent('ana.b-1', {
        name: 'Ana Bérénice 🎧',
        reach: 'sip:ana@pbx.example.com;transport=tls',
        campaigns: ['a', 'renewals – Q3'],
        state: 'wrap-up',
        until: T0 + 5000,
        callId: 'call-1',
        campaign: 'a',
        totals: { availableMs: 10, ringingMs: 2, talkingMs: 120_000, wrapUpMs: 0 },
      });
      expect(await agents.insert(agent)).toBe(true);
      expect(await agents.get(agent.id)).toEqual(agent);
      expect(await agents.insert({ ...agent, name: 'another' })).toBe(false);
      expect(await agents.get(agent.id)).toEqual(agent);
      expect(await agents.get('nobody')).toBeNull();
    });

    it('writes only over the version it expects, and deletes the same way', async (context) => {
      const agents = agentsOf(store(), context);
      if (!agents) return;
      const agent = storedAgent('x');
      await agents.insert(agent);
      const ringing = { ...agent, state: 'ringing' as const, callId: 'c1', version: 2 };
      expect(await agents.update(ringing, 1)).toBe(true);
      expect(await agents.update({ ...ringing, callId: 'c2', version: 2 }, 1)).toBe(false);
      expect(await agents.get('x')).toEqual(ringing);
      expect(await agents.update(storedAgent('ghost', { version: 2 }), 1)).toBe(false);
      expect(await agents.get('ghost')).toBeNull();
      expect(await agents.delete('x', 1)).toBe(false);
      expect(await agents.get('x')).toEqual(ringing);
      expect(await agents.delete('x', 2)).toBe(true);
      expect(await agents.get('x')).toBeNull();
      expect(await agents.delete('x', 2)).toBe(false);
    });

    it('lists agents by id, one page at a time, and those of one campaign', async (context) => {
      const agents = agentsOf(store(), context);
      if (!agents) return;
      for (const [id, campaigns] of [
        ['b', ['a']],
        ['a', ['a', 'z']],
        ['d', []],
        ['c', ['z']],
      ] as const) {
        await agents.insert(storedAgent(id, { campaigns: [...campaigns] }));
      }
      expect(ids(await agents.list({ limit: 10 }))).toEqual(['a', 'b', 'c', 'd']);
      expect(ids(await agents.list({ limit: 2 }))).toEqual(['a', 'b']);
      expect(ids(await agents.list({ afterId: 'b', limit: 2 }))).toEqual(['c', 'd']);
      expect(ids(await agents.list({ afterId: 'd', limit: 2 }))).toEqual([]);
      expect(ids(await agents.list({ limit: 10, campaign: 'z' }))).toEqual(['a', 'c']);
      expect(ids(await agents.list({ afterId: 'a', limit: 10, campaign: 'z' }))).toEqual(['c']);
      expect(ids(await agents.list({ limit: 10, campaign: 'nowhere' }))).toEqual([]);
      expect(await agents.list({ limit: 0 })).toEqual([]);
    });

    it('finds the agents ready for a campaign, the one ready longest first', async (context) => {
      const agents = agentsOf(store(), context);
      if (!agents) return;
      const now = T0 + 10_000;
      const roster = [
        storedAgent('late', { since: T0 + 9000 }),
        storedAgent('early', { since: T0 + 1000 }),
        // A wrap-up ready from its end, whatever began it.
        storedAgent('wrapped', { state: 'wrap-up', since: T0, until: T0 + 5000, callId: 'c' }),
        storedAgent('tie-b', { since: T0 + 5000 }),
        storedAgent('tie-a', { since: T0 + 5000 }),
        storedAgent('at-now', { since: now }),
        // Not ready: a wrap-up that has not ended, a future start, busy, away, another campaign.
        storedAgent('wrapping', { state: 'wrap-up', until: now + 1, callId: 'c' }),
        storedAgent('future', { since: now + 1 }),
        storedAgent('ringing', { state: 'ringing', callId: 'c' }),
        storedAgent('talking', { state: 'talking', callId: 'c' }),
        storedAgent('away', { state: 'away' }),
        storedAgent('elsewhere', { campaigns: ['b'] }),
      ];
      for (const agent of roster) await agents.insert(agent);
      const order = ['early', 'tie-a', 'tie-b', 'wrapped', 'late', 'at-now'];
      expect(ids(await agents.ready('a', now, 10))).toEqual(order);
      expect(ids(await agents.ready('a', now, 2))).toEqual(order.slice(0, 2));
      expect(ids(await agents.ready('b', now, 10))).toEqual(['elsewhere']);
      expect(ids(await agents.ready('c', now, 10))).toEqual([]);
      // A write moves an agent in or out of the order.
      const early = (await agents.get('early'))!;
      await agents.update({ ...early, state: 'ringing', callId: 'c9', version: 2 }, 1);
      const wrapping = (await agents.get('wrapping'))!;
      await agents.update({ ...wrapping, until: T0, version: 2 }, 1);
      expect(ids(await agents.ready('a', now, 3))).toEqual(['wrapping', 'tie-a', 'tie-b']);
    });

    it('lets one of two connections racing for an agent have it', async (context) => {
      const agents = agentsOf(store(), context);
      const other = agentsOf(await another(), context);
      if (!agents || !other) return;
      for (let round = 0; round < 20; round += 1) {
        const id = `race-${round}`;
        await agents.insert(storedAgent(id));
        const take = (callId: string) => ({
          ...storedAgent(id),
          state: 'ringing' as const,
          callId,
          version: 2,
        });
        const won = await Promise.all(
          round % 2 === 0
            ? [agents.update(take('one'), 1), other.update(take('two'), 1)]
            : [other.update(take('two'), 1), agents.update(take('one'), 1)],
        );
        expect(won.filter(Boolean)).toHaveLength(1);
        const holder = (await agents.get(id))!.callId;
        expect(holder).toBe(won[round % 2 === 0 ? 0 : 1] ? 'one' : 'two');
      }
    });
  });
}
