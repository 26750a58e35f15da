import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { isInvalidOptionsError } from '../errors/errors.js';
import { computeTwilioSignature } from './signature.js';
import type { TwilioStatusCallback } from './status-callback.js';
import { createTwilioWebhookHandler } from './webhook.js';

const TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeed';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const SID = 'CA0123456789abcdef0123456789abcdef';
const URL_ = 'https://app.example/webhooks/twilio';

const params = (extra: Record<string, string> = {}) => ({
  AccountSid: ACCOUNT,
  CallSid: SID,
  CallStatus: 'completed',
  CallDuration: '7',
  SequenceNumber: '3',
  To: '+14155552671',
  From: '+15005550006',
  ...extra,
});

/** The request Twilio would send to `URL_` with `p`, signed with `TOKEN`. */
const signed = (p: Record<string, string>) => ({
  url: URL_,
  params: p,
  signature: computeTwilioSignature(TOKEN, URL_, p),
});

function setup(extra: { accountSid?: string; onEvent?: () => Promise<void> } = {}) {
  const events: TwilioStatusCallback[] = [];
  const errors: unknown[] = [];
  const handle = createTwilioWebhookHandler({
    authToken: TOKEN,
    onEvent: extra.onEvent ?? ((event) => void events.push(event)),
    onError: (error) => void errors.push(error),
    ...(extra.accountSid ? { accountSid: extra.accountSid } : {}),
  });
  return { handle, events, errors };
}

describe('createTwilioWebhookHandler', () => {
  it('hands a signed callback to onEvent and answers 204', async () => {
    const { handle, events } = setup();
    const p = params();
    const answer = await handle(signed(p));
    expect(answer).toEqual({ status: 204 });
    expect(events).toMatchObject([
      { callId: SID, status: 'completed', durationS: 7, sequence: 3, accountSid: ACCOUNT },
    ]);
  });

  it.each([
    ['no signature', () => undefined],
    [
      'a signature for other parameters',
      () => computeTwilioSignature(TOKEN, URL_, params({ CallStatus: 'busy' })),
    ],
    ['a signature for another URL', () => computeTwilioSignature(TOKEN, `${URL_}/x`, params())],
    ['a signature under another token', () => computeTwilioSignature('other', URL_, params())],
  ])('answers 403 to %s and does not call onEvent', async (_, signature) => {
    const { handle, events, errors } = setup();
    const answer = await handle({ url: URL_, params: params(), signature: signature() });
    expect(answer.status).toBe(403);
    expect(answer.body?.error.code).toBe('forbidden');
    expect(events).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it.each([
    ['the form-encoded body', (p: Record<string, string>) => new URLSearchParams(p).toString()],
    ['URLSearchParams', (p: Record<string, string>) => new URLSearchParams(p)],
  ])('takes the parameters as %s', async (_, encode) => {
    const { handle, events } = setup();
    const p = params({ Extra: 'a b&c' });
    const signature = computeTwilioSignature(TOKEN, URL_, p);
    expect(await handle({ url: URL_, params: encode(p), signature })).toEqual({ status: 204 });
    expect(events).toMatchObject([{ callId: SID, status: 'completed' }]);
    const tampered = encode(params({ Extra: 'a b&c', CallStatus: 'busy' }));
    expect((await handle({ url: URL_, params: tampered, signature })).status).toBe(403);
    expect(events).toHaveLength(1);
  });

  it('verifies a repeated parameter of a form-encoded body', async () => {
    const { handle, events } = setup();
    const signature = computeTwilioSignature(TOKEN, URL_, { ...params(), Extra: ['2', '1'] });
    const body = `${new URLSearchParams(params()).toString()}&Extra=1&Extra=2`;
    expect((await handle({ url: URL_, params: body, signature })).status).toBe(204);
    expect(events).toHaveLength(1);
  });

  it.each([
    ['parameters that are null', null],
    ['a parameter that is a number', { ...params(), CallDuration: 7 }],
  ])('answers 403 to %s and does not call onEvent', async (_, bad) => {
    const { handle, events } = setup();
    const signature = computeTwilioSignature(TOKEN, URL_, params());
    const answer = await handle({ url: URL_, params: bad as never, signature });
    expect(answer.status).toBe(403);
    expect(events).toEqual([]);
  });

  it('answers 403 to a signature that is not a string', async () => {
    const { handle, events } = setup();
    const signature = [computeTwilioSignature(TOKEN, URL_, params())];
    expect(
      (await handle({ url: URL_, params: params(), signature: signature as never })).status,
    ).toBe(403);
    expect(events).toEqual([]);
  });

  it('answers 403 before reading the parameters, even bad ones', async () => {
    const { handle, events } = setup();
    const answer = await handle({ url: URL_, params: { CallSid: 'x' }, signature: 'nope' });
    expect(answer.status).toBe(403);
    expect(events).toEqual([]);
  });

  it('answers 400 with the reason to signed but malformed parameters', async () => {
    const { handle, events } = setup();
    const p = params({ CallStatus: 'exploded' });
    const answer = await handle(signed(p));
    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_webhook', details: 'unknown_status' } },
    });
    expect(events).toEqual([]);
  });

  it('answers 400 naming the field to a signed callback with a bad AccountSid', async () => {
    const { handle, events } = setup();
    const p = params({ AccountSid: 'AC42' });
    const answer = await handle(signed(p));
    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_webhook', details: 'invalid_field' } },
    });
    expect(answer.body?.error.message).toContain('AccountSid');
    expect(events).toEqual([]);
  });

  it('with accountSid, answers 403 to a signed callback of another account', async () => {
    const { handle, events } = setup({ accountSid: 'AC' + 'f'.repeat(32) });
    const p = params();
    const answer = await handle(signed(p));
    expect(answer.status).toBe(403);
    expect(events).toEqual([]);
    const own = setup({ accountSid: ACCOUNT.toUpperCase() });
    expect((await own.handle(signed(p))).status).toBe(204);
  });

  it('answers 500 when onEvent fails, so Twilio may send it again', async () => {
    const { handle, errors } = setup({ onEvent: () => Promise.reject(new Error('db down')) });
    const p = params();
    const answer = await handle(signed(p));
    expect(answer.status).toBe(500);
    expect(errors).toMatchObject([{ message: 'db down' }]);
  });

  it('never throws, even when onError does', async () => {
    const handle = createTwilioWebhookHandler({
      authToken: TOKEN,
      onEvent: vi.fn(),
      onError: () => {
        throw new Error('logger down');
      },
    });
    expect((await handle({ url: URL_, params: params(), signature: 'x' })).status).toBe(403);
  });

  it.each([
    ['no authToken', { authToken: '' }],
    ['no onEvent', { onEvent: undefined }],
    ['a bad accountSid', { accountSid: 'AC12' }],
    ['an unknown option', { publicUrl: 'https://app.example' }],
  ])('refuses %s with an InvalidOptionsError', (_, change) => {
    const options = { authToken: TOKEN, onEvent: () => {}, ...change };
    expect(() => createTwilioWebhookHandler(options as never)).toThrow(
      expect.objectContaining({ name: 'InvalidOptionsError' }),
    );
    try {
      createTwilioWebhookHandler(options as never);
    } catch (error) {
      expect(isInvalidOptionsError(error)).toBe(true);
    }
  });
});

describe('createTwilioWebhookHandler with a JSON body', () => {
  const json = JSON.stringify(params({ Note: 'Ünïcode ☎' }));
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  /** The request Twilio would send with `body` as JSON, signed over `url` (with bodySHA256). */
  const jsonRequest = (body: string, url = `${URL_}?bodySHA256=${sha256(body)}`) => ({
    url,
    body,
    signature: computeTwilioSignature(TOKEN, url, {}),
  });

  it('hands a signed JSON callback whose body matches bodySHA256 to onEvent', async () => {
    const { handle, events } = setup();
    expect(await handle(jsonRequest(json))).toEqual({ status: 204 });
    expect(events).toMatchObject([{ callId: SID, status: 'completed', accountSid: ACCOUNT }]);
  });

  it('answers 403 to a tampered body and does not call onEvent', async () => {
    const { handle, events, errors } = setup();
    const request = jsonRequest(json);
    const tampered = { ...request, body: json.replace('completed', 'busy') };
    expect((await handle(tampered)).status).toBe(403);
    expect(events).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('answers 403 to a signed URL without bodySHA256', async () => {
    const { handle, events } = setup();
    expect((await handle(jsonRequest(json, URL_))).status).toBe(403);
    expect(events).toEqual([]);
  });

  it('answers 403 to a body given with parameters as well', async () => {
    const { handle, events } = setup();
    const request = { ...jsonRequest(json), params: params() };
    expect((await handle(request as never)).status).toBe(403);
    expect(events).toEqual([]);
  });

  it.each([
    ['a list', JSON.stringify([params()])],
    ['an object with a number', JSON.stringify({ ...params(), CallDuration: 7 })],
    ['not JSON', 'CallSid=CA1'],
  ])('answers 400 to a signed body that is %s', async (_, body) => {
    const { handle, events } = setup();
    const answer = await handle(jsonRequest(body));
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_webhook' } } });
    expect(events).toEqual([]);
  });
});
