import {
  CALL_STATUSES,
  isTerminal,
  statusRank,
  TERMINAL_STATUSES,
  type CallStatus,
} from '@ringkit/call-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { APP_NUMBER, arrivals, inboundCall } from '../test/inbound-calls.js';
import type { StoredCallRecord } from './store.js';
import type { RecordCallInput } from './types.js';
import { mergeCallRecords, timesInOrder } from './_merge-records.js';
import { validateRecordCall } from './_record-call.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const CALLER = '+14155552671';
const LIVE = CALL_STATUSES.filter((status) => !isTerminal(status));
const MISSED = TERMINAL_STATUSES.filter((status) => status !== 'completed');

/** `input` as `recordCall()` checks it into a record. */
const checked = (input: RecordCallInput): StoredCallRecord =>
  validateRecordCall(input, {
    defaultCountry: 'US',
    callerId: APP_NUMBER,
    generateId: () => 'generated',
  });

/** A report of call `twilio:CA1` from the caller to the app, `ringing` at `T0` unless told. */
const report = (fields: Partial<RecordCallInput> = {}) =>
  checked({
    id: 'twilio:CA1',
    from: CALLER,
    to: APP_NUMBER,
    status: 'ringing',
    startedAt: new Date(T0),
    ...fields,
  });

const mergeAll = (records: StoredCallRecord[]) => records.reduce(mergeCallRecords);

describe('mergeCallRecords', () => {
  it('moves the status forward only: a late ringing never undoes the end', () => {
    const ringing = report({ providerStatus: 'ringing' });
    const missed = report({
      status: 'no-answer',
      startedAt: new Date(T0 + 20_000),
      endedAt: new Date(T0 + 20_000),
      providerStatus: 'no-answer',
    });
    expect(mergeCallRecords(missed, ringing)).toMatchObject({
      status: 'no-answer',
      providerStatus: 'no-answer',
    });
    expect(mergeCallRecords(ringing, missed)).toMatchObject({
      status: 'no-answer',
      providerStatus: 'no-answer',
    });
  });

  it('ends at the most telling end whichever came first: a conversation, then a caller who hung up, busy, no answer, failed', () => {
    const end = (status: CallStatus, providerStatus: string) =>
      report({ status, endedAt: new Date(T0 + 30_000), providerStatus });
    const ends = (['failed', 'no-answer', 'busy', 'canceled', 'completed'] as const).map((s) =>
      end(s, s),
    );
    for (const [i, lower] of ends.entries()) {
      for (const higher of ends.slice(i + 1)) {
        expect(mergeCallRecords(lower, higher)).toMatchObject({
          status: higher.status,
          providerStatus: higher.status,
        });
        expect(mergeCallRecords(higher, lower)).toMatchObject({
          status: higher.status,
          providerStatus: higher.status,
        });
      }
    }
  });

  it("keeps the first report's parties and direction", () => {
    const first = report();
    const later = { ...report(), from: '+16505550111', to: '+13018040009' };
    expect(mergeCallRecords(first, { ...later, direction: 'outbound' as const })).toMatchObject({
      from: CALLER,
      to: APP_NUMBER,
      direction: 'inbound',
    });
  });

  it('keeps the earliest start, answer and end, never an answer after the end', () => {
    const a = report({ startedAt: new Date(T0 + 5_000) });
    const b = report({
      status: 'completed',
      startedAt: new Date(T0 + 90_000),
      answeredAt: new Date(T0 + 12_000),
      endedAt: new Date(T0 + 90_000),
    });
    const c = report({
      status: 'completed',
      startedAt: new Date(T0 + 3_000),
      answeredAt: new Date(T0 + 15_000),
      endedAt: new Date(T0 + 80_000),
    });
    expect(mergeAll([a, b, c])).toMatchObject({
      startedAt: T0 + 3_000,
      answeredAt: T0 + 12_000,
      endedAt: T0 + 80_000,
    });
    // An answer reported after an end reported earlier was given at that end at the latest.
    const late = report({ answeredAt: new Date(T0 + 50_000) });
    const ended = report({ status: 'no-answer', endedAt: new Date(T0 + 40_000) });
    expect(mergeCallRecords(ended, late)).toMatchObject({
      startedAt: T0,
      answeredAt: T0 + 40_000,
      endedAt: T0 + 40_000,
    });
    expect(mergeCallRecords(report(), report({ startedAt: new Date(T0 - 1) })).startedAt).toBe(
      T0 - 1,
    );
  });

  it("takes the conversation's length from the completed report, never from a missed one", () => {
    const completed = report({
      status: 'completed',
      answeredAt: new Date(T0 + 10_000),
      endedAt: new Date(T0 + 70_000),
      durationS: 58,
    });
    const missed = report({ status: 'no-answer', endedAt: new Date(T0 + 9_000), durationS: 3 });
    expect(mergeCallRecords(missed, completed).durationS).toBe(58);
    expect(mergeCallRecords(completed, missed).durationS).toBe(58);
    expect(mergeCallRecords(report(), missed).durationS).toBe(3);
  });

  it('keeps the first voicemail and who answered; a later report fills in what the first left out', () => {
    const voicemail = report({
      status: 'no-answer',
      endedAt: new Date(T0 + 30_000),
      recordingUrl: 'https://api.example/recordings/RE1',
      recordingDurationS: 12,
      answeredBy: 'machine',
    });
    const other = report({
      status: 'no-answer',
      endedAt: new Date(T0 + 30_000),
      recordingUrl: 'https://api.example/recordings/RE2',
      recordingDurationS: 40,
      answeredBy: 'human',
    });
    expect(mergeCallRecords(voicemail, other)).toMatchObject({
      recordingUrl: 'https://api.example/recordings/RE1',
      recordingDurationS: 12,
      answeredBy: 'machine',
    });
    expect(mergeCallRecords(report(), voicemail)).toMatchObject({
      recordingUrl: 'https://api.example/recordings/RE1',
      recordingDurationS: 12,
      answeredBy: 'machine',
    });
  });

  it('keeps the word of the status that won: the first one said at that status', () => {
    const ringing = report({ providerStatus: 'ringing' });
    const noWord = report({ status: 'busy', endedAt: new Date(T0 + 1_000) });
    const busy = report({
      status: 'busy',
      endedAt: new Date(T0 + 1_000),
      providerStatus: 'USER_BUSY',
    });
    expect(mergeCallRecords(ringing, noWord).providerStatus).toBeNull();
    expect(mergeAll([ringing, noWord, busy]).providerStatus).toBe('USER_BUSY');
    expect(mergeAll([busy, { ...busy, providerStatus: 'busy' }]).providerStatus).toBe('USER_BUSY');
  });

  it('marks the outcome unknown only while every report says so', () => {
    const unknown = { ...report({ status: 'failed', outcomeUnknown: true }), from: APP_NUMBER };
    const known = { ...report({ status: 'failed' }), from: APP_NUMBER };
    expect(mergeCallRecords(unknown, unknown).outcomeUnknown).toBe(true);
    expect(mergeCallRecords(unknown, known).outcomeUnknown).toBe(false);
    expect(mergeCallRecords(known, unknown).outcomeUnknown).toBe(false);
  });

  describe('the updates of one inbound call (fast-check)', () => {
    it('gives one record whatever the order and the repeats of the updates', () => {
      const scenario = inboundCall('twilio:CA1').chain((call) => {
        const records = call.updates.map(checked);
        return fc.tuple(fc.constant(call), fc.constant(records), arrivals(records));
      });
      fc.assert(
        fc.property(scenario, ([call, records, order]) => {
          const expected = mergeAll(records);
          expect(mergeAll(order)).toEqual(expected);
          expect(expected.status).toBe(call.outcome);
          expect(expected).toMatchObject({ from: call.caller, to: APP_NUMBER });
        }),
        { numRuns: 1000 },
      );
      // 1,000 generated calls: about 2 s alone, over 20 s on a busy machine.
    }, 120_000);

    it('is commutative, associative and idempotent over them', () => {
      const three = inboundCall('twilio:CA1').chain(
        (call) =>
          fc.tuple(
            ...[0, 1, 2].map(() => fc.constantFrom(...call.updates).map(checked)),
          ) as fc.Arbitrary<[StoredCallRecord, StoredCallRecord, StoredCallRecord]>,
      );
      fc.assert(
        fc.property(three, ([a, b, c]) => {
          expect(mergeCallRecords(a, b)).toEqual(mergeCallRecords(b, a));
          expect(mergeCallRecords(mergeCallRecords(a, b), c)).toEqual(
            mergeCallRecords(a, mergeCallRecords(b, c)),
          );
          expect(mergeCallRecords(a, a)).toEqual(a);
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('any records of one id (fast-check)', () => {
    const time = fc.integer({ min: T0, max: T0 + 100_000 });
    const record = (statuses: readonly CallStatus[] = CALL_STATUSES) =>
      fc
        .record({
          status: fc.constantFrom(...statuses),
          startedAt: time,
          answeredAt: fc.option(time),
          endedAt: fc.option(time),
          durationS: fc.option(fc.integer({ min: 0, max: 600 })),
          outcomeUnknown: fc.boolean(),
          answeredBy: fc.option(fc.constantFrom('human' as const, 'machine' as const)),
          recordingUrl: fc.option(fc.constantFrom('https://a.example/1', 'https://a.example/2')),
          recordingDurationS: fc.option(fc.integer({ min: 0, max: 120 })),
          providerStatus: fc.option(fc.constantFrom('a', 'b', 'c')),
          campaign: fc.option(fc.constantFrom('spring', 'autumn')),
          from: fc.constantFrom(CALLER, '+16505550111'),
        })
        .map((r): StoredCallRecord => ({
          ...r,
          ...timesInOrder(r),
          id: 'twilio:CA1',
          to: APP_NUMBER,
          direction: 'inbound',
        }));

    it('changes nothing when a report is merged again, even when reports disagree', () => {
      fc.assert(
        fc.property(record(), record(), (a, b) => {
          const ab = mergeCallRecords(a, b);
          expect(mergeCallRecords(ab, b)).toEqual(ab);
          expect(mergeCallRecords(ab, a)).toEqual(ab);
          expect(mergeCallRecords(a, a)).toEqual(a);
        }),
        { numRuns: 2000 },
      );
    });

    it('is associative when the reports name one final status besides completed, whatever else they say', () => {
      const three = fc.constantFrom(...MISSED).chain((missed) => {
        const one = record([...LIVE, 'completed', missed]);
        return fc.tuple(one, one, one);
      });
      fc.assert(
        fc.property(three, ([a, b, c]) => {
          expect(mergeCallRecords(mergeCallRecords(a, b), c)).toEqual(
            mergeCallRecords(a, mergeCallRecords(b, c)),
          );
        }),
        { numRuns: 2000 },
      );
    });

    it('never moves a record back: its status rank, its times and its facts stay', () => {
      fc.assert(
        fc.property(record(), record(), (a, b) => {
          const merged = mergeCallRecords(a, b);
          expect(statusRank(merged.status)).toBe(
            Math.max(statusRank(a.status), statusRank(b.status)),
          );
          expect(merged.startedAt).toBeLessThanOrEqual(Math.min(a.startedAt, b.startedAt));
          for (const side of [a, b]) {
            if (side.status === 'completed') expect(merged.status).toBe('completed');
            if (side.answeredAt !== null) expect(merged.answeredAt).not.toBeNull();
            if (side.endedAt !== null) expect(merged.endedAt).not.toBeNull();
            for (const fact of ['recordingUrl', 'recordingDurationS', 'answeredBy'] as const) {
              if (side[fact] !== null) expect(merged[fact]).not.toBeNull();
            }
          }
          expect(merged.startedAt).toBeLessThanOrEqual(merged.answeredAt ?? Infinity);
          expect(merged.answeredAt ?? -Infinity).toBeLessThanOrEqual(merged.endedAt ?? Infinity);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
