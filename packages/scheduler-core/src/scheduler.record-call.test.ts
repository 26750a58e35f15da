/**
 * `recordCall` of an inbound call: each webhook's update recorded under the call's id, merged
 * into one line of history that never moves back, with the caller's voicemail; the new fields
 * checked like the others.
 */
import type { InboundCallUpdate } from '@ringkit/call-client';
import { createFakeProvider } from '@ringkit/simulator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidationError, type ValidationError } from './errors.js';
import { inboundRecordOf } from './_record-call.js';
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

describe('recordCall and recordInbound of an inbound call', () => {
  it("is a missed inbound call with its voicemail seen from the app's number, a missed outbound one from the caller's", async () => {
    const scheduler = setup();
    for (const u of missedWithVoicemail) await scheduler.recordInbound(u);
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
    for (const u of talked) await scheduler.recordInbound(u);
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
      campaign: null,
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
      [...missedWithVoicemail, ...missedWithVoicemail].map((u) => scheduler.recordInbound(u)),
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

describe('recordInbound', () => {
  it('merges the updates of one call, in any order, repeated and at once, into one line of history', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray([0, 1, 2, 0, 1, 2], { minLength: 6, maxLength: 6 }),
        fc.boolean(),
        async (order, together) => {
          const scheduler = setup();
          const updates = order.map((i) => missedWithVoicemail[i]!);
          if (together) await Promise.all(updates.map((u) => scheduler.recordInbound(u)));
          else for (const u of updates) await scheduler.recordInbound(u);
          expect((await scheduler.history(APP)).items).toEqual([
            {
              id: 'twilio:CA1',
              createdAt: new Date(T0),
              counterparty: CALLER,
              type: 'Missed Inbound',
              recordingUrl: RECORDING,
            },
          ]);
          expect(await scheduler.recordInbound(update(40_000))).toMatchObject({
            direction: 'inbound',
            status: 'no-answer',
            startedAt: new Date(T0),
            endedAt: new Date(T0 + 25_000),
            recordingDurationS: 6,
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps calls of two providers with one id apart', async () => {
    const scheduler = setup();
    await scheduler.recordInbound(update(0));
    await scheduler.recordInbound(update(1_000, { provider: 'telnyx', status: 'busy' }));
    expect((await scheduler.history(APP)).items.map((e) => [e.id, e.type])).toEqual([
      ['telnyx:CA1', 'Missed Inbound'],
      ['twilio:CA1', 'In progress Inbound'],
    ]);
  });

  it.each([
    ['nothing', null, ['']],
    ['a number', 42, ['provider', 'callId', 'at']],
    ['no call id', { ...update(0), callId: undefined }, ['callId']],
    ['an empty provider', { ...update(0), provider: '' }, ['provider']],
    ['a call id of 201 characters', { ...update(0), callId: 'C'.repeat(201) }, ['callId']],
    ['a time that is no date', { ...update(0), at: '2026-06-01T12:00:00Z' }, ['at']],
    ['an invalid date', { ...update(0), at: new Date(Number.NaN) }, ['at']],
    ['a status that is none', { ...update(0), status: 'rang' }, ['status']],
    ['a caller that is no number', { ...update(0), from: 'anonymous' }, ['from']],
  ])(
    'refuses %s with a ValidationError naming what is wrong, and stores nothing',
    async (_, bad, paths) => {
      const scheduler = setup();
      const error = await scheduler.recordInbound(bad as InboundCallUpdate).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isValidationError(error)).toBe(true);
      const issues = (error as ValidationError).issues.map((i) => i.path.join('.'));
      for (const path of paths) if (path !== '') expect(issues).toContain(path);
      expect((await scheduler.history(APP)).items).toEqual([]);
      expect((await scheduler.history(CALLER)).items).toEqual([]);
    },
  );
});

describe('inboundRecordOf, the record recordInbound writes', () => {
  const at = new Date('2030-01-01T10:00:00Z');
  const update = {
    provider: 'twilio',
    callId: 'CA1',
    from: '+14155552671',
    to: '+14155550100',
    at,
    providerStatus: 'ringing',
    raw: {},
  };

  it('keys the record by provider and call id, open while the call rings', () => {
    expect(inboundRecordOf({ ...update, status: 'ringing' })).toEqual({
      id: 'twilio:CA1',
      from: '+14155552671',
      to: '+14155550100',
      direction: 'inbound',
      status: 'ringing',
      startedAt: at,
      answeredAt: null,
      endedAt: null,
      durationS: null,
      recordingUrl: null,
      recordingDurationS: null,
      answeredBy: null,
      providerStatus: 'ringing',
    });
  });

  it('ends it at a terminal status, with the voicemail or the conversation', () => {
    expect(
      inboundRecordOf({
        ...update,
        status: 'no-answer',
        providerStatus: 'voicemail',
        recordingUrl: 'https://api.twilio.com/x/RE1',
        recordingDurationS: 7,
      }),
    ).toMatchObject({
      status: 'no-answer',
      endedAt: at,
      recordingUrl: 'https://api.twilio.com/x/RE1',
      recordingDurationS: 7,
    });
    const answeredAt = new Date(at.getTime() - 42_000);
    expect(
      inboundRecordOf({ ...update, status: 'completed', answeredAt, durationS: 42 }),
    ).toMatchObject({ status: 'completed', answeredAt, endedAt: at, durationS: 42 });
  });
});
