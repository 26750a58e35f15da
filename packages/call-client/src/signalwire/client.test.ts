import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isHttpError, isInvalidOptionsError, isResponseValidationError } from '../errors/errors.js';
import { isAmbiguousPlacement, isCallNotPlaced } from '../errors/placement.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { isTwilioApiError } from '../twilio/errors.js';
import { createSignalWireClient, type SignalWireClientOptions } from './index.js';

// SignalWire's Compatibility API as MSW handlers: the URLs, sign-in and forms of its documents.

const projectId = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const apiToken = 'PTf00dfacef00dfacef00dfacef00dfacef00dface0123';
const SPACE = 'example.signalwire.test';
const CALLS = `https://${SPACE}/api/laml/2010-04-01/Accounts/${projectId}/Calls.json`;
const SID = 'b3877c40-da60-4998-90ad-b792e98472af';
const CALL = `https://${SPACE}/api/laml/2010-04-01/Accounts/${projectId}/Calls/${SID}.json`;

const options = (extra: Partial<SignalWireClientOptions> = {}): SignalWireClientOptions => ({
  spaceUrl: SPACE,
  projectId,
  apiToken,
  from: '+15005550006',
  retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 5 },
  reconcile: false,
  ...extra,
});

/** A call as SignalWire answers it, in `status`, with `extra` fields. */
const callBody = (status = 'queued', extra: Record<string, unknown> = {}) => ({
  sid: SID,
  account_sid: projectId,
  status,
  to: '+14155552671',
  from: '+15005550006',
  date_created: new Date().toUTCString(),
  ...extra,
});

const server = setupServer();

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

interface Seen {
  url: string;
  form: URLSearchParams;
  authorization: string | null;
  type: string | null;
}

/** Answers the create POST with `answer` and keeps what was sent. */
function capture(answer: () => Response, url = CALLS) {
  const seen: Seen[] = [];
  server.use(
    http.post(url, async ({ request }) => {
      seen.push({
        url: request.url,
        form: new URLSearchParams(await request.text()),
        authorization: request.headers.get('authorization'),
        type: request.headers.get('content-type'),
      });
      return answer();
    }),
  );
  return seen;
}

const basic = `Basic ${Buffer.from(`${projectId}:${apiToken}`).toString('base64')}`;

describe('createSignalWireClient', () => {
  it("places a call with a form-encoded POST to the space's LaML Calls, Basic auth as the project", async () => {
    const seen = capture(() => HttpResponse.json(callBody('queued'), { status: 201 }));
    const client = createSignalWireClient(
      options({ statusCallbackUrl: 'https://app.example/webhooks/signalwire' }),
    );
    const call = await client.placeCall({ to: '(415) 555-2671', say: 'Table for 2 & more' });
    expect(call).toMatchObject({ id: SID, status: 'initiated', providerStatus: 'queued' });
    expect(client.name).toBe('signalwire');
    const [sent] = seen;
    expect(sent!.url).toBe(CALLS);
    expect(sent!.type).toMatch(/^application\/x-www-form-urlencoded/);
    expect(sent!.authorization).toBe(basic);
    expect([...sent!.form]).toEqual([
      ['To', '+14155552671'],
      ['From', '+15005550006'],
      ['Twiml', '<Response><Say>Table for 2 &amp; more</Say></Response>'],
      ['StatusCallback', 'https://app.example/webhooks/signalwire'],
      ['StatusCallbackMethod', 'POST'],
      ['StatusCallbackEvent', 'initiated'],
      ['StatusCallbackEvent', 'ringing'],
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'completed'],
    ]);
  });

  it('takes the space as a URL too (a simulator), and sends the options as Twilio names them', async () => {
    const local = 'http://127.0.0.1:5100';
    const seen = capture(
      () => HttpResponse.json(callBody('queued'), { status: 201 }),
      `${local}/api/laml/2010-04-01/Accounts/${projectId}/Calls.json`,
    );
    const client = createSignalWireClient(
      options({ spaceUrl: `${local}/`, url: 'https://a.example/laml' }),
    );
    await client.placeCall({
      to: '+14155552671',
      ringTimeoutS: 25,
      timeLimitS: 600,
      machineDetection: 'detect-beep',
      record: true,
    });
    const form = seen[0]!.form;
    expect(form.get('Url')).toBe('https://a.example/laml');
    expect(form.has('Twiml')).toBe(false);
    expect(form.get('Timeout')).toBe('25');
    expect(form.get('TimeLimit')).toBe('600');
    expect(form.get('MachineDetection')).toBe('DetectMessageEnd');
    expect(form.get('Record')).toBe('true');
    expect(client.capabilities).toMatchObject({ polling: true, webhooks: false });
  });

  it('refuses an extra parameter the Calls create does not have before anything is sent', async () => {
    const seen = capture(() => HttpResponse.json(callBody(), { status: 201 }));
    const client = createSignalWireClient(options());
    const error = await client
      .placeCall({ to: '+14155552671', extra: { Nonsense: '1' } })
      .catch((e: unknown) => e);
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as Error).message).toContain('Nonsense');
    expect(seen).toEqual([]);
  });

  it('paces placements to callsPerSecond on its clock, as handed to fetch', async () => {
    const clock = createFakeClock(0);
    const sentAt: number[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      sentAt.push(clock.now());
      return globalThis.fetch(input, init);
    };
    capture(() => HttpResponse.json(callBody('queued'), { status: 201 }));
    const client = createSignalWireClient(options({ callsPerSecond: 2, clock, fetch }));
    const calls = Promise.all([1, 2, 3, 4].map(() => client.placeCall({ to: '+14155552671' })));
    for (let k = 1; k <= 4; k++) {
      await vi.waitFor(() => expect(sentAt.length).toBeGreaterThanOrEqual(k));
      if (k < 4) await clock.advance(501);
    }
    await calls;
    for (let i = 1; i < sentAt.length; i++)
      expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(500);
    expect(sentAt.at(-1)! - sentAt[0]!).toBeGreaterThanOrEqual(1500);
  });

  it.each([
    ['answered', 'answered'],
    ['in-progress', 'answered'],
    ['ringing', 'ringing'],
    ['completed', 'completed'],
    ['no-answer', 'no-answer'],
  ])('reads a call SignalWire says is %s as %s', async (word, status) => {
    server.use(http.get(CALL, () => HttpResponse.json(callBody(word))));
    expect(await createSignalWireClient(options()).getCall(SID)).toMatchObject({
      id: SID,
      status,
      providerStatus: word,
    });
  });

  it('cancels a ringing call with Status=canceled on its resource', async () => {
    const updates: string[] = [];
    server.use(
      http.get(CALL, () => HttpResponse.json(callBody('ringing'))),
      http.post(CALL, async ({ request }) => {
        expect(request.headers.get('authorization')).toBe(basic);
        updates.push(await request.text());
        return HttpResponse.json(callBody('canceled'));
      }),
    );
    const call = await createSignalWireClient(options()).cancelCall(SID);
    expect(updates).toEqual(['Status=canceled']);
    expect(call).toMatchObject({ status: 'canceled' });
  });

  it('leaves a call it finds answered as it is when asked to cancel it', async () => {
    let posts = 0;
    server.use(
      http.get(CALL, () => HttpResponse.json(callBody('answered'))),
      http.post(CALL, () => {
        posts += 1;
        return HttpResponse.json(callBody('canceled'));
      }),
    );
    const call = await createSignalWireClient(options()).cancelCall(SID);
    expect(call).toMatchObject({ status: 'answered', providerStatus: 'answered' });
    expect(posts).toBe(0);
  });

  it("turns Twilio's error body, which SignalWire answers with, into a TwilioApiError", async () => {
    capture(() =>
      HttpResponse.json(
        { code: 21211, message: "The 'To' number is not valid.", status: 400 },
        { status: 400 },
      ),
    );
    const error = await createSignalWireClient(options())
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(isTwilioApiError(error) && [error.status, error.twilioCode]).toEqual([400, 21211]);
    expect(isCallNotPlaced(error)).toBe(true);
  });

  it('retries a 429, which created nothing, and places the call once', async () => {
    let posts = 0;
    capture(() => {
      posts += 1;
      return posts <= 2
        ? HttpResponse.json({ message: 'Too Many Requests' }, { status: 429 })
        : HttpResponse.json(callBody('queued'), { status: 201 });
    });
    const call = await createSignalWireClient(options()).placeCall({ to: '+14155552671' });
    expect(call.id).toBe(SID);
    expect(posts).toBe(3);
  });

  it.each([500, 502, 503, 504])(
    'never retries a %i: the call may exist, so the placement is ambiguous',
    async (status) => {
      let posts = 0;
      capture(() => {
        posts += 1;
        return HttpResponse.json({ message: 'oops' }, { status });
      });
      const error = await createSignalWireClient(options({ retry: 5 }))
        .placeCall({ to: '+14155552671' })
        .catch((e: unknown) => e);
      expect(isHttpError(error) && error.status).toBe(status);
      expect(isAmbiguousPlacement(error)).toBe(true);
      expect(posts).toBe(1);
    },
  );

  it('reconciles a 503: the call the look-up finds is adopted, and no second create is sent', async () => {
    const forms = capture(() => HttpResponse.json({ message: 'unavailable' }, { status: 503 }));
    const lookups: URLSearchParams[] = [];
    server.use(
      http.get(CALLS, ({ request }) => {
        lookups.push(new URL(request.url).searchParams);
        return HttpResponse.json({ calls: [callBody('ringing')], next_page_uri: null });
      }),
    );
    const call = await createSignalWireClient(
      options({ reconcile: { attempts: 1, delayMs: 0, skewMs: 60_000 } }),
    ).placeCall({ to: '+14155552671' });
    expect(call).toMatchObject({ id: SID, status: 'ringing', reconciled: true });
    expect(forms).toHaveLength(1);
    expect(lookups[0]!.get('To')).toBe('+14155552671');
    expect(lookups[0]!.get('From')).toBe('+15005550006');
  });

  it('refuses an answer whose sid is not a SignalWire call id with a ResponseValidationError', async () => {
    capture(() =>
      HttpResponse.json(callBody('queued', { sid: 'CA0123456789abcdef0123456789abcdef' }), {
        status: 201,
      }),
    );
    await expect(
      createSignalWireClient(options()).placeCall({ to: '+14155552671' }),
    ).rejects.toSatisfy(isResponseValidationError);
  });

  it.each([
    ['a space with a path', { spaceUrl: 'https://example.signalwire.com/api' }],
    ['a space of another scheme', { spaceUrl: 'ftp://example.signalwire.com' }],
    ['an empty space', { spaceUrl: '' }],
    ['a project id that is not a UUID', { projectId: 'AC0123456789abcdef0123456789abcdef' }],
    ['no API token', { apiToken: '' }],
    ['twiml and url together', { twiml: '<Response/>', url: 'https://app.example/t' }],
    ["Twilio's accountSid", { accountSid: 'AC0123456789abcdef0123456789abcdef' }],
    ['a bad statusCallbackUrl', { statusCallbackUrl: 'not a url' }],
  ])('refuses %s with an InvalidOptionsError', (_, extra) => {
    const input = { ...options(), ...extra } as unknown as SignalWireClientOptions;
    let error: unknown;
    try {
      createSignalWireClient(input);
    } catch (thrown) {
      error = thrown;
    }
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as Error).message).toContain('createSignalWireClient');
  });
});
