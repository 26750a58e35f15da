import { describe, expect, it } from 'vitest';
import { isWebhookValidationError, type WebhookValidationError } from '../errors/errors.js';
import { parseTwilioStatusCallback, TWILIO_CALL_STATUSES } from './status-callback.js';

const SID = 'CA0123456789abcdef0123456789abcdef';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';

const callback = (extra: Record<string, string | string[]> = {}) => ({
  AccountSid: ACCOUNT,
  ApiVersion: '2010-04-01',
  CallSid: SID,
  CallStatus: 'ringing',
  Direction: 'outbound-api',
  From: '+15005550006',
  To: '+14155552671',
  SequenceNumber: '1',
  Timestamp: 'Mon, 16 Aug 2010 03:45:01 +0000',
  ...extra,
});

function refusal(params: Record<string, unknown>): WebhookValidationError {
  try {
    parseTwilioStatusCallback(params as never);
  } catch (error) {
    expect(isWebhookValidationError(error)).toBe(true);
    return error as WebhookValidationError;
  }
  throw new Error('the callback was accepted');
}

describe('parseTwilioStatusCallback', () => {
  it('reads a callback into an event with Twilio’s fields', () => {
    expect(parseTwilioStatusCallback(callback())).toEqual({
      callId: SID,
      status: 'ringing',
      providerStatus: 'ringing',
      at: new Date('2010-08-16T03:45:01Z'),
      sequence: 1,
      accountSid: ACCOUNT,
      to: '+14155552671',
      from: '+15005550006',
      direction: 'outbound-api',
      raw: callback(),
    });
  });

  it.each([
    ['human', 'human'],
    ['machine_start', 'machine'],
    ['machine_end_beep', 'machine'],
    ['machine_end_silence', 'machine'],
    ['machine_end_other', 'machine'],
    ['fax', 'fax'],
    ['unknown', 'unknown'],
  ])('reads AnsweredBy=%s as answeredBy %s', (word, answeredBy) => {
    const event = parseTwilioStatusCallback({
      ...callback(),
      CallStatus: 'in-progress',
      AnsweredBy: word,
    });
    expect(event.answeredBy).toBe(answeredBy);
    expect((event.raw as Record<string, string>)['AnsweredBy']).toBe(word);
  });

  it('keeps the fields it does not read in raw: ErrorCode, SipResponseCode, ParentCallSid', () => {
    const fields = { ErrorCode: '31005', SipResponseCode: '487', ParentCallSid: SID };
    const event = parseTwilioStatusCallback({ ...callback(), CallStatus: 'failed', ...fields });
    expect(event.raw).toMatchObject(fields);
    expect(event).not.toHaveProperty('answeredBy');
  });

  it('refuses an AnsweredBy that is not a word', () => {
    const error = refusal({ ...callback(), AnsweredBy: '<script>' });
    expect(error.reason).toBe('invalid_field');
    expect(error.message).toContain('AnsweredBy');
  });

  it('reads the same callback from URLSearchParams and from the form-encoded body', () => {
    const form = new URLSearchParams(callback());
    const expected = parseTwilioStatusCallback(callback());
    expect(parseTwilioStatusCallback(form)).toEqual(expected);
    expect(parseTwilioStatusCallback(form.toString())).toEqual(expected);
  });

  it('refuses a field repeated in a form-encoded body', () => {
    const body = `${new URLSearchParams(callback()).toString()}&CallStatus=completed`;
    const error = refusal(body as never);
    expect(error.reason).toBe('invalid_field');
    expect(error.message).toContain('CallStatus');
  });

  it.each([
    ['Mon, 16 Aug 2010 03:45:01 +0000', '2010-08-16T03:45:01Z'],
    ['16 Aug 2010 03:45:01 +0200', '2010-08-16T01:45:01Z'],
    ['Mon, 16 Aug 2010 03:45 GMT', '2010-08-16T03:45:00Z'],
    ['Sun, 29 Feb 2004 23:59:59 -0100', '2004-03-01T00:59:59Z'],
  ])('reads the RFC 2822 Timestamp %s', (timestamp, iso) => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(parseTwilioStatusCallback(callback({ Timestamp: timestamp }), { now }).at).toEqual(
      new Date(iso),
    );
  });

  it.each([
    ['not a date', 'yesterday-ish'],
    ['a bare number', '1'],
    ['ISO 8601 rather than RFC 2822', '2010-08-16T03:45:01Z'],
    ['the 30th of February', 'Tue, 30 Feb 2010 03:45:01 +0000'],
    ['a 32nd day', 'Mon, 32 Aug 2010 03:45:01 +0000'],
    ['an hour 25', 'Mon, 16 Aug 2010 25:45:01 +0000'],
    ['an unknown month', 'Mon, 16 Aug2 2010 03:45:01 +0000'],
    ['empty', ''],
  ])('takes options.now when the Timestamp is %s', (_, timestamp) => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(parseTwilioStatusCallback(callback({ Timestamp: timestamp }), { now }).at).toEqual(now);
  });

  it('maps in-progress to answered and queued to initiated, and reads the duration', () => {
    expect(parseTwilioStatusCallback(callback({ CallStatus: 'in-progress' }))).toMatchObject({
      status: 'answered',
      providerStatus: 'in-progress',
    });
    expect(parseTwilioStatusCallback(callback({ CallStatus: 'queued' })).status).toBe('initiated');
    expect(
      parseTwilioStatusCallback(callback({ CallStatus: 'completed', CallDuration: '42' })),
    ).toMatchObject({ status: 'completed', durationS: 42 });
  });

  it.each(TWILIO_CALL_STATUSES)('takes the Twilio word %s', (word) => {
    expect(parseTwilioStatusCallback(callback({ CallStatus: word })).providerStatus).toBe(word);
  });

  it('takes the time of receipt when the Timestamp is missing or unreadable', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const { Timestamp: _, ...without } = callback();
    expect(parseTwilioStatusCallback(without, { now }).at).toEqual(now);
    expect(parseTwilioStatusCallback(callback({ Timestamp: 'yesterday-ish' }), { now }).at).toEqual(
      now,
    );
    const before = Date.now();
    expect(parseTwilioStatusCallback(without).at.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('takes a field given once as a one-element list, and ignores parameters it does not read', () => {
    expect(parseTwilioStatusCallback(callback({ CallSid: [SID] })).callId).toBe(SID);
    const event = parseTwilioStatusCallback(callback({ Called: ['+1', '+2'], Foo: 'bar' }));
    expect(event).not.toHaveProperty('Foo');
    expect(event.callId).toBe(SID);
  });

  it.each([
    ['a missing CallSid', { CallSid: undefined }, 'missing_id'],
    ['a CallSid that is not CA + 32 hex digits', { CallSid: 'CA123' }, 'missing_id'],
    ['a message SID', { CallSid: `SM${SID.slice(2)}` }, 'missing_id'],
    ['a missing CallStatus', { CallStatus: undefined }, 'missing_status'],
    ['an empty CallStatus', { CallStatus: ' ' }, 'missing_status'],
    ['an unknown word', { CallStatus: 'exploded' }, 'unknown_status'],
    ['a word Twilio never sends', { CallStatus: 'answered' }, 'unexpected_status'],
    ['a repeated CallStatus', { CallStatus: ['ringing', 'completed'] }, 'invalid_field'],
    ['a bad AccountSid', { AccountSid: 'AC1' }, 'invalid_field'],
    ['a missing AccountSid', { AccountSid: undefined }, 'invalid_field'],
    ['a fractional SequenceNumber', { SequenceNumber: '1.5' }, 'invalid_field'],
    ['a negative CallDuration', { CallDuration: '-3' }, 'invalid_field'],
    ['a CallDuration that is not a number', { CallDuration: 'long' }, 'invalid_field'],
    ['a repeated AccountSid', { AccountSid: [ACCOUNT, ACCOUNT] }, 'invalid_field'],
    ['a To over 256 characters', { To: '1'.repeat(257) }, 'invalid_field'],
    ['a Timestamp over 100 characters', { Timestamp: 'x'.repeat(101) }, 'invalid_field'],
    ['a Direction that is not a word', { Direction: 'Outbound API' }, 'invalid_field'],
  ])('refuses %s with a WebhookValidationError', (_, change, reason) => {
    const params: Record<string, unknown> = { ...callback(), ...change };
    for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
    expect(refusal(params).reason).toBe(reason);
  });

  it.each([
    ['AccountSid', { AccountSid: 'AC1' }],
    ['SequenceNumber', { SequenceNumber: 'x' }],
    ['CallDuration', { CallDuration: '1e3' }],
    ['From', { From: '+'.repeat(300) }],
    ['Direction', { Direction: 'IN' }],
  ])('names the invalid field %s in the error', (field, change) => {
    const error = refusal({ ...callback(), ...change });
    expect(error.message).toContain(field);
    expect(error.issues.map((issue) => issue.path[0])).toEqual([field]);
  });

  it('keeps the unknown word on the error', () => {
    expect(refusal(callback({ CallStatus: 'exploded' })).providerStatus).toBe('exploded');
  });

  it('refuses something that is not a parameter object', () => {
    expect(refusal(null as never).reason).toBe('not_object');
    expect(refusal([] as never).reason).toBe('not_object');
    expect(refusal(42 as never).reason).toBe('not_object');
    expect(refusal({ ...callback(), CallDuration: 42 } as never).reason).toBe('not_object');
    expect(refusal({ ...callback(), Extra: { nested: 'x' } } as never).reason).toBe('not_object');
  });
});
