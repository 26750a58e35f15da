import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import {
  accountSid,
  APP_NUMBER,
  authToken,
  CALLER,
  inboundParams,
  SID,
} from '../../test/twilio-fixtures.js';
import { isInvalidOptionsError, isWebhookValidationError } from '../errors/errors.js';
import type { InboundCallUpdate, InboundPolicy } from '../inbound/inbound.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTwilioVoiceHandler, type TwilioVoiceHandlerOptions } from './voice.js';

const VOICE = 'https://app.example/webhooks/twilio/voice';
const DIAL = `${VOICE}?step=dial`;
const VOICEMAIL = `${VOICE}?step=voicemail`;
const NOW = '2026-03-08T08:00:00.000Z';
const HANGUP = '<Response><Hangup/></Response>';

const forward: InboundPolicy = {
  action: 'forward',
  to: '+14155550123',
  ringS: 20,
  message: 'Please leave a message.',
};

function setup(options: Partial<TwilioVoiceHandlerOptions> = {}) {
  const updates: InboundCallUpdate[] = [];
  const errors: unknown[] = [];
  const handle = createTwilioVoiceHandler({
    authToken,
    policy: forward,
    actionUrl: VOICE,
    clock: createFakeClock(NOW),
    onUpdate: (update) => void updates.push(update),
    onError: (error) => void errors.push(error),
    ...options,
  });
  /** Sends `params` to `url` as Twilio does, signed by the official twilio package. */
  const send = (url: string, params: Record<string, string>) =>
    handle({ url, params, signature: twilio.getExpectedTwilioSignature(authToken, url, params) });
  return { handle, send, updates, errors };
}

/** The update every request about the fixtures' call starts from. */
const call = { provider: 'twilio', callId: SID, from: CALLER, to: APP_NUMBER, at: new Date(NOW) };

const dialed = (extra: Record<string, string>) =>
  inboundParams({ CallStatus: 'in-progress', DialCallSid: `CA${'f'.repeat(32)}`, ...extra });
const recorded = inboundParams({
  CallStatus: 'completed',
  RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/RE${'1'.repeat(32)}`,
  RecordingDuration: '14',
  RecordingSid: `RE${'1'.repeat(32)}`,
});

describe('createTwilioVoiceHandler', () => {
  it('tells that a call rings, then answers it by policy', async () => {
    const { send, updates } = setup();
    const params = inboundParams();
    const answer = await send(VOICE, params);
    expect(answer).toMatchObject({ status: 200, twiml: expect.stringContaining('<Dial') });
    expect(updates).toEqual([
      { ...call, status: 'ringing', providerStatus: 'ringing', raw: params },
    ]);
  });

  it('tells that a rejected call rang, then that it is busy', async () => {
    const { send, updates } = setup({ policy: { action: 'reject', reason: 'rejected' } });
    const params = inboundParams();
    expect(await send(VOICE, params)).toMatchObject({ status: 200 });
    expect(updates).toEqual([
      { ...call, status: 'ringing', providerStatus: 'ringing', raw: params },
      { ...call, status: 'busy', providerStatus: 'rejected', raw: params },
    ]);
  });

  it.each(['completed', 'answered'])(
    'a forward picked up (%s) is completed, with its conversation’s answeredAt and durationS, then hangs up',
    async (word) => {
      const { send, updates } = setup();
      const params = dialed({ DialCallStatus: word, DialCallDuration: '42' });
      expect(await send(DIAL, params)).toEqual({ status: 200, twiml: HANGUP });
      expect(updates).toEqual([
        {
          ...call,
          status: 'completed',
          providerStatus: word,
          answeredAt: new Date(Date.parse(NOW) - 42_000),
          durationS: 42,
          raw: params,
        },
      ]);
    },
  );

  it('hangs up after a forward nobody took once the policy became reject: it has no message', async () => {
    const { send, updates } = setup({ policy: { action: 'reject', reason: 'busy' } });
    const params = dialed({ DialCallStatus: 'no-answer' });
    expect(await send(DIAL, params)).toEqual({ status: 200, twiml: HANGUP });
    expect(updates).toMatchObject([{ status: 'no-answer', providerStatus: 'no-answer' }]);
  });

  it('a caller who hung up while the forward rang is canceled, and hears nothing more', async () => {
    const { send, updates } = setup();
    const params = dialed({ CallStatus: 'completed', DialCallStatus: 'canceled' });
    expect(await send(DIAL, params)).toEqual({ status: 200, twiml: HANGUP });
    expect(updates).toEqual([
      { ...call, status: 'canceled', providerStatus: 'canceled', raw: params },
    ]);
  });

  it.each(['no-answer', 'busy', 'failed'])(
    'a forward that rang out (%s) is a missed call, and the caller may leave a voicemail',
    async (word) => {
      const { send, updates } = setup();
      const params = dialed({ DialCallStatus: word, DialCallDuration: '0' });
      const answer = await send(DIAL, params);
      expect(answer).toMatchObject({ status: 200, twiml: expect.stringContaining('<Record') });
      expect(updates).toEqual([
        { ...call, status: 'no-answer', providerStatus: word, raw: params },
      ]);
    },
  );

  it('a voicemail left on a missed call is kept: no-answer with its recording', async () => {
    const { send, updates } = setup();
    expect(await send(VOICEMAIL, recorded)).toEqual({ status: 200, twiml: HANGUP });
    expect(updates).toEqual([
      {
        ...call,
        status: 'no-answer',
        providerStatus: 'voicemail',
        recordingUrl: recorded.RecordingUrl,
        recordingDurationS: 14,
        raw: recorded,
      },
    ]);
  });

  it.each([
    ['the voice webhook', VOICE, inboundParams()],
    ['the Dial action', DIAL, dialed({ DialCallStatus: 'completed', DialCallDuration: '5' })],
    ['the Record action', VOICEMAIL, recorded],
  ])('hands identical updates for %s sent twice', async (_, url, params) => {
    const { send, updates } = setup();
    const first = await send(url, params);
    expect(await send(url, params)).toEqual(first);
    expect(updates).toHaveLength(2);
    expect(updates[1]).toEqual(updates[0]);
  });

  it('dates a request by its Timestamp, else by the clock', async () => {
    const { send, updates } = setup();
    await send(VOICE, inboundParams({ Timestamp: 'Sun, 08 Mar 2026 07:59:58 +0000' }));
    await send(VOICE, inboundParams({ Timestamp: 'not a date' }));
    expect(updates.map((update) => update.at.toISOString())).toEqual([
      '2026-03-08T07:59:58.000Z',
      NOW,
    ]);
  });

  it('accepts the action callbacks of an actionUrl with a query, signed over the full URL', async () => {
    const actionUrl = `${VOICE}?tenant=a%20b`;
    const { send, updates } = setup({ actionUrl });
    const params = dialed({ DialCallStatus: 'busy' });
    const answer = await send(`${actionUrl}&step=dial`, params);
    expect(answer).toMatchObject({
      status: 200,
      twiml: expect.stringContaining(`action="${actionUrl}&amp;step=voicemail"`),
    });
    expect(updates).toMatchObject([{ status: 'no-answer', providerStatus: 'busy' }]);
  });
});

describe('createTwilioVoiceHandler refuses', () => {
  const sign = (url: string, params: Record<string, string>, token = authToken) =>
    twilio.getExpectedTwilioSignature(token, url, params);

  it.each([
    ['no signature', VOICE, () => undefined],
    [
      'another token’s',
      VOICE,
      () => sign(VOICE, inboundParams(), '0badc0de0badc0de0badc0de0badc0de'),
    ],
    ['a signature over other parameters', VOICE, () => sign(VOICE, inboundParams({ From: '+1' }))],
    ['a Dial action signed without its step', DIAL, () => sign(VOICE, inboundParams())],
    ['a Record action signed as a Dial’s', VOICEMAIL, () => sign(DIAL, inboundParams())],
  ])('%s with 403, handing nothing to onUpdate', async (_, url, signature) => {
    const { handle, updates, errors } = setup();
    const answer = await handle({ url, params: inboundParams(), signature: signature() });
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(updates).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('a validly signed request of another account with 403', async () => {
    const { send, updates } = setup({ accountSid: `AC${'9'.repeat(32)}` });
    expect(await send(VOICE, inboundParams())).toMatchObject({ status: 403 });
    expect(updates).toEqual([]);
  });

  it.each([
    ['a CallSid that is not CA + 32 hex digits', VOICE, { CallSid: 'CA42' }, 'missing_id'],
    ['a voice webhook of a call that is not inbound', VOICE, { Direction: 'outbound-api' }],
    ['a CallStatus Twilio never sends', VOICE, { CallStatus: 'ringin' }],
    ['an AccountSid that is not AC + 32 hex digits', VOICE, { AccountSid: 'AC1' }],
    ['a DialCallStatus Twilio never sends', DIAL, { DialCallStatus: 'picked-up' }],
    ['no DialCallStatus', DIAL, {}],
    [
      'a DialCallDuration that is not a number',
      DIAL,
      { DialCallStatus: 'completed', DialCallDuration: '4s' },
    ],
    ['a RecordingUrl that is not a URL', VOICEMAIL, { RecordingUrl: 'recording.wav' }],
    ['a step it never asks for', `${VOICE}?step=gather`, {}],
    ['two steps', `${DIAL}&step=voicemail`, { DialCallStatus: 'busy' }],
  ])(
    '%s with 400, handing nothing to onUpdate',
    async (_, url, extra, reason = 'invalid_field') => {
      const { send, updates, errors } = setup();
      const answer = await send(url, inboundParams(extra));
      expect(answer).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_webhook', details: reason } },
      });
      expect(updates).toEqual([]);
      expect(isWebhookValidationError(errors[0])).toBe(true);
    },
  );

  it('a repeated From with 400', async () => {
    const { handle, updates } = setup();
    const params = { ...inboundParams(), From: [CALLER, '+14155550000'] };
    const signature = twilio.getExpectedTwilioSignature(authToken, VOICE, params);
    expect(await handle({ url: VOICE, params, signature })).toMatchObject({ status: 400 });
    expect(updates).toEqual([]);
  });

  it('answers 500 when onUpdate rejects, so that the request fails', async () => {
    const failure = new Error('store down');
    const { send, errors } = setup({ onUpdate: () => Promise.reject(failure) });
    expect(await send(VOICE, inboundParams())).toMatchObject({
      status: 500,
      body: { error: { code: 'internal' } },
    });
    expect(errors).toEqual([failure]);
  });

  it.each([
    ['a relative actionUrl', { actionUrl: '/webhooks/twilio/voice' }],
    ['an actionUrl with a step of its own', { actionUrl: `${VOICE}?step=x` }],
    ['an actionUrl with a fragment', { actionUrl: `${VOICE}#x` }],
    ['a forward to something that is no number', { policy: { ...forward, to: 'reception' } }],
    ['a forward that rings under 5 s', { policy: { ...forward, ringS: 2 } }],
    ['a policy it does not know', { policy: { action: 'hold' } }],
    ['no onUpdate', { onUpdate: undefined }],
    ['an accountSid that is not AC + 32 hex digits', { accountSid: 'AC1' }],
    ['a clock that is not one', { clock: { now: () => 0 } }],
    ['an unknown option', { statusCallbackUrl: VOICE }],
  ])('%s with an InvalidOptionsError', (_, change) => {
    const options = { authToken, policy: forward, actionUrl: VOICE, onUpdate: () => {}, ...change };
    try {
      createTwilioVoiceHandler(options as never);
      expect.unreachable();
    } catch (error) {
      expect(isInvalidOptionsError(error)).toBe(true);
    }
  });
});
