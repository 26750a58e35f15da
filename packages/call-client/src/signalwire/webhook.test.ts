import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { isInvalidOptionsError, isWebhookValidationError } from '../errors/errors.js';
import { computeTwilioSignature } from '../twilio/signature.js';
import {
  computeSignalWireSignature,
  createExpressSignalWireWebhookHandler,
  createSignalWireWebhookHandler,
  inboundUpdateOf,
  parseSignalWireStatusCallback,
  verifySignalWireSignature,
  type ExpressSignalWireWebhookHandlerOptions,
  type SignalWireStatusCallback,
} from './index.js';

const SIGNING_KEY = 'PSK_f00dfacef00dfacef00dface';
const API_TOKEN = 'PTf00dfacef00dfacef00dfacef00dfacef00dface0123';
const PROJECT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const SID = 'b3877c40-da60-4998-90ad-b792e98472af';
const PUBLIC = 'https://app.example';
const PATH = '/webhooks/signalwire?tenant=a';
const URL_SIGNED = `${PUBLIC}${PATH}`;

const params = (extra: Record<string, string> = {}): Record<string, string> => ({
  AccountSid: PROJECT,
  CallSid: SID,
  CallStatus: 'answered',
  SequenceNumber: '2',
  To: '+14155552671',
  From: '+15005550006',
  Direction: 'outbound-api',
  ...extra,
});

describe('parseSignalWireStatusCallback', () => {
  it.each([
    ['answered', 'answered'],
    ['in-progress', 'answered'],
    ['queued', 'initiated'],
    ['ringing', 'ringing'],
    ['completed', 'completed'],
    ['no-answer', 'no-answer'],
  ])('reads CallStatus %s as %s', (word, status) => {
    expect(parseSignalWireStatusCallback(params({ CallStatus: word }))).toMatchObject({
      callId: SID,
      accountSid: PROJECT,
      status,
      providerStatus: word,
      sequence: 2,
    });
  });

  it.each([
    [
      'a CallSid of Twilio’s shape',
      { CallSid: 'CA0123456789abcdef0123456789abcdef' },
      'missing_id',
    ],
    ['an AccountSid that is not a project id', { AccountSid: 'AC1' }, 'invalid_field'],
    ['a word SignalWire never sends', { CallStatus: 'connected' }, 'unexpected_status'],
    ['an unknown word', { CallStatus: 'warming-up' }, 'unknown_status'],
  ])('refuses %s with a WebhookValidationError', (_, extra, reason) => {
    let error: unknown;
    try {
      parseSignalWireStatusCallback(params(extra));
    } catch (thrown) {
      error = thrown;
    }
    expect(isWebhookValidationError(error) && error.reason).toBe(reason);
  });

  it('makes an inbound call’s end a signalwire InboundCallUpdate', () => {
    const event = parseSignalWireStatusCallback(
      params({ CallStatus: 'canceled', Direction: 'inbound' }),
    );
    expect(inboundUpdateOf(event)).toMatchObject({
      provider: 'signalwire',
      callId: SID,
      status: 'canceled',
    });
    expect(inboundUpdateOf(parseSignalWireStatusCallback(params()))).toBeNull();
  });
});

describe('verifySignalWireSignature', () => {
  it('accepts the signature of the signing key, and refuses the API token’s', () => {
    const form = params();
    const signature = computeSignalWireSignature(SIGNING_KEY, URL_SIGNED, form);
    expect(
      verifySignalWireSignature({
        signingKey: SIGNING_KEY,
        url: URL_SIGNED,
        params: form,
        signature,
      }),
    ).toBe(true);
    const byToken = computeSignalWireSignature(API_TOKEN, URL_SIGNED, form);
    expect(
      verifySignalWireSignature({
        signingKey: SIGNING_KEY,
        url: URL_SIGNED,
        params: form,
        signature: byToken,
      }),
    ).toBe(false);
  });

  it('signs a repeated name’s values in the order sent, where Twilio sorts them', () => {
    const form = { StatusCallbackEvent: ['ringing', 'answered'] };
    const signature = computeSignalWireSignature(SIGNING_KEY, URL_SIGNED, form);
    expect(signature).not.toBe(computeTwilioSignature(SIGNING_KEY, URL_SIGNED, form));
    expect(
      verifySignalWireSignature({
        signingKey: SIGNING_KEY,
        url: URL_SIGNED,
        params: form,
        signature,
      }),
    ).toBe(true);
    const reordered = { StatusCallbackEvent: ['answered', 'ringing'] };
    expect(
      verifySignalWireSignature({
        signingKey: SIGNING_KEY,
        url: URL_SIGNED,
        params: reordered,
        signature,
      }),
    ).toBe(false);
  });

  it.each([undefined, '', 42])(
    'refuses a signing key of %j with an InvalidOptionsError',
    (signingKey) => {
      let error: unknown;
      try {
        verifySignalWireSignature({
          signingKey,
          url: URL_SIGNED,
          params: {},
          signature: 'x',
        } as never);
      } catch (thrown) {
        error = thrown;
      }
      expect(isInvalidOptionsError(error)).toBe(true);
      expect((error as Error).message).toContain('signingKey');
    },
  );
});

describe('createSignalWireWebhookHandler', () => {
  const events: SignalWireStatusCallback[] = [];
  const handle = createSignalWireWebhookHandler({
    signingKey: SIGNING_KEY,
    projectId: PROJECT,
    onEvent: (event) => void events.push(event),
  });

  it('hands a signed callback to onEvent and answers 204', async () => {
    events.length = 0;
    const form = params();
    const signature = computeSignalWireSignature(SIGNING_KEY, URL_SIGNED, form);
    expect(await handle({ url: URL_SIGNED, params: form, signature })).toEqual({ status: 204 });
    expect(events).toMatchObject([{ callId: SID, status: 'answered', providerStatus: 'answered' }]);
  });

  it('checks a JSON body by the URL’s bodySHA256', async () => {
    events.length = 0;
    const body = JSON.stringify(params());
    const url = `${URL_SIGNED}&bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
    const signature = computeSignalWireSignature(SIGNING_KEY, url, {});
    expect(await handle({ url, body, signature })).toEqual({ status: 204 });
    expect(await handle({ url, body: `${body} `, signature })).toMatchObject({ status: 403 });
    expect(events).toHaveLength(1);
  });

  it('refuses a forged callback, and one of another project, with 403', async () => {
    events.length = 0;
    const form = params();
    const forged = computeSignalWireSignature('PSK_not-the-key', URL_SIGNED, form);
    expect(await handle({ url: URL_SIGNED, params: form, signature: forged })).toMatchObject({
      status: 403,
      body: { error: { message: 'The request is not signed by SignalWire' } },
    });
    const other = params({ AccountSid: 'ffffffff-4e5f-4a6b-8c7d-9e0f1a2b3c4d' });
    const signature = computeSignalWireSignature(SIGNING_KEY, URL_SIGNED, other);
    expect(await handle({ url: URL_SIGNED, params: other, signature })).toMatchObject({
      status: 403,
    });
    expect(events).toEqual([]);
  });

  it.each([
    ['no signing key', { signingKey: '' }],
    ['Twilio’s authToken instead', { signingKey: undefined, authToken: SIGNING_KEY }],
    ['a project id that is not a UUID', { projectId: 'AC0123456789abcdef0123456789abcdef' }],
  ])('refuses %s with an InvalidOptionsError', (_, extra) => {
    const input = { signingKey: SIGNING_KEY, onEvent: () => {}, ...extra };
    let error: unknown;
    try {
      createSignalWireWebhookHandler(input as never);
    } catch (thrown) {
      error = thrown;
    }
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as Error).message).toContain('createSignalWireWebhookHandler');
  });
});

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function app(options: Partial<ExpressSignalWireWebhookHandlerOptions> = {}) {
  const events: SignalWireStatusCallback[] = [];
  const server = express();
  const handler: RequestHandler = createExpressSignalWireWebhookHandler({
    signingKey: SIGNING_KEY,
    publicUrl: PUBLIC,
    onEvent: (event) => void events.push(event),
    ...options,
  });
  server.post('/webhooks/signalwire', handler);
  const listener = server.listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  close = () => new Promise((resolve) => listener.close(() => resolve()));
  const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  /** Posts `form` with `headers` (the signature's). */
  const post = (form: Record<string, string>, headers: Record<string, string>) =>
    fetch(`${base}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  return { events, post };
}

describe('createExpressSignalWireWebhookHandler', () => {
  const signed = (key = SIGNING_KEY) => computeSignalWireSignature(key, URL_SIGNED, params());

  it('accepts a callback signed in X-SignalWire-Signature', async () => {
    const { events, post } = await app();
    const answer = await post(params(), { 'x-signalwire-signature': signed() });
    expect(answer.status).toBe(204);
    expect(events).toMatchObject([{ callId: SID, status: 'answered' }]);
  });

  it('accepts a callback signed in X-Twilio-Signature alone', async () => {
    const { events, post } = await app();
    const answer = await post(params(), { 'x-twilio-signature': signed() });
    expect(answer.status).toBe(204);
    expect(events).toHaveLength(1);
  });

  it('refuses a forged X-SignalWire-Signature with 403, even beside a genuine X-Twilio-Signature', async () => {
    const { events, post } = await app();
    expect((await post(params(), { 'x-signalwire-signature': signed('PSK_forged') })).status).toBe(
      403,
    );
    const both = await post(params(), {
      'x-signalwire-signature': signed('PSK_forged'),
      'x-twilio-signature': signed(),
    });
    expect(both.status).toBe(403);
    expect((await post(params(), {})).status).toBe(403);
    expect(events).toEqual([]);
  });
});
