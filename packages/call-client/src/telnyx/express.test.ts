import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { event, publicKeyBase64, sign } from '../../test/telnyx-fixtures.js';
import { isInvalidOptionsError } from '../errors/errors.js';
import type { TelnyxStatusEvent } from './event.js';
import {
  createExpressTelnyxWebhookHandler,
  type ExpressTelnyxWebhookHandlerOptions,
} from './express.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function app(
  options: Partial<ExpressTelnyxWebhookHandlerOptions> = {},
  parser?: RequestHandler,
) {
  const events: TelnyxStatusEvent[] = [];
  const server = express();
  if (parser) server.use(parser);
  server.post(
    '/webhooks/telnyx',
    createExpressTelnyxWebhookHandler({
      publicKey: publicKeyBase64,
      onEvent: (e) => void events.push(e),
      ...options,
    }) as RequestHandler,
  );
  const listener = server.listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  close = () => new Promise((resolve) => listener.close(() => resolve()));
  const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/webhooks/telnyx`;
  const post = (body: string, headers: Record<string, string> = sign(body)) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  return { events, post };
}

const hangup = JSON.stringify(
  event('call.hangup', { call_control_id: 'v3:one', hangup_cause: 'user_busy' }),
);

describe('createExpressTelnyxWebhookHandler', () => {
  it('reads the raw body itself and answers 204 to a genuine event', async () => {
    const { events, post } = await app();
    expect((await post(hangup)).status).toBe(204);
    expect(events).toMatchObject([
      { callId: 'v3:one', status: 'busy', providerStatus: 'user_busy' },
    ]);
  });

  it('takes the raw body of express.raw() and express.text()', async () => {
    for (const parser of [
      express.raw({ type: 'application/json' }),
      express.text({ type: 'application/json' }),
    ]) {
      const { events, post } = await app({}, parser);
      expect((await post(hangup)).status).toBe(204);
      expect(events).toHaveLength(1);
      await close?.();
      close = undefined;
    }
  });

  it('refuses with 403 a body express.json() parsed: its signature covers bytes that are gone', async () => {
    const { events, post } = await app({}, express.json());
    const answer = await post(hangup);
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect(events).toEqual([]);
  });

  it('refuses with 403 a wrong signature, and with 400 a signed body that is no Telnyx event', async () => {
    const { events, post } = await app();
    expect((await post(hangup, sign(`${hangup} `))).status).toBe(403);
    expect((await post('{"hello":1}')).status).toBe(400);
    expect(events).toEqual([]);
  });

  it('answers 413 to a body over limitBytes, before handing anything on', async () => {
    const { events, post } = await app({ limitBytes: 64 });
    expect((await post(hangup)).status).toBe(413);
    expect(events).toEqual([]);
  });

  it('refuses a bad limitBytes at creation', () => {
    const error = (() => {
      try {
        createExpressTelnyxWebhookHandler({
          publicKey: publicKeyBase64,
          onEvent: () => {},
          limitBytes: 0,
        });
      } catch (e) {
        return e;
      }
    })();
    expect(isInvalidOptionsError(error)).toBe(true);
  });
});
