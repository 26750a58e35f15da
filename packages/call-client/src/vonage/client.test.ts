import { generateKeyPairSync } from 'node:crypto';
import { verifySignature } from '@vonage/jwt';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { mostInOneSecond } from '@ringkit/internal/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../testing/fake-clock.js';
import {
  isHttpError,
  isInvalidOptionsError,
  isInvalidPhoneNumberError,
  isPlacementWithheldError,
  isResponseValidationError,
} from '../errors/errors.js';
import { isAmbiguousPlacement, isCallNotPlaced } from '../errors/placement.js';
import { createVonageClient } from './client.js';
import type { VonageClientOptions, VonageProvider } from './client-options.js';
import { isVonageApiError, VonageApiError } from './errors.js';
import { APPLICATION_KEYS } from '../../test/vonage-fixtures.js';

const BASE = 'https://api.nexmo.test';
const CALLS = `${BASE}/v1/calls`;
const UUID = '63f61863-4a51-4f6b-86e1-46edebcf9356';
const APP = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const { privateKey, publicKey } = APPLICATION_KEYS;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function client(overrides: Partial<VonageClientOptions> = {}): VonageProvider {
  return createVonageClient({
    applicationId: APP,
    privateKey,
    from: '+1 415 555 0100',
    baseUrl: BASE,
    retry: { limit: 2, baseDelayMs: 0 },
    reconcile: { attempts: 2, delayMs: 0 },
    ...overrides,
  });
}

const created = (uuid = UUID) => ({
  uuid,
  status: 'started',
  direction: 'outbound',
  conversation_uuid: 'CON-f972836a-550f-45fa-956c-12a2ab5b7d22',
});

const detail = (status: string, extra: object = {}) => ({
  uuid: UUID,
  conversation_uuid: 'CON-1',
  to: { type: 'phone', number: '14155552671' },
  from: { type: 'phone', number: '14155550100' },
  status,
  direction: 'outbound',
  ...extra,
});

/** Answers every create with `answer` and keeps what was sent. */
function captureCreates(answer: (n: number) => Response | Promise<Response>) {
  const seen: Array<{
    body: Record<string, unknown>;
    authorization: string | null;
    type: string | null;
  }> = [];
  server.use(
    http.post(CALLS, async ({ request }) => {
      seen.push({
        body: (await request.json()) as Record<string, unknown>,
        authorization: request.headers.get('authorization'),
        type: request.headers.get('content-type'),
      });
      return answer(seen.length);
    }),
  );
  return seen;
}

/** Answers the list of calls with `calls` and keeps the queries. */
function captureLists(calls: (n: number) => object[]) {
  const queries: URLSearchParams[] = [];
  server.use(
    http.get(CALLS, ({ request }) => {
      queries.push(new URL(request.url).searchParams);
      const page = calls(queries.length);
      return HttpResponse.json({
        count: page.length,
        page_size: 100,
        record_index: 0,
        _embedded: { calls: page },
      });
    }),
  );
  return queries;
}

const vonageError = (status: number, title: string) =>
  HttpResponse.json(
    {
      type: 'https://developer.nexmo.com/api-errors#x',
      title,
      detail: `${title}.`,
      instance: 'i-1',
    },
    { status },
  );

const errorOf = (promise: Promise<unknown>) => promise.catch((e: unknown) => e);

describe('createVonageClient', () => {
  it('creates a call with a JSON POST to /v1/calls, phone endpoints without +, and the uuid as the id', async () => {
    const seen = captureCreates(() => HttpResponse.json(created(), { status: 201 }));
    const call = await client({ eventUrl: 'https://app.example/webhooks/vonage' }).placeCall({
      to: '(415) 555-2671',
    });
    expect(call).toEqual({
      id: UUID,
      status: 'initiated',
      providerStatus: 'started',
      raw: created(),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.type).toMatch(/^application\/json/);
    expect(seen[0]!.body).toEqual({
      to: [{ type: 'phone', number: '14155552671' }],
      from: { type: 'phone', number: '14155550100' },
      ncco: [{ action: 'talk', text: 'Hello. This is an automated call.' }],
      event_url: ['https://app.example/webhooks/vonage'],
      event_method: 'POST',
    });
  });

  it('signs every request with a JWT of the application that @vonage/jwt verifies with its public key', async () => {
    const seen = captureCreates(() => HttpResponse.json(created(), { status: 201 }));
    const reads: Array<string | null> = [];
    server.use(
      http.get(`${CALLS}/${UUID}`, ({ request }) => {
        reads.push(request.headers.get('authorization'));
        return HttpResponse.json(detail('ringing'));
      }),
    );
    const vonage = client({ headers: { 'x-trace': '1' } });
    await vonage.placeCall({ to: '+14155552671' });
    await vonage.getCall(UUID);
    for (const authorization of [seen[0]!.authorization, reads[0]!]) {
      expect(authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      const token = authorization!.slice('Bearer '.length);
      expect(verifySignature(token, publicKey)).toBe(true);
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
        application_id: string;
        iat: number;
        exp: number;
        jti: string;
      };
      expect(claims.application_id).toBe(APP);
      expect(claims.exp - claims.iat).toBe(900);
      expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(60);
      expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('dates its tokens on the real time, which Vonage checks, even when it paces on a fake clock', async () => {
    const seen = captureCreates(() => HttpResponse.json(created(), { status: 201 }));
    await client({ clock: createFakeClock(0), callsPerSecond: 100 }).placeCall({
      to: '+14155552671',
    });
    const token = seen[0]!.authorization!.slice('Bearer '.length);
    expect(verifySignature(token, publicKey)).toBe(true);
    const { iat } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      iat: number;
    };
    expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(60);
  });

  it('says its name and what it can do: polling, webhooks, every call option', () => {
    const vonage = client();
    expect(vonage.name).toBe('vonage');
    expect(client({ name: 'vonage-eu' }).name).toBe('vonage-eu');
    expect(vonage.capabilities).toMatchObject({ polling: true, webhooks: true });
    expect(vonage.capabilities.options).toEqual([
      'from',
      'say',
      'answerUrl',
      'ringTimeoutS',
      'timeLimitS',
      'machineDetection',
      'record',
      'extra',
    ]);
  });

  it('refuses bad options at creation with an InvalidOptionsError', () => {
    const ed25519 = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    for (const bad of [
      { applicationId: ' ' },
      { privateKey: '' },
      { privateKey: 'not a key' },
      { privateKey: publicKey },
      { privateKey: ed25519 },
      { baseUrl: 'ftp://x' },
      { eventUrl: 'not a url' },
      { answerUrl: 'https://a.example/ncco', ncco: [{ action: 'talk', text: 'x' }] },
      { ncco: [] },
      { ncco: [{ text: 'no action' }] },
      { tokenTtlS: 10 },
      { style: -1 },
      { reconcile: { attempts: 0 } },
      { unknownOption: true },
    ]) {
      const error = (() => {
        try {
          client(bad as Partial<VonageClientOptions>);
        } catch (e) {
          return e;
        }
      })();
      expect(isInvalidOptionsError(error), JSON.stringify(bad).slice(0, 80)).toBe(true);
    }
    expect(
      isInvalidPhoneNumberError(
        (() => {
          try {
            client({ from: '12' });
          } catch (e) {
            return e;
          }
        })(),
      ),
    ).toBe(true);
  });

  it('refuses a bad number before anything is sent', async () => {
    const seen = captureCreates(() => HttpResponse.json(created(), { status: 201 }));
    const error = await errorOf(client().placeCall({ to: '12' }));
    expect(isInvalidPhoneNumberError(error)).toBe(true);
    expect(isCallNotPlaced(error)).toBe(true);
    expect(seen).toEqual([]);
  });

  it('sends nothing when beforeSend refuses, right before the create would leave', async () => {
    const seen = captureCreates(() => HttpResponse.json(created(), { status: 201 }));
    const error = await errorOf(
      client().placeCall({
        to: '+14155552671',
        beforeSend: () => {
          throw new Error('on the do-not-call list');
        },
      }),
    );
    expect(isPlacementWithheldError(error)).toBe(true);
    expect(isCallNotPlaced(error)).toBe(true);
    expect(seen).toEqual([]);
  });

  it('sends again a create answered 429, which Vonage documents as over its capacity', async () => {
    const seen = captureCreates((n) =>
      n === 1
        ? vonageError(429, 'Too Many Requests')
        : HttpResponse.json(created(), { status: 201 }),
    );
    const call = await client().placeCall({ to: '+14155552671', say: 'Hi' });
    expect(call.id).toBe(UUID);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.body).toEqual(seen[0]!.body);
  });

  it('puts its token over an Authorization header of its own headers, on every attempt', async () => {
    const seen = captureCreates((n) =>
      n === 1
        ? vonageError(429, 'Too Many Requests')
        : HttpResponse.json(created(), { status: 201 }),
    );
    await client({ headers: { Authorization: 'Basic bm9wZQ==', 'x-trace': '1' } }).placeCall({
      to: '+14155552671',
    });
    expect(seen).toHaveLength(2);
    for (const { authorization } of seen) {
      expect(authorization).toMatch(/^Bearer /);
      expect(verifySignature(authorization!.slice('Bearer '.length), publicKey)).toBe(true);
    }
  });

  it('gives up on 429 after its retries as surely not placed, retryable', async () => {
    const seen = captureCreates(() => vonageError(429, 'Too Many Requests'));
    const error = await errorOf(client().placeCall({ to: '+14155552671' }));
    expect(seen).toHaveLength(3);
    expect(isVonageApiError(error) && error.status).toBe(429);
    expect(isCallNotPlaced(error)).toBe(true);
  });

  it.each([500, 502, 503, 504])(
    'never sends again a create answered %i, and fails it as of unknown outcome when no call is found',
    async (status) => {
      const seen = captureCreates(() => vonageError(status, 'Internal Error'));
      const queries = captureLists(() => []);
      const error = await errorOf(client().placeCall({ to: '+14155552671' }));
      expect(seen).toHaveLength(1);
      expect(isHttpError(error) && error.status).toBe(status);
      expect(error).toBeInstanceOf(VonageApiError);
      expect(isAmbiguousPlacement(error)).toBe(true);
      expect(queries).toHaveLength(2);
    },
  );

  it('never sends again a create whose connection was reset', async () => {
    const seen = captureCreates(() => HttpResponse.error());
    captureLists(() => []);
    const error = await errorOf(client().placeCall({ to: '+14155552671' }));
    expect(seen).toHaveLength(1);
    expect(isAmbiguousPlacement(error)).toBe(true);
  });

  it('adopts the one call listed since the placement to the same number from the same number', async () => {
    const clock = createFakeClock(Date.UTC(2026, 5, 1, 12, 0, 0, 500));
    const seen = captureCreates(() => vonageError(502, 'Bad Gateway'));
    const queries = captureLists(() => [
      detail('ringing', { uuid: 'someone-else', to: { type: 'phone', number: '14155559999' } }),
      detail('ringing', { uuid: 'other-sender', from: { type: 'phone', number: '14155550199' } }),
      detail('ringing', { uuid: 'inbound', direction: 'inbound' }),
      detail('ringing', { uuid: 'mine' }),
    ]);
    const call = await client({ clock }).placeCall({ to: '+14155552671' });
    expect(call).toMatchObject({
      id: 'mine',
      status: 'ringing',
      providerStatus: 'ringing',
      reconciled: true,
    });
    expect(seen).toHaveLength(1);
    expect(Object.fromEntries(queries[0]!)).toEqual({
      date_start: '2026-06-01T11:59:58Z',
      page_size: '100',
      record_index: '0',
      order: 'desc',
    });
  });

  it('adopts nothing when two listed calls could be the placement', async () => {
    captureCreates(() => vonageError(500, 'Internal Error'));
    captureLists(() => [detail('ringing', { uuid: 'a' }), detail('started', { uuid: 'b' })]);
    const error = await errorOf(client().placeCall({ to: '+14155552671' }));
    expect(isAmbiguousPlacement(error)).toBe(true);
  });

  it('adopts nothing that started before the placement', async () => {
    const clock = createFakeClock(Date.UTC(2026, 5, 1, 12, 0, 0));
    captureCreates(() => vonageError(500, 'Internal Error'));
    const queries = captureLists(() => [
      detail('completed', { uuid: 'old', start_time: '2026-06-01 11:50:00' }),
    ]);
    // One look-up: a second would wait on the fake clock.
    const vonage = client({ clock, reconcile: { attempts: 1, delayMs: 0 } });
    const error = await errorOf(vonage.placeCall({ to: '+14155552671' }));
    expect(isAmbiguousPlacement(error)).toBe(true);
    expect(queries).toHaveLength(1);
  });

  it('reads the next page of calls while pages are full', async () => {
    captureCreates(() => vonageError(504, 'Gateway Timeout'));
    const filler = Array.from({ length: 100 }, (_, i) =>
      detail('ringing', { uuid: `x${i}`, to: { type: 'phone', number: '14155559999' } }),
    );
    const queries = captureLists((n) =>
      n === 1 ? filler : [detail('answered', { uuid: 'mine' })],
    );
    const call = await client().placeCall({ to: '+14155552671' });
    expect(call).toMatchObject({ id: 'mine', status: 'answered', reconciled: true });
    expect(queries.map((q) => q.get('record_index'))).toEqual(['0', '100']);
  });

  it('fails with the create error when the look-up itself fails, sending no second create', async () => {
    const seen = captureCreates(() => vonageError(500, 'Internal Error'));
    server.use(http.get(CALLS, () => vonageError(401, 'Unauthorized')));
    const error = await errorOf(client().placeCall({ to: '+14155552671' }));
    expect(isHttpError(error) && error.status).toBe(500);
    expect(seen).toHaveLength(1);
  });

  it('does not look calls up with reconcile: false', async () => {
    captureCreates(() => vonageError(503, 'Unavailable'));
    const queries = captureLists(() => [detail('ringing')]);
    const error = await errorOf(client({ reconcile: false }).placeCall({ to: '+14155552671' }));
    expect(isAmbiguousPlacement(error)).toBe(true);
    expect(queries).toHaveLength(0);
  });

  it('reports a 4xx as surely not placed, with Vonage title, detail and instance', async () => {
    const seen = captureCreates(() => vonageError(400, 'Bad Request'));
    const error = await errorOf(client().placeCall({ to: '+14155552671' }));
    expect(seen).toHaveLength(1);
    expect(isVonageApiError(error)).toBe(true);
    expect(error).toMatchObject({
      title: 'Bad Request',
      detail: 'Bad Request.',
      instance: 'i-1',
      vonageType: 'https://developer.nexmo.com/api-errors#x',
    });
    expect((error as Error).message).toContain('Vonage error: Bad Request (Bad Request.)');
    expect(isCallNotPlaced(error)).toBe(true);
  });

  it('keeps a 4xx whose body is not Vonage’s as a plain HttpError', async () => {
    captureCreates(() => HttpResponse.text('nope', { status: 401 }));
    const error = await errorOf(client().placeCall({ to: '+14155552671' }));
    expect(isHttpError(error) && error.status).toBe(401);
    expect(isVonageApiError(error)).toBe(false);
  });

  it('refuses a 201 whose body has no uuid with a ResponseValidationError (unknown outcome)', async () => {
    captureCreates(() => HttpResponse.json({ status: 'started' }, { status: 201 }));
    captureLists(() => []);
    const error = await errorOf(client().placeCall({ to: '+14155552671' }));
    expect(isResponseValidationError(error)).toBe(true);
    expect(isAmbiguousPlacement(error)).toBe(true);
  });

  it('spreads a burst of creates at callsPerSecond, as handed to fetch, reads left unpaced', async () => {
    const clock = createFakeClock(Date.now());
    const sent: number[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      if ((input as Request).method === 'POST') sent.push(clock.now());
      return globalThis.fetch(input, init);
    };
    let n = 0;
    captureCreates(() => HttpResponse.json(created(`u-${++n}`), { status: 201 }));
    const vonage = client({ callsPerSecond: 3, fetch, clock });
    const placed = Promise.all(
      Array.from({ length: 7 }, () => vonage.placeCall({ to: '+14155552671' })),
    );
    for (let k = 1; k <= 7; k += 1) {
      await vi.waitFor(() => expect(sent.length).toBeGreaterThanOrEqual(k));
      if (k < 7) await clock.advance(334);
    }
    expect(new Set((await placed).map((c) => c.id)).size).toBe(7);
    expect(mostInOneSecond(sent)).toBeLessThanOrEqual(3);
    expect(sent.at(-1)! - sent[0]!).toBeGreaterThanOrEqual(2000);
  });
});
