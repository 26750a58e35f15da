import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { mostInOneSecond } from '@ringkit/internal/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../testing/fake-clock.js';
import {
  isHttpError,
  isInvalidOptionsError,
  isInvalidPhoneNumberError,
  isResponseValidationError,
  isUnsupportedCallOptionError,
} from '../errors/errors.js';
import { isAmbiguousPlacement, isCallNotPlaced } from '../errors/placement.js';
import { decodeClientState } from './_state.js';
import {
  createTelnyxClient,
  isTelnyxApiError,
  type TelnyxClientOptions,
  type TelnyxProvider,
} from './index.js';

const BASE = 'https://api.telnyx.test';
const CALLS = `${BASE}/v2/calls`;
const ACTIVE = `${BASE}/v2/connections/conn-1/active_calls`;
const ID = 'v3:abcDEF123_-xyz';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function client(overrides: Partial<TelnyxClientOptions> = {}): TelnyxProvider {
  return createTelnyxClient({
    apiKey: 'KEY0123',
    connectionId: 'conn-1',
    from: '+1 415 555 0100',
    baseUrl: BASE,
    retry: { limit: 2, baseDelayMs: 0 },
    reconcile: { attempts: 2, delayMs: 0 },
    ...overrides,
  });
}

const dialed = (id = ID, extra: object = {}) => ({
  data: {
    call_control_id: id,
    call_leg_id: 'leg',
    call_session_id: 'session',
    is_alive: false,
    record_type: 'call',
    ...extra,
  },
});

/** Answers every dial with `answer` and keeps what was sent. */
function captureDials(answer: (n: number) => Response | Promise<Response>) {
  const seen: Array<{ body: Record<string, unknown>; authorization: string | null }> = [];
  server.use(
    http.post(CALLS, async ({ request }) => {
      seen.push({
        body: (await request.json()) as Record<string, unknown>,
        authorization: request.headers.get('authorization'),
      });
      return answer(seen.length);
    }),
  );
  return seen;
}

const telnyxError = (status: number, code: string, title: string) =>
  HttpResponse.json({ errors: [{ code, title, detail: `${title}.` }] }, { status });

describe('createTelnyxClient', () => {
  it('dials with a JSON POST to /v2/calls, Bearer auth, and the call_control_id as the id', async () => {
    const seen = captureDials(() => HttpResponse.json(dialed()));
    const call = await client({ webhookUrl: 'https://app.example/webhooks/telnyx' }).placeCall({
      to: '(415) 555-2671',
    });
    expect(call).toMatchObject({ id: ID, status: 'initiated' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBe('Bearer KEY0123');
    expect(seen[0]!.body).toMatchObject({
      connection_id: 'conn-1',
      to: '+14155552671',
      from: '+14155550100',
      webhook_url: 'https://app.example/webhooks/telnyx',
      webhook_url_method: 'POST',
    });
  });

  it('says its name and what it can do: webhooks, no polling, no ringing status, no answerUrl', () => {
    const telnyx = client();
    expect(telnyx.name).toBe('telnyx');
    expect(telnyx.capabilities).toMatchObject({ polling: false, webhooks: true });
    expect(telnyx.capabilities.statuses).toEqual(['initiated', 'answered']);
    expect(telnyx.capabilities.options).not.toContain('answerUrl');
  });

  it('marks every dial with a new placement id, as its command_id and in its client_state', async () => {
    const seen = captureDials(() => HttpResponse.json(dialed()));
    const telnyx = client();
    await telnyx.placeCall({ to: '+14155552671' });
    await telnyx.placeCall({ to: '+14155552671' });
    const [a, b] = seen.map((s) => s.body);
    expect(a!.command_id).not.toBe(b!.command_id);
    expect(decodeClientState(a!.client_state)?.placementId).toBe(a!.command_id);
  });

  it('refuses bad options at creation with an InvalidOptionsError', () => {
    for (const bad of [
      { apiKey: '' },
      { connectionId: ' ' },
      { baseUrl: 'ftp://x' },
      { webhookUrl: 'not a url' },
      { reconcile: { attempts: 0 } },
      { voice: '' },
    ]) {
      const error = (() => {
        try {
          client(bad as Partial<TelnyxClientOptions>);
        } catch (e) {
          return e;
        }
      })();
      expect(isInvalidOptionsError(error), JSON.stringify(bad)).toBe(true);
    }
    expect(() => client({ from: '12' })).toThrow();
  });

  it('refuses a bad number, answerUrl, and options Telnyx cannot take, before anything is sent', async () => {
    const seen = captureDials(() => HttpResponse.json(dialed()));
    const telnyx = client();
    const errors = await Promise.all([
      telnyx.placeCall({ to: '12' }).catch((e: unknown) => e),
      telnyx
        .placeCall({ to: '+14155552671', answerUrl: 'https://x.example/a' })
        .catch((e: unknown) => e),
      telnyx.placeCall({ to: '+14155552671', ringTimeoutS: 4 }).catch((e: unknown) => e),
      telnyx.placeCall({ to: '+14155552671', timeLimitS: 14_401 }).catch((e: unknown) => e),
      telnyx.placeCall({ to: '+14155552671', say: 'a'.repeat(3001) }).catch((e: unknown) => e),
    ]);
    expect(isInvalidPhoneNumberError(errors[0])).toBe(true);
    expect(isUnsupportedCallOptionError(errors[1])).toBe(true);
    for (const error of errors.slice(2))
      expect(isInvalidOptionsError(error), String(error)).toBe(true);
    for (const error of errors) expect(isCallNotPlaced(error)).toBe(true);
    expect(seen).toEqual([]);
  });

  it('retries a dial answered 429, which Telnyx documents as nothing done', async () => {
    const seen = captureDials((n) =>
      n === 1 ? telnyxError(429, '10011', 'Too many requests') : HttpResponse.json(dialed()),
    );
    const call = await client().placeCall({ to: '+14155552671' });
    expect(call.id).toBe(ID);
    expect(seen).toHaveLength(2);
    expect(seen[0]!.body.command_id).toBe(seen[1]!.body.command_id);
  });

  it.each([500, 502, 503, 504])(
    'never sends again a dial answered %i, and fails it as of unknown outcome when no call is found',
    async (status) => {
      const seen = captureDials(() => telnyxError(status, '10007', 'Unexpected error'));
      let listed = 0;
      server.use(
        http.get(ACTIVE, () => {
          listed += 1;
          return HttpResponse.json({ data: [], meta: { total_pages: 1 } });
        }),
      );
      const error = await client()
        .placeCall({ to: '+14155552671' })
        .catch((e: unknown) => e);
      expect(seen).toHaveLength(1);
      expect(isHttpError(error) && error.status).toBe(status);
      expect(isTelnyxApiError(error)).toBe(true);
      expect(isAmbiguousPlacement(error)).toBe(true);
      expect(listed).toBe(2);
    },
  );

  it('never sends again a dial whose connection was reset', async () => {
    const seen = captureDials(() => HttpResponse.error());
    server.use(http.get(ACTIVE, () => HttpResponse.json({ data: [] })));
    const error = await client()
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(isAmbiguousPlacement(error)).toBe(true);
  });

  it('adopts the active call whose client_state carries this placement, after an ambiguous answer', async () => {
    const seen = captureDials(() => telnyxError(502, '10007', 'Bad gateway'));
    let page = 0;
    server.use(
      http.get(ACTIVE, ({ request }) => {
        const url = new URL(request.url);
        page = Number(url.searchParams.get('page[number]'));
        const mine = seen[0]!.body.client_state as string;
        const other = Buffer.from('{"rk":1,"p":"someone-else"}').toString('base64');
        if (page === 1)
          return HttpResponse.json({
            data: [
              {
                call_control_id: 'v3:other',
                client_state: other,
                call_duration: 0,
                record_type: 'call',
              },
              {
                call_control_id: 'v3:foreign',
                client_state: 'aGVsbG8=',
                call_duration: 0,
                record_type: 'call',
              },
            ],
            meta: { total_pages: 2, page_number: 1 },
          });
        return HttpResponse.json({
          data: [
            {
              call_control_id: 'v3:mine',
              client_state: mine,
              call_duration: 3,
              record_type: 'call',
            },
          ],
          meta: { total_pages: 2, page_number: 2 },
        });
      }),
    );
    const call = await client().placeCall({ to: '+14155552671' });
    expect(call).toMatchObject({ id: 'v3:mine', status: 'answered', reconciled: true });
    expect(seen).toHaveLength(1);
    expect(page).toBe(2);
  });

  it('fails with the dial error when the look-up itself fails, sending no second dial', async () => {
    const seen = captureDials(() => telnyxError(500, '10007', 'Unexpected error'));
    server.use(http.get(ACTIVE, () => telnyxError(401, '10009', 'Authentication failed')));
    const error = await client()
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(isHttpError(error) && error.status).toBe(500);
    expect(seen).toHaveLength(1);
  });

  it('does not look calls up with reconcile: false', async () => {
    captureDials(() => telnyxError(503, '10007', 'Unavailable'));
    const error = await client({ reconcile: false })
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(isAmbiguousPlacement(error)).toBe(true);
  });

  it('reports a 4xx as surely not placed, with Telnyx code, title and detail', async () => {
    captureDials(() => telnyxError(422, '10015', 'Invalid parameter'));
    const error = await client()
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(isTelnyxApiError(error)).toBe(true);
    expect(error).toMatchObject({
      telnyxCode: '10015',
      title: 'Invalid parameter',
      detail: 'Invalid parameter.',
    });
    expect(String((error as Error).message)).toContain('Telnyx error 10015');
    expect(isCallNotPlaced(error)).toBe(true);
  });

  it('refuses a 200 whose body has no call_control_id with a ResponseValidationError (unknown outcome)', async () => {
    captureDials(() => HttpResponse.json({ data: {} }));
    server.use(http.get(ACTIVE, () => HttpResponse.json({ data: [] })));
    const error = await client()
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(isResponseValidationError(error)).toBe(true);
    expect(isAmbiguousPlacement(error)).toBe(true);
  });

  it('spreads a burst of dials at callsPerSecond, as handed to fetch, reads left unpaced', async () => {
    const clock = createFakeClock(0);
    const sent: number[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      if ((input as Request).method === 'POST') sent.push(clock.now());
      return globalThis.fetch(input, init);
    };
    let n = 0;
    captureDials(() => HttpResponse.json(dialed(`v3:${++n}`)));
    const telnyx = client({ callsPerSecond: 5, fetch, clock });
    const placed = Promise.all(
      Array.from({ length: 11 }, () => telnyx.placeCall({ to: '+14155552671' })),
    );
    for (let k = 1; k <= 11; k += 1) {
      await vi.waitFor(() => expect(sent.length).toBeGreaterThanOrEqual(k));
      if (k < 11) await clock.advance(201);
    }
    expect(new Set((await placed).map((c) => c.id)).size).toBe(11);
    expect(mostInOneSecond(sent)).toBeLessThanOrEqual(5);
    expect(sent.at(-1)! - sent[0]!).toBeGreaterThanOrEqual(2000);
  });
});
