/**
 * The cases of `testStore()` for single rows: insert and read back, the unique id and
 * idempotency key, the compare-and-set update, and the lookup by provider call id.
 */
import { expect, it } from 'vitest';
import { isCallNotFoundError, isConflictError } from '../../errors.js';
import type { Store, StoredEvent } from '../../store.js';
import { countAttempts } from '../../_retry.js';
import { claimedRows, expectRejects, storedCall, T0 } from './_fixtures.js';

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
    const [claimed] = await claimedRows(store(), T0, 1, 'worker', T0 + 30_000);
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

  it('finds nothing, and does not fail, by a key that holds the NUL character', async () => {
    await store().insert(storedCall({ id: 'a', idempotencyKey: 'key-a', providerCallId: 'p-a' }));
    for (const key of ['a\u0000', '\u0000']) {
      expect(await store().get(key)).toBeNull();
      expect(await store().findByIdempotencyKey(`key-${key}`)).toBeNull();
      expect(await store().findByProviderCallId('mock', `p-${key}`)).toBeNull();
    }
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

  it('moves the version on by the steps an update carries', async () => {
    await store().insert(storedCall({ id: 'a', status: 'initiated', providerCallId: 'p1' }));
    const updated = await store().update('a', 1, { status: 'completed' }, 3);
    expect(updated).toMatchObject({ id: 'a', version: 4, status: 'completed' });
    expect(await store().get('a')).toEqual(updated);
    // The next compare-and-set is at the version the steps led to.
    await expectRejects(store().update('a', 2, { reason: 'stale' }), isConflictError);
    expect(await store().update('a', 4, { reason: 'next' })).toMatchObject({ version: 5 });
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
    expect((await store().findByProviderCallId('mock', 'p-1'))?.id).toBe('a');
    await store().update('a', 2, { providerCallId: null, status: 'scheduled' });
    expect(await store().findByProviderCallId('mock', 'p-1')).toBeNull();
  });

  it('names each call by its provider and its provider id: equal ids of two providers never meet', async () => {
    const named = storedCall({ id: 'named', provider: 'twilio-eu' });
    expect(await store().insert(named)).toEqual(named);
    expect(await store().get('named')).toEqual(named);
    await store().insert(storedCall({ id: 'other', provider: 'num-dialer' }));
    await store().update('named', 1, { providerCallId: 'CA1', status: 'initiated' });
    await store().update('other', 1, { providerCallId: 'CA1', status: 'initiated' });
    expect((await store().findByProviderCallId('twilio-eu', 'CA1'))?.id).toBe('named');
    expect((await store().findByProviderCallId('num-dialer', 'CA1'))?.id).toBe('other');
    expect(await store().findByProviderCallId('telnyx', 'CA1')).toBeNull();
    // A name that is a prefix of another, or the two run together, is another provider.
    expect(await store().findByProviderCallId('twilio', '-euCA1')).toBeNull();
    expect(await store().findByProviderCallId('twilio-e', 'uCA1')).toBeNull();
    // The provider stays when other fields change.
    const moved = await store().update('named', 2, { reason: 'x' });
    expect(moved.provider).toBe('twilio-eu');
    if (store().updateMany) {
      await store().updateMany!([{ id: 'other', expectedVersion: 2, patch: { reason: 'y' } }]);
      expect((await store().get('other'))?.provider).toBe('num-dialer');
    }
  });

  it('gives a row of no provider (stored before rows named one) to any provider, after its own', async () => {
    const legacy = storedCall({ id: 'legacy' });
    expect(await store().insert(legacy)).toEqual(legacy);
    expect('provider' in (await store().get('legacy'))!).toBe(false);
    await store().update('legacy', 1, { providerCallId: 'c-7', status: 'initiated' });
    expect((await store().findByProviderCallId('mock', 'c-7'))?.id).toBe('legacy');
    expect((await store().findByProviderCallId('twilio', 'c-7'))?.id).toBe('legacy');
    await store().insert(storedCall({ id: 'own', provider: 'twilio' }));
    await store().update('own', 1, { providerCallId: 'c-7', status: 'initiated' });
    expect((await store().findByProviderCallId('twilio', 'c-7'))?.id).toBe('own');
    expect((await store().findByProviderCallId('mock', 'c-7'))?.id).toBe('legacy');
  });

  it('keeps retries by outcome and every step of every attempt, so a restart counts them alike', async () => {
    const retry = {
      busy: { afterMs: 120_000, maxAttempts: 3 },
      'no-answer': { afterMs: 3_600_000, maxAttempts: 2 },
      machine: { afterMs: 7_200_000, maxAttempts: 2 },
    };
    const options = {
      maxAttempts: 6,
      retryBackoff: null,
      retry,
      recurrence: null,
      window: null,
      metadata: null,
      seriesId: null,
      occurrenceAt: null,
    };
    const row = storedCall({ id: 'a', options, call: { machineDetection: 'detect' } });
    expect(await store().insert(row)).toEqual(row);
    // Attempt 1 busy, attempt 2 answered by a machine (its record stays completed), then due again.
    const steps: StoredEvent[] = [
      { status: 'queued', at: T0, attempt: 1 },
      { status: 'initiated', at: T0 + 10, attempt: 1, providerCallId: 'p-1' },
      { status: 'busy', at: T0 + 20, attempt: 1, reason: 'busy' },
      { status: 'scheduled', at: T0 + 20, attempt: 2, reason: 'busy' },
      { status: 'queued', at: T0 + 30, attempt: 2 },
      { status: 'initiated', at: T0 + 40, attempt: 2, providerCallId: 'p-2' },
      { status: 'answered', at: T0 + 50, attempt: 2, answeredBy: 'machine' },
      { status: 'completed', at: T0 + 60, attempt: 2 },
      { status: 'scheduled', at: T0 + 60, attempt: 3, reason: 'completed' },
    ];
    const updated = await store().update('a', 1, {
      attempt: 3,
      dueAt: T0 + 60 + 7_200_000,
      events: steps,
    });
    const [claimed] = await claimedRows(store(), T0 + 60 + 7_200_000, 10, 'w', T0 + 8_000_000);
    for (const read of [updated, await store().get('a'), claimed]) {
      expect(read?.options?.retry).toEqual(retry);
      expect(read?.events).toEqual(steps);
      expect(countAttempts(read!.events!)).toEqual({ busy: 1, machine: 1 });
    }
  });
}
