import {
  isInvalidOptionsError,
  type CallProvider,
  type CallStatus,
  type CallStatusEvent,
} from '@ringkit/call-client';
import { afterEach, describe, expect, it } from 'vitest';
import { storeKinds } from '../../test/stores.js';
import { isCallCenterClosedError } from '../errors.js';
import { createCallCenter } from './center.js';
import type { Store } from '@ringkit/scheduler-core';
import type { CallCenter } from './types.js';

const CALLER = '+14155550100';
const X = '+14155552671';
const Y = '+13018040009';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/**
 * A webhook provider named `name` that answers its n-th POST with `call-<n>` (two of them hand
 * out equal ids). With `hold`, each answer waits for `release()`.
 */
function provider(name: string, hold = false) {
  const placed: string[] = [];
  const waiting: (() => void)[] = [];
  const client: CallProvider = {
    name,
    capabilities: { polling: false, webhooks: true },
    async placeCall({ to }) {
      const id = `call-${placed.length}`;
      placed.push(to);
      if (hold) await new Promise<void>((resolve) => waiting.push(resolve));
      return { id, status: 'initiated', providerStatus: 'queued', raw: {} };
    },
  };
  return {
    client,
    placed,
    release: () => waiting.splice(0).forEach((resolve) => resolve()),
  };
}

const status = (callId: string, s: CallStatus, name?: string): CallStatusEvent => ({
  callId,
  status: s,
  providerStatus: s,
  at: new Date(),
  ...(name === undefined ? {} : { provider: name }),
});

async function until(
  check: () => Promise<boolean> | boolean,
  what: string | (() => Promise<string>),
  ms = 10_000,
) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`not within ${ms} ms: ${typeof what === 'string' ? what : await what()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(storeKinds())('createCallCenter on the $name store', (kind) => {
  async function open(options: {
    scheduler: CallProvider;
    campaigns?: CallProvider;
    wrap?: (store: Store) => Store;
  }) {
    const place = await kind.create();
    const opened = place.open();
    const store = options.wrap ? options.wrap(opened) : opened;
    const center = createCallCenter({
      store,
      provider: options.scheduler,
      ...(options.campaigns ? { campaignProvider: options.campaigns } : {}),
      callerId: CALLER,
      scheduler: { watchIntervalMs: 50 },
      campaigns: { refreshIntervalMs: 50 },
    });
    cleanups.push(async () => {
      await center.stop().catch(() => {});
      await opened.close?.();
      await place.dispose();
    });
    await center.start();
    return center;
  }

  const entryStatus = async (center: CallCenter, name: string) =>
    (await center.campaigns!.snapshot(name)).entries[0]?.status;

  it('gives equal ids of two providers each to its own call, and keeps one history', async () => {
    const a = provider('practice-a');
    const b = provider('practice-b');
    const center = await open({ scheduler: a.client, campaigns: b.client });
    const call = await center.schedule({ to: X, at: new Date() });
    await center.campaigns!.create('spring', [X], { concurrency: 1 });
    await until(async () => a.placed.length === 1 && b.placed.length === 1, 'both placed');
    await until(
      async () => (await entryStatus(center, 'spring')) === 'initiated',
      'the entry initiated',
    );
    await until(
      async () => (await center.scheduler.get(call.id)).status === 'initiated',
      'the call initiated',
    );

    // Both providers answered `call-0`.
    expect(await center.handleStatus(status('call-0', 'completed', 'practice-a'))).toEqual({
      to: 'scheduled',
    });
    expect((await center.scheduler.get(call.id)).status).toBe('completed');
    expect(await entryStatus(center, 'spring')).toBe('initiated');

    expect(await center.handleStatus(status('call-0', 'busy', 'practice-b'))).toEqual({
      to: 'campaign',
      campaign: 'spring',
    });
    await until(async () => (await entryStatus(center, 'spring')) === 'busy', 'the entry busy');
    expect((await center.scheduler.get(call.id)).status).toBe('completed');

    // An event that names no provider is the scheduler's provider's; another provider's is left.
    expect(await center.handleStatus(status('call-0', 'failed'))).toEqual({ to: 'scheduled' });
    expect((await center.scheduler.get(call.id)).status).toBe('completed');
    expect(await center.handleStatus(status('call-0', 'failed', 'elsewhere'))).toEqual({
      to: 'other-provider',
    });

    // A call from the number, as a voice handler tells it: ringing, then its end, twice.
    const inbound = {
      provider: 'twilio',
      callId: 'CA1',
      from: X,
      to: CALLER,
      at: new Date(),
      status: 'ringing' as const,
      providerStatus: 'ringing',
      raw: {},
    };
    const ended = { ...inbound, status: 'completed' as const, providerStatus: 'completed' };
    await center.recordInbound(inbound);
    await center.recordInbound(ended);
    await center.recordInbound(ended);
    const page = await center.history(X, { cursor: null, limit: 10 });
    const kinds = page.items.map((item) =>
      item.id === 'twilio:CA1' ? 'inbound' : item.id.startsWith(call.id) ? 'scheduled' : 'campaign',
    );
    expect(kinds.sort()).toEqual(['campaign', 'inbound', 'scheduled']);
  });

  it('holds a status that outruns its placement’s answer, then gives it to its call', async () => {
    const a = provider('practice-a', true);
    const center = await open({ scheduler: a.client });
    await center.campaigns!.create('early', [Y], { concurrency: 1 });
    await until(() => a.placed.length === 1, 'the request sent');
    expect(await center.handleStatus(status('call-0', 'ringing'))).toEqual({ to: 'waiting' });
    expect(await center.handleStatus(status('call-0', 'completed'))).toEqual({ to: 'waiting' });
    a.release();
    await until(
      async () => (await entryStatus(center, 'early')) === 'completed',
      'the held statuses applied',
    );
  });

  it('keeps every call to a listed number from ringing, scheduled or in a campaign', async () => {
    const a = provider('practice-a');
    const center = await open({ scheduler: a.client });
    await center.suppressions!.suppress(Y, { reason: 'asked not to be called' });
    const call = await center.schedule({ to: Y, at: new Date() });
    await center.campaigns!.create('listed', [Y, X], { concurrency: 1 });
    await until(
      async () => (await center.scheduler.get(call.id)).status === 'suppressed',
      'the scheduled call suppressed',
    );
    await until(() => a.placed.length === 1, 'the other number rung');
    // A claim ends a listed entry when it has room for it (PostgreSQL's may leave it for the
    // next claim while the cap is full): it never rings.
    await center.handleStatus(status('call-0', 'completed'));
    await until(
      async () => (await entryStatus(center, 'listed')) === 'suppressed',
      'the entry suppressed',
    );
    expect(a.placed).toEqual([X]);
  });

  it('looks up no call this process placed: its owner and its row are known', async () => {
    const a = provider('practice-a');
    let lookups = 0;
    const center = await open({
      scheduler: a.client,
      wrap: (store) =>
        new Proxy(store, {
          get(target, key) {
            if (key !== 'findByProviderCallId') return Reflect.get(target, key);
            return (...args: Parameters<Store['findByProviderCallId']>) => {
              lookups += 1;
              return target.findByProviderCallId(...args);
            };
          },
        }),
    });
    const call = await center.schedule({ to: X, at: new Date() });
    await center.campaigns!.create('known', [Y], { concurrency: 1 });
    await until(async () => (await entryStatus(center, 'known')) === 'initiated', 'placed');
    await until(
      async () => (await center.scheduler.get(call.id)).status === 'initiated',
      'the call placed',
    );
    const ids = new Map(a.placed.map((to, n) => [to, `call-${n}`]));
    lookups = 0;
    for (const s of ['ringing', 'answered', 'completed'] as const) {
      expect((await center.handleStatus(status(ids.get(X)!, s))).to).toBe('scheduled');
      expect((await center.handleStatus(status(ids.get(Y)!, s))).to).toBe('campaign');
    }
    await until(async () => (await entryStatus(center, 'known')) === 'completed', 'the entry');
    expect((await center.scheduler.get(call.id)).status).toBe('completed');
    expect(lookups).toBe(0);
  });

  it('looks a call another process placed up once, and gives its owner the row it found', async () => {
    const a = provider('practice-a');
    const place = await kind.create();
    const stores = [place.open(), place.open()];
    let lookups = 0;
    const counted = new Proxy(stores[1]!, {
      get(target, key) {
        if (key !== 'findByProviderCallId') return Reflect.get(target, key);
        return (...args: Parameters<Store['findByProviderCallId']>) => {
          lookups += 1;
          return target.findByProviderCallId(...args);
        };
      },
    });
    const [placing, receiving] = [stores[0]!, counted].map((store, w) =>
      createCallCenter({
        store,
        provider: a.client,
        callerId: CALLER,
        scheduler: { watchIntervalMs: 50, workerId: `w${w}` },
        campaigns: { refreshIntervalMs: 50, workerId: `w${w}` },
      }),
    );
    cleanups.push(async () => {
      for (const center of [receiving!, placing!]) await center.stop().catch(() => {});
      for (const store of new Set(stores)) await store.close?.();
      await place.dispose();
    });
    await placing!.start();
    const call = await placing!.schedule({ to: X, at: new Date() });
    await placing!.campaigns!.create('elsewhere', [Y], { concurrency: 1 });
    await until(async () => (await entryStatus(placing!, 'elsewhere')) === 'initiated', 'placed');
    await until(
      async () => (await placing!.scheduler.get(call.id)).status === 'initiated',
      'the call placed',
    );
    await receiving!.start();
    const ids = new Map(a.placed.map((to, n) => [to, `call-${n}`]));
    lookups = 0;
    for (const s of ['ringing', 'answered', 'completed'] as const) {
      expect((await receiving!.handleStatus(status(ids.get(X)!, s))).to).toBe('scheduled');
      expect((await receiving!.handleStatus(status(ids.get(Y)!, s))).to).toBe('campaign');
    }
    await until(async () => (await entryStatus(placing!, 'elsewhere')) === 'completed', 'ended');
    expect((await placing!.scheduler.get(call.id)).status).toBe('completed');
    // One each: the router's. The scheduler and the campaign take the row it found.
    expect(lookups).toBe(2);
  });

  it('refuses statuses and a start after stop()', async () => {
    const a = provider('practice-a');
    const center = await open({ scheduler: a.client });
    await center.stop();
    const error = await center.handleStatus(status('call-0', 'ringing')).catch((e) => e);
    expect(isCallCenterClosedError(error)).toBe(true);
    expect(isCallCenterClosedError(await center.start().catch((e) => e))).toBe(true);
  });
});

describe('createCallCenter options', () => {
  it('refuses a store or a provider that is none, and unknown options', async () => {
    const a = provider('same').client;
    const { createMemoryStore } = await import('@ringkit/scheduler-core/memory');
    const store = createMemoryStore();
    const refused = (options: unknown) => {
      try {
        createCallCenter(options as never);
      } catch (error) {
        return isInvalidOptionsError(error) ? error.issues.map((i) => i.path.join('.')) : error;
      }
      return 'accepted';
    };
    expect(refused({ store: {}, provider: a, callerId: CALLER })).toEqual(['store']);
    expect(refused({ store, provider: a, campaignProvider: 'x', callerId: CALLER })).toEqual([
      'campaignProvider',
    ]);
    expect(refused({ store, provider: { name: 'x' }, callerId: CALLER })).toEqual(['provider']);
    expect(refused({ store, provider: a, callerId: CALLER, extra: 1 })).toEqual(['']);
    const center = createCallCenter({ store, provider: a, campaignProvider: a, callerId: CALLER });
    expect(center.campaigns).not.toBeNull();
    expect(center.suppressions).not.toBeNull();
  });
});

describe('createCallCenter agents', () => {
  it("keeps the store's agents, which another process sees; none without agent methods", async () => {
    const a = provider('practice').client;
    const { createMemoryStore } = await import('@ringkit/scheduler-core/memory');
    const { createAgents } = await import('@ringkit/scheduler-core');
    const store = createMemoryStore();
    const center = createCallCenter({ store, provider: a, callerId: CALLER });
    await center.agents!.add({ id: 'ana', reach: X, campaigns: ['spring'], state: 'available' });
    const elsewhere = createAgents({ store });
    expect(await elsewhere.claim('spring', 'call-1')).toMatchObject({ id: 'ana' });
    expect(await center.agents!.get('ana')).toMatchObject({ state: 'ringing', callId: 'call-1' });
    const bare: Store = { ...createMemoryStore(), insertAgent: undefined };
    expect(createCallCenter({ store: bare, provider: a, callerId: CALLER }).agents).toBeNull();
  });
});
