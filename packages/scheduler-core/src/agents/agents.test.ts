/**
 * `createAgents()`: an agent's fields checked once, their states moved by the API and by their
 * calls, the longest-ready agent given the next call, wrap-ups that end by themselves, the time
 * of each state counted, and every refusal. On the memory store and on SQLite.
 */
import { describe, expect, it } from 'vitest';
import { createFakeClock } from '@ringkit/call-client/testing';
import { isInvalidOptionsError } from '@ringkit/call-client';
import {
  isAgentNotFoundError,
  isAgentStateError,
  isConflictError,
  isValidationError,
} from '../errors.js';
import type { Store } from '../store.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import { createSqliteStore } from '../stores/sqlite/sqlite.js';
import { createAgents } from './agents.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');

const STORES: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['sqlite', () => createSqliteStore({ path: ':memory:' })],
];

async function rejected(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e as Error,
  );
}

describe.each(STORES)('createAgents on %s', (_, makeStore) => {
  const setUp = (wrapUpMs?: number) => {
    const clock = createFakeClock(T0);
    const store = makeStore();
    const agents = createAgents({
      store,
      clock,
      defaultCountry: 'US',
      ...(wrapUpMs === undefined ? {} : { wrapUpMs }),
    });
    return { clock, store, agents };
  };

  it('adds an agent, away by default, with its number in E.164 and campaigns sorted', async () => {
    const { agents } = setUp();
    const ana = await agents.add({
      id: 'ana',
      reach: '(415) 555-2671',
      campaigns: ['z', 'a', 'z'],
    });
    expect(ana).toMatchObject({
      id: 'ana',
      name: null,
      reach: '+14155552671',
      campaigns: ['a', 'z'],
      state: 'away',
      callId: null,
      occupancy: null,
    });
    expect(ana.since).toEqual(new Date(T0));
    const sip = await agents.add({
      id: 'bo',
      name: 'Bo',
      reach: 'sip:bo@pbx.example.com',
      state: 'available',
    });
    expect(sip).toMatchObject({ reach: 'sip:bo@pbx.example.com', state: 'available' });
    expect(await agents.get('ana')).toEqual(ana);
    expect(await agents.get('nobody')).toBeNull();
  });

  it('refuses what is not an agent, and an id taken, writing nothing', async () => {
    const { agents } = setUp();
    const bad: unknown[] = [
      { id: '', reach: '+14155552671' },
      { id: 'has space', reach: '+14155552671' },
      { id: 'x'.repeat(101), reach: '+14155552671' },
      { id: 'a', reach: 'not a number' },
      { id: 'a', reach: 'sip:no-host' },
      { id: 'a', reach: '+14155552671', campaigns: [''] },
      { id: 'a', reach: '+14155552671', state: 'talking' },
      { id: 'a', reach: '+14155552671', phone: '+14155552671' },
      { id: 'a', reach: '+14155552671', name: 'bad\u0000name' },
      null,
    ];
    for (const input of bad) {
      const error = await rejected(agents.add(input as never));
      expect(isValidationError(error), JSON.stringify(input)).toBe(true);
    }
    expect((await agents.list()).items).toEqual([]);
    await agents.add({ id: 'a', reach: '+14155552671' });
    const taken = await rejected(agents.add({ id: 'a', reach: '+14155550100' }));
    expect(isAgentStateError(taken) && taken.reason).toBe('exists');
    expect((await agents.get('a'))!.reach).toBe('+14155552671');
    const misnamed = await rejected(agents.add({ id: 'b', reach: '1', phone: '1' } as never));
    expect(misnamed.message).toContain('reach');
  });

  it('needs a store with agent methods', () => {
    const store = { ...createMemoryStore(), insertAgent: undefined };
    expect(() => createAgents({ store })).toThrow(/agent methods/);
    let thrown: unknown;
    try {
      createAgents({ store: createMemoryStore(), wrapUpMs: -1 });
    } catch (error) {
      thrown = error;
    }
    expect(isInvalidOptionsError(thrown)).toBe(true);
  });

  it('gives each call to the agent ready longest who serves its campaign', async () => {
    const { agents, clock } = setUp();
    await agents.add({ id: 'c', reach: '+14155550103', campaigns: ['x'], state: 'available' });
    await clock.advance(1000);
    await agents.add({ id: 'a', reach: '+14155550101', campaigns: ['x'], state: 'available' });
    await agents.add({ id: 'b', reach: '+14155550102', campaigns: ['x'], state: 'available' });
    await agents.add({ id: 'other', reach: '+14155550104', campaigns: ['y'], state: 'available' });
    await agents.add({ id: 'away', reach: '+14155550105', campaigns: ['x'] });
    const taken = [];
    for (let i = 1; i <= 4; i += 1) taken.push((await agents.claim('x', `call-${i}`))?.id ?? null);
    expect(taken).toEqual(['c', 'a', 'b', null]);
    expect(await agents.get('a')).toMatchObject({
      state: 'ringing',
      callId: 'call-2',
      campaign: 'x',
    });
    expect(await agents.claim('nowhere', 'call-9')).toBeNull();
    expect(isValidationError(await rejected(agents.claim('', 'call-9')))).toBe(true);
    expect(isValidationError(await rejected(agents.claim('x', '')))).toBe(true);
  });

  it('moves with its call: ringing, talking, wrap-up, then available by itself', async () => {
    const { agents, clock } = setUp(10_000);
    await agents.add({ id: 'ana', reach: '+14155550101', campaigns: ['x'], state: 'available' });
    await clock.advance(5000);
    await agents.claim('x', 'call-1');
    await clock.advance(2000);
    // An event of another call, or before its time, moves nothing.
    expect(await agents.released('ana', 'call-0')).toBeNull();
    expect(await agents.connected('ana', 'call-0')).toBeNull();
    const talking = await agents.connected('ana', 'call-1');
    expect(talking).toMatchObject({ state: 'talking', callId: 'call-1' });
    expect(await agents.connected('ana', 'call-1')).toMatchObject({ state: 'talking' });
    await clock.advance(60_000);
    const wrapping = await agents.released('ana', 'call-1');
    expect(wrapping).toMatchObject({ state: 'wrap-up', callId: 'call-1' });
    expect(wrapping!.until).toEqual(new Date(T0 + 77_000));
    // A repeated end and a late connect change nothing.
    expect(await agents.released('ana', 'call-1')).toEqual(wrapping);
    expect(await agents.connected('ana', 'call-1')).toMatchObject({ state: 'wrap-up' });
    expect(await agents.claim('x', 'call-2')).toBeNull();
    await clock.advance(10_000);
    const back = await agents.get('ana');
    expect(back).toMatchObject({ state: 'available', callId: null });
    expect(back!.since).toEqual(new Date(T0 + 77_000));
    expect(back!.totals).toEqual({
      availableMs: 5000,
      ringingMs: 2000,
      talkingMs: 60_000,
      wrapUpMs: 10_000,
    });
    expect(back!.occupancy).toBeCloseTo(60_000 / 77_000, 10);
    expect((await agents.claim('x', 'call-2'))!.id).toBe('ana');
  });

  it('frees an agent at once when the call never reached them', async () => {
    const { agents } = setUp();
    await agents.add({ id: 'ana', reach: '+14155550101', campaigns: ['x'], state: 'available' });
    await agents.claim('x', 'call-1');
    expect(await agents.released('ana', 'call-1')).toMatchObject({ state: 'available' });
    expect(await agents.released('ana', 'call-1')).toBeNull();
    expect((await agents.claim('x', 'call-2'))!.id).toBe('ana');
    await agents.connected('ana', 'call-2');
    expect(await agents.released('ana', 'call-2', { wrapUpMs: 0 })).toMatchObject({
      state: 'available',
    });
    const error = await rejected(agents.released('ana', 'call-2', { wrapUpMs: -5 }));
    expect(isValidationError(error)).toBe(true);
  });

  it('logs in and out, ends a wrap-up early, and refuses either while on a call', async () => {
    const { agents, clock } = setUp();
    await agents.add({ id: 'ana', reach: '+14155550101', campaigns: ['x'] });
    expect(await agents.claim('x', 'call-1')).toBeNull();
    expect(await agents.setState('ana', 'available')).toMatchObject({ state: 'available' });
    await agents.claim('x', 'call-1');
    for (const state of ['available', 'away'] as const) {
      const busy = await rejected(agents.setState('ana', state));
      expect(isAgentStateError(busy) && busy.reason).toBe('busy');
      expect(isAgentStateError(busy) && busy.state).toBe('ringing');
    }
    const remove = await rejected(agents.remove('ana'));
    expect(isAgentStateError(remove)).toBe(true);
    await agents.connected('ana', 'call-1');
    await clock.advance(1000);
    await agents.released('ana', 'call-1');
    expect(await agents.setState('ana', 'available')).toMatchObject({
      state: 'available',
      callId: null,
    });
    expect(await agents.setState('ana', 'away')).toMatchObject({ state: 'away' });
    const unchanged = await agents.setState('ana', 'away');
    expect(unchanged.updatedAt).toEqual(new Date(T0 + 1000));
    expect(isValidationError(await rejected(agents.setState('ana', 'talking' as never)))).toBe(
      true,
    );
    const missing = await rejected(agents.setState('nobody', 'away'));
    expect(isAgentNotFoundError(missing)).toBe(true);
    expect(await agents.remove('ana')).toBe(true);
    expect(await agents.remove('ana')).toBe(false);
  });

  it('changes where an agent is reached and what they serve, whatever their state', async () => {
    const { agents } = setUp();
    await agents.add({ id: 'ana', reach: '+14155550101', campaigns: ['x'], state: 'available' });
    await agents.claim('x', 'call-1');
    const changed = await agents.update('ana', {
      reach: 'sips:ana@pbx.example.com',
      campaigns: ['y'],
      name: 'Ana',
    });
    expect(changed).toMatchObject({
      reach: 'sips:ana@pbx.example.com',
      campaigns: ['y'],
      name: 'Ana',
      state: 'ringing',
      callId: 'call-1',
    });
    expect(await agents.update('ana', { name: null })).toMatchObject({ name: null });
    const bad = await rejected(agents.update('ana', { reach: 'nowhere' }));
    expect(isValidationError(bad)).toBe(true);
    expect((await agents.get('ana'))!.reach).toBe('sips:ana@pbx.example.com');
    expect(isAgentNotFoundError(await rejected(agents.update('nobody', { name: 'x' })))).toBe(true);
    expect(isValidationError(await rejected(agents.get('bad id')))).toBe(true);
  });

  it('pages the roster by id and by campaign', async () => {
    const { agents } = setUp();
    for (let i = 0; i < 7; i += 1) {
      await agents.add({
        id: `agent-${i}`,
        reach: `+1415555010${i}`,
        campaigns: i % 2 === 0 ? ['even'] : ['odd'],
      });
    }
    const first = await agents.list({ limit: 3 });
    expect(first.items.map((a) => a.id)).toEqual(['agent-0', 'agent-1', 'agent-2']);
    const second = await agents.list({ limit: 3, cursor: first.nextCursor });
    expect(second.items.map((a) => a.id)).toEqual(['agent-3', 'agent-4', 'agent-5']);
    const third = await agents.list({ limit: 3, cursor: second.nextCursor });
    expect(third).toMatchObject({ nextCursor: null });
    expect(third.items.map((a) => a.id)).toEqual(['agent-6']);
    const odd = await agents.list({ campaign: 'odd' });
    expect(odd.items.map((a) => a.id)).toEqual(['agent-1', 'agent-3', 'agent-5']);
    for (const query of [{ limit: 0 }, { limit: 501 }, { cursor: 'nope' }, { campaign: '' }]) {
      expect(isValidationError(await rejected(agents.list(query)))).toBe(true);
    }
  });
});

describe('createAgents against a store that never keeps a write', () => {
  it('gives up after 100 tries with a ConflictError, rather than for ever', async () => {
    const store = createMemoryStore();
    const agents = createAgents({ store });
    await agents.add({ id: 'ana', reach: '+14155550101' });
    let writes = 0;
    const lost = async () => {
      writes += 1;
      return false;
    };
    const flaky = createAgents({ store: { ...store, updateAgent: lost, deleteAgent: lost } });
    const error = await rejected(flaky.setState('ana', 'available'));
    expect(isConflictError(error)).toBe(true);
    expect(writes).toBe(100);
    expect(isConflictError(await rejected(flaky.remove('ana')))).toBe(true);
    expect(writes).toBe(200);
    expect(await agents.get('ana')).toMatchObject({ state: 'away' });
  });
});
