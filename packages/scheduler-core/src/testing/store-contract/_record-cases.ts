/**
 * The cases of `testStore()` for call records told in several steps: what an inbound call's
 * webhooks add (its voicemail, its length, the provider's word) and `mergeCallRecord`, atomic
 * across connections. Run inside the contract's `describe`.
 */
import { expect, it } from 'vitest';
import type { CallRecordMerge, Store, StoredCallRecord } from '../../store.js';
import { mergeCallRecords } from '../../_merge-records.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const APP = '+14155550100';
const CALLER = '+14155552671';
const URL = 'https://api.twilio.example/2010-04-01/Accounts/AC1/Recordings/RE1';

/** A report of inbound call `id`: ringing at `T0` unless told otherwise. */
function inbound(id: string, fields: Partial<StoredCallRecord> = {}): StoredCallRecord {
  return {
    id,
    from: CALLER,
    to: APP,
    direction: 'inbound',
    status: 'ringing',
    startedAt: T0,
    answeredAt: null,
    endedAt: null,
    durationS: null,
    outcomeUnknown: false,
    answeredBy: null,
    recordingUrl: null,
    recordingDurationS: null,
    providerStatus: null,
    campaign: null,
    ...fields,
  };
}

/** A voicemail left at the end of inbound call `id`, nobody having answered. */
const voicemail = (id: string) =>
  inbound(id, {
    status: 'no-answer',
    startedAt: T0 + 2_000,
    endedAt: T0 + 45_000,
    recordingUrl: URL,
    recordingDurationS: 17,
    providerStatus: 'completed',
  });

/**
 * Registers the cases; `store()` is the store of the running test, `another()` a second
 * connection to its data (itself when the store has none), closed after the test.
 */
export function recordCases(store: () => Store, another: () => Promise<Store>): void {
  const history = async (phone: string) =>
    (await store().listCallLog({ phone: phone, limit: 10 })).items;

  it("keeps a record's voicemail, its length and the provider's word, null where none came", async () => {
    await store().saveCallRecord(voicemail('twilio:CA1'));
    const { recordingUrl, recordingDurationS, providerStatus, ...plain } = inbound('twilio:CA2', {
      startedAt: T0 + 1,
    });
    expect([recordingUrl, recordingDurationS, providerStatus]).toEqual([null, null, null]);
    await store().saveCallRecord(plain);
    expect(await history(CALLER)).toEqual([
      voicemail('twilio:CA1'),
      inbound('twilio:CA2', { startedAt: T0 + 1 }),
    ]);
    // saveCallRecord replaces a record whole.
    await store().saveCallRecord(inbound('twilio:CA1', { status: 'canceled' }));
    expect(await history(APP)).toContainEqual(inbound('twilio:CA1', { status: 'canceled' }));
  });

  it("keeps the campaign of a campaign entry's record, through a save and a merge", async () => {
    const entry = (id: string, fields: Partial<StoredCallRecord> = {}) =>
      inbound(id, { direction: 'outbound', from: APP, to: CALLER, campaign: 'spring', ...fields });
    await store().saveCallRecord(entry('e1-1'));
    const { campaign: _, ...without } = entry('e2-1', { startedAt: T0 + 1 });
    await store().saveCallRecord(without);
    expect(await history(CALLER)).toEqual([
      entry('e2-1', { startedAt: T0 + 1, campaign: null }),
      entry('e1-1'),
    ]);
    const mergeCallRecord = store().mergeCallRecord?.bind(store());
    if (!mergeCallRecord) return;
    const merged = await mergeCallRecord(
      entry('e1-1', { status: 'completed', campaign: null }),
      mergeCallRecords,
    );
    expect(merged.campaign).toBe('spring');
    expect((await history(CALLER))[1]).toEqual(merged);
  });

  it('stores a record as given when none has its id, when it offers mergeCallRecord', async () => {
    const mergeCallRecord = store().mergeCallRecord?.bind(store());
    if (!mergeCallRecord) return;
    const merges: unknown[] = [];
    const merge: CallRecordMerge = (stored, incoming) => {
      merges.push([stored, incoming]);
      return incoming;
    };
    const { recordingUrl: _, ...withoutRecording } = voicemail('twilio:CA1');
    const stored = await mergeCallRecord(withoutRecording, merge);
    expect(merges).toEqual([]);
    expect(stored).toEqual({ ...withoutRecording, recordingUrl: null });
    expect(await history(CALLER)).toEqual([stored]);
  });

  it('stores merge(stored, incoming) in place of the record with the same id, and resolves to it', async () => {
    const mergeCallRecord = store().mergeCallRecord?.bind(store());
    if (!mergeCallRecord) return;
    await store().saveCallRecord(inbound('twilio:CA1', { providerStatus: 'ringing' }));
    await store().saveCallRecord(inbound('twilio:CA2', { startedAt: T0 + 5 }));
    const merges: [StoredCallRecord, StoredCallRecord][] = [];
    const merged = await mergeCallRecord(voicemail('twilio:CA1'), (stored, incoming) => {
      merges.push([stored, incoming]);
      return { ...incoming, startedAt: stored.startedAt, providerStatus: 'merged' };
    });
    expect(merges).toEqual([
      [inbound('twilio:CA1', { providerStatus: 'ringing' }), voicemail('twilio:CA1')],
    ]);
    const expected = { ...voicemail('twilio:CA1'), startedAt: T0, providerStatus: 'merged' };
    expect(merged).toEqual(expected);
    expect(await history(CALLER)).toEqual([inbound('twilio:CA2', { startedAt: T0 + 5 }), expected]);
  });

  it("records an inbound call told in several webhooks as one line, with recordCall's merge", async () => {
    const mergeCallRecord = store().mergeCallRecord?.bind(store());
    if (!mergeCallRecord) return;
    const reports = [
      inbound('twilio:CA1', { startedAt: T0 + 300, providerStatus: 'ringing' }),
      voicemail('twilio:CA1'),
      inbound('twilio:CA1', { providerStatus: 'ringing' }), // late
      { ...voicemail('twilio:CA1'), endedAt: T0 + 46_000 }, // again, timed on arrival
    ];
    for (const report of reports) await mergeCallRecord(report, mergeCallRecords);
    expect(await history(APP)).toEqual([{ ...voicemail('twilio:CA1'), startedAt: T0 }]);
  });

  it('queues concurrent merges of one id, also across connections: none is lost', async () => {
    const mergeCallRecord = store().mergeCallRecord?.bind(store());
    if (!mergeCallRecord) return;
    const other = await another();
    // A merge that counts the writes: a lost update shows as a count short.
    const count: CallRecordMerge = (stored, incoming) => ({
      ...stored,
      recordingDurationS: stored.recordingDurationS! + incoming.recordingDurationS!,
    });
    const one = inbound('twilio:CA1', { recordingDurationS: 1 });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? store() : other).mergeCallRecord!(one, count),
      ),
    );
    expect((await history(CALLER)).map((r) => [r.id, r.recordingDurationS])).toEqual([
      ['twilio:CA1', 40],
    ]);
  });
}
