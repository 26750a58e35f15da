import { describe, expect, it } from 'vitest';
import { accountSid, APP_NUMBER, CALLER, SID } from '../../test/twilio-fixtures.js';
import { inboundUpdateOf } from './inbound-update.js';
import { parseTwilioStatusCallback } from './status-callback.js';

const TIMESTAMP = 'Sun, 08 Mar 2026 08:01:10 +0000';

/** A status callback of the fixtures' call to the app's number, as Twilio sends it. */
const callback = (status: string, extra: Record<string, string> = {}) =>
  parseTwilioStatusCallback({
    AccountSid: accountSid,
    CallSid: SID,
    CallStatus: status,
    Direction: 'inbound',
    From: CALLER,
    To: APP_NUMBER,
    CallDuration: '31',
    SequenceNumber: '0',
    Timestamp: TIMESTAMP,
    ...extra,
  });

const ended = {
  provider: 'twilio',
  callId: SID,
  from: CALLER,
  to: APP_NUMBER,
  at: new Date('2026-03-08T08:01:10Z'),
};

describe('inboundUpdateOf', () => {
  it('reads a call the app’s TwiML answered and that completed as no-answer: whether someone talked is the Dial’s fact', () => {
    const event = callback('completed');
    expect(inboundUpdateOf(event)).toEqual({
      ...ended,
      status: 'no-answer',
      providerStatus: 'completed',
      raw: event.raw,
    });
  });

  it.each([
    ['a caller who hung up while it rang', 'canceled'],
    ['a rejected call', 'busy'],
    ['a call nobody answered', 'no-answer'],
    ['a call Twilio could not connect', 'failed'],
  ])('reads %s as %s', (_, status) => {
    expect(inboundUpdateOf(callback(status, { CallDuration: '0' }))).toMatchObject({
      ...ended,
      status,
      providerStatus: status,
    });
  });

  it.each([
    ['a call the app placed', 'outbound-api'],
    ['a forward its Dial placed', 'outbound-dial'],
  ])('is null for %s', (_, direction) => {
    expect(inboundUpdateOf(callback('completed', { Direction: direction }))).toBeNull();
  });

  it('is null for a callback that does not say its direction', () => {
    const { direction: _, ...event } = callback('canceled');
    expect(inboundUpdateOf(event)).toBeNull();
  });

  it.each(['ringing', 'in-progress', 'queued'])(
    'is null for an inbound callback that tells no end (%s)',
    (status) => {
      expect(inboundUpdateOf(callback(status))).toBeNull();
    },
  );

  it('reads the same callback twice as identical updates', () => {
    expect(inboundUpdateOf(callback('canceled'))).toEqual(inboundUpdateOf(callback('canceled')));
  });
});
