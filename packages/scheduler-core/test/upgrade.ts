import { expect } from 'vitest';
import type { Store } from '../src/store.js';
import { mergeCallRecords } from '../src/_merge-records.js';
import { storedCall } from '../src/testing/store-contract.js';
import { claimedRows } from '../src/testing/store-contract/_fixtures.js';

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
  expect((await store.listCallLog({ phone: '+14155552671', limit: 5 })).items).toMatchObject([
    { id: 'old', durationS: 62, answeredBy: null },
  ]);
  expect((await claimedRows(store, dueAt, 5, 'w1', dueAt + 30_000)).map((r) => r.id)).toEqual([
    'due',
  ]);
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
    campaign: null,
  };
  const none = { recordingUrl: null, recordingDurationS: null, providerStatus: null };
  expect((await store.listCallLog({ phone: '+14155552671', limit: 5 })).items).toEqual([
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
  expect((await store.listCallLog({ phone: '+14155550100', limit: 5 })).items).toEqual([
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

/**
 * The rows and records a store of schema 13 holds before `expectRecordCampaignsUpgraded`, as SQL
 * for `scheduled_calls` and `call_records` of schema `s` (`""` for SQLite): an entry `k0` of
 * campaign `kept` with two attempts recorded, a scheduled call `s0` with one, an inbound call
 * and a call recorded with a random id.
 */
export const recordsOfSchema13 = (s: string, falseValue: string) => `
  INSERT INTO ${s}scheduled_calls (id, to_phone, status, due_at, created_at, updated_at, version,
    attempt, campaign_id, position)
  VALUES ('k0', '+14155552671', 'completed', 1, 1, 1, 1, 2, 'kept', 0);
  INSERT INTO ${s}scheduled_calls (id, to_phone, status, due_at, created_at, updated_at, version,
    attempt)
  VALUES ('s0', '+14155552671', 'completed', 1, 1, 1, 1, 1);
  INSERT INTO ${s}call_records (id, from_phone, to_phone, direction, status, started_at,
    answered_at, ended_at, duration_seconds, outcome_unknown)
  VALUES ('k0-1', '+14155550100', '+14155552671', 'outbound', 'busy', 1000, NULL, 2000, 0, ${falseValue}),
    ('k0-2', '+14155550100', '+14155552671', 'outbound', 'completed', 3000, 4000, 9000, 5, ${falseValue}),
    ('s0-1', '+14155550100', '+14155552671', 'outbound', 'completed', 5000, 6000, 9000, 3, ${falseValue}),
    ('twilio:CA1', '+14155552671', '+14155550100', 'inbound', 'completed', 7000, 7500, 9000, 1, ${falseValue}),
    ('0f8e2a6c-1b7d-4e0a-9c3b-000000000001', '+14155550100', '+14155552671', 'outbound',
      'completed', 8000, 8500, 9000, 1, ${falseValue});`;

/**
 * A store upgraded from schema 13 with {@link recordsOfSchema13}: the records of the campaign's
 * entry take its campaign, the others none, and the call log finds them by it. Closes the store.
 */
export async function expectRecordCampaignsUpgraded(store: Store): Promise<void> {
  const log = await store.listCallLog!({ limit: 10 });
  expect(log.items.map((r) => [r.id, r.campaign])).toEqual([
    ['0f8e2a6c-1b7d-4e0a-9c3b-000000000001', null],
    ['twilio:CA1', null],
    ['s0-1', null],
    ['k0-2', 'kept'],
    ['k0-1', 'kept'],
  ]);
  const kept = await store.listCallLog!({ limit: 10, campaign: 'kept' });
  expect(kept.items.map((r) => r.id)).toEqual(['k0-2', 'k0-1']);
  await store.close();
}
