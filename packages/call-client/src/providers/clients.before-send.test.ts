import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  isCallApiError,
  isPlacementWithheldError,
  PlacementWithheldError,
} from '../errors/errors.js';
import { isAmbiguousPlacement, isCallNotPlaced, placementOutcomeOf } from '../errors/placement.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTelnyxClient } from '../telnyx/client.js';
import { createTwilioClient } from '../twilio/client.js';
import { createVonageClient } from '../vonage/client.js';
import { APPLICATION_KEYS } from '../../test/vonage-fixtures.js';
import { createMockCallApiClient } from './mock-call-api.js';
import { createNumDialerClient } from './num-dialer.js';
import type { CallProvider } from './provider.js';

const POLLING = 'http://localhost:5000';
const WEBHOOK = 'http://localhost:4830';
const TWILIO = 'https://api.twilio.com';
const TELNYX = 'https://api.telnyx.com';
const VONAGE = 'https://api.nexmo.com';
const SID = `AC${'a'.repeat(32)}`;
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let nextId = 0;
/** Handlers that answer each flavour's create with a new call, counting the requests. */
function providers(requests: string[]) {
  const count = (name: string) => () => {
    requests.push(name);
  };
  server.use(
    http.post(`${POLLING}/api/call`, () => {
      count('polling')();
      return HttpResponse.json({ id: `c-${++nextId}`, status: 'initiated' }, { status: 201 });
    }),
    http.post(`${WEBHOOK}/call`, () => {
      count('webhook')();
      return HttpResponse.json({ id: ++nextId }, { status: 201 });
    }),
    http.post(`${TWILIO}/2010-04-01/Accounts/${SID}/Calls.json`, () => {
      count('twilio')();
      return HttpResponse.json(
        { sid: `CA${String(++nextId).padStart(32, '0')}`, status: 'queued' },
        { status: 201 },
      );
    }),
    http.post(`${TELNYX}/v2/calls`, () => {
      count('telnyx')();
      return HttpResponse.json({ data: { call_control_id: `v3:${++nextId}` } });
    }),
    http.post(`${VONAGE}/v1/calls`, () => {
      count('vonage')();
      return HttpResponse.json({ uuid: `u-${++nextId}`, status: 'started' }, { status: 201 });
    }),
  );
}

const clients: [string, () => CallProvider][] = [
  ['the polling API', () => createMockCallApiClient({ baseUrl: POLLING })],
  [
    'the webhook API',
    () => createNumDialerClient({ baseUrl: WEBHOOK, webhookUrl: 'http://localhost:4000/w/x' }),
  ],
  [
    'Twilio',
    () =>
      createTwilioClient({
        accountSid: SID,
        authToken: 'token',
        from: '+14155550100',
        statusCallbackUrl: 'https://app.example/webhooks/twilio',
      }),
  ],
  [
    'Telnyx',
    () =>
      createTelnyxClient({
        apiKey: 'KEY',
        connectionId: 'conn',
        from: '+14155550100',
        webhookUrl: 'https://app.example/webhooks/telnyx',
      }),
  ],
  [
    'Vonage',
    () =>
      createVonageClient({
        applicationId: 'app-1',
        privateKey: APPLICATION_KEYS.privateKey,
        from: '+14155550100',
        eventUrl: 'https://app.example/webhooks/vonage',
      }),
  ],
];

describe('placeCall({ beforeSend })', () => {
  it.each(clients)(
    '%s runs it right before the request and sends when it passes',
    async (_, make) => {
      const requests: string[] = [];
      providers(requests);
      const order: string[] = [];
      const call = await make().placeCall({
        to: '+14155552671',
        beforeSend: () => {
          order.push(`check after ${requests.length} requests`);
        },
      });
      expect(call.id).toBeTruthy();
      expect(order).toEqual(['check after 0 requests']);
      expect(requests).toHaveLength(1);
    },
  );

  it.each(clients)(
    '%s sends nothing when it throws, and rejects with PlacementWithheldError carrying it',
    async (_, make) => {
      const requests: string[] = [];
      providers(requests);
      const why = new Error('listed');
      const error = await make()
        .placeCall({
          to: '+14155552671',
          beforeSend: () => {
            throw why;
          },
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlacementWithheldError);
      expect(isPlacementWithheldError(error)).toBe(true);
      expect(isCallApiError(error)).toBe(true);
      expect((error as PlacementWithheldError).cause).toBe(why);
      expect((error as PlacementWithheldError).code).toBe('placement_withheld');
      // Surely not placed: never retried as ambiguous, never looked up.
      expect(isCallNotPlaced(error)).toBe(true);
      expect(isAmbiguousPlacement(error)).toBe(false);
      expect(placementOutcomeOf(error)).toBe('not_placed');
      expect(requests).toEqual([]);
    },
  );

  it.each(clients)('%s sends nothing when it rejects asynchronously', async (_, make) => {
    const requests: string[] = [];
    providers(requests);
    const error = await make()
      .placeCall({ to: '+14155552671', beforeSend: () => Promise.reject(new Error('closed')) })
      .catch((e: unknown) => e);
    expect(isPlacementWithheldError(error)).toBe(true);
    expect(((error as Error).cause as Error).message).toBe('closed');
    expect(requests).toEqual([]);
  });

  it('runs after the pacer: a call waiting for its turn is checked when the turn comes', async () => {
    const requests: string[] = [];
    providers(requests);
    const clock = createFakeClock(0);
    const client = createMockCallApiClient({ baseUrl: POLLING, callsPerSecond: 1, clock });
    const checkedAt: number[] = [];
    const check = () => {
      checkedAt.push(clock.now());
    };
    const first = client.placeCall({ to: '+14155552671', beforeSend: check });
    const second = client.placeCall({ to: '+14155552672', beforeSend: check });
    await first;
    await vi.waitFor(() => expect(checkedAt).toHaveLength(1));
    // The pacer's gap, rounded up to its timer's whole milliseconds.
    await clock.advance(999);
    expect(checkedAt).toHaveLength(1);
    await clock.advance(2);
    await second;
    expect(checkedAt).toEqual([0, 1001]);
    expect(requests).toHaveLength(2);
  });

  it('a call listed while it waits for its turn is refused when the turn comes', async () => {
    const requests: string[] = [];
    providers(requests);
    const clock = createFakeClock(0);
    const client = createMockCallApiClient({ baseUrl: POLLING, callsPerSecond: 1, clock });
    const listed = new Set<string>();
    const check = (to: string) => () => {
      if (listed.has(to)) throw new Error(`${to} is listed`);
    };
    await client.placeCall({ to: '+14155552671', beforeSend: check('+14155552671') });
    const second = client
      .placeCall({ to: '+14155552672', beforeSend: check('+14155552672') })
      .catch((e: unknown) => e);
    listed.add('+14155552672');
    await clock.advance(1001);
    expect(isPlacementWithheldError(await second)).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('runs again before a retry, after its delay, and a refusal then stops the retry', async () => {
    let attempts = 0;
    server.use(
      http.post(`${POLLING}/api/call`, () => {
        attempts += 1;
        return HttpResponse.json({ error: 'slow down' }, { status: 429 });
      }),
    );
    const client = createMockCallApiClient({
      baseUrl: POLLING,
      retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    let checks = 0;
    const error = await client
      .placeCall({
        to: '+14155552671',
        beforeSend: () => {
          checks += 1;
          if (checks === 2) throw new Error('listed meanwhile');
        },
      })
      .catch((e: unknown) => e);
    expect(isPlacementWithheldError(error)).toBe(true);
    expect(checks).toBe(2);
    expect(attempts).toBe(1);
  });

  it('is not an option: no provider refuses it, none sends it', async () => {
    let body: unknown;
    server.use(
      http.post(`${POLLING}/api/call`, async ({ request }) => {
        body = await request.json();
        return HttpResponse.json({ id: 'c-1', status: 'initiated' }, { status: 201 });
      }),
    );
    await createMockCallApiClient({ baseUrl: POLLING }).placeCall({
      to: '+14155552671',
      beforeSend: () => {},
    });
    expect(body).toEqual({ phone_number: '+14155552671' });
  });
});
