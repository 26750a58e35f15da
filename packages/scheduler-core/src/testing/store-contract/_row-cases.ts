/**
 * The cases of `testStore()` for single rows: insert and read back, the unique id and
 * idempotency key, the compare-and-set update, and the lookup by provider call id.
 */
import { expect, it } from 'vitest';
import { isCallNotFoundError, isConflictError } from '../../errors.js';
import type { Store } from '../../store.js';
import { expectRejects, storedCall, T0 } from './_fixtures.js';

/** Registers the cases; `store()` is the store of the running test. */
export function rowCases(store: () => Store): void {
  it('returns an inserted row exactly as given, and null for an unknown id', async () => {
    const row = storedCall({
      id: 'a',
      idempotencyKey: 'key-a',
      events: [{ status: 'scheduled', at: T0, attempt: 1, reason: 'x' }],
      options: {
        maxAttempts: 3,
        retryBackoff: { delayMs: 10, factor: 2, maxDelayMs: 100 },
        recurrence: { cron: '0 9 * * *', timezone: 'America/New_York' },
        window: { start: '08:00', end: '21:00', timezone: 'America/New_York' },
        metadata: { note: 'hi', n: 1 },
        seriesId: null,
        occurrenceAt: T0,
      },
    });
    expect(await store().insert(row)).toEqual(row);
    expect(await store().get('a')).toEqual(row);
    expect(await store().get('missing')).toBeNull();
  });

  it("keeps a 'callee' window's zones and their source, and gives them back after a deferral", async () => {
    const window = {
      start: '08:00',
      end: '21:00',
      timezone: 'callee',
      fallbackTimezone: 'Europe/Paris',
      zones: ['America/Adak', 'America/Anchorage'],
      zoneSource: 'number' as const,
    };
    const row = storedCall({
      id: 'w',
      to: '+19075550123',
      options: {
        maxAttempts: 1,
        retryBackoff: null,
        recurrence: null,
        window,
        metadata: null,
        seriesId: null,
        occurrenceAt: null,
      },
    });
    await store().insert(row);
    const [claimed] = await store().claimDue(T0, 1, 'worker', T0 + 30_000);
    expect(claimed?.options?.window).toEqual(window);
    const deferred = await store().update('w', claimed!.version, {
      status: 'scheduled',
      dueAt: T0 + 3_600_000,
      leaseOwner: null,
      leaseUntil: null,
    });
    expect(deferred.options?.window).toEqual(window);
    expect((await store().get('w'))?.options?.window).toEqual(window);
  });

  it('refuses a second row with the same id or idempotency key', async () => {
    await store().insert(storedCall({ id: 'a', idempotencyKey: 'k' }));
    await expectRejects(store().insert(storedCall({ id: 'a' })), isConflictError);
    const error = await expectRejects(
      store().insert(storedCall({ id: 'b', idempotencyKey: 'k' })),
      isConflictError,
    );
    expect((error as { reason: string }).reason).toBe('duplicate');
    expect(await store().get('b')).toBeNull();
    expect((await store().findByIdempotencyKey('k'))?.id).toBe('a');
    expect(await store().findByIdempotencyKey('nope')).toBeNull();
  });

  it('updates a row at the expected version and bumps the version', async () => {
    await store().insert(storedCall({ id: 'a' }));
    const updated = await store().update('a', 1, { status: 'canceled', reason: 'canceled' });
    expect(updated).toMatchObject({
      id: 'a',
      version: 2,
      status: 'canceled',
      reason: 'canceled',
    });
    expect(await store().get('a')).toEqual(updated);
  });

  it('refuses an update at a stale version and one for an unknown id', async () => {
    await store().insert(storedCall({ id: 'a' }));
    await store().update('a', 1, { reason: 'first' });
    const error = await expectRejects(
      store().update('a', 1, { reason: 'second' }),
      isConflictError,
    );
    expect((error as { reason: string }).reason).toBe('version_conflict');
    expect((await store().get('a'))?.reason).toBe('first');
    await expectRejects(store().update('missing', 1, { reason: 'x' }), isCallNotFoundError);
  });

  it('finds a row by the provider id of its current attempt', async () => {
    await store().insert(storedCall({ id: 'a' }));
    await store().update('a', 1, { providerCallId: 'p-1', status: 'initiated' });
    expect((await store().findByProviderCallId('p-1'))?.id).toBe('a');
    await store().update('a', 2, { providerCallId: null, status: 'scheduled' });
    expect(await store().findByProviderCallId('p-1')).toBeNull();
  });
}
