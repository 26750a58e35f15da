import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HttpError,
  InvalidOptionsError,
  InvalidPhoneNumberError,
  ConnectionError,
  ResponseValidationError,
  RequestTimeoutError,
} from '../errors/errors.js';
import { isAmbiguousPlacement } from '../errors/placement.js';
import { createMockCallApiClient } from './mock-call-api.js';
import { createNumDialerClient } from './num-dialer.js';

const POLLING = 'http://localhost:5000';
const WEBHOOK = 'http://localhost:4830';
const server = setupServer();
const fast = { retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 5 } };

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Answers each POST /api/call with the next of `answers`; counts requests and created calls. */
function pollingApi(...answers: Array<() => Response | Promise<Response>>) {
  const seen = { requests: 0, created: 0, bodies: [] as unknown[] };
  server.use(
    http.post(`${POLLING}/api/call`, async ({ request }) => {
      seen.bodies.push(await request.json());
      const answer = answers[Math.min(seen.requests, answers.length - 1)]!;
      seen.requests += 1;
      const response = await answer();
      if (response.status < 300) seen.created += 1;
      return response;
    }),
  );
  return seen;
}

const created = () =>
  HttpResponse.json(
    { id: 'c-1', status: 'initiated', phone_number: '+14155552671' },
    { status: 201 },
  );

describe('createMockCallApiClient', () => {
  it('places a call with the number in E.164 and returns its id and status', async () => {
    const seen = pollingApi(created);
    const call = await createMockCallApiClient().placeCall({ to: '(415) 555-2671' });
    expect(seen.bodies).toEqual([{ phone_number: '+14155552671' }]);
    expect(call).toEqual({
      id: 'c-1',
      status: 'initiated',
      providerStatus: 'initiated',
      raw: { id: 'c-1', status: 'initiated', phone_number: '+14155552671' },
    });
  });

  it('turns numeric ids into strings and keeps extra fields in raw', async () => {
    pollingApi(() =>
      HttpResponse.json({ id: 42, status: 'queued', extra: { a: 1 } }, { status: 201 }),
    );
    const call = await createMockCallApiClient().placeCall({ to: '+14155552671' });
    expect(call.id).toBe('42');
    expect(call.status).toBe('initiated');
    expect(call.raw).toEqual({ id: 42, status: 'queued', extra: { a: 1 } });
  });

  it('keeps an unknown status word verbatim and leaves the call initiated', async () => {
    pollingApi(() => HttpResponse.json({ id: 'x', status: 'teleporting' }, { status: 201 }));
    const call = await createMockCallApiClient().placeCall({ to: '+14155552671' });
    expect(call).toMatchObject({ status: 'initiated', providerStatus: 'teleporting' });
  });

  it('refuses an id or a status word that is not text a store can hold, as an invalid response', async () => {
    for (const answer of [
      { id: 'c\u0000-1', status: 'queued' },
      { id: 'c-1', status: 'queued\uD800' },
    ]) {
      pollingApi(() => HttpResponse.json(answer, { status: 201 }));
      const error = await createMockCallApiClient(fast)
        .placeCall({ to: '+14155552671' })
        .catch((e: unknown) => e);
      expect(error, JSON.stringify(answer)).toBeInstanceOf(ResponseValidationError);
      expect((error as Error).message).toMatch(
        /must not contain (the NUL character|a lone surrogate)/,
      );
    }
  });

  it('reads a call with getCall and maps connected to answered', async () => {
    server.use(
      http.get(`${POLLING}/api/call/:id`, ({ params }) =>
        HttpResponse.json({ id: params.id, status: 'connected' }),
      ),
    );
    const call = await createMockCallApiClient().getCall('a/b');
    expect(call).toMatchObject({ id: 'a/b', status: 'answered', providerStatus: 'connected' });
  });

  it('retries a 503 and creates exactly one call at the provider', async () => {
    const seen = pollingApi(() => new HttpResponse(null, { status: 503 }), created);
    const call = await createMockCallApiClient(fast).placeCall({ to: '+14155552671' });
    expect(call.id).toBe('c-1');
    expect(seen).toMatchObject({ requests: 2, created: 1 });
  });

  it.each([429, 503])(
    'retries a POST answered %i (the server did not accept it)',
    async (status) => {
      const seen = pollingApi(
        () => new HttpResponse(null, { status, headers: { 'Retry-After': '0' } }),
        created,
      );
      await createMockCallApiClient(fast).placeCall({ to: '+14155552671' });
      expect(seen.requests).toBe(2);
    },
  );

  it.each([500, 502, 504])(
    'never retries a POST answered %i: a gateway or the provider may have placed the call',
    async (status) => {
      const seen = pollingApi(
        () => new HttpResponse(null, { status, headers: { 'Retry-After': '0' } }),
      );
      const error = await createMockCallApiClient(fast)
        .placeCall({ to: '+14155552671' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status, attempts: 1 });
      expect(isAmbiguousPlacement(error)).toBe(true);
      expect(seen.requests).toBe(1);
    },
  );

  it('gives up after the retry limit with an HttpError saying how many attempts were made', async () => {
    const seen = pollingApi(() => HttpResponse.json({ error: 'down' }, { status: 503 }));
    const error = await createMockCallApiClient(fast)
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 503, attempts: 4, body: { error: 'down' } });
    expect(seen.requests).toBe(4);
  });

  it.each([400, 401, 404, 409, 422])('never retries a %i', async (status) => {
    const seen = pollingApi(() => HttpResponse.json({ error: 'no' }, { status }));
    const error = await createMockCallApiClient(fast)
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HttpError', status, attempts: 1 });
    expect(seen.requests).toBe(1);
  });

  it('does not retry a POST answered 500, since the call may exist', async () => {
    const seen = pollingApi(() => new HttpResponse(null, { status: 500 }), created);
    await expect(
      createMockCallApiClient(fast).placeCall({ to: '+14155552671' }),
    ).rejects.toMatchObject({ status: 500 });
    expect(seen.requests).toBe(1);
  });

  it('retries a read answered 500', async () => {
    let reads = 0;
    server.use(
      http.get(`${POLLING}/api/call/:id`, () => {
        reads += 1;
        return reads === 1
          ? new HttpResponse(null, { status: 500 })
          : HttpResponse.json({ id: 'c-1', status: 'ringing' });
      }),
    );
    await expect(createMockCallApiClient(fast).getCall('c-1')).resolves.toMatchObject({
      status: 'ringing',
    });
    expect(reads).toBe(2);
  });

  it('times out a POST once, without retrying it', async () => {
    const seen = pollingApi(async () => {
      await delay(1_000);
      return created();
    });
    const error = await createMockCallApiClient({ ...fast, timeoutMs: 30 })
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({
      timeoutMs: 30,
      request: { method: 'POST', url: `${POLLING}/api/call` },
    });
    expect(seen.requests).toBe(1);
  });

  it('retries a read that timed out', async () => {
    let reads = 0;
    server.use(
      http.get(`${POLLING}/api/call/:id`, async () => {
        reads += 1;
        if (reads === 1) await delay(1_000);
        return HttpResponse.json({ id: 'c-1', status: 'ringing' });
      }),
    );
    await expect(
      createMockCallApiClient({ ...fast, timeoutMs: 30 }).getCall('c-1'),
    ).resolves.toMatchObject({ status: 'ringing' });
    expect(reads).toBe(2);
  });

  it.each([
    ['a body without id', () => HttpResponse.json({ status: 'initiated' }, { status: 201 }), 'id'],
    [
      'an id that is an object',
      () => HttpResponse.json({ id: { x: 1 }, status: 'initiated' }, { status: 201 }),
      'id',
    ],
    ['a body without status', () => HttpResponse.json({ id: 'c' }, { status: 201 }), 'status'],
    ['a body that is not JSON', () => new HttpResponse('<html>', { status: 201 }), 'not JSON'],
    ['an empty body', () => new HttpResponse(null, { status: 201 }), ''],
  ])('refuses %s with a ResponseValidationError', async (_, answer, text) => {
    pollingApi(answer);
    const error = await createMockCallApiClient(fast)
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues.length).toBeGreaterThan(0);
    expect((error as Error).message).toContain(text);
  });

  it('does not retry a POST whose connection failed after it may have been sent', async () => {
    const seen = pollingApi(() => HttpResponse.error(), created);
    const error = await createMockCallApiClient(fast)
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(seen.requests).toBe(1);
  });

  it('stops at once when the signal aborts, with the abort reason', async () => {
    const seen = pollingApi(async () => {
      await delay(1_000);
      return created();
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await createMockCallApiClient(fast)
      .placeCall({ to: '+14155552671', signal: controller.signal })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(seen.requests).toBe(1);
  });

  it('refuses a bad number before any request is made', async () => {
    const seen = pollingApi(created);
    await expect(createMockCallApiClient().placeCall({ to: '555' })).rejects.toBeInstanceOf(
      InvalidPhoneNumberError,
    );
    expect(seen.requests).toBe(0);
  });

  it.each([
    [{ baseUrl: 'not a url' }],
    [{ baseUrl: 'ftp://host' }],
    [{ timeout: -1 }],
    [{ retry: { limit: -1 } }],
    [{ retry: { limt: 2 } }],
  ])('refuses bad options %j with an InvalidOptionsError', (options) => {
    expect(() => createMockCallApiClient(options as never)).toThrow(InvalidOptionsError);
  });

  it('honours a base URL with a path and sends the configured headers', async () => {
    let seen: Request | undefined;
    server.use(
      http.post('http://api.example/v1/api/call', ({ request }) => {
        seen = request;
        return created();
      }),
    );
    await createMockCallApiClient({
      baseUrl: 'http://api.example/v1',
      headers: { authorization: 'Bearer t' },
    }).placeCall({
      to: '+14155552671',
    });
    expect(seen?.headers.get('authorization')).toBe('Bearer t');
  });
});

describe('createNumDialerClient', () => {
  const webhookUrl = 'https://app.example/webhooks/dialer/0123456789abcdef';

  it('sends the number without + and the webhook URL, and returns the id as a string', async () => {
    let body: unknown;
    server.use(
      http.post(`${WEBHOOK}/call`, async ({ request }) => {
        body = await request.json();
        return HttpResponse.json({ id: 2345 });
      }),
    );
    const provider = createNumDialerClient({ webhookUrl });
    expect(provider.capabilities).toEqual({ polling: false, webhooks: true, options: [] });
    expect(provider.getCall).toBeUndefined();
    const call = await provider.placeCall({ to: '13018040009' });
    expect(body).toEqual({ phone: '13018040009', webhookURL: webhookUrl });
    expect(call).toEqual({
      id: '2345',
      status: 'initiated',
      providerStatus: 'initiated',
      raw: { id: 2345 },
    });
  });

  it('retries a 503 and creates exactly one call', async () => {
    let requests = 0;
    server.use(
      http.post(`${WEBHOOK}/call`, () => {
        requests += 1;
        return requests === 1
          ? new HttpResponse(null, { status: 503 })
          : HttpResponse.json({ id: 7 });
      }),
    );
    await expect(
      createNumDialerClient({ webhookUrl, ...fast }).placeCall({ to: '13018040009' }),
    ).resolves.toMatchObject({
      id: '7',
    });
    expect(requests).toBe(2);
  });

  it('refuses an answer without an id', async () => {
    server.use(http.post(`${WEBHOOK}/call`, () => HttpResponse.json({ ok: true })));
    await expect(
      createNumDialerClient({ webhookUrl }).placeCall({ to: '13018040009' }),
    ).rejects.toBeInstanceOf(ResponseValidationError);
  });

  it('requires an http(s) webhook URL', () => {
    expect(() => createNumDialerClient({ webhookUrl: 'javascript:alert(1)' })).toThrow(
      InvalidOptionsError,
    );
    expect(() => createNumDialerClient({} as never)).toThrow(/webhookUrl/);
  });
});
