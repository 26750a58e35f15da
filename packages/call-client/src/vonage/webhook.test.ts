import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_SECRET,
  signJwt,
  vonageEvent,
  vonageToken,
} from '../../test/vonage-webhook-fixtures.js';
import { isInvalidOptionsError, isWebhookValidationError } from '../errors/errors.js';
import { createFakeClock } from '../testing/fake-clock.js';
import type { VonageStatusEvent } from './event.js';
import { isVonageSignatureError } from './signature.js';
import { createVonageWebhookHandler, type VonageWebhookHandlerOptions } from './webhook.js';

const START = Date.parse('2026-04-17T09:30:00Z');
const NOW_S = START / 1000;
const completed = vonageEvent('completed', { duration: '42' });

function handler(overrides: Partial<VonageWebhookHandlerOptions> = {}) {
  const events: VonageStatusEvent[] = [];
  const errors: unknown[] = [];
  const clock = createFakeClock(START);
  const handle = createVonageWebhookHandler({
    signatureSecret: SIGNATURE_SECRET,
    onEvent: (e) => void events.push(e),
    onError: (e) => void errors.push(e),
    clock,
    ...overrides,
  });
  return { handle, events, errors, clock };
}

/** A request as Vonage sends it: the body, and its JWT signed at `iatS`. */
const signed = (body: unknown, iatS = NOW_S, secret = SIGNATURE_SECRET) => {
  const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
  return { rawBody, headers: { authorization: `Bearer ${vonageToken(rawBody, iatS, secret)}` } };
};

describe('createVonageWebhookHandler', () => {
  it('hands a genuine status event to onEvent and answers 204', async () => {
    const { handle, events, errors } = handler();
    expect(await handle(signed(completed))).toEqual({ status: 204 });
    expect(events).toMatchObject([
      { callId: completed.uuid, status: 'completed', providerStatus: 'completed', durationS: 42 },
    ]);
    expect(errors).toEqual([]);
  });

  it('takes the body as a string, a Buffer or bytes, and the header in any letter case', async () => {
    const { handle, events } = handler();
    const { rawBody, headers } = signed(completed);
    await handle({ rawBody: Buffer.from(rawBody), headers });
    await handle({ rawBody: new Uint8Array(Buffer.from(rawBody)), headers });
    await handle({ rawBody, headers: { Authorization: headers.authorization } });
    expect(events).toHaveLength(3);
  });

  it.each([
    ['unsigned', () => ({ rawBody: JSON.stringify(completed), headers: {} }), 'missing_token'],
    ['signed with another secret', () => signed(completed, NOW_S, 'forger'), 'signature'],
    ['stale', () => signed(completed, NOW_S - 301), 'stale'],
    ['from the future', () => signed(completed, NOW_S + 301), 'stale'],
    [
      'tampered with',
      () => {
        const { headers } = signed(completed);
        return { rawBody: JSON.stringify(vonageEvent('busy')), headers };
      },
      'payload_hash',
    ],
    [
      'signed with alg none',
      () => {
        const rawBody = JSON.stringify(completed);
        const token = signJwt('{"alg":"none"}', JSON.stringify({ iat: NOW_S }), 'x');
        const unsigned = token.slice(0, token.lastIndexOf('.') + 1);
        return { rawBody, headers: { authorization: `Bearer ${unsigned}` } };
      },
      'algorithm',
    ],
  ])(
    'refuses a webhook %s with 401 and a JSON body, handing nothing on',
    async (_, request, why) => {
      const { handle, events, errors } = handler();
      expect(await handle(request())).toEqual({
        status: 401,
        body: {
          error: {
            code: 'unauthorized',
            message: 'The request is not signed by Vonage',
            details: why,
          },
        },
      });
      expect(events).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(isVonageSignatureError(errors[0])).toBe(true);
      expect(errors[0]).toMatchObject({ reason: why });
    },
  );

  it('checks iat on the injected clock, within maxSkewS', async () => {
    const { handle, clock, events } = handler({ maxSkewS: 10 });
    const request = signed(completed);
    clock.advanceSync(10_000);
    expect((await handle(request)).status).toBe(204);
    clock.advanceSync(1_000);
    expect((await handle(request)).status).toBe(401);
    expect(events).toHaveLength(1);
  });

  it('answers 400 to a signed body that is not a Vonage event', async () => {
    const { handle, events, errors } = handler();
    const answer = await handle(signed({ status: 'ringing' }));
    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_webhook', details: 'missing_id' } },
    });
    expect((await handle(signed('not json'))).body?.error.details).toBe('not_json');
    expect(events).toEqual([]);
    expect(errors.every(isWebhookValidationError)).toBe(true);
  });

  it('answers 204 without onEvent to an event that tells no status', async () => {
    const { handle, events } = handler();
    const { status: _, ...record } = vonageEvent('x', { recording_url: 'https://api/x' });
    expect(await handle(signed(record))).toEqual({ status: 204 });
    expect(events).toEqual([]);
  });

  it('answers 500 when onEvent fails, so that Vonage sends the event again', async () => {
    const failure = new Error('store down');
    const { handle, errors } = handler({
      onEvent: () => Promise.reject(failure),
    });
    expect(await handle(signed(completed))).toEqual({
      status: 500,
      body: { error: { code: 'internal', message: 'The event could not be handled' } },
    });
    expect(errors).toEqual([failure]);
  });

  it('answers as usual when onError itself throws', async () => {
    const { handle } = handler({
      onError: () => {
        throw new Error('logger down');
      },
    });
    expect((await handle({ rawBody: '{}', headers: {} })).status).toBe(401);
  });

  it('refuses bad options at creation with InvalidOptionsError', () => {
    const attempt = (options: Partial<VonageWebhookHandlerOptions> & Record<string, unknown>) => {
      try {
        createVonageWebhookHandler({
          signatureSecret: SIGNATURE_SECRET,
          onEvent: () => {},
          ...options,
        } as VonageWebhookHandlerOptions);
        return 'no error';
      } catch (error) {
        return isInvalidOptionsError(error) ? error.message : 'another error';
      }
    };
    expect(attempt({ signatureSecret: '' })).toMatch(/signatureSecret/);
    expect(attempt({ onEvent: 'x' as never })).toMatch(/onEvent/);
    expect(attempt({ maxSkewS: -1 })).toMatch(/maxSkewS/);
    expect(attempt({ clock: {} as never })).toMatch(/clock/);
    expect(attempt({ publicKey: 'x' })).toMatch(/publicKey/);
  });
});
