import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { inboundPolicy } from './inbound.js';

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
