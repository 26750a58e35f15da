/**
 * `connectCall` and `abandonCall` of the Vonage client: the transfer each sends, compared with
 * what the official `@vonage/voice` client sends for the NCCO its `Connect` and `Talk` classes
 * write, on generated cases; one request per call, never sent again whatever befalls it; bad input
 * refused before anything is sent.
 */
import fc from 'fast-check';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Connect, Talk, Voice, type CallEndpoint } from '@vonage/voice';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isConnectionError,
  isInvalidOptionsError,
  isInvalidPhoneNumberError,
} from '../errors/errors.js';
import { APPLICATION_KEYS } from '../../test/vonage-fixtures.js';
import { createVonageClient } from './client.js';
import type { VonageClientOptions } from './client-options.js';
import { isVonageApiError } from './errors.js';

const BASE = 'https://api.nexmo.test';
const APP = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const UUID = '63f61863-4a51-4f6b-86e1-46edebcf9356';
const FROM = '14155550100';
const { privateKey } = APPLICATION_KEYS;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const vonage = (overrides: Partial<VonageClientOptions> = {}) =>
  createVonageClient({
    applicationId: APP,
    privateKey,
    from: `+${FROM}`,
    baseUrl: BASE,
    retry: { limit: 3, baseDelayMs: 0 },
    ...overrides,
  });
const official = new Voice({ applicationId: APP, privateKey }, { apiHost: BASE });

interface Sent {
  method: string;
  url: string;
  body: unknown;
}

/** Answers every request to a call with `answer` and keeps what was sent. */
function calls(answer: () => Response = () => new HttpResponse(null, { status: 204 })) {
  const sent: Sent[] = [];
  server.use(
    http.all(`${BASE}/v1/calls/*`, async ({ request }) => {
      const text = await request.text();
      sent.push({
        method: request.method,
        url: request.url,
        body: text === '' ? undefined : JSON.parse(text),
      });
      return answer();
    }),
  );
  return sent;
}

/**
 * What the official client sends, but for the one thing it adds to a SIP endpoint that says
 * nothing: `standardHeaders: {}` (its `User-to-User` header, unset, dropped by `JSON.stringify`).
 */
function withoutEmptyHeaders(sent: Sent): Sent {
  const text = JSON.stringify(sent.body, (key, value: unknown) =>
    key === 'standardHeaders' && JSON.stringify(value) === '{}' ? undefined : value,
  );
  return { ...sent, body: JSON.parse(text) };
}

/** Valid North American numbers of a few areas, in E.164. */
const number = fc
  .tuple(
    fc.constantFrom('415', '212', '312', '617', '206'),
    fc.integer({ min: 200, max: 999 }),
    fc.integer({ min: 0, max: 9999 }),
  )
  .map(([area, exchange, line]) => `+1${area}${exchange}${String(line).padStart(4, '0')}`);
const sip = fc
  .tuple(fc.stringMatching(/^[a-z0-9._+-]{1,12}$/), fc.stringMatching(/^[a-z0-9-]{1,10}$/))
  .map(([user, host]) => `sip:${user}@${host}.example.com`);
/** Messages as people write them: JSON's specials, markup, accents, emoji, spaces inside. */
const message = fc
  .string({
    unit: fc.constantFrom('a', 'Z', ' ', '&', '<', '>', '"', '\\', "'", 'é', '€', '😀', '.', '\n'),
    minLength: 1,
    maxLength: 80,
  })
  .filter((text) => text.trim() !== '' && !/^\s*<speak[\s>/]/i.test(text.trim()));

describe('the transfers of connectCall and abandonCall against the official client', () => {
  it('connects as transferCallWithNCCO sends a Connect of a phone or SIP endpoint, on 200 generated cases', async () => {
    const sent = calls();
    const client = vonage();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(number, sip),
        fc.integer({ min: 5, max: 600 }),
        async (to, ringS) => {
          sent.length = 0;
          await client.connectCall(UUID, to, { ringS });
          const endpoint: CallEndpoint = to.startsWith('sip:')
            ? { type: 'sip', uri: to }
            : { type: 'phone', number: to.slice(1) };
          const connect = new Connect(endpoint, FROM, undefined, undefined, ringS);
          await official.transferCallWithNCCO(UUID, [connect.serializeToNCCO()]);
          expect(sent).toHaveLength(2);
          expect(sent[0]).toEqual(withoutEmptyHeaders(sent[1]!));
          expect(sent[0]).toMatchObject({ method: 'PUT', url: `${BASE}/v1/calls/${UUID}` });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('abandons as transferCallWithNCCO sends a Talk of the message, on 200 generated cases', async () => {
    const sent = calls();
    await fc.assert(
      fc.asyncProperty(
        message,
        fc.option(fc.constantFrom('en-GB', 'de-DE', 'es-ES'), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
        async (text, language, style) => {
          sent.length = 0;
          const client = vonage({
            ...(language !== undefined && { language }),
            ...(style !== undefined && { style }),
          });
          await client.abandonCall(UUID, text);
          // The official `Talk` takes the style as a string; Vonage's API, as a number.
          const talk = new Talk(text.trim(), undefined, undefined, undefined, language);
          const ncco = { ...talk.serializeToNCCO(), ...(style ? { style } : {}) };
          await official.transferCallWithNCCO(UUID, [ncco]);
          expect(sent).toHaveLength(2);
          expect(sent[0]).toEqual(sent[1]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('createVonageClient: connectCall and abandonCall', () => {
  it('connects an answered call: one transfer to a connect of the agent, rung 20 s by default, from our number', async () => {
    const sent = calls();
    const client = vonage();
    await client.connectCall(UUID, '(415) 555-0123');
    await client.connectCall(UUID, 'sip:ana@pbx.example.com', { ringS: 45 });
    expect(sent.map((s) => s.body)).toEqual([
      {
        action: 'transfer',
        destination: {
          type: 'ncco',
          ncco: [
            {
              action: 'connect',
              endpoint: [{ type: 'phone', number: '14155550123' }],
              from: FROM,
              timeout: 20,
            },
          ],
        },
      },
      {
        action: 'transfer',
        destination: {
          type: 'ncco',
          ncco: [
            {
              action: 'connect',
              endpoint: [{ type: 'sip', uri: 'sip:ana@pbx.example.com' }],
              from: FROM,
              timeout: 45,
            },
          ],
        },
      },
    ]);
  });

  it('abandons a call: one transfer to a talk of the message, trimmed, in the client’s voice', async () => {
    const sent = calls();
    await vonage({ language: 'en-GB', style: 2 }).abandonCall(UUID, '  Acme calling. Bye.  ');
    expect(sent).toEqual([
      {
        method: 'PUT',
        url: `${BASE}/v1/calls/${UUID}`,
        body: {
          action: 'transfer',
          destination: {
            type: 'ncco',
            ncco: [{ action: 'talk', text: 'Acme calling. Bye.', language: 'en-GB', style: 2 }],
          },
        },
      },
    ]);
  });

  it('puts the uuid in the path percent-encoded', async () => {
    const sent = calls();
    await vonage().abandonCall('a/b c', 'Bye.');
    expect(sent.map((s) => s.url)).toEqual([`${BASE}/v1/calls/a%2Fb%20c`]);
  });

  it.each([
    ['a SIP URI without a host', (c: Client) => c.connectCall(UUID, 'sip:no host'), 'to'],
    ['a ring under 5 s', (c: Client) => c.connectCall(UUID, '+14155550123', { ringS: 4 }), 'ringS'],
    [
      'a ring over 600 s',
      (c: Client) => c.connectCall(UUID, '+14155550123', { ringS: 601 }),
      'ringS',
    ],
    ['an empty message', (c: Client) => c.abandonCall(UUID, ''), ''],
    ['a blank message', (c: Client) => c.abandonCall(UUID, ' \n '), ''],
    [
      'a message over 1,500 characters',
      (c: Client) => c.abandonCall(UUID, 'a'.repeat(1501)),
      'message',
    ],
    [
      'a message in SSML',
      (c: Client) => c.abandonCall(UUID, '<speak>Bye<break time="1s"/></speak>'),
      'message',
    ],
  ])('refuses %s with an InvalidOptionsError, sending nothing', async (_, act, path) => {
    const sent = calls();
    const error = await act(vonage()).catch((e: unknown) => e);
    expect(isInvalidOptionsError(error)).toBe(true);
    if (path !== '') expect(JSON.stringify((error as { issues: unknown }).issues)).toContain(path);
    expect(sent).toEqual([]);
  });

  it('refuses a target that is no number with an InvalidPhoneNumberError, sending nothing', async () => {
    const sent = calls();
    const error = await vonage()
      .connectCall(UUID, 'nobody')
      .catch((e: unknown) => e);
    expect(isInvalidPhoneNumberError(error)).toBe(true);
    expect(sent).toEqual([]);
  });

  it('takes a message of exactly 1,500 characters', async () => {
    const sent = calls();
    await vonage().abandonCall(UUID, 'a'.repeat(1500));
    expect(sent).toHaveLength(1);
  });

  it.each([
    ['a lost answer', () => HttpResponse.error()],
    ['a 500', () => HttpResponse.json({ title: 'Internal Error' }, { status: 500 })],
    ['a 503', () => HttpResponse.json({ title: 'Unavailable' }, { status: 503 })],
    ['a 429', () => HttpResponse.json({ title: 'Too Many Requests' }, { status: 429 })],
  ])(
    'never sends a transfer again after %s, which a read would be retried after',
    async (_, answer) => {
      const sent = calls(answer);
      const client = vonage();
      for (const act of [
        () => client.connectCall(UUID, '+14155550123'),
        () => client.abandonCall(UUID, 'Bye.'),
      ]) {
        const error = await act().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
      }
      expect(sent.map((s) => s.method)).toEqual(['PUT', 'PUT']);
      // A read of the same call, answered the same, is sent again: the client's retries are on.
      sent.length = 0;
      await client.getCall(UUID).catch((e: unknown) => e);
      expect(sent.length).toBeGreaterThan(1);
    },
  );

  it('fails a transfer whose answer was lost with a ConnectionError, sent once', async () => {
    calls(() => HttpResponse.error());
    const error = await vonage()
      .connectCall(UUID, '+14155550123')
      .catch((e: unknown) => e);
    expect(isConnectionError(error)).toBe(true);
    expect(error).toMatchObject({ request: { method: 'PUT', url: `${BASE}/v1/calls/${UUID}` } });
  });

  it('reports Vonage’s refusal of a call that is not in progress as a VonageApiError', async () => {
    const sent = calls(() =>
      HttpResponse.json(
        {
          type: 'https://developer.nexmo.com/api-errors/voice#bad-request',
          title: 'Bad Request',
          detail: 'The call is not in a state that can be transferred.',
          instance: 'i-9',
        },
        { status: 400 },
      ),
    );
    const error = await vonage()
      .connectCall(UUID, '+14155550123')
      .catch((e: unknown) => e);
    expect(isVonageApiError(error)).toBe(true);
    expect(error).toMatchObject({
      status: 400,
      title: 'Bad Request',
      instance: 'i-9',
      attempts: 1,
    });
    expect(sent).toHaveLength(1);
  });

  it('carries the application’s JWT on the transfer', async () => {
    const auth: Array<string | null> = [];
    server.use(
      http.put(`${BASE}/v1/calls/${UUID}`, ({ request }) => {
        auth.push(request.headers.get('authorization'));
        return new HttpResponse(null, { status: 204 });
      }),
    );
    await vonage().connectCall(UUID, '+14155550123');
    expect(auth).toHaveLength(1);
    expect(auth[0]).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });
});

type Client = ReturnType<typeof vonage>;
