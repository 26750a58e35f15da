import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SIGNATURE_SECRET,
  vonageAnswer,
  vonageRecording,
  vonageToken,
} from '../../test/vonage-webhook-fixtures.js';
import { isInvalidOptionsError } from '../errors/errors.js';
import type { InboundCallUpdate } from '../inbound/inbound.js';
import {
  createExpressVonageAnswerHandler,
  type ExpressVonageAnswerHandlerOptions,
} from './answer-express.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const PATH = '/webhooks/vonage/answer';
const CALL = vonageAnswer();

async function app(
  options: Partial<ExpressVonageAnswerHandlerOptions> = {},
  parser?: RequestHandler,
) {
  const updates: InboundCallUpdate[] = [];
  const server = express();
  if (parser) server.use(parser);
  const listener = server.listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  close = () => new Promise((resolve) => listener.close(() => resolve()));
  const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  server.all(
    PATH,
    createExpressVonageAnswerHandler({
      signatureSecret: SIGNATURE_SECRET,
      policy: { action: 'voicemail', message: 'Please leave a message.' },
      eventUrl: `${base}${PATH}`,
      onUpdate: (update) => void updates.push(update),
      ...options,
    }) as RequestHandler,
  );
  const now = () => Math.floor(Date.now() / 1000);
  /** The answer webhook by GET, its query signed as Vonage signs it. */
  const get = (fields: Record<string, string> = CALL, sign = JSON.stringify(fields)) =>
    fetch(`${base}${PATH}?${new URLSearchParams(fields).toString()}`, {
      headers: { authorization: `Bearer ${vonageToken(sign, now())}` },
    });
  /** A POST of `body` to `url`, signed. */
  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url.startsWith('http') ? url : `${base}${url}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${vonageToken(body, now())}`,
        ...headers,
      },
      body,
    });
  return { updates, get, post, base };
}

describe('createExpressVonageAnswerHandler', () => {
  it('answers a GET answer webhook with the NCCO as JSON', async () => {
    const { get, updates } = await app();
    const response = await get();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const ncco = (await response.json()) as { action: string; eventUrl?: string[] }[];
    expect(ncco.map((action) => action.action)).toEqual(['talk', 'record']);
    expect(updates).toMatchObject([{ callId: CALL.uuid, status: 'ringing' }]);
  });

  it('reads a POST answer webhook from the raw body itself', async () => {
    const { post, updates } = await app();
    expect((await post(PATH, JSON.stringify(CALL))).status).toBe(200);
    expect(updates).toMatchObject([{ callId: CALL.uuid, status: 'ringing' }]);
  });

  it('takes the raw body of express.raw()', async () => {
    const { post } = await app({}, express.raw({ type: 'application/json' }));
    expect((await post(PATH, JSON.stringify(CALL))).status).toBe(200);
  });

  it('takes the voicemail recording back at the URL it wrote into the NCCO', async () => {
    const { get, post, updates } = await app();
    const ncco = (await (await get()).json()) as { eventUrl?: string[] }[];
    const recording = vonageRecording();
    const response = await post(ncco[1]!.eventUrl![0]!, JSON.stringify(recording));
    expect(response.status).toBe(204);
    expect(updates.at(-1)).toMatchObject({
      callId: CALL.uuid,
      status: 'no-answer',
      recordingUrl: recording.recording_url,
      recordingDurationS: 14,
    });
  });

  it('answers 401 with a JSON body to an unsigned request', async () => {
    const { base, updates } = await app();
    const response = await fetch(`${base}${PATH}?${new URLSearchParams(CALL).toString()}`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: {
        code: 'unauthorized',
        message: 'The request is not signed by Vonage',
        details: 'missing_token',
      },
    });
    expect(updates).toEqual([]);
  });

  it('answers 401 to a GET whose query is not the one signed', async () => {
    const { get, updates } = await app();
    const response = await get(CALL, JSON.stringify({ ...CALL, from: '1' }));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { code: 'unauthorized', details: 'payload_hash' },
    });
    expect(updates).toEqual([]);
  });

  it('answers 401 to a body express.json() already parsed', async () => {
    const { post, updates } = await app({}, express.json());
    const response = await post(PATH, JSON.stringify(CALL));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(updates).toEqual([]);
  });

  it('answers 400 to an answer webhook with no uuid', async () => {
    const { get } = await app();
    const response = await get({ ...CALL, uuid: '' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { details: 'missing_id' } });
  });

  it('answers 413 to a body over limitBytes', async () => {
    const { post } = await app({ limitBytes: 64 });
    const response = await post(PATH, JSON.stringify({ ...CALL, pad: 'x'.repeat(100) }));
    expect(response.status).toBe(413);
  });

  it('answers 405 to a method Vonage never uses', async () => {
    const { base, updates } = await app();
    const response = await fetch(`${base}${PATH}`, { method: 'PUT', body: '{}' });
    expect(response.status).toBe(405);
    expect(updates).toEqual([]);
  });

  it('refuses a limitBytes that is not a positive whole number', () => {
    let thrown: unknown;
    try {
      createExpressVonageAnswerHandler({
        signatureSecret: SIGNATURE_SECRET,
        policy: { action: 'reject', reason: 'busy' },
        onUpdate: () => {},
        limitBytes: 0,
      });
    } catch (error) {
      thrown = error;
    }
    expect(isInvalidOptionsError(thrown)).toBe(true);
  });
});
