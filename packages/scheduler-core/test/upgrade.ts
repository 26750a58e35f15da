import { expect } from 'vitest';
import type { Store } from '../src/store.js';
import { mergeCallRecords } from '../src/_merge-records.js';
import { storedCall } from '../src/testing/store-contract.js';

/**
 * The checks after a store opened a database of an older version holding one scheduled call `due`
 * (due at `dueAt`, key `k`, options of that version) and one call record `old` (62 s, before
 * `answeredBy` existed): both read back intact, the call is claimable, a new call keeps its
 * options.
 */
export async function expectUpgradedIntact(store: Store, dueAt: number): Promise<void> {
  expect(await store.get('due')).toEqual(
    storedCall({
      id: 'due',
      dueAt,
      createdAt: 1,
      updatedAt: 1,
      idempotencyKey: 'k',
      options: {
        maxAttempts: 2,
        retryBackoff: null,
        recurrence: null,
        window: null,
        metadata: { n: 1 },
        seriesId: null,
        occurrenceAt: null,
      },
      call: null,
    }),
  );
  expect((await store.listHistory('+14155552671', { limit: 5 })).items).toMatchObject([
    { id: 'old', durationS: 62, answeredBy: null },
  ]);
  expect((await store.claimDue(dueAt, 5, 'w1', dueAt + 30_000)).map((r) => r.id)).toEqual(['due']);
  const later = await store.insert(storedCall({ id: 'new', call: { say: 'Hello' } }));
  expect(later.call).toEqual({ say: 'Hello' });
}

/**
 * The checks after a store opened a database from before call records kept a voicemail, its
 * length and the provider's word, holding one record, `twilio:CA1` (ringing from 1000 ms, from
 * `+14155552671` to `+14155550100`): it reads back with those `null`, a later webhook's merge
 * adds them, and the store is closed.
 */
export async function expectRecordsUpgraded(store: Store): Promise<void> {
  const ringing = {
    id: 'twilio:CA1',
    from: '+14155552671',
    to: '+14155550100',
    direction: 'inbound' as const,
    status: 'ringing' as const,
    startedAt: 1000,
    answeredAt: null,
    endedAt: null,
    durationS: null,
    outcomeUnknown: false,
    answeredBy: null,
  };
  const none = { recordingUrl: null, recordingDurationS: null, providerStatus: null };
  expect((await store.listHistory('+14155552671', { limit: 5 })).items).toEqual([
    { ...ringing, ...none },
  ]);
  const voicemail = {
    ...ringing,
    status: 'no-answer' as const,
    startedAt: 2000,
    endedAt: 30_000,
    recordingUrl: 'https://api.twilio.example/Recordings/RE1',
    recordingDurationS: 9,
    providerStatus: 'completed',
  };
  expect(await store.mergeCallRecord!(voicemail, mergeCallRecords)).toEqual({
    ...voicemail,
    startedAt: 1000,
  });
  expect((await store.listHistory('+14155550100', { limit: 5 })).items).toEqual([
    { ...voicemail, startedAt: 1000 },
  ]);
  await store.close();
}

/**
 * A store upgraded from schema 12 that held an initiated call `old` (provider id `CA9`) naming no
 * provider: it still names none, any provider finds it, and a new row keeps the provider it names.
 * Closes the store.
 */
export async function expectProvidersUpgraded(store: Store): Promise<void> {
  const old = await store.get('old');
  expect(old).toMatchObject({ id: 'old', providerCallId: 'CA9' });
  expect(old && 'provider' in old).toBe(false);
  expect((await store.findByProviderCallId('twilio', 'CA9'))?.id).toBe('old');
  await store.insert(storedCall({ id: 'new', provider: 'twilio' }));
  expect((await store.get('new'))?.provider).toBe('twilio');
  await store.close();
}
