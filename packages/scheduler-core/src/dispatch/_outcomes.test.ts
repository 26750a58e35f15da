import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory.js';
import { storedCall } from '../testing/store-contract.js';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createSafeEmitter } from '@ringkit/internal';
import type { SchedulerEvents } from '../events.js';
import { createOutcomes } from './_outcomes.js';
import { createMutate, createWriter } from './_writes.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');

describe('provider statuses', () => {
  it('never end a later attempt with a status of an earlier one, even from a stale row', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const outcomes = createOutcomes({
      store,
      clock,
      emitter: createSafeEmitter<SchedulerEvents>((error) => ({ error, source: 'listener' })),
      mutate: createMutate(store, clock, createWriter(store)),
      callerId: '+14155550100',
      generateId: () => 'next',
      wake: () => undefined,
      callTimeoutMs: 600_000,
      campaign: null,
    });
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
