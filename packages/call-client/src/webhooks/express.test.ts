import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressWebhookHandler } from './express.js';
import type { CallStatusEvent } from '../providers/provider.js';

const token = 'tok_0123456789abcdef';
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function app(options: { json: boolean; limitBytes?: number }) {
  const events: CallStatusEvent[] = [];
  const server = express();
  if (options.json) server.use(express.json());
  server.post(
    '/webhooks/dialer/:token',
    createExpressWebhookHandler({
      token,
      onEvent: (e) => void events.push(e),
      ...(options.limitBytes ? { limitBytes: options.limitBytes } : {}),
    }),
  );
  const listener = server.listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  close = () => new Promise((resolve) => listener.close(() => resolve()));
  const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  const post = (path: string, body: string, type = 'application/json') =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': type } });
  return { events, post };
}

describe.each([true, false])(
  'createExpressWebhookHandler (express.json() in front: %s)',
  (json) => {
    it('accepts a webhook on the right token and answers 204', async () => {
      const { events, post } = await app({ json });
      const response = await post(`/webhooks/dialer/${token}`, '{"id":12,"status":"answered"}');
      expect(response.status).toBe(204);
      expect(events).toMatchObject([{ callId: '12', status: 'answered' }]);
    });

    it('answers 404 to another token', async () => {
      const { events, post } = await app({ json });
      const response = await post('/webhooks/dialer/guess', '{"id":12,"status":"answered"}');
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'Not found' } });
      expect(events).toEqual([]);
    });

    it('answers 400 with a JSON reason to an unknown status', async () => {
      const { post } = await app({ json });
      const response = await post(`/webhooks/dialer/${token}`, '{"id":12,"status":"lost"}');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: 'invalid_webhook', details: 'unknown_status' },
      });
    });
  },
);

describe('what the provider never sends', () => {
  it.each(['canceled', 'queued', 'initiated', 'in-progress'])(
    'answers 400 to a %s webhook with the right token, and hands nothing on',
    async (status) => {
      const { post, events } = await app({ json: true });
      const response = await post(`/webhooks/dialer/${token}`, `{"id":12,"status":"${status}"}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: 'invalid_webhook', details: 'unexpected_status' },
      });
      expect(events).toEqual([]);
    },
  );

  it('refuses a percent-encoded copy of the token with 404', async () => {
    const { post, events } = await app({ json: true });
    const encoded = [...token].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    const response = await post(`/webhooks/dialer/${encoded}`, '{"id":12,"status":"ringing"}');
    expect(response.status).toBe(404);
    const half = `%${token.charCodeAt(0).toString(16)}${token.slice(1)}`;
    expect((await post(`/webhooks/dialer/${half}`, '{"id":12,"status":"ringing"}')).status).toBe(
      404,
    );
    expect(events).toEqual([]);
    expect((await post(`/webhooks/dialer/${token}`, '{"id":12,"status":"ringing"}')).status).toBe(
      204,
    );
  });
});

describe('createExpressWebhookHandler without a body parser', () => {
  it('reads a text body itself and refuses a non-JSON one with 400', async () => {
    const { post } = await app({ json: false });
    const response = await post(
      `/webhooks/dialer/${token}`,
      'id=1&status=ringing',
      'application/x-www-form-urlencoded',
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { details: 'not_json' } });
  });

  it('answers 413 to a body over the limit', async () => {
    const { events, post } = await app({ json: false, limitBytes: 64 });
    const response = await post(
      `/webhooks/dialer/${token}`,
      JSON.stringify({ id: 1, status: 'ringing', pad: 'x'.repeat(100) }),
    );
    expect(response.status).toBe(413);
    expect(events).toEqual([]);
  });
});

describe('createExpressWebhookHandler on a wildcard route', () => {
  it('never takes a wildcard’s list of path segments for the token', async () => {
    const events: CallStatusEvent[] = [];
    const server = express();
    // A path held in a `string` gives the handler Express 5's ParamsDictionary (values may be
    // lists), which the adapter's request type must accept: `tsc` checks this line.
    const path: string = '/hooks/*token';
    server.post(path, createExpressWebhookHandler({ token, onEvent: (e) => void events.push(e) }));
    const listener = server.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    close = () => new Promise((resolve) => listener.close(() => resolve()));
    const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    const response = await fetch(`${base}/hooks/${token}/${token}`, {
      method: 'POST',
      body: '{"id":12,"status":"answered"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(404);
    expect(events).toEqual([]);
  });
});
