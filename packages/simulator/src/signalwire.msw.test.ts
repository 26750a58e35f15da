/**
 * The SignalWire flavour as MSW handlers at a space's URL: calls created, read and ended with
 * Twilio's form bodies under `/api/laml`, every status callback signed as the official
 * `@signalwire/compatibility-api` `validateRequest` wants.
 */
import { setupServer } from 'msw/node';
import { RestClient } from './_signalwire-official.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SIGNALWIRE_TEST_CREDENTIALS, type TwilioStatusCallbackRequest } from './index.js';
import { createCallApiHandlers, createCallApiMock, type CallApiMockOptions } from './msw.js';

const { projectId, apiToken, signingKey } = SIGNALWIRE_TEST_CREDENTIALS;
const FROM = '+15005550006';
const TO = '+14155552671';
const SPACE = 'example.signalwire.com';
const WAIT = { timeout: 5000, interval: 5 };
const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const mocks: Array<{ close(): void }> = [];
afterEach(() => mocks.splice(0).forEach((mock) => mock.close()));

/** A mock whose callbacks are kept, each with whether the official validator accepts it. */
function mock(options: Omit<CallApiMockOptions, 'flavour'> = {}) {
  const callbacks: Array<TwilioStatusCallbackRequest & { valid: boolean }> = [];
  const sim = createCallApiMock({
    flavour: 'signalwire',
    stepMs: 5,
    callsPerSecond: 1000,
    ...options,
    deliverStatusCallback: async (request) => {
      const signature = request.headers['x-signalwire-signature'] ?? '';
      const params = request.method === 'POST' ? request.params : {};
      const valid = RestClient.validateRequest(signingKey, signature, request.url, params);
      callbacks.push({ ...request, valid });
    },
  });
  mocks.push(sim);
  server.use(...sim.handlers);
  return { sim, callbacks };
}

describe('createCallApiMock({ flavour: "signalwire" })', () => {
  const authorization = basic(projectId, apiToken);
  const form = { authorization, 'content-type': 'application/x-www-form-urlencoded' };
  const callsUrl = `https://${SPACE}/api/laml/2010-04-01/Accounts/${projectId}/Calls`;

  it('plays calls at the space URL and signs each callback for the official validator', async () => {
    const { sim, callbacks } = mock();
    expect(sim.baseUrl).toBe(`https://${SPACE}`);
    const created = await fetch(`${callsUrl}.json`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams([
        ['To', TO],
        ['From', FROM],
        ['Url', 'https://app.example/voice'],
        ['StatusCallback', 'https://app.example/status?app=7'],
        ...['initiated', 'ringing', 'answered', 'completed'].map((e) => ['StatusCallbackEvent', e]),
      ]),
    });
    expect(created.status).toBe(201);
    const { sid } = (await created.json()) as { sid: string };
    await vi.waitFor(() => expect(callbacks).toHaveLength(4), WAIT);
    expect(callbacks.map((c) => c.params.CallStatus)).toEqual([
      'initiated',
      'ringing',
      'answered',
      'completed',
    ]);
    for (const callback of callbacks) {
      expect(callback).toMatchObject({ valid: true, url: 'https://app.example/status?app=7' });
      expect(callback.params).toMatchObject({ AccountSid: projectId, CallSid: sid });
      expect(callback.headers).not.toHaveProperty('x-twilio-signature');
      const signature = callback.headers['x-signalwire-signature'] ?? '';
      const other = RestClient.validateRequest(
        `${signingKey}x`,
        signature,
        callback.url,
        callback.params,
      );
      expect(other).toBe(false);
    }
    const read = await fetch(`${callsUrl}/${sid}.json`, { headers: { authorization } });
    expect(await read.json()).toMatchObject({ sid, status: 'completed' });
    expect(sim.calls()).toMatchObject([{ id: sid, flavour: 'signalwire', status: 'completed' }]);
  });

  it('hangs up an answered call on Status=completed', async () => {
    const { sim } = mock({ ringMs: 5, talkMs: 60_000 });
    const created = await fetch(`${callsUrl}.json`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ To: TO, From: FROM, Url: 'https://a.example/v' }),
    });
    const { sid } = (await created.json()) as { sid: string };
    await vi.waitFor(() => expect(sim.calls()[0]?.status).toBe('in-progress'), WAIT);
    const ended = await fetch(`${callsUrl}/${sid}.json`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ Status: 'completed' }),
    });
    expect(await ended.json()).toMatchObject({ sid, status: 'completed' });
    expect(sim.calls()[0]?.status).toBe('completed');
  });
});

describe('createCallApiHandlers({ flavour: "signalwire" })', () => {
  const calls = (base: string) => `${base}/2010-04-01/Accounts/${projectId}/Calls.json`;

  it('serves the Calls resource under /api/laml and at the space root, behind the project credentials', async () => {
    server.use(...createCallApiHandlers({ flavour: 'signalwire', stepMs: 5 }));
    const authorization = basic(projectId, apiToken);
    const body = new URLSearchParams({ To: TO, From: FROM, Url: 'https://a.example/v' });
    const created = await fetch(calls(`https://${SPACE}/api/laml`), {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(created.status).toBe(201);
    const { sid, uri } = (await created.json()) as { sid: string; uri: string };
    expect(uri).toBe(`/api/laml/2010-04-01/Accounts/${projectId}/Calls/${sid}.json`);
    const read = await fetch(`https://${SPACE}${uri}`, { headers: { authorization } });
    expect(await read.json()).toMatchObject({ sid, account_sid: projectId });
    const listed = await fetch(calls(`https://${SPACE}`), { headers: { authorization } });
    expect(await listed.json()).toMatchObject({ calls: [{ sid }] });
  });

  it.each([
    ['the Twilio test account', basic('AC0123456789abcdef0123456789abcdef', apiToken), 401],
    ['a wrong API token', basic(projectId, `${apiToken}x`), 401],
    ['no credentials', undefined, 401],
  ])('refuses %s with 401, naming the SignalWire realm', async (_, authorization, status) => {
    server.use(...createCallApiHandlers({ flavour: 'signalwire' }));
    const answer = await fetch(calls(`https://${SPACE}/api/laml`), {
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(answer.status).toBe(status);
    expect(answer.headers.get('www-authenticate')).toBe('Basic realm="SignalWire"');
    expect(await answer.json()).toMatchObject({ code: 20003, status });
  });

  it('answers 404 under another project, even with this project credentials', async () => {
    server.use(...createCallApiHandlers({ flavour: 'signalwire' }));
    const other = '9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
    const answer = await fetch(
      `https://${SPACE}/api/laml/2010-04-01/Accounts/${other}/Calls.json`,
      { headers: { authorization: basic(projectId, apiToken) } },
    );
    expect(answer.status).toBe(404);
    expect(await answer.json()).toMatchObject({ code: 20404 });
  });
});
