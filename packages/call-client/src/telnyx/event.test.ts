import { describe, expect, it } from 'vitest';
import { event } from '../../test/telnyx-fixtures.js';
import { isWebhookValidationError, type WebhookErrorReason } from '../errors/errors.js';
import { parseTelnyxWebhook, TELNYX_HANGUP_CAUSES } from './event.js';

const OCCURRED_AT = '2026-04-17T09:30:12.345Z';
const NOW = new Date('2026-04-17T10:00:00Z');
const CALL = 'v3:u5OAKGEPT3Dx8SZSSDRWEMdNH2OripQhO';

/** An event of `type` on {@link CALL}, occurred at {@link OCCURRED_AT}, with `payload` added. */
const body = (type: string, payload: Record<string, unknown> = {}) =>
  event(type, { call_control_id: CALL, ...payload }, { id: 'ev-1', occurredAt: OCCURRED_AT });

const parse = (value: unknown) => parseTelnyxWebhook(value, { now: NOW });

/** The `reason` of the WebhookValidationError `parse(value)` throws. */
function refusal(value: unknown): WebhookErrorReason | 'no error' | 'another error' {
  try {
    parse(value);
    return 'no error';
  } catch (error) {
    return isWebhookValidationError(error) ? error.reason : 'another error';
  }
}

describe('parseTelnyxWebhook', () => {
  it('reads call.initiated as initiated and call.answered as answered', () => {
    expect(parse(body('call.initiated'))).toMatchObject({
      callId: CALL,
      status: 'initiated',
      providerStatus: 'call.initiated',
      eventType: 'call.initiated',
    });
    expect(parse(body('call.answered'))).toMatchObject({
      callId: CALL,
      status: 'answered',
      providerStatus: 'call.answered',
      eventType: 'call.answered',
    });
  });

  it.each([
    ['normal_clearing', 'completed'],
    ['time_limit', 'completed'],
    ['user_busy', 'busy'],
    ['call_rejected', 'busy'],
    ['timeout', 'no-answer'],
    ['no_answer', 'no-answer'],
    ['originator_cancel', 'canceled'],
    ['not_found', 'failed'],
    ['unspecified', 'failed'],
    ['a_cause_telnyx_adds_later', 'failed'],
  ])('reads a call.hangup for %s as %s, with the cause as providerStatus', (cause, status) => {
    expect(parse(body('call.hangup', { hangup_cause: cause }))).toMatchObject({
      status,
      providerStatus: cause,
      hangupCause: cause,
      eventType: 'call.hangup',
    });
  });

  it('reads a call.hangup without a cause as failed, unspecified', () => {
    const parsed = parse(body('call.hangup'));
    expect(parsed).toMatchObject({ status: 'failed', providerStatus: 'unspecified' });
    expect(parsed).not.toHaveProperty('hangupCause');
  });

  it('maps every hang-up cause the telnyx package lists', () => {
    const statuses = Object.fromEntries(
      TELNYX_HANGUP_CAUSES.map((cause) => [
        cause,
        parse(body('call.hangup', { hangup_cause: cause }))?.status,
      ]),
    );
    expect(statuses).toEqual({
      call_rejected: 'busy',
      normal_clearing: 'completed',
      originator_cancel: 'canceled',
      timeout: 'no-answer',
      time_limit: 'completed',
      user_busy: 'busy',
      not_found: 'failed',
      no_answer: 'no-answer',
      unspecified: 'failed',
    });
  });

  it.each([
    ['call.machine.detection.ended', 'human', 'human'],
    ['call.machine.detection.ended', 'machine', 'machine'],
    ['call.machine.detection.ended', 'not_sure', 'unknown'],
    ['call.machine.premium.detection.ended', 'human_residence', 'human'],
    ['call.machine.premium.detection.ended', 'human_business', 'human'],
    ['call.machine.premium.detection.ended', 'machine', 'machine'],
    ['call.machine.premium.detection.ended', 'silence', 'unknown'],
    ['call.machine.premium.detection.ended', 'fax_detected', 'fax'],
    ['call.machine.premium.detection.ended', 'a_result_telnyx_adds_later', 'unknown'],
  ])('reads %s with result %s as answered by %s', (type, result, answeredBy) => {
    expect(parse(body(type, { result }))).toMatchObject({
      status: 'answered',
      answeredBy,
      providerStatus: type,
      eventType: type,
    });
  });

  it('reads a detection without a result as answered by unknown', () => {
    expect(parse(body('call.machine.detection.ended'))).toMatchObject({
      status: 'answered',
      answeredBy: 'unknown',
    });
  });

  it('gives no answeredBy to an answer that came without detection', () => {
    expect(parse(body('call.answered'))).not.toHaveProperty('answeredBy');
  });

  it("dates the event at Telnyx's occurred_at", () => {
    expect(parse(body('call.answered'))?.at).toEqual(new Date(OCCURRED_AT));
    const micro = event(
      'call.answered',
      { call_control_id: CALL },
      { occurredAt: '2018-02-02T22:25:27.521992Z' },
    );
    expect(parse(micro)?.at).toEqual(new Date('2018-02-02T22:25:27.521Z'));
  });

  it('dates the event at options.now when occurred_at is missing or unreadable', () => {
    const missing = event('call.answered', { call_control_id: CALL }, { occurredAt: null });
    const garbled = event('call.answered', { call_control_id: CALL }, { occurredAt: 'yesterday' });
    expect(parse(missing)?.at).toEqual(NOW);
    expect(parse(garbled)?.at).toEqual(NOW);
  });

  it('dates the event now when neither occurred_at nor options.now is given', () => {
    const missing = event('call.answered', { call_control_id: CALL }, { occurredAt: null });
    const before = Date.now();
    const at = parseTelnyxWebhook(missing)!.at.getTime();
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('reads the body as a JSON string, a Buffer or the parsed object, alike', () => {
    const value = body('call.hangup', { hangup_cause: 'user_busy' });
    const text = JSON.stringify(value);
    const fromObject = parse(value);
    expect(fromObject).toMatchObject({ callId: CALL, status: 'busy', raw: value });
    expect(parse(text)).toEqual(fromObject);
    expect(parse(Buffer.from(text, 'utf8'))).toEqual(fromObject);
  });

  it.each([
    'call.speak.started',
    'call.speak.ended',
    'call.machine.greeting.ended',
    'call.machine.premium.greeting.ended',
    'call.recording.saved',
    'call.bridged',
    'call.dtmf.received',
  ])('returns null for %s, which tells no status', (type) => {
    expect(parse(body(type))).toBeNull();
  });

  it('returns null for an event that tells no status even when its payload is not a call', () => {
    expect(parse(event('message.received', { id: 'msg-1' }))).toBeNull();
  });

  it('carries direction, from, to, the leg and session ids, the hang-up source, client_state and the event id', () => {
    const parsed = parse(
      body('call.hangup', {
        direction: 'outgoing',
        from: '+15005550006',
        to: '+14155552671',
        call_leg_id: 'leg-1',
        call_session_id: 'session-1',
        hangup_cause: 'normal_clearing',
        hangup_source: 'callee',
        client_state: 'eyJyayI6MX0=',
      }),
    );
    expect(parsed).toMatchObject({
      eventId: 'ev-1',
      direction: 'outgoing',
      from: '+15005550006',
      to: '+14155552671',
      callLegId: 'leg-1',
      callSessionId: 'session-1',
      hangupSource: 'callee',
      clientState: 'eyJyayI6MX0=',
    });
  });

  it('leaves out the fields Telnyx did not send, and an empty or null client_state', () => {
    const bare = {
      data: { event_type: 'call.answered', payload: { call_control_id: CALL, client_state: null } },
    };
    const parsed = parse(bare)!;
    for (const field of [
      'eventId',
      'direction',
      'from',
      'to',
      'callLegId',
      'callSessionId',
      'hangupCause',
      'hangupSource',
      'clientState',
      'answeredBy',
    ])
      expect(parsed).not.toHaveProperty(field);
    expect(parse(body('call.answered', { client_state: '' }))).not.toHaveProperty('clientState');
  });

  it('refuses a body that is not JSON, as not_json', () => {
    expect(refusal('{"data":')).toBe('not_json');
    expect(refusal(Buffer.from('not json'))).toBe('not_json');
    expect(refusal('')).toBe('not_json');
  });

  it('refuses JSON that is not an object, as not_object', () => {
    expect(refusal('[]')).toBe('not_object');
    expect(refusal([body('call.answered')])).toBe('not_object');
    expect(refusal('42')).toBe('not_object');
    expect(refusal(42)).toBe('not_object');
    expect(refusal('null')).toBe('not_object');
    expect(refusal(undefined)).toBe('not_object');
  });

  it('refuses an object without data or without data.event_type, as missing_status', () => {
    expect(refusal({})).toBe('missing_status');
    expect(refusal({ meta: { attempt: 1 } })).toBe('missing_status');
    expect(refusal({ data: null })).toBe('missing_status');
    expect(refusal({ data: { payload: { call_control_id: CALL } } })).toBe('missing_status');
    expect(refusal({ data: { event_type: 42, payload: { call_control_id: CALL } } })).toBe(
      'missing_status',
    );
    expect(refusal({ data: { event_type: 'Call Answered!', payload: {} } })).toBe('missing_status');
  });

  it('refuses a status event whose payload has no call_control_id, as missing_id', () => {
    expect(refusal(event('call.answered', {}))).toBe('missing_id');
    expect(refusal(event('call.hangup', { call_control_id: '' }))).toBe('missing_id');
    expect(refusal(event('call.hangup', { call_control_id: 42 }))).toBe('missing_id');
    // An id ringkit stores: text every store keeps as given.
    expect(refusal(event('call.hangup', { call_control_id: 'v3:a\u0000' }))).toBe('missing_id');
    expect(refusal(event('call.hangup', { call_control_id: 'v3:\uD800a' }))).toBe('missing_id');
    expect(refusal({ data: { event_type: 'call.initiated' } })).toBe('missing_id');
    expect(refusal({ data: { event_type: 'call.hangup', payload: 'x' } })).toBe('missing_id');
  });

  it('refuses a status event with a field of the wrong type, as invalid_field', () => {
    expect(refusal(body('call.hangup', { hangup_cause: 17 }))).toBe('invalid_field');
    expect(refusal(body('call.answered', { from: ['+1'] }))).toBe('invalid_field');
    expect(refusal(body('call.machine.detection.ended', { result: true }))).toBe('invalid_field');
    expect(refusal(body('call.answered', { client_state: 5 }))).toBe('invalid_field');
  });

  it('keeps the body and zod issues on the error it throws', () => {
    const value = body('call.hangup', { hangup_cause: 17 });
    let error: unknown;
    try {
      parse(value);
    } catch (caught) {
      error = caught;
    }
    expect(isWebhookValidationError(error)).toBe(true);
    if (!isWebhookValidationError(error)) return;
    expect(error.body).toBe(value);
    expect(error.issues.map((issue) => issue.path)).toEqual([['hangup_cause']]);
    expect(error.message).toContain('call.hangup');
  });
});
