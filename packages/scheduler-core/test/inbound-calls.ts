/**
 * The updates of one inbound call, as an app hands them to `recordCall` (not part of the
 * package): what the webhooks of a call to the app's own number tell, each as
 * `InboundCallUpdate` says (`ringing` while it rings, then its end: `completed` with the
 * conversation's answer and length, or a missed status, perhaps with a voicemail), repeated,
 * late, and with the times the provider gave or the webhook's arrival.
 */
import type { AnsweredBy, CallStatus } from '@ringkit/call-client';
import fc from 'fast-check';
import type { RecordCallInput } from '../src/types.js';

/** The app's own number: the `to` of every inbound call, the scheduler's `callerId`. */
export const APP_NUMBER = '+14155550100';
const T0 = Date.UTC(2026, 0, 1, 12);
const MISSED = ['no-answer', 'canceled', 'busy', 'failed'] as const;

/** One inbound call: its facts, and the updates its webhooks bring (at least one). */
export interface InboundCall {
  caller: string;
  /** `completed` when someone talked with the caller, else the missed status (`ringing` before the end). */
  outcome: CallStatus;
  updates: RecordCallInput[];
}

const report = fc.record({
  /** `ring`: a `ringing` update; `end`: the call's end; `leg`: a missed end beside `completed`. */
  kind: fc.constantFrom('ring', 'end', 'end', 'leg'),
  /** How late the webhook's time is, in ms: the provider's time, or its arrival. */
  lateMs: fc.integer({ min: 0, max: 4_000 }),
  withRecording: fc.boolean(),
  withAnsweredBy: fc.boolean(),
});

/**
 * One inbound call with id `id` and its updates, in the order its webhooks were sent. The
 * updates agree on every fact, as the webhooks of one call do: one missed status, one
 * conversation (its answer and length), one voicemail, one word per status.
 */
export function inboundCall(id: string): fc.Arbitrary<InboundCall> {
  return fc
    .record({
      caller: fc.constantFrom('+14155552671', '+16505550111', '+13018040009'),
      missed: fc.constantFrom(...MISSED),
      completed: fc.boolean(),
      startOffsetMs: fc.integer({ min: 0, max: 3_600_000 }),
      ringMs: fc.integer({ min: 1_000, max: 60_000 }),
      talkS: fc.integer({ min: 1, max: 900 }),
      recording: fc.option(
        fc.record({
          url: fc.webUrl({ validSchemes: ['https'], size: 'small' }),
          durationS: fc.integer({ min: 1, max: 120 }),
        }),
      ),
      answeredBy: fc.option(fc.constantFrom<AnsweredBy>('human', 'machine', 'unknown')),
      words: fc.record({
        ringing: fc.constantFrom('ringing', 'call.initiated'),
        completed: fc.constantFrom('completed', 'NORMAL_CLEARING'),
        missed: fc.constantFrom('no-answer', 'canceled', 'busy', 'USER_BUSY', 'completed'),
      }),
      reports: fc.array(report, { minLength: 1, maxLength: 7 }),
    })
    .map((call): InboundCall => {
      const startedAt = T0 + call.startOffsetMs;
      const ringEnd = startedAt + call.ringMs;
      const endedAt = call.completed ? ringEnd + call.talkS * 1000 : ringEnd;
      const updates = call.reports.map((r): RecordCallInput => {
        const base = {
          id,
          from: call.caller,
          to: APP_NUMBER,
          ...(r.withAnsweredBy && call.answeredBy ? { answeredBy: call.answeredBy } : {}),
        };
        if (r.kind === 'ring') {
          const at = new Date(Math.min(startedAt + r.lateMs, ringEnd));
          return { ...base, status: 'ringing', startedAt: at, providerStatus: call.words.ringing };
        }
        const at = new Date(endedAt + r.lateMs);
        if (call.completed && r.kind === 'end') {
          return {
            ...base,
            status: 'completed',
            startedAt: at,
            answeredAt: new Date(ringEnd),
            endedAt: at,
            durationS: call.talkS,
            providerStatus: call.words.completed,
          };
        }
        return {
          ...base,
          status: call.missed,
          startedAt: at,
          endedAt: at,
          providerStatus: call.words.missed,
          ...(r.withRecording && call.recording
            ? { recordingUrl: call.recording.url, recordingDurationS: call.recording.durationS }
            : {}),
        };
      });
      const said = (status: CallStatus) => updates.some((update) => update.status === status);
      const outcome = said('completed') ? 'completed' : said(call.missed) ? call.missed : 'ringing';
      return { caller: call.caller, outcome, updates };
    });
}

/**
 * The order in which the updates reach `recordCall`: every update at least once, some again
 * (a repeated webhook), shuffled (late, out of order, at different workers).
 */
export function arrivals<T>(updates: T[]): fc.Arbitrary<T[]> {
  return fc
    .array(fc.nat({ max: updates.length - 1 }), { maxLength: updates.length })
    .chain((repeats) =>
      fc.shuffledSubarray([...updates.keys(), ...repeats], {
        minLength: updates.length + repeats.length,
      }),
    )
    .map((order) => order.map((i) => updates[i]!));
}
