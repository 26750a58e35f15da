import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { authToken, inboundParams, readXml } from '../../test/twilio-fixtures.js';
import { isInvalidOptionsError } from '../errors/errors.js';
import type { InboundCallUpdate } from '../inbound/inbound.js';
import {
  createExpressTwilioVoiceHandler,
  type ExpressTwilioVoiceHandlerOptions,
} from './voice-express.js';

const PUBLIC = 'https://app.example';
const PATH = '/webhooks/twilio/voice';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function app(
  options: Partial<ExpressTwilioVoiceHandlerOptions> = {},
  parser?: RequestHandler,
) {
  const updates: InboundCallUpdate[] = [];
  const server = express();
  if (parser) server.use(parser);
  const handler: RequestHandler = createExpressTwilioVoiceHandler({
    authToken,
    publicUrl: PUBLIC,
    actionUrl: `${PUBLIC}${PATH}`,
    policy: { action: 'voicemail', message: 'Please leave a message.' },
    onUpdate: (update) => void updates.push(update),
    ...options,
  });
  server.post(PATH, handler);
  const listener = server.listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  close = () => new Promise((resolve) => listener.close(() => resolve()));
  const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  /** Posts `form` to `path` as Twilio would, signed (by twilio-node) for `signedUrl`. */
  const post = (
    form: Record<string, string>,
    init: {
      path?: string;
      signedUrl?: string;
      headers?: Record<string, string>;
      body?: string;
    } = {},
  ) => {
    const path = init.path ?? PATH;
    return fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(
          authToken,
          init.signedUrl ?? `${PUBLIC}${path}`,
          form,
        ),
        ...init.headers,
      },
      body: init.body ?? new URLSearchParams(form).toString(),
    });
  };
  return { updates, post, base };
}

describe.each([
  ['reading the body itself', undefined],
  ['after express.urlencoded()', express.urlencoded({ extended: false })],
  ['after express.text() for forms', express.text({ type: 'application/x-www-form-urlencoded' })],
  ['after express.raw() for forms', express.raw({ type: 'application/x-www-form-urlencoded' })],
])('createExpressTwilioVoiceHandler, %s', (_, parser) => {
  it('answers a signed voice webhook with TwiML as text/xml, and tells that the call rings', async () => {
    const { updates, post } = await app({}, parser);
    const response = await post(inboundParams());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(readXml(await response.text())).toMatchObject({
      name: 'Response',
      children: [{ name: 'Say' }, { name: 'Record' }],
    });
    expect(updates).toMatchObject([{ status: 'ringing', from: inboundParams().From }]);
  });

  it('answers 403 to a forged signature and hands nothing to onUpdate', async () => {
    const { updates, post } = await app({}, parser);
    const signature = twilio.getExpectedTwilioSignature(authToken, `${PUBLIC}${PATH}`, {});
    const response = await post(inboundParams(), { headers: { 'x-twilio-signature': signature } });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect(updates).toEqual([]);
  });

  it('takes the Record action at the actionUrl with step=voicemail', async () => {
    const { updates, post } = await app({}, parser);
    const params = inboundParams({ RecordingDuration: '3' });
    const response = await post(params, { path: `${PATH}?step=voicemail` });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<Response><Hangup/></Response>');
    expect(updates).toMatchObject([{ status: 'no-answer', providerStatus: 'voicemail' }]);
  });
});

describe('createExpressTwilioVoiceHandler', () => {
  it('answers 415 to a body that is not a form, JSON included', async () => {
    const { updates, post } = await app();
    const response = await post(inboundParams(), {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(inboundParams()),
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    expect(updates).toEqual([]);
  });

  it('answers 413 to a body over limitBytes', async () => {
    const { updates, post } = await app({ limitBytes: 200 });
    const response = await post(inboundParams({ Padding: 'x'.repeat(500) }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(updates).toEqual([]);
  });

  it('answers 400 to signed but malformed parameters', async () => {
    const { updates, post } = await app();
    const response = await post(inboundParams({ CallSid: 'CA42' }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_webhook', details: 'missing_id' },
    });
    expect(updates).toEqual([]);
  });

  it('answers 400 to a nested body from express.urlencoded({ extended: true })', async () => {
    const { updates, post } = await app({}, express.urlencoded({ extended: true }));
    expect((await post(inboundParams({ 'Extra[a]': 'b' }))).status).toBe(400);
    expect(updates).toEqual([]);
  });

  it('ignores X-Forwarded-* headers without trustProxy', async () => {
    const { updates, post } = await app();
    const response = await post(inboundParams(), {
      signedUrl: `https://evil.example${PATH}`,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' },
    });
    expect(response.status).toBe(403);
    expect(updates).toEqual([]);
  });

  it('with trustProxy, takes the URL from the first X-Forwarded-Proto and X-Forwarded-Host', async () => {
    const { updates, post } = await app({ trustProxy: true });
    const response = await post(inboundParams(), {
      signedUrl: `https://hooks.example:8443${PATH}`,
      headers: {
        'x-forwarded-proto': 'https, http',
        'x-forwarded-host': 'hooks.example:8443, internal:3000',
      },
    });
    expect(response.status).toBe(200);
    expect(updates).toHaveLength(1);
  });

  it('without publicUrl, takes the scheme and Host the request came with', async () => {
    const { updates, post, base } = await app({ publicUrl: undefined });
    expect((await post(inboundParams(), { signedUrl: `${base}${PATH}` })).status).toBe(200);
    expect((await post(inboundParams())).status).toBe(403);
    expect(updates).toHaveLength(1);
  });

  it('keeps a path prefix of publicUrl', async () => {
    const { updates, post } = await app({ publicUrl: `${PUBLIC}/api/` });
    const signedUrl = `${PUBLIC}/api${PATH}`;
    expect((await post(inboundParams(), { signedUrl })).status).toBe(200);
    expect(updates).toHaveLength(1);
  });

  it('answers 500 when onUpdate rejects', async () => {
    const { post } = await app({ onUpdate: () => Promise.reject(new Error('store down')) });
    expect((await post(inboundParams())).status).toBe(500);
  });

  it.each([
    ['a publicUrl with a query', { publicUrl: `${PUBLIC}/?a=1` }],
    ['a bad limitBytes', { limitBytes: 0 }],
    ['a trustProxy that is not a boolean', { trustProxy: 'yes' }],
    ['no actionUrl', { actionUrl: undefined }],
    ['an unknown option', { onEvent: () => {} }],
  ])('refuses %s with an InvalidOptionsError', (_, change) => {
    const options = {
      authToken,
      actionUrl: `${PUBLIC}${PATH}`,
      policy: { action: 'reject', reason: 'busy' },
      onUpdate: () => {},
      ...change,
    };
    try {
      createExpressTwilioVoiceHandler(options as never);
      expect.unreachable();
    } catch (error) {
      expect(isInvalidOptionsError(error)).toBe(true);
    }
  });
});
