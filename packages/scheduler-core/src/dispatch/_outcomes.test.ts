import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory.js';
import { storedCall } from '../testing/store-contract.js';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createSafeEmitter } from '@ringkit/internal';
import type { SchedulerEvents } from '../events.js';
import { createOutcomes } from './_outcomes.js';
import { createMutate, createWriter } from './_writes.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');

function outcomesOn(store: ReturnType<typeof createMemoryStore>) {
  const clock = createFakeClock(T0);
  const emitter = createSafeEmitter<SchedulerEvents>((error) => ({ error, source: 'listener' }));
  const outcomes = createOutcomes({
    store,
    clock,
    emitter,
    mutate: createMutate(store, clock, createWriter(store)),
    callerId: '+14155550100',
    generateId: () => 'next',
    wake: () => undefined,
    callTimeoutMs: 600_000,
    campaign: null,
    provider: 'mock',
  });
  return { outcomes, emitter };
}

const statusEvent = (callId: string, status: 'ringing' | 'answered' | 'completed', ms: number) => ({
  callId,
  status,
  providerStatus: status,
  at: new Date(T0 + ms),
});

describe('provider statuses', () => {
  it('handles the statuses of one call that arrive together in order, reading the row once', async () => {
    const store = createMemoryStore();
    const { outcomes, emitter } = outcomesOn(store);
    await store.insert(storedCall({ id: 'a', status: 'initiated', providerCallId: 'p1' }));
    await store.insert(storedCall({ id: 'b', status: 'initiated', providerCallId: 'p2' }));
    let lookups = 0;
    const find = store.findByProviderCallId.bind(store);
    store.findByProviderCallId = (provider, id) => {
      lookups++;
      return find(provider, id);
    };
    const seen: string[] = [];
    emitter.on('status', (e) => seen.push(`${e.call.id}:${e.call.status}`));
    const versions: number[] = [];
    emitter.on('status', (e) => e.call.id === 'a' && versions.push(e.call.version));
    const rows = await Promise.all([
      outcomes.handleStatus(statusEvent('p1', 'ringing', 1)),
      outcomes.handleStatus(statusEvent('p1', 'answered', 2)),
      outcomes.handleStatus(statusEvent('p2', 'ringing', 2)),
      outcomes.handleStatus(statusEvent('p1', 'completed', 3)),
    ]);
    // The three of p1 came together: written together, each caller given the row after them.
    expect(rows.map((r) => `${r?.id}:${r?.status}`)).toEqual([
      'a:completed',
      'a:completed',
      'b:ringing',
      'a:completed',
    ]);
    expect(seen.filter((s) => s.startsWith('a:'))).toEqual([
      'a:ringing',
      'a:answered',
      'a:completed',
    ]);
    expect(seen).toContain('b:ringing');
    // One lookup per provider id.
    expect(lookups).toBe(2);
    // Each step with a version of its own, the last the row's.
    expect(versions).toEqual([2, 3, 4]);
    expect(await store.get('a')).toMatchObject({ version: 4 });
    const a = await store.get('a');
    expect((a?.events ?? []).map((e) => e.status).slice(-3)).toEqual([
      'ringing',
      'answered',
      'completed',
    ]);
  });

  it('handles statuses that came together again one by one when they failed together', async () => {
    for (const failures of [1, 2]) {
      const store = createMemoryStore();
      const { outcomes } = outcomesOn(store);
      await store.insert(storedCall({ id: 'a', status: 'initiated', providerCallId: 'p1' }));
      const find = store.findByProviderCallId.bind(store);
      let left = failures;
      store.findByProviderCallId = (provider, id) => {
        if (left > 0) {
          left -= 1;
          return Promise.reject(new Error('store unreachable'));
        }
        return find(provider, id);
      };
      const settled = await Promise.allSettled([
        outcomes.handleStatus(statusEvent('p1', 'ringing', 1)),
        outcomes.handleStatus(statusEvent('p1', 'answered', 2)),
      ]);
      // Together, then `ringing` alone (once more when `failures` is 2), then `answered`.
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      const row = await store.get('a');
      expect(row).toMatchObject({ status: 'answered' });
      const steps = (row?.events ?? []).map((e) => e.status);
      expect(steps.includes('ringing')).toBe(failures === 1);
    }
  });

  it('rejects a status that arrived alone when it fails', async () => {
    const store = createMemoryStore();
    const { outcomes } = outcomesOn(store);
    await store.insert(storedCall({ id: 'a', status: 'initiated', providerCallId: 'p1' }));
    store.findByProviderCallId = () => Promise.reject(new Error('store unreachable'));
    await expect(outcomes.handleStatus(statusEvent('p1', 'ringing', 1))).rejects.toThrow(
      'store unreachable',
    );
  });

  it('never end a later attempt with a status of an earlier one, even from a stale row', async () => {
    const store = createMemoryStore();
    const { outcomes } = outcomesOn(store);
    // A watch of attempt 1 (provider id p1) still holds the row as it was then …
    const attempt1 = storedCall({
      id: 'a',
      status: 'ringing',
      providerCallId: 'p1',
      options: {
        maxAttempts: 2,
        retryBackoff: null,
        recurrence: null,
        window: null,
        metadata: null,
        seriesId: null,
        occurrenceAt: null,
      },
    });
    await store.insert(attempt1);
    // … while the call was retried and placed again, as p2.
    await store.update('a', 1, { status: 'initiated', attempt: 2, providerCallId: 'p2' });
    const event = {
      callId: 'p1',
      status: 'completed' as const,
      providerStatus: 'completed',
      at: new Date(T0),
    };
    const row = await outcomes.applyStatus(event, attempt1);
    expect(row).toMatchObject({ status: 'initiated', attempt: 2, providerCallId: 'p2' });
    expect(await store.get('a')).toMatchObject({ status: 'initiated', version: 2 });
  });
});
