import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { isInvalidOptionsError } from '../errors/errors.js';
import {
  createExpressTwilioWebhookHandler,
  type ExpressTwilioWebhookHandlerOptions,
} from './express.js';
import { computeTwilioSignature } from './signature.js';
import type { TwilioStatusCallback } from './status-callback.js';

const TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeed';
const PUBLIC = 'https://app.example';
const PATH = '/webhooks/twilio?tenant=a%20b';
const params = {
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
  CallSid: 'CA0123456789abcdef0123456789abcdef',
  CallStatus: 'in-progress',
  SequenceNumber: '2',
  To: '+14155552671',
  From: '+15005550006',
};

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function app(
  options: Partial<ExpressTwilioWebhookHandlerOptions> = {},
  parser?: RequestHandler,
) {
  const events: TwilioStatusCallback[] = [];
  const server = express();
  if (parser) server.use(parser);
  const handler: RequestHandler = createExpressTwilioWebhookHandler({
    authToken: TOKEN,
    publicUrl: PUBLIC,
    onEvent: (event) => void events.push(event),
    ...options,
  });
  server.post('/webhooks/twilio', handler);
  const listener = server.listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  close = () => new Promise((resolve) => listener.close(() => resolve()));
  const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  /** Posts `form` as Twilio would, signed for `signedUrl`. */
  const post = (
    form: Record<string, string | string[]>,
    init: { signedUrl?: string; headers?: Record<string, string>; body?: string } = {},
  ) => {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form))
      for (const one of [value].flat()) body.append(name, one);
    return fetch(`${base}${PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': computeTwilioSignature(
          TOKEN,
          init.signedUrl ?? `${PUBLIC}${PATH}`,
          form,
        ),
        ...init.headers,
      },
      body: init.body ?? body.toString(),
    });
  };
  return { events, post, base };
}

describe.each([
  ['reading the body itself', undefined],
  ['after express.urlencoded()', express.urlencoded({ extended: false })],
  ['after express.text() for forms', express.text({ type: 'application/x-www-form-urlencoded' })],
  ['after express.raw() for forms', express.raw({ type: 'application/x-www-form-urlencoded' })],
])('createExpressTwilioWebhookHandler, %s', (_, parser) => {
  it('accepts a callback signed for publicUrl + path and query, and answers 204', async () => {
    const { events, post } = await app({}, parser);
    const response = await post(params);
    expect(response.status).toBe(204);
    expect(events).toMatchObject([{ callId: params.CallSid, status: 'answered', sequence: 2 }]);
  });

  it('answers 403 to a tampered parameter and does not call onEvent', async () => {
    const { events, post } = await app({}, parser);
    const signature = computeTwilioSignature(TOKEN, `${PUBLIC}${PATH}`, params);
    const response = await post(
      { ...params, CallStatus: 'completed' },
      { headers: { 'x-twilio-signature': signature } },
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect(events).toEqual([]);
  });

  it('answers 403 without a signature', async () => {
    const { events, base } = await app({}, parser);
    const response = await fetch(`${base}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    expect(response.status).toBe(403);
    expect(events).toEqual([]);
  });

  it('answers 400 to signed but bad parameters', async () => {
    const { events, post } = await app({}, parser);
    const response = await post({ ...params, CallSid: 'CA42' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_webhook', details: 'missing_id' },
    });
    expect(events).toEqual([]);
  });

  it('verifies repeated parameters', async () => {
    const { events, post } = await app({}, parser);
    expect((await post({ ...params, Extra: ['b', 'a'] })).status).toBe(204);
    expect(events).toHaveLength(1);
  });
});

describe('createExpressTwilioWebhookHandler', () => {
  it('answers 415 to a body that is neither a form nor JSON', async () => {
    const { events, post } = await app();
    const response = await post(params, {
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(params),
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    expect(events).toEqual([]);
  });

  it('answers 413 to a body over limitBytes', async () => {
    const { events, post } = await app({ limitBytes: 200 });
    const response = await post({ ...params, Padding: 'x'.repeat(500) });
    expect(response.status).toBe(413);
    expect(events).toEqual([]);
  });

  it('ignores X-Forwarded-* headers without trustProxy', async () => {
    const { events, post } = await app();
    const forged = 'https://evil.example';
    const response = await post(params, {
      signedUrl: `${forged}${PATH}`,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' },
    });
    expect(response.status).toBe(403);
    expect(events).toEqual([]);
  });

  it('with trustProxy, takes the URL from the first X-Forwarded-Proto and X-Forwarded-Host', async () => {
    const { events, post } = await app({ trustProxy: true });
    const response = await post(params, {
      signedUrl: `https://hooks.example:8443${PATH}`,
      headers: {
        'x-forwarded-proto': 'https, http',
        'x-forwarded-host': 'hooks.example:8443, internal:3000',
      },
    });
    expect(response.status).toBe(204);
    expect(events).toHaveLength(1);
  });

  it('with trustProxy, falls back to publicUrl when the proxy sends no headers', async () => {
    const { events, post } = await app({ trustProxy: true });
    expect((await post(params)).status).toBe(204);
    expect(events).toHaveLength(1);
  });

  it('without publicUrl, takes the scheme and Host the request came with', async () => {
    const { events, post, base } = await app({ publicUrl: undefined });
    expect((await post(params, { signedUrl: `${base}${PATH}` })).status).toBe(204);
    expect((await post(params)).status).toBe(403);
    expect(events).toHaveLength(1);
  });

  it('with trustProxy, keeps the path prefix of publicUrl after the forwarded host', async () => {
    const { events, post } = await app({ trustProxy: true, publicUrl: 'https://app.example/api' });
    const response = await post(params, {
      signedUrl: `https://hooks.example/api${PATH}`,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example' },
    });
    expect(response.status).toBe(204);
    expect(events).toHaveLength(1);
  });

  it('with trustProxy, ignores a malformed X-Forwarded-Host and falls back to publicUrl', async () => {
    const { events, post } = await app({ trustProxy: true });
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example/x?' };
    expect((await post(params, { headers })).status).toBe(204);
    const forged = await post(params, { signedUrl: `https://evil.example/x?${PATH}`, headers });
    expect(forged.status).toBe(403);
    expect(events).toHaveLength(1);
  });

  it('with trustProxy and no publicUrl, takes the forwarded URL, else the Host', async () => {
    const { events, post, base } = await app({ trustProxy: true, publicUrl: undefined });
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example' };
    expect(
      (await post(params, { signedUrl: `https://hooks.example${PATH}`, headers: forwarded }))
        .status,
    ).toBe(204);
    expect((await post(params, { signedUrl: `${base}${PATH}` })).status).toBe(204);
    expect(events).toHaveLength(2);
  });

  it('answers 413 to a body over limitBytes that express.raw() read', async () => {
    const { events, post } = await app(
      { limitBytes: 200 },
      express.raw({ type: 'application/x-www-form-urlencoded' }),
    );
    const response = await post({ ...params, Padding: 'x'.repeat(500) });
    expect(response.status).toBe(413);
    expect(events).toEqual([]);
  });

  it('answers 400 to a nested body from express.urlencoded({ extended: true })', async () => {
    const { events, post } = await app({}, express.urlencoded({ extended: true }));
    const response = await post({ ...params, 'Extra[a]': 'b' });
    expect(response.status).toBe(400);
    expect(events).toEqual([]);
  });

  it('keeps a path prefix of publicUrl', async () => {
    const { events, post } = await app({ publicUrl: 'https://app.example/api/' });
    expect((await post(params, { signedUrl: `https://app.example/api${PATH}` })).status).toBe(204);
    expect(events).toHaveLength(1);
  });

  it.each([
    ['a bad publicUrl', { publicUrl: 'app.example' }],
    ['a publicUrl with a query', { publicUrl: 'https://app.example/?a=1' }],
    ['a publicUrl that is not http(s)', { publicUrl: 'ftp://app.example' }],
    ['a bad limitBytes', { limitBytes: 0 }],
    ['a trustProxy that is not a boolean', { trustProxy: 'yes' }],
    ['an unknown option', { tokenParam: 'token' }],
    ['no authToken', { authToken: undefined }],
  ])('refuses %s with an InvalidOptionsError', (_, change) => {
    const options = { authToken: TOKEN, onEvent: () => {}, ...change };
    try {
      createExpressTwilioWebhookHandler(options as never);
      expect.unreachable();
    } catch (error) {
      expect(isInvalidOptionsError(error)).toBe(true);
    }
  });
});

/** Posts `body` as JSON, signed as Twilio signs it: over the URL with its `bodySHA256`. */
function postJson(
  base: string,
  body: string,
  init: { signedBody?: string; query?: (hash: string) => string } = {},
) {
  const hash = createHash('sha256')
    .update(init.signedBody ?? body)
    .digest('hex');
  const path = `${PATH}${init.query ? init.query(hash) : `&bodySHA256=${hash}`}`;
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-twilio-signature': computeTwilioSignature(TOKEN, `${PUBLIC}${path}`, {}),
    },
    body,
  });
}

describe.each([
  ['reading the body itself', undefined],
  ['after express.text() for JSON', express.text({ type: 'application/json' })],
  ['after express.raw() for JSON', express.raw({ type: 'application/json' })],
  ['after express.urlencoded(), which leaves JSON alone', express.urlencoded({ extended: false })],
])('createExpressTwilioWebhookHandler with a JSON body, %s', (_, parser) => {
  const json = JSON.stringify({ ...params, Note: 'Ünïcode ☎' });

  it('accepts a body whose SHA-256 is the signed bodySHA256, and answers 204', async () => {
    const { events, base } = await app({}, parser);
    expect((await postJson(base, json)).status).toBe(204);
    expect(events).toMatchObject([{ callId: params.CallSid, status: 'answered', sequence: 2 }]);
  });

  it('answers 403 to a tampered body and does not call onEvent', async () => {
    const { events, base } = await app({}, parser);
    const tampered = json.replace('in-progress', 'completed');
    const response = await postJson(base, tampered, { signedBody: json });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect(events).toEqual([]);
  });

  it('answers 403 to a signed URL without bodySHA256', async () => {
    const { events, base } = await app({}, parser);
    expect((await postJson(base, json, { query: () => '' })).status).toBe(403);
    expect(events).toEqual([]);
  });
});

describe('createExpressTwilioWebhookHandler with a JSON body', () => {
  it('answers 403, and says why, to a body express.json() already parsed', async () => {
    const errors: unknown[] = [];
    const { events, base } = await app(
      { onError: (error) => void errors.push(error) },
      express.json(),
    );
    const response = await postJson(base, JSON.stringify(params));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect(events).toEqual([]);
    expect(String(errors[0])).toContain('bodySHA256');
  });

  it('answers 400 to a signed body that is not a flat JSON object', async () => {
    const { events, base } = await app();
    const response = await postJson(base, JSON.stringify([params]));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_webhook' } });
    expect(events).toEqual([]);
  });

  it('answers 413 to a JSON body over limitBytes', async () => {
    const { events, base } = await app({ limitBytes: 200 });
    const response = await postJson(base, JSON.stringify({ ...params, Padding: 'x'.repeat(500) }));
    expect(response.status).toBe(413);
    expect(events).toEqual([]);
  });
});
