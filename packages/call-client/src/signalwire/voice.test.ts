import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { isInvalidOptionsError } from '../errors/errors.js';
import type { InboundCallUpdate, InboundPolicy } from '../inbound/inbound.js';
import { createFakeClock } from '../testing/fake-clock.js';
import {
  computeSignalWireSignature,
  createExpressSignalWireVoiceHandler,
  createSignalWireVoiceHandler,
  type SignalWireVoiceHandlerOptions,
} from './index.js';

const SIGNING_KEY = 'PSK_f00dfacef00dfacef00dface';
const PROJECT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const SID = 'b3877c40-da60-4998-90ad-b792e98472af';
const APP_NUMBER = '+15005550006';
const CALLER = '+14155552671';
const VOICE = 'https://app.example/webhooks/signalwire/voice';
const NOW = '2026-03-08T08:00:00.000Z';

const forward: InboundPolicy = {
  action: 'forward',
  to: '+14155550123',
  ringS: 20,
  message: 'Please leave a message.',
};

/** What SignalWire sends about a call to the project's number, with `extra` parameters. */
const inboundParams = (extra: Record<string, string> = {}): Record<string, string> => ({
  AccountSid: PROJECT,
  ApiVersion: '2010-04-01',
  CallSid: SID,
  CallStatus: 'ringing',
  Direction: 'inbound',
  From: CALLER,
  To: APP_NUMBER,
  ...extra,
});

function setup(options: Partial<SignalWireVoiceHandlerOptions> = {}) {
  const updates: InboundCallUpdate[] = [];
  const handle = createSignalWireVoiceHandler({
    signingKey: SIGNING_KEY,
    projectId: PROJECT,
    policy: forward,
    actionUrl: VOICE,
    clock: createFakeClock(NOW),
    onUpdate: (update) => void updates.push(update),
    ...options,
  });
  const send = (url: string, params: Record<string, string>, key = SIGNING_KEY) =>
    handle({ url, params, signature: computeSignalWireSignature(key, url, params) });
  return { send, updates };
}

const call = {
  provider: 'signalwire',
  callId: SID,
  from: CALLER,
  to: APP_NUMBER,
  at: new Date(NOW),
};

describe('createSignalWireVoiceHandler', () => {
  it('tells that a call rings, then forwards it by policy with LaML', async () => {
    const { send, updates } = setup();
    const params = inboundParams();
    const answer = await send(VOICE, params);
    expect(answer).toMatchObject({ status: 200, twiml: expect.stringContaining('<Dial') });
    expect(updates).toEqual([
      { ...call, status: 'ringing', providerStatus: 'ringing', raw: params },
    ]);
  });

  it('reads a forward’s end, with a SignalWire DialCallSid, as a completed conversation', async () => {
    const { send, updates } = setup();
    const params = inboundParams({
      CallStatus: 'answered',
      DialCallStatus: 'completed',
      DialCallDuration: '30',
      DialCallSid: 'c0ffee00-da60-4998-90ad-b792e98472af',
    });
    const answer = await send(`${VOICE}?step=dial`, params);
    expect(answer).toMatchObject({ status: 200, twiml: '<Response><Hangup/></Response>' });
    expect(updates).toMatchObject([{ ...call, status: 'completed', durationS: 30 }]);
  });

  it('refuses a forged request, and one of another project, with 403 and no update', async () => {
    const { send, updates } = setup();
    expect(await send(VOICE, inboundParams(), 'PSK_forged')).toMatchObject({ status: 403 });
    const other = inboundParams({ AccountSid: 'ffffffff-4e5f-4a6b-8c7d-9e0f1a2b3c4d' });
    expect(await send(VOICE, other)).toMatchObject({ status: 403 });
    expect(updates).toEqual([]);
  });

  it('refuses a CallSid of Twilio’s shape with 400', async () => {
    const { send } = setup();
    const answer = await send(VOICE, inboundParams({ CallSid: `CA${'0'.repeat(32)}` }));
    expect(answer).toMatchObject({ status: 400, body: { error: { details: 'missing_id' } } });
  });

  it.each([
    ['no signing key', { signingKey: '' }],
    ['a project id that is not a UUID', { projectId: 'AC1' }],
    ['a forward to no number', { policy: { ...forward, to: 'nobody' } }],
    ['an unknown option', { authToken: 'x' }],
  ])('refuses %s with an InvalidOptionsError', (_, extra) => {
    let error: unknown;
    try {
      setup(extra as Partial<SignalWireVoiceHandlerOptions>);
    } catch (thrown) {
      error = thrown;
    }
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as Error).message).toContain('createSignalWireVoiceHandler');
  });
});

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('createExpressSignalWireVoiceHandler', () => {
  async function app() {
    const updates: InboundCallUpdate[] = [];
    const server = express();
    const handler: RequestHandler = createExpressSignalWireVoiceHandler({
      signingKey: SIGNING_KEY,
      publicUrl: 'https://app.example',
      actionUrl: VOICE,
      policy: { action: 'voicemail', message: 'Please leave a message.' },
      onUpdate: (update) => void updates.push(update),
    });
    server.post('/webhooks/signalwire/voice', handler);
    const listener = server.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    close = () => new Promise((resolve) => listener.close(() => resolve()));
    const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/webhooks/signalwire/voice`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(inboundParams()).toString(),
      });
    return { updates, post };
  }
  const signature = (key = SIGNING_KEY) => computeSignalWireSignature(key, VOICE, inboundParams());

  it.each(['x-signalwire-signature', 'x-twilio-signature'])(
    'answers a call signed in %s with LaML',
    async (header) => {
      const { updates, post } = await app();
      const answer = await post({ [header]: signature() });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/xml/);
      expect(await answer.text()).toContain('<Record');
      expect(updates).toMatchObject([{ provider: 'signalwire', status: 'ringing' }]);
    },
  );

  it('refuses a forged signature with 403', async () => {
    const { updates, post } = await app();
    expect((await post({ 'x-signalwire-signature': signature('PSK_forged') })).status).toBe(403);
    expect(updates).toEqual([]);
  });
});
