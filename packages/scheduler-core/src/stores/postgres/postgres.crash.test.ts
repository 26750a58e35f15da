import type { CallProvider, CallStatus } from '@ringkit/call-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from './postgres.js';
import { deferred, killable } from '../../../test/fakes.js';
import {
  describeWithDatabase,
  dropSchemas,
  holdDatabaseLock,
  randomSchema,
} from '../../../test/pg-testing.js';
import { createScheduler } from '../../scheduler.js';
import type { Store } from '../../store.js';

const ME = '+14155550100';
const LEASE_MS = 600;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const waitFor = async (check: () => boolean | Promise<boolean>, ms: number, what: string) => {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};

/** A polled provider whose calls ring until told otherwise; `looked` lists every `getCall`. */
function ringingProvider(statuses: Map<string, CallStatus>) {
  const looked: string[] = [];
  let n = 0;
  const provider: CallProvider = {
    name: 'ringing',
    capabilities: { polling: true, webhooks: false },
    async placeCall() {
      const id = `p${n++}`;
      statuses.set(id, 'ringing');
      return { id, status: 'initiated', providerStatus: 'initiated', raw: {} };
    },
    async getCall(id) {
      looked.push(id);
      const status = statuses.get(id) ?? 'ringing';
      return { id, status, providerStatus: status, raw: {} };
    },
  };
  return { provider, looked, placed: () => n };
}

describeWithDatabase('PostgreSQL: a worker killed while following calls', (url) => {
  const schema = randomSchema();
  const stores: PostgresStore[] = [];
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    release = await holdDatabaseLock(url, 'shared');
  }, 180_000);
  afterAll(async () => {
    for (const store of stores) await store.close();
    await dropSchemas(url, [schema]);
    await release?.();
  });

  it('has its calls adopted by a surviving worker within a lease, not at the next sweep', async () => {
    const open = () => {
      const store = createPostgresStore({ connectionString: url, max: 4 }, { schema });
      stores.push(store);
      return store;
    };
    const statuses = new Map<string, CallStatus>();
    const victimProvider = ringingProvider(statuses);
    const survivorProvider = ringingProvider(statuses);
    const victimStore = killable(open());
    const victimApi = killable(victimProvider.provider);
    // The survivor runs from the start but loses every claim until the victim has placed the
    // calls (as a busy worker would): it learns of them only from the store's wake times.
    const gate = deferred();
    const survivorInner = open();
    const survivorStore: Store = Object.assign(Object.create(survivorInner) as Store, {
      claimDue: async (...args: Parameters<Store['claimDue']>) => {
        await gate.promise;
        return survivorInner.claimDue(...args);
      },
    });
    const options = {
      callerId: ME,
      recheckIntervalMs: 0,
      leaseMs: LEASE_MS,
      watchIntervalMs: 50,
      // The sweep runs every minute: adoption must not wait for it.
      callTimeoutMs: 600_000,
    };
    const victim = createScheduler({
      ...options,
      store: victimStore.proxy,
      provider: victimApi.proxy,
      workerId: 'victim',
    });
    const survivor = createScheduler({
      ...options,
      store: survivorStore,
      provider: survivorProvider.provider,
      workerId: 'survivor',
    });
    survivor.on('error', () => {});
    victim.on('error', () => {});
    const survivorStarted = survivor.start();
    await victim.start();
    const phones = ['+14155552671', '+14155552672', '+14155552673'];
    const at = new Date(Date.now() + 100);
    const calls = await Promise.all(phones.map((to) => victim.schedule({ to, at })));
    const rows = () => Promise.all(calls.map((c) => survivorInner.get(c.id)));
    await waitFor(
      async () => (await rows()).every((r) => r?.status === 'ringing' && r.leaseOwner === 'victim'),
      10_000,
      'the victim to place and follow the calls',
    );
    gate.resolve();
    await survivorStarted;
    await sleep(3 * LEASE_MS); // the victim renews its follow leases; nobody else follows
    expect(survivorProvider.looked).toEqual([]);

    victimStore.kill();
    victimApi.kill();
    for (const id of statuses.keys()) statuses.set(id, 'completed');
    await waitFor(
      async () => (await rows()).every((r) => r?.status === 'completed'),
      20_000,
      'the survivor to adopt the calls and see them end',
    );
    expect(new Set(survivorProvider.looked)).toEqual(new Set(['p0', 'p1', 'p2']));
    expect(victimProvider.placed()).toBe(3);
    expect(survivorProvider.placed()).toBe(0);
    expect((await rows()).map((r) => r?.attempt)).toEqual([1, 1, 1]);
    await survivor.stop();
  }, 60_000);
});
