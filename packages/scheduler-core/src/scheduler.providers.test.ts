/**
 * A call is named by its provider and the provider's id: two schedulers on one store, each with
 * a provider of its own whose ids are the same, never apply a status to the other's call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { describeWithDatabase, postgresSuiteStores } from '../test/pg-testing.js';
import { createScheduler } from './scheduler.js';
import type { Store } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const CALLER = '+14155550100';
const dir = mkdtempSync(join(tmpdir(), 'ringkit-providers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const event = (
  callId: string,
  status: 'ringing' | 'answered' | 'completed',
  at: number,
  provider?: string,
) => ({
  callId,
  status,
  providerStatus: status,
  at: new Date(at),
  ...(provider === undefined ? {} : { provider }),
});

function providersSuite(open: () => Store) {
  it('applies a status only to the call of the provider it came from, however equal the ids', async () => {
    const clock = createFakeClock(T0);
    const store = open();
    // Two providers that both number their calls from the same start: their ids are equal.
    const east = createFakeProvider({ name: 'east', clock, follow: 'webhooks' });
    const west = createFakeProvider({ name: 'west', clock, follow: 'webhooks' });
    const a = createScheduler({ store, provider: east, clock, callerId: CALLER, workerId: 'a' });
    const b = createScheduler({ store, provider: west, clock, callerId: CALLER, workerId: 'b' });
    try {
      const first = await a.schedule({ to: '+14155552671', at: new Date(T0) });
      const second = await b.schedule({ to: '+14155552672', at: new Date(T0) });
      await a.start();
      await b.start();
      await clock.advance(0);
      await expect.poll(async () => (await a.get(first.id)).status).toBe('initiated');
      await expect.poll(async () => (await b.get(second.id)).status).toBe('initiated');
      const idA = (await a.get(first.id)).providerCallId!;
      const idB = (await b.get(second.id)).providerCallId!;
      expect(idA).toBe(idB);

      // Webhooks land on any worker: here on workers that placed neither call, and find each
      // call in the store by its provider and id.
      const a2 = createScheduler({
        store,
        provider: east,
        clock,
        callerId: CALLER,
        workerId: 'a2',
      });
      const b2 = createScheduler({
        store,
        provider: west,
        clock,
        callerId: CALLER,
        workerId: 'b2',
      });
      expect((await b2.handleStatus(event(idB, 'ringing', T0 + 5)))?.id).toBe(second.id);
      expect((await a2.handleStatus(event(idA, 'ringing', T0 + 5)))?.id).toBe(first.id);
      expect((await a.get(first.id)).status).toBe('ringing');
      expect((await b.get(second.id)).status).toBe('ringing');
      // East's webhook ends east's call; west's, placed under the same id, is left alone.
      expect((await a.handleStatus(event(idA, 'completed', T0 + 10)))?.id).toBe(first.id);
      expect((await a.get(first.id)).status).toBe('completed');
      expect((await b.get(second.id)).status).toBe('ringing');
      // A status that names its provider is for that provider's call only.
      expect(await a.handleStatus(event(idA, 'answered', T0 + 20, 'west'))).toBeNull();
      expect((await b.get(second.id)).status).toBe('ringing');
      expect((await b.handleStatus(event(idB, 'answered', T0 + 30, 'west')))?.id).toBe(second.id);
      expect((await b.get(second.id)).status).toBe('answered');
      // A late status of east's call never reaches west's.
      expect(await b.handleStatus(event(idA, 'completed', T0 + 40, 'east'))).toBeNull();
      expect(await b2.handleStatus(event(idA, 'completed', T0 + 40, 'east'))).toBeNull();
      expect((await b.get(second.id)).status).toBe('answered');
      // Each call keeps its provider, and says so.
      expect((await a.get(first.id)).provider).toBe('east');
      expect((await b.get(second.id)).provider).toBe('west');
      expect((await store.get(first.id))?.provider).toBe('east');
      expect((await store.get(second.id))?.provider).toBe('west');
    } finally {
      await a.stop();
      await b.stop();
      await store.close();
    }
  });

  it('leaves a call of a provider no worker has waiting, scheduled, until a worker of it starts', async () => {
    const clock = createFakeClock(T0);
    const store = open();
    const east = createFakeProvider({ name: 'east', clock, follow: 'webhooks' });
    const west = createFakeProvider({ name: 'west', clock, follow: 'webhooks' });
    const a = createScheduler({ store, provider: east, clock, callerId: CALLER, workerId: 'a' });
    const b = createScheduler({ store, provider: west, clock, callerId: CALLER, workerId: 'b' });
    try {
      const theirs = await b.schedule({ to: '+14155552672', at: new Date(T0) });
      const mine = await a.schedule({ to: '+14155552671', at: new Date(T0 + 1000) });
      await a.start();
      await clock.advance(5000);
      await expect.poll(async () => (await a.get(mine.id)).status).toBe('initiated');
      expect((await a.get(theirs.id)).status).toBe('scheduled');
      expect(east.placed.map((p) => p.to)).toEqual(['+14155552671']);
      expect(await a.counts()).toMatchObject({ scheduled: 1 });
      await b.start();
      await clock.advance(0);
      await expect.poll(async () => (await b.get(theirs.id)).status).toBe('initiated');
      expect(west.placed.map((p) => p.to)).toEqual(['+14155552672']);
      expect(east.placed).toHaveLength(1);
    } finally {
      await a.stop();
      await b.stop();
      await store.close();
    }
  });
}

describe('calls named by provider, on the memory store', () =>
  providersSuite(() => createMemoryStore()));

describe('calls named by provider, on a SQLite file', () =>
  providersSuite(() => createSqliteStore({ path: join(dir, `providers-${files++}.db`) })));

describeWithDatabase('calls named by provider, on a PostgreSQL schema', (url) => {
  providersSuite(postgresSuiteStores(url).open);
});
