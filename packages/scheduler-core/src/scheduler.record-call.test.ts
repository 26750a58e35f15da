/**
 * `recordCall` of an inbound call: each webhook's update recorded under the call's id, merged
 * into one line of history that never moves back, with the caller's voicemail; the new fields
 * checked like the others.
 */
import type { InboundCallUpdate } from '@ringkit/call-client';
import { createFakeProvider } from '@ringkit/simulator';
import { describe, expect, it } from 'vitest';
import { isValidationError, type ValidationError } from './errors.js';
import { createScheduler } from './scheduler.js';
import type { Store } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import type { RecordCallInput } from './types.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const APP = '+14155550100';
const CALLER = '+14155552671';
const RECORDING = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1';

function setup(store: Store = createMemoryStore()) {
  return createScheduler({ store, provider: createFakeProvider(), callerId: APP });
}

/** An update of inbound call `CA1` at `T0 + ms`, `ringing` unless told otherwise. */
function update(ms: number, fields: Partial<InboundCallUpdate> = {}): InboundCallUpdate {
  return {
    provider: 'twilio',
    callId: 'CA1',
    from: CALLER,
    to: APP,
    at: new Date(T0 + ms),
    status: 'ringing',
    providerStatus: 'ringing',
    raw: {},
    ...fields,
  };
}

/** `update` as an app hands it to `recordCall`: the id `${provider}:${callId}`, its times. */
function recorded(u: InboundCallUpdate): RecordCallInput {
  const ended = u.status !== 'ringing';
  return {
    id: `${u.provider}:${u.callId}`,
    from: u.from,
    to: u.to,
    status: u.status,
    startedAt: u.at,
    providerStatus: u.providerStatus,
    ...(ended ? { endedAt: u.at } : {}),
    ...(u.answeredAt ? { answeredAt: u.answeredAt } : {}),
    ...(u.durationS === undefined ? {} : { durationS: u.durationS }),
    ...(u.recordingUrl ? { recordingUrl: u.recordingUrl } : {}),
    ...(u.recordingDurationS === undefined ? {} : { recordingDurationS: u.recordingDurationS }),
    ...(u.answeredBy ? { answeredBy: u.answeredBy } : {}),
  };
}

const missedWithVoicemail = [
  update(0),
  update(25_000, { status: 'no-answer', providerStatus: 'completed' }),
  update(31_000, {
    status: 'no-answer',
    providerStatus: 'completed',
    recordingUrl: RECORDING,
    recordingDurationS: 6,
  }),
];

const talked = [
  update(0),
  update(95_000, {
    status: 'completed',
    providerStatus: 'completed',
    answeredAt: new Date(T0 + 5_000),
    durationS: 90,
  }),
];

describe('recordCall of an inbound call', () => {
  it("is a missed inbound call with its voicemail seen from the app's number, a missed outbound one from the caller's", async () => {
    const scheduler = setup();
    for (const u of missedWithVoicemail) await scheduler.recordCall(recorded(u));
    expect((await scheduler.history(APP)).items).toEqual([
      {
        id: 'twilio:CA1',
        createdAt: new Date(T0),
        counterparty: CALLER,
        type: 'Missed Inbound',
        recordingUrl: RECORDING,
      },
    ]);
    expect((await scheduler.history(CALLER)).items).toEqual([
      {
        id: 'twilio:CA1',
        createdAt: new Date(T0),
        counterparty: APP,
        type: 'Missed Outbound',
        recordingUrl: RECORDING,
      },
    ]);
  });

  it('is a completed inbound call from the app, a completed outbound one from the caller, with the length of the conversation', async () => {
    const scheduler = setup();
    for (const u of talked) await scheduler.recordCall(recorded(u));
    expect((await scheduler.history(APP)).items).toEqual([
      {
        id: 'twilio:CA1',
        createdAt: new Date(T0),
        counterparty: CALLER,
        type: 'Completed Inbound',
        duration: 90,
      },
    ]);
    expect((await scheduler.history(CALLER)).items.map((e) => [e.type, e.duration])).toEqual([
      ['Completed Outbound', 90],
    ]);
  });

  it('merges the webhooks of one call into one record that never moves back, and resolves to it', async () => {
    const scheduler = setup();
    const [ringing, missed, voicemail] = missedWithVoicemail.map(recorded);
    expect(await scheduler.recordCall(voicemail!)).toMatchObject({
      status: 'no-answer',
      startedAt: new Date(T0 + 31_000),
      recordingUrl: RECORDING,
    });
    // Late and repeated: the ringing moves the start back, nothing else.
    await scheduler.recordCall(missed!);
    const merged = await scheduler.recordCall(ringing!);
    expect(await scheduler.recordCall(ringing!)).toEqual(merged);
    expect(merged).toEqual({
      id: 'twilio:CA1',
      from: CALLER,
      to: APP,
      direction: 'inbound',
      status: 'no-answer',
      startedAt: new Date(T0),
      answeredAt: null,
      endedAt: new Date(T0 + 25_000),
      durationS: null,
      outcomeUnknown: false,
      answeredBy: null,
      recordingUrl: RECORDING,
      recordingDurationS: 6,
      providerStatus: 'completed',
    });
    expect((await scheduler.history(APP)).items).toHaveLength(1);
  });

  it('ends completed once a conversation is reported, whatever missed end came first', async () => {
    const scheduler = setup();
    const [ringing, ended] = talked.map(recorded);
    await scheduler.recordCall(ringing!);
    await scheduler.recordCall({ ...ended!, status: 'no-answer', durationS: null });
    const record = await scheduler.recordCall(ended!);
    expect(record).toMatchObject({
      status: 'completed',
      durationS: 90,
      providerStatus: 'completed',
    });
    expect(await scheduler.recordCall({ ...ended!, status: 'canceled' })).toEqual(record);
  });

  it('merges by id in a store without mergeCallRecord too, found through the caller’s history', async () => {
    const { mergeCallRecord: _, ...withoutMerge } = createMemoryStore();
    const scheduler = setup(withoutMerge);
    await scheduler.recordCall({
      id: 'other',
      from: CALLER,
      to: APP,
      status: 'busy',
      startedAt: new Date(T0 - 1),
    });
    await Promise.all(
      [...missedWithVoicemail, ...missedWithVoicemail].map((u) =>
        scheduler.recordCall(recorded(u)),
      ),
    );
    expect((await scheduler.history(APP)).items).toMatchObject([
      { id: 'twilio:CA1', type: 'Missed Inbound', recordingUrl: RECORDING },
      { id: 'other', type: 'Missed Inbound' },
    ]);
  });

  it('puts the times of a record in order: an answer reported after the end was given by then', async () => {
    const scheduler = setup();
    const record = await scheduler.recordCall({
      from: CALLER,
      to: APP,
      status: 'completed',
      startedAt: new Date(T0 + 60_000),
      answeredAt: new Date(T0 + 70_000),
      endedAt: new Date(T0 + 65_000),
    });
    expect(record).toMatchObject({
      startedAt: new Date(T0 + 60_000),
      answeredAt: new Date(T0 + 65_000),
      endedAt: new Date(T0 + 65_000),
      durationS: 0,
    });
  });

  it('keeps an empty provider word as none', async () => {
    const scheduler = setup();
    const record = await scheduler.recordCall({ ...recorded(update(0)), providerStatus: '' });
    expect(record.providerStatus).toBeNull();
  });

  it.each([
    ['recordingUrl', 'ftp://files.example/RE1.mp3'],
    ['recordingUrl', 'not a url'],
    ['recordingUrl', `https://api.example/${'r'.repeat(2048)}`],
    ['recordingUrl', 42],
    ['recordingDurationS', -1],
    ['recordingDurationS', Number.NaN],
    ['recordingDurationS', Number.POSITIVE_INFINITY],
    ['recordingDurationS', '12'],
    ['providerStatus', 'x'.repeat(65)],
    ['providerStatus', 7],
  ])('refuses %s %j with a ValidationError naming it, storing nothing', async (field, value) => {
    const scheduler = setup();
    const error = await scheduler
      .recordCall({ ...recorded(update(0)), [field]: value } as RecordCallInput)
      .catch((e: unknown) => e);
    expect(isValidationError(error)).toBe(true);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([[field]]);
    expect((await scheduler.history(APP)).items).toEqual([]);
  });

  it('takes a voicemail URL of up to 2048 characters, a length of 0 and a 64-character word', async () => {
    const scheduler = setup();
    const url = `http://media.example/${'r'.repeat(2048 - 'http://media.example/'.length)}`;
    const record = await scheduler.recordCall({
      ...recorded(update(0)),
      recordingUrl: url,
      recordingDurationS: 0,
      providerStatus: 'w'.repeat(64),
    });
    expect([record.recordingUrl, record.recordingDurationS, record.providerStatus]).toEqual([
      url,
      0,
      'w'.repeat(64),
    ]);
  });
});
