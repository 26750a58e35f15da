import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { inboundPolicy, inboundRecordOf } from './inbound.js';

const TWILIO = {
  CALL_PROVIDER: 'twilio',
  TWILIO_ACCOUNT_SID: `AC${'a1'.repeat(16)}`,
  TWILIO_AUTH_TOKEN: 'an-auth-token-of-32-characters!!',
  PUBLIC_URL: 'https://demo.example',
};

describe('inboundPolicy', () => {
  it('greets and takes a voicemail by default', () => {
    expect(inboundPolicy(loadConfig(TWILIO))).toEqual({
      action: 'voicemail',
      message: 'Thank you for calling. Please leave a message after the tone.',
    });
  });

  it('forwards with INBOUND_FORWARD_TO for INBOUND_RING_S, then the message', () => {
    const config = loadConfig({
      ...TWILIO,
      INBOUND_FORWARD_TO: '415 555 0123',
      INBOUND_RING_S: '30',
      INBOUND_MESSAGE: 'Leave a message.',
    });
    expect(inboundPolicy(config)).toEqual({
      action: 'forward',
      to: '+14155550123',
      ringS: 30,
      message: 'Leave a message.',
    });
  });

  it('rejects with INBOUND_REJECT', () => {
    for (const reason of ['busy', 'rejected'] as const) {
      expect(inboundPolicy(loadConfig({ ...TWILIO, INBOUND_REJECT: reason }))).toEqual({
        action: 'reject',
        reason,
      });
    }
  });
});

describe('inboundRecordOf', () => {
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
