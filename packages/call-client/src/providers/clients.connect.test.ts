/**
 * `connectCall` and `abandonCall` of the two practice clients: the request each sends, bad input
 * refused before anything is sent, a `409` kept as the `HttpError` it is, never sent twice once
 * it may have arrived; and `answered_by` read as `answeredBy`.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isHttpError, isInvalidOptionsError, isInvalidPhoneNumberError } from '../errors/errors.js';
import { createMockCallApiClient } from './mock-call-api.js';
import { createNumDialerClient } from './num-dialer.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const fast = { retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 5 } };

const FLAVOURS = [
  {
    name: 'createMockCallApiClient',
    base: 'http://localhost:5000/api/call',
    ringField: 'ring_s',
    client: () => createMockCallApiClient(fast),
    ok: (id: string) =>
      HttpResponse.json({ id, status: 'connected', phone_number: '+14155552671' }),
  },
  {
    name: 'createNumDialerClient',
    base: 'http://localhost:4830/call',
    ringField: 'ringS',
    client: () => createNumDialerClient({ ...fast, webhookUrl: 'https://app.example/wh/t' }),
    ok: (id: string) =>
      HttpResponse.json({ id: /^\d+$/.test(id) ? Number(id) : id, status: 'answered' }),
  },
] as const;

describe.each(FLAVOURS)('$name: connectCall and abandonCall', (flavour) => {
  /** Records each request to `…/{id}/{action}`, answering with the next of `answers`. */
  function api(...answers: Array<(id: string) => Response>) {
    const seen: Array<{ action: string; id: string; body: unknown }> = [];
    server.use(
      http.post(`${flavour.base}/:id/:action`, async ({ request, params }) => {
        const id = String(params.id);
        seen.push({ action: String(params.action), id, body: await request.json() });
        return answers[Math.min(seen.length - 1, answers.length - 1)]!(id);
      }),
    );
    return seen;
  }

  it('connects a call: one request with the agent in E.164 (or a SIP URI as given) and the ring time', async () => {
    const seen = api(flavour.ok);
    const client = flavour.client();
    await client.connectCall('1001', '(415) 555-0123', { ringS: 15 });
    await client.connectCall('1002', 'sip:ana@pbx.example.com');
    expect(seen).toEqual([
      { action: 'connect', id: '1001', body: { to: '+14155550123', [flavour.ringField]: 15 } },
      {
        action: 'connect',
        id: '1002',
        body: { to: 'sip:ana@pbx.example.com', [flavour.ringField]: 20 },
      },
    ]);
  });

  it('abandons a call: one request with the message, trimmed', async () => {
    const seen = api(flavour.ok);
    await flavour.client().abandonCall('1001', '  Acme calling; call us on 415 555 0100.  ');
    expect(seen).toEqual([
      {
        action: 'abandon',
        id: '1001',
        body: { message: 'Acme calling; call us on 415 555 0100.' },
      },
    ]);
  });

  it('puts the id in the path percent-encoded', async () => {
    const seen = api(flavour.ok);
    await flavour.client().abandonCall('a/b c', 'Bye.');
    expect(seen.map((s) => s.id)).toEqual(['a/b c']);
  });

  it.each([
    ['a SIP URI without a host', (c: Client) => c.connectCall('1', 'sip:no host'), 'to'],
    ['a ring under 5 s', (c: Client) => c.connectCall('1', '+14155550123', { ringS: 4 }), 'ringS'],
    [
      'a ring over 600 s',
      (c: Client) => c.connectCall('1', '+14155550123', { ringS: 601 }),
      'ringS',
    ],
    [
      'a ring of part seconds',
      (c: Client) => c.connectCall('1', '+14155550123', { ringS: 7.5 }),
      'ringS',
    ],
    ['an empty message', (c: Client) => c.abandonCall('1', ''), ''],
    ['a blank message', (c: Client) => c.abandonCall('1', ' \n '), ''],
    [
      'a message over 3,000 characters',
      (c: Client) => c.abandonCall('1', 'a'.repeat(3001)),
      'message',
    ],
  ])('refuses %s with an InvalidOptionsError, sending nothing', async (_, act, path) => {
    const seen = api(flavour.ok);
    const error = await act(flavour.client()).catch((e: unknown) => e);
    expect(isInvalidOptionsError(error)).toBe(true);
    if (path !== '') expect(JSON.stringify((error as { issues: unknown }).issues)).toContain(path);
    expect(seen).toEqual([]);
  });

  it('refuses a target that is no number with an InvalidPhoneNumberError, sending nothing', async () => {
    const seen = api(flavour.ok);
    const error = await flavour
      .client()
      .connectCall('1', 'nobody')
      .catch((e: unknown) => e);
    expect(isInvalidPhoneNumberError(error)).toBe(true);
    expect(seen).toEqual([]);
  });

  it('takes a message of exactly 3,000 characters', async () => {
    const seen = api(flavour.ok);
    await flavour.client().abandonCall('1', 'a'.repeat(3000));
    expect(seen).toHaveLength(1);
  });

  it('rejects with the HttpError of the 409 for a call that ended, asking once', async () => {
    const body = { error: { code: 'call_ended', message: 'call 1001 has ended (completed)' } };
    const seen = api(() => HttpResponse.json(body, { status: 409 }));
    const client = flavour.client();
    for (const act of [
      () => client.connectCall('1001', '+14155550123'),
      () => client.abandonCall('1001', 'Bye.'),
    ]) {
      const error = await act().catch((e: unknown) => e);
      expect(isHttpError(error)).toBe(true);
      expect(error).toMatchObject({ status: 409, body, notAccepted: false, attempts: 1 });
      expect((error as Error).message).toContain('call_ended');
    }
    expect(seen.map((s) => s.action)).toEqual(['connect', 'abandon']);
  });

  it('does not send a connect again when its answer is lost', async () => {
    const seen = api(() => HttpResponse.error());
    const error = await flavour
      .client()
      .connectCall('1001', '+14155550123')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(seen).toHaveLength(1);
  });

  it('does not send a connect again after a 500: the agent may be ringing', async () => {
    const seen = api(() => HttpResponse.json({ error: 'boom' }, { status: 500 }));
    const error = await flavour
      .client()
      .connectCall('1001', '+14155550123')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500 });
    expect(seen).toHaveLength(1);
  });

  it('sends a connect again after a 503, which the practice APIs answer having done nothing', async () => {
    const seen = api(
      () =>
        HttpResponse.json(
          { error: 'unavailable' },
          { status: 503, headers: { 'retry-after': '0' } },
        ),
      flavour.ok,
    );
    await flavour.client().connectCall('1001', '+14155550123');
    expect(seen.map((s) => s.action)).toEqual(['connect', 'connect']);
  });
});

type Client = ReturnType<(typeof FLAVOURS)[number]['client']>;

describe('createMockCallApiClient: who answered', () => {
  function answering(body: Record<string, unknown>) {
    server.use(http.get('http://localhost:5000/api/call/:id', () => HttpResponse.json(body)));
    server.use(
      http.post('http://localhost:5000/api/call', () => HttpResponse.json(body, { status: 201 })),
    );
  }

  it.each([
    ['human', 'human'],
    ['machine', 'machine'],
    ['machine_end_beep', 'machine'],
    ['fax', 'fax'],
  ] as const)(
    'reads answered_by %s as answeredBy %s, on getCall and placeCall',
    async (word, by) => {
      answering({ id: 'c-1', status: 'connected', answered_by: word });
      const client = createMockCallApiClient(fast);
      expect(await client.getCall('c-1')).toMatchObject({ status: 'answered', answeredBy: by });
      expect(await client.placeCall({ to: '+14155552671' })).toMatchObject({ answeredBy: by });
    },
  );

  it('leaves answeredBy out when the call does not say, or says it in no word', async () => {
    const client = createMockCallApiClient(fast);
    for (const said of [{}, { answered_by: null }, { answered_by: '' }, { answered_by: 3 }]) {
      answering({ id: 'c-1', status: 'connected', ...said });
      const call = await client.getCall('c-1');
      expect(call.status).toBe('answered');
      expect(call).not.toHaveProperty('answeredBy');
    }
  });

  it('carries answeredBy into the events watchCall yields', async () => {
    const { watchCall } = await import('../follow/watch.js');
    answering({ id: 'c-1', status: 'completed', answered_by: 'machine' });
    const events = [];
    for await (const event of watchCall(createMockCallApiClient(fast), 'c-1', { intervalMs: 1 })) {
      events.push(event);
    }
    expect(events).toMatchObject([{ status: 'completed', answeredBy: 'machine' }]);
  });
});
