/**
 * The cases of `testStore()` for what a call carries: its `CallOptions` on the row, who answered
 * on its timeline steps and on its call records. Run inside the contract's `describe`.
 */
import { expect, it } from 'vitest';
import type { CallOptions } from '@ringkit/call-client';
import type { Store, StoredCall, StoredCallRecord } from '../../store.js';
import { newStoredCall } from '../../_rows.js';
import { claimedRows } from './_fixtures.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const ME = '+14155550100';
const BOB = '+14155552671';

/** Every option, with values of every JSON kind (and a list in `extra`). */
export const EVERY_CALL_OPTION: CallOptions = {
  from: '+14155550199',
  say: 'Your appointment is tomorrow at 9:30. Reply "yes" & <confirm>.',
  ringTimeoutS: 25,
  timeLimitS: 600,
  machineDetection: 'detect-beep',
  record: true,
  extra: {
    CallReason: 'Appointment reminder',
    MachineDetectionTimeout: 10,
    Trim: false,
    StatusCallbackEvent: ['initiated', 'completed'],
  },
};

function row(id: string, overrides: Partial<StoredCall> = {}): StoredCall {
  return {
    ...newStoredCall({ id, to: BOB, dueAt: T0, now: T0, idempotencyKey: null, options: null }),
    ...overrides,
  };
}

function answered(id: string, answeredBy?: StoredCallRecord['answeredBy']): StoredCallRecord {
  return {
    id,
    from: ME,
    to: BOB,
    direction: 'outbound',
    status: 'completed',
    startedAt: T0,
    answeredAt: T0 + 1000,
    endedAt: T0 + 31_000,
    durationS: 30,
    outcomeUnknown: false,
    recordingUrl: null,
    recordingDurationS: null,
    providerStatus: null,
    campaign: null,
    ...(answeredBy === undefined ? {} : { answeredBy }),
  };
}

/** Registers the cases; `store()` is the store of the running test. */
export function callCases(store: () => Store): void {
  it("returns a row's call options and its steps' answeredBy exactly as given, null for none", async () => {
    const events: StoredCall['events'] = [
      { status: 'scheduled', at: T0, attempt: 1 },
      { status: 'answered', at: T0 + 5, attempt: 1, providerStatus: 'in-progress' },
      { status: 'completed', at: T0 + 9, attempt: 1, answeredBy: 'machine' },
    ];
    const withCall = row('a', { call: EVERY_CALL_OPTION, events });
    expect(await store().insert(withCall)).toEqual(withCall);
    await store().insert(row('b'));
    expect(await store().get('a')).toEqual(withCall);
    expect((await store().get('b'))?.call).toBeNull();
    const listed = await store().list({ limit: 10 });
    expect(listed.items.map((r) => [r.id, r.call])).toEqual([
      ['a', EVERY_CALL_OPTION],
      ['b', null],
    ]);
    if (store().insertMany) {
      await store().insertMany!([row('c', { call: { say: 'Hello' } })]);
      expect((await store().get('c'))?.call).toEqual({ say: 'Hello' });
    }
  });

  it('keeps call options through claims, updates and batches that do not set them', async () => {
    const call: CallOptions = { say: 'Hello', machineDetection: 'detect' };
    await store().insert(row('a', { call }));
    await store().insert(row('b', { call }));
    const [claimed] = await claimedRows(store(), T0, 1, 'w1', T0 + 30_000);
    expect(claimed).toMatchObject({ id: 'a', status: 'queued', call });
    const updated = await store().update('a', claimed!.version, { placingAt: T0 });
    expect(updated.call).toEqual(call);
    if (store().updateMany) {
      const applied = await store().updateMany!([
        { id: 'a', expectedVersion: updated.version, patch: { status: 'initiated' } },
        { id: 'b', expectedVersion: 1, patch: { call: { say: 'Changed' } } },
      ]);
      expect(applied).toEqual([true, true]);
      expect((await store().get('b'))?.call).toEqual({ say: 'Changed' });
    }
    expect((await store().get('a'))?.call).toEqual(call);
  });

  it('keeps who answered on call records, null when not detected, and updates it in place', async () => {
    await store().saveCallRecord(answered('r1', 'machine'));
    await store().saveCallRecord({ ...answered('r2'), startedAt: T0 + 1 });
    expect((await store().listCallLog({ phone: BOB, limit: 5 })).items).toEqual([
      { ...answered('r2'), startedAt: T0 + 1, answeredBy: null },
      answered('r1', 'machine'),
    ]);
    await store().saveCallRecord({ ...answered('r2', 'human'), startedAt: T0 + 1 });
    expect(
      (await store().listCallLog({ phone: ME, limit: 5 })).items.map((r) => r.answeredBy),
    ).toEqual(['human', 'machine']);
  });

  it("saves who answered with a batched update's call record, when it offers updateMany", async () => {
    if (!store().updateMany) return;
    await store().insert(row('a'));
    await store().insert(row('b'));
    await store().updateMany!([
      {
        id: 'a',
        expectedVersion: 1,
        patch: { status: 'completed' },
        record: answered('a-1', 'fax'),
      },
      { id: 'b', expectedVersion: 1, patch: { status: 'completed' }, record: answered('b-1') },
    ]);
    const byId = Object.fromEntries(
      (await store().listCallLog({ phone: BOB, limit: 5 })).items.map((r) => [r.id, r.answeredBy]),
    );
    expect(byId).toEqual({ 'a-1': 'fax', 'b-1': null });
  });
}
