import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { vonageEvent, vonageToken } from '../../test/vonage-webhook-fixtures.js';
import { SIGNATURE_SECRET } from '../../test/vonage-webhook-fixtures.js';
import { isInvalidOptionsError } from '../errors/errors.js';
import type { VonageStatusEvent } from './event.js';
import {
  createExpressVonageWebhookHandler,
  type ExpressVonageWebhookHandlerOptions,
} from './express.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function app(
  options: Partial<ExpressVonageWebhookHandlerOptions> = {},
  parser?: RequestHandler,
) {
  const events: VonageStatusEvent[] = [];
  const server = express();
  if (parser) server.use(parser);
  server.post(
    '/webhooks/vonage/event',
    createExpressVonageWebhookHandler({
      signatureSecret: SIGNATURE_SECRET,
      onEvent: (e) => void events.push(e),
      ...options,
    }) as RequestHandler,
  );
  const listener = server.listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  close = () => new Promise((resolve) => listener.close(() => resolve()));
  const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/webhooks/vonage/event`;
  const now = () => Math.floor(Date.now() / 1000);
  const post = (
    body: string,
    headers: Record<string, string> = { authorization: `Bearer ${vonageToken(body, now())}` },
  ) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  return { events, post, now };
}

const busy = JSON.stringify(vonageEvent('busy', { detail: 'busy' }));

describe('createExpressVonageWebhookHandler', () => {
  it('reads the raw body itself and answers 204 to a genuine event', async () => {
    const { events, post } = await app();
    expect((await post(busy)).status).toBe(204);
    expect(events).toMatchObject([{ status: 'busy', providerStatus: 'busy', detail: 'busy' }]);
  });

  it('takes the raw body of express.raw() and express.text()', async () => {
    for (const parser of [
      express.raw({ type: 'application/json' }),
      express.text({ type: 'application/json' }),
    ]) {
      const { events, post } = await app({}, parser);
      expect((await post(busy)).status).toBe(204);
      expect(events).toHaveLength(1);
      await close?.();
      close = undefined;
    }
  });

  it('refuses with 401 and a JSON body a forged, unsigned or stale webhook', async () => {
    const { events, post, now } = await app();
    const forged = await post(busy, {
      authorization: `Bearer ${vonageToken(busy, now(), 'forger')}`,
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({
      error: {
        code: 'unauthorized',
        message: 'The request is not signed by Vonage',
        details: 'signature',
      },
    });
    const unsigned = await post(busy, {});
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { details: string } }).error.details).toBe(
      'missing_token',
    );
    const stale = await post(busy, {
      authorization: `Bearer ${vonageToken(busy, now() - 3600)}`,
    });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { details: string } }).error.details).toBe('stale');
    expect(events).toEqual([]);
  });

  it('refuses with 401 a body express.json() parsed: its payload_hash covers bytes that are gone', async () => {
    const { events, post } = await app({}, express.json());
    const answer = await post(busy);
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect(events).toEqual([]);
  });

  it('answers 400 to a signed body that is no Vonage event', async () => {
    const { events, post } = await app();
    expect((await post('{"hello":1}')).status).toBe(400);
    expect(events).toEqual([]);
  });

  it('answers 413 to a body over limitBytes, before handing anything on', async () => {
    const { events, post } = await app({ limitBytes: 64 });
    expect((await post(busy)).status).toBe(413);
    expect(events).toEqual([]);
  });

  it('refuses a bad limitBytes at creation', () => {
    const error = (() => {
      try {
        createExpressVonageWebhookHandler({
          signatureSecret: SIGNATURE_SECRET,
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
