import { CallStatus as OfficialCallStatus } from '@vonage/voice';
import { describe, expect, it } from 'vitest';
import { vonageEvent } from '../../test/vonage-webhook-fixtures.js';
import { isWebhookValidationError, type WebhookErrorReason } from '../errors/errors.js';
import { parseVonageEvent } from './event.js';

const NOW = new Date('2026-04-17T10:00:00Z');
const UUID = '63f61863-4a51-4f6b-86e1-46edebcf9356';

const parse = (value: unknown) => parseVonageEvent(value, { now: NOW });

/** The `reason` of the WebhookValidationError `parse(value)` throws. */
function refusal(value: unknown): WebhookErrorReason | 'no error' | 'another error' {
  try {
    parse(value);
    return 'no error';
  } catch (error) {
    return isWebhookValidationError(error) ? error.reason : 'another error';
  }
}

describe('parseVonageEvent', () => {
  it('reads a ringing event: the leg uuid, the status, Vonage timestamp and fields', () => {
    const body = vonageEvent('ringing');
    expect(parse(body)).toEqual({
      callId: UUID,
      status: 'ringing',
      providerStatus: 'ringing',
      at: new Date('2026-04-17T09:30:12.345Z'),
      raw: body,
      conversationUuid: 'CON-f972836a-550f-45fa-956c-12a2ab5b7d22',
      direction: 'outbound',
      from: '447700900000',
      to: '447700900001',
    });
  });

  it('maps every status word of the official CallStatus enum', () => {
    const mapped = Object.values(OfficialCallStatus).map((word) => [
      word,
      parse(vonageEvent(word))!.status,
    ]);
    expect(Object.fromEntries(mapped)).toEqual({
      started: 'initiated',
      ringing: 'ringing',
      answered: 'answered',
      machine: 'answered',
      completed: 'completed',
      busy: 'busy',
      cancelled: 'canceled',
      failed: 'failed',
      rejected: 'failed',
      timeout: 'no-answer',
      unanswered: 'no-answer',
    });
  });

  it('reads machine detection as answered by a machine or a human, with its sub_state', () => {
    expect(parse(vonageEvent('machine', { sub_state: 'beep_start' }))).toMatchObject({
      status: 'answered',
      providerStatus: 'machine',
      answeredBy: 'machine',
      subState: 'beep_start',
    });
    expect(parse(vonageEvent('human'))).toMatchObject({ status: 'answered', answeredBy: 'human' });
    expect(parse(vonageEvent('answered'))).not.toHaveProperty('answeredBy');
  });

  it('reads the call of a machine detection event from its call_uuid, which it sends for uuid', () => {
    const { uuid, ...rest } = vonageEvent('human') as Record<string, unknown>;
    const body = { ...rest, call_uuid: uuid };
    expect(parse(body)).toMatchObject({ callId: UUID, answeredBy: 'human', raw: body });
    // uuid, where both are sent, is the leg.
    expect(parse({ ...body, uuid: 'another-leg' })).toMatchObject({ callId: 'another-leg' });
    expect(refusal({ ...rest })).toBe('missing_id');
    expect(refusal({ ...rest, call_uuid: 42 })).toBe('missing_id');
  });

  it('reads a completed event with its duration, start and end times', () => {
    const event = parse(
      vonageEvent('completed', {
        duration: '12',
        start_time: '2026-04-17T09:30:00.000Z',
        end_time: '2026-04-17T09:30:12.000Z',
        rate: '0.01',
        price: '0.002',
      }),
    );
    expect(event).toMatchObject({
      status: 'completed',
      durationS: 12,
      startTime: new Date('2026-04-17T09:30:00.000Z'),
      endTime: new Date('2026-04-17T09:30:12.000Z'),
    });
    expect(parse(vonageEvent('completed', { duration: 7 }))!.durationS).toBe(7);
  });

  it('gives no durationS to an event that did not complete, nor for null times', () => {
    const event = parse(
      vonageEvent('answered', { duration: '3', start_time: null, end_time: null }),
    );
    expect(event).not.toHaveProperty('durationS');
    expect(event).not.toHaveProperty('startTime');
    expect(event).not.toHaveProperty('endTime');
  });

  it('keeps the detail of an unsuccessful end', () => {
    expect(parse(vonageEvent('rejected', { detail: 'invalid_number' }))).toMatchObject({
      status: 'failed',
      providerStatus: 'rejected',
      detail: 'invalid_number',
    });
  });

  it('keeps an unknown status word verbatim, with status initiated', () => {
    expect(parse(vonageEvent('disconnected'))).toMatchObject({
      callId: UUID,
      status: 'initiated',
      providerStatus: 'disconnected',
    });
  });

  it('returns null for an event with no status (recording, input, transfer)', () => {
    const { status: _, ...record } = vonageEvent('x', { recording_url: 'https://api/x' });
    expect(parse(record)).toBeNull();
  });

  it('reads the JSON text and its bytes as the object', () => {
    const body = vonageEvent('busy');
    expect(parse(JSON.stringify(body))).toEqual(parse(body));
    expect(parse(Buffer.from(JSON.stringify(body)))).toEqual(parse(body));
  });

  it('takes now as the time of an event with no readable timestamp', () => {
    expect(parse(vonageEvent('ringing', { timestamp: 'yesterday' }))!.at).toEqual(NOW);
    const { timestamp: _, ...untimed } = vonageEvent('ringing');
    expect(parse(untimed)!.at).toEqual(NOW);
  });

  it.each([
    ['text that is not JSON', '{"uuid":', 'not_json'],
    ['bytes that are not JSON', Buffer.from('nope'), 'not_json'],
    ['a list', '[{"uuid":"x","status":"ringing"}]', 'not_object'],
    ['null', null, 'not_object'],
    ['a number', 42, 'not_object'],
    ['an event with no uuid', { status: 'ringing' }, 'missing_id'],
    ['an empty uuid', { uuid: ' ', status: 'ringing' }, 'missing_id'],
    ['a numeric uuid', { uuid: 12, status: 'ringing' }, 'missing_id'],
    ['a status that is not text', { uuid: UUID, status: 3 }, 'invalid_field'],
    ['an empty status', { uuid: UUID, status: '' }, 'invalid_field'],
    ['a negative duration', vonageEvent('completed', { duration: '-1' }), 'invalid_field'],
    ['a duration in words', vonageEvent('completed', { duration: 'ten' }), 'invalid_field'],
    ['a fractional duration', vonageEvent('completed', { duration: 1.5 }), 'invalid_field'],
    ['a direction that is not text', vonageEvent('ringing', { direction: 1 }), 'invalid_field'],
  ])('refuses %s with a WebhookValidationError (%s)', (_, body, expected) => {
    expect(refusal(body)).toBe(expected);
  });
});
