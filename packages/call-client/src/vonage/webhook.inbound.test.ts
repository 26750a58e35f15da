import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SIGNATURE_SECRET,
  VONAGE_APP_NUMBER,
  VONAGE_CALLER,
  vonageEvent,
  vonageRecording,
  vonageToken,
} from '../../test/vonage-webhook-fixtures.js';
import { isInvalidOptionsError } from '../errors/errors.js';
import type { InboundCallUpdate } from '../inbound/inbound.js';
import { createFakeClock } from '../testing/fake-clock.js';
import type { VonageStatusEvent } from './event.js';
import { createExpressVonageWebhookHandler } from './express.js';
import { createVonageWebhookHandler, type VonageWebhookHandlerOptions } from './webhook.js';

const START = Date.parse('2026-04-17T09:30:00Z');
const APP = `+${VONAGE_APP_NUMBER}`;

function handler(overrides: Partial<VonageWebhookHandlerOptions> = {}) {
  const events: VonageStatusEvent[] = [];
  const inbound: InboundCallUpdate[] = [];
  const handle = createVonageWebhookHandler({
    signatureSecret: SIGNATURE_SECRET,
    onEvent: (e) => void events.push(e),
    onInbound: (u) => void inbound.push(u),
    clock: createFakeClock(START),
    ...overrides,
  });
  return { handle, events, inbound };
}

const signed = (body: unknown) => {
  const rawBody = JSON.stringify(body);
  return {
    rawBody,
    headers: { authorization: `Bearer ${vonageToken(rawBody, START / 1000)}` },
  };
};

/** An event of the caller's leg of a call to the app's number. */
const callerLeg = (status: string, extra: Record<string, unknown> = {}) =>
  vonageEvent(status, {
    from: VONAGE_CALLER,
    to: VONAGE_APP_NUMBER,
    direction: 'inbound',
    ...extra,
  });

describe('createVonageWebhookHandler with onInbound', () => {
  it('hands the end of a call to the app to onInbound, not to onEvent', async () => {
    const { handle, events, inbound } = handler();
    const event = callerLeg('cancelled');
    expect(await handle(signed(event))).toEqual({ status: 204 });
    expect(inbound).toEqual([
      {
        provider: 'vonage',
        callId: event.uuid,
        from: `+${VONAGE_CALLER}`,
        to: APP,
        at: new Date(event.timestamp),
        status: 'canceled',
        providerStatus: 'cancelled',
        raw: event,
      },
    ]);
    expect(events).toEqual([]);
  });

  it('keeps a caller leg event that tells no end from onEvent and onInbound alike', async () => {
    const { handle, events, inbound } = handler();
    expect(await handle(signed(callerLeg('ringing')))).toEqual({ status: 204 });
    expect(events).toEqual([]);
    expect(inbound).toEqual([]);
  });

  it('hands the events of the calls the app placed to onEvent', async () => {
    const { handle, events, inbound } = handler();
    await handle(signed(vonageEvent('completed', { duration: '5' })));
    expect(events).toMatchObject([{ status: 'completed', direction: 'outbound' }]);
    expect(inbound).toEqual([]);
  });

  it('takes an event with no direction to an app number, from another, for a caller leg', async () => {
    const { handle, events, inbound } = handler({ appNumbers: [APP] });
    await handle(signed(callerLeg('cancelled', { direction: undefined })));
    await handle(signed(vonageEvent('busy', { direction: undefined, from: VONAGE_APP_NUMBER })));
    expect(inbound).toMatchObject([{ status: 'canceled', to: APP }]);
    expect(events).toMatchObject([{ status: 'busy' }]);
  });

  it('hands an event with no direction to onEvent without appNumbers', async () => {
    const { handle, events, inbound } = handler();
    await handle(signed(callerLeg('cancelled', { direction: undefined })));
    expect(events).toHaveLength(1);
    expect(inbound).toEqual([]);
  });

  it('hands every event to onEvent without onInbound, inbound calls too', async () => {
    const events: VonageStatusEvent[] = [];
    const handle = createVonageWebhookHandler({
      signatureSecret: SIGNATURE_SECRET,
      onEvent: (e) => void events.push(e),
      clock: createFakeClock(START),
    });
    await handle(signed(callerLeg('completed')));
    expect(events).toMatchObject([{ direction: 'inbound', status: 'completed' }]);
  });

  it('answers 204 to a recording event, which names no leg, and hands it to neither', async () => {
    const { handle, events, inbound } = handler();
    expect(await handle(signed(vonageRecording()))).toEqual({ status: 204 });
    expect(events).toEqual([]);
    expect(inbound).toEqual([]);
  });

  it('answers 400 still to a body with no uuid that is no recording event', async () => {
    const { handle } = handler();
    const { uuid: _, ...event } = callerLeg('completed');
    expect(await handle(signed(event))).toMatchObject({
      status: 400,
      body: { error: { details: 'missing_id' } },
    });
    expect(await handle(signed({ ...vonageRecording(), status: 'completed' }))).toMatchObject({
      status: 400,
    });
  });

  it('answers 500 when onInbound fails, so Vonage sends the event again', async () => {
    const { handle } = handler({ onInbound: () => Promise.reject(new Error('down')) });
    expect(await handle(signed(callerLeg('completed')))).toMatchObject({ status: 500 });
  });

  it.each([
    ['a number that is not E.164', { appNumbers: ['442079460000'] }],
    ['an onInbound that is not a function', { onInbound: 'log' as never }],
  ])('refuses %s with an InvalidOptionsError', (_, options) => {
    let thrown: unknown;
    try {
      handler(options);
    } catch (error) {
      thrown = error;
    }
    expect(isInvalidOptionsError(thrown)).toBe(true);
  });
});

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('createExpressVonageWebhookHandler with onInbound', () => {
  it('hands the end of a call to the app to onInbound', async () => {
    const inbound: InboundCallUpdate[] = [];
    const server = express();
    server.post(
      '/event',
      createExpressVonageWebhookHandler({
        signatureSecret: SIGNATURE_SECRET,
        onEvent: () => {
          throw new Error('not for onEvent');
        },
        onInbound: (u) => void inbound.push(u),
      }) as RequestHandler,
    );
    const listener = server.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    close = () => new Promise((resolve) => listener.close(() => resolve()));
    const body = JSON.stringify(callerLeg('completed', { timestamp: new Date().toISOString() }));
    const response = await fetch(
      `http://127.0.0.1:${(listener.address() as AddressInfo).port}/event`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${vonageToken(body, Math.floor(Date.now() / 1000))}`,
        },
        body,
      },
    );
    expect(response.status).toBe(204);
    expect(inbound).toMatchObject([{ status: 'no-answer', providerStatus: 'completed', to: APP }]);
  });
});
