import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallProvider, ProviderCall } from '@ringkit/call-client';
import type { Store } from '@ringkit/scheduler-core';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import { expect, it, vi } from 'vitest';
import { createDialer } from './dialer.js';
import type { DialerEntry } from './types.js';

/**
 * A worker stalls past its lease while its POST is out (a long pause, an overloaded database):
 * another worker ends the entry `failed`/`outcome_unknown` and never places it again; then the
 * stalled worker writes the provider's late answer, and the call completes. Both processes'
 * snapshots follow the store, and `finished` is told again with the real outcome.
 */
it('an unknown outcome learned after all: every snapshot follows the store, finished told again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mirror-'));
  const path = join(dir, 'c.db');
  const storeA = createSqliteStore({ path });
  const storeB = createSqliteStore({ path });
  // A's writes stall (a long GC pause, an overloaded database) from the moment its request leaves.
  let stall: Promise<void> | null = null;
  let unstall = () => {};
  const slowA = new Proxy(storeA, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || (key !== 'update' && key !== 'updateMany')) return value;
      return async (...args: unknown[]) => {
        if (stall) await stall;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as Store;
  let answer: (call: ProviderCall) => void = () => {};
  const provider: CallProvider = {
    name: 'fake',
    capabilities: { polling: false, webhooks: true },
    placeCall() {
      stall = new Promise((resolve) => (unstall = resolve));
      return new Promise((resolve) => (answer = resolve));
    },
  };
  const common = {
    campaign: 'c',
    numbers: ['+14155552671'],
    callerId: '+14155550100',
    concurrency: 1,
    leaseMs: 200,
    callTimeoutMs: 60_000,
    refreshIntervalMs: 50,
  };
  const a = createDialer({ ...common, provider, store: slowA, workerId: 'A' });
  const finishedA: DialerEntry[] = [];
  a.on('finished', (e) => finishedA.push(e));
  await a.start();
  await vi.waitFor(() => expect(stall).not.toBeNull()); // A's POST is out
  const b = createDialer({
    ...common,
    provider: { ...provider, placeCall: () => new Promise(() => {}) },
    store: storeB,
    workerId: 'B',
  });
  const finishedB: DialerEntry[] = [];
  b.on('finished', (e) => finishedB.push(e));
  await b.start();
  // A's claim lease runs out: B ends the entry outcome_unknown (never placing it again).
  await vi.waitFor(
    async () =>
      expect((await storeB.listCampaignCalls!('c', { limit: 1 }))[0]!.reason).toBe(
        'outcome_unknown',
      ),
    { timeout: 5000 },
  );
  // A comes back with the provider's answer (it corrects the row), then the call completes.
  answer({ id: 'call-1', status: 'initiated', providerStatus: 'queued', raw: {} });
  unstall();
  await vi.waitFor(
    async () =>
      expect((await storeB.listCampaignCalls!('c', { limit: 1 }))[0]!.status).toBe('initiated'),
    { timeout: 5000 },
  );
  b.handleStatus({
    callId: 'call-1',
    status: 'completed',
    providerStatus: 'completed',
    at: new Date(),
  });
  await vi.waitFor(
    async () =>
      expect((await storeB.listCampaignCalls!('c', { limit: 1 }))[0]!.status).toBe('completed'),
    { timeout: 5000 },
  );
  await a.refresh();
  await b.refresh();
  const row = (await storeB.listCampaignCalls!('c', { limit: 1 }))[0]!;
  await a.close();
  await b.close();
  await storeA.close();
  await storeB.close();
  expect(a.snapshot().entries[0]).toMatchObject({
    status: 'completed',
    inDoubt: false,
    callId: 'call-1',
  });
  expect(b.snapshot().entries[0]).toMatchObject({
    status: 'completed',
    inDoubt: false,
    callId: 'call-1',
  });
  expect(b.snapshot().entries[0]!.error).toBeUndefined();
  expect(row).toMatchObject({ status: 'completed', providerCallId: 'call-1' });
  // B told the unknown end, then the real one.
  expect(finishedB.map((e) => `${e.status}/${e.error?.reason ?? '-'}`)).toEqual([
    'failed/outcome_unknown',
    'completed/-',
  ]);
  expect(finishedA.at(-1)).toMatchObject({ status: 'completed' });
  rmSync(dir, { recursive: true, force: true });
});
