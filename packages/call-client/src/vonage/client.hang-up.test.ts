import { CallStatus as OfficialCallStatus, Voice } from '@vonage/voice';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isHttpError, isResponseValidationError } from '../errors/errors.js';
import type { CallStatus } from '../status.js';
import { createVonageClient } from './client.js';
import { isVonageApiError } from './errors.js';
import { APPLICATION_KEYS } from '../../test/vonage-fixtures.js';

const BASE = 'https://api.nexmo.test';
const UUID = '63f61863-4a51-4f6b-86e1-46edebcf9356';
const CALL = `${BASE}/v1/calls/${UUID}`;
const { privateKey } = APPLICATION_KEYS;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const vonage = () =>
  createVonageClient({
    applicationId: 'app-1',
    privateKey,
    from: '+14155550100',
    baseUrl: BASE,
    retry: { limit: 1, baseDelayMs: 0 },
  });

/** A call read as `GET /v1/calls/{uuid}` answers (`CallDetailResponse`). */
const detail = (status: string) => ({
  _links: { self: { href: `/calls/${UUID}` } },
  uuid: UUID,
  conversation_uuid: 'CON-1',
  to: { type: 'phone', number: '14155552671' },
  from: { type: 'phone', number: '14155550100' },
  status,
  direction: 'outbound',
  rate: '0.39',
  price: '23.40',
  duration: '60',
  start_time: '2020-01-01 12:00:00',
  end_time: '2020-01-01 12:01:00',
  network: '65512',
});

/** Serves the call with `statuses` in turn (the last one repeated) and keeps every PUT body. */
function serveCall(
  statuses: string[],
  put: () => Response = () => new HttpResponse(null, { status: 204 }),
) {
  const puts: unknown[] = [];
  let reads = 0;
  server.use(
    http.get(CALL, () =>
      HttpResponse.json(detail(statuses[Math.min(reads++, statuses.length - 1)]!)),
    ),
    http.put(CALL, async ({ request }) => {
      puts.push(await request.json());
      return put();
    }),
  );
  return { puts, reads: () => reads };
}

describe('Vonage calls read and ended', () => {
  it.each<[string, CallStatus, string | undefined]>([
    ['started', 'initiated', undefined],
    ['ringing', 'ringing', undefined],
    ['answered', 'answered', undefined],
    ['machine', 'answered', 'machine'],
    ['human', 'answered', 'human'],
    ['completed', 'completed', undefined],
    ['busy', 'busy', undefined],
    ['cancelled', 'canceled', undefined],
    ['failed', 'failed', undefined],
    ['rejected', 'failed', undefined],
    ['timeout', 'no-answer', undefined],
    ['unanswered', 'no-answer', undefined],
    ['disconnected', 'initiated', undefined],
  ])(
    'reads a call whose status is %s as %s with GET /v1/calls/{uuid}',
    async (word, status, answeredBy) => {
      serveCall([word]);
      const call = await vonage().getCall(UUID);
      expect(call).toEqual({
        id: UUID,
        status,
        providerStatus: word,
        raw: detail(word),
        ...(answeredBy && { answeredBy }),
      });
    },
  );

  it('reads every status word of the official CallStatus enum as a status of its own, never initiated past started', async () => {
    const words = Object.values(OfficialCallStatus) as string[];
    expect(words.length).toBeGreaterThanOrEqual(11);
    for (const word of words) {
      serveCall([word]);
      const call = await vonage().getCall(UUID);
      expect(call.providerStatus).toBe(word);
      if (word !== 'started') expect(call.status, word).not.toBe('initiated');
    }
  });

  it('refuses a call read without a uuid or a status with a ResponseValidationError', async () => {
    server.use(http.get(CALL, () => HttpResponse.json({ uuid: UUID })));
    expect(
      isResponseValidationError(
        await vonage()
          .getCall(UUID)
          .catch((e: unknown) => e),
      ),
    ).toBe(true);
  });

  it('reports a call Vonage does not know as a VonageApiError 404', async () => {
    server.use(
      http.get(CALL, () =>
        HttpResponse.json(
          { type: 'https://developer.nexmo.com/api-errors#not-found', title: 'Not Found' },
          { status: 404 },
        ),
      ),
    );
    const error = await vonage()
      .getCall(UUID)
      .catch((e: unknown) => e);
    expect(isVonageApiError(error) && error.status).toBe(404);
  });

  it.each(['started', 'ringing'])(
    'cancels a call still %s with PUT {action: hangup}, reporting it canceled',
    async (word) => {
      const served = serveCall([word]);
      const call = await vonage().cancelCall(UUID);
      expect(served.puts).toEqual([{ action: 'hangup' }]);
      expect(call).toMatchObject({ id: UUID, status: 'canceled', providerStatus: 'cancelled' });
    },
  );

  it.each(['answered', 'machine', 'completed', 'busy', 'cancelled', 'timeout'])(
    'leaves a call %s as it is when asked to cancel it',
    async (word) => {
      const served = serveCall([word]);
      const call = await vonage().cancelCall(UUID);
      expect(served.puts).toEqual([]);
      expect(call.providerStatus).toBe(word);
    },
  );

  it('hangs up an answered call, reporting it completed', async () => {
    const served = serveCall(['answered']);
    const call = await vonage().hangUpCall(UUID);
    expect(served.puts).toEqual([{ action: 'hangup' }]);
    expect(call).toMatchObject({ status: 'completed', providerStatus: 'completed' });
  });

  it('hangs up a ringing call as canceled, and leaves an ended one alone', async () => {
    const ringing = serveCall(['ringing']);
    expect(await vonage().hangUpCall(UUID)).toMatchObject({ status: 'canceled' });
    expect(ringing.puts).toHaveLength(1);
    const ended = serveCall(['completed']);
    expect(await vonage().hangUpCall(UUID)).toMatchObject({ status: 'completed' });
    expect(ended.puts).toHaveLength(0);
  });

  it('accepts an answer with a body to the hang-up (the official UpdateCallResponse)', async () => {
    serveCall(['ringing'], () => HttpResponse.json({ message: 'Call hung up', uuid: UUID }));
    expect(await vonage().cancelCall(UUID)).toMatchObject({ status: 'canceled' });
  });

  it('reads back a call that ended between the read and the hang-up, which Vonage refuses', async () => {
    const served = serveCall(['ringing', 'unanswered'], () =>
      HttpResponse.json(
        { title: 'Bad Request', detail: 'The call is not in progress' },
        { status: 400 },
      ),
    );
    const call = await vonage().cancelCall(UUID);
    expect(served.puts).toHaveLength(1);
    expect(call).toMatchObject({ status: 'no-answer', providerStatus: 'unanswered' });
  });

  it('fails with the refusal when the call is still alive after Vonage refused to hang it up', async () => {
    serveCall(['ringing'], () => HttpResponse.json({ title: 'Unauthorized' }, { status: 401 }));
    const error = await vonage()
      .cancelCall(UUID)
      .catch((e: unknown) => e);
    expect(isVonageApiError(error) && error.status).toBe(401);
  });

  it('sends the hang-up again after a 5xx, as a PUT is safe to repeat', async () => {
    let n = 0;
    const served = serveCall(['ringing'], () =>
      ++n === 1
        ? HttpResponse.json({ title: 'Server Error' }, { status: 500 })
        : new HttpResponse(null, { status: 204 }),
    );
    expect(await vonage().cancelCall(UUID)).toMatchObject({ status: 'canceled' });
    expect(served.puts).toHaveLength(2);
  });

  it('fails with the 5xx once its retries are spent', async () => {
    serveCall(['ringing'], () => HttpResponse.json({ title: 'Server Error' }, { status: 503 }));
    const error = await vonage()
      .cancelCall(UUID)
      .catch((e: unknown) => e);
    expect(isHttpError(error) && error.status).toBe(503);
  });

  it('sends the hang-up and the read the official hangupCall and getCall send: same method, URL and body', async () => {
    const seen: Array<{ method: string; url: string; body: string }> = [];
    server.use(
      http.all(`${BASE}/v1/calls/*`, async ({ request }) => {
        seen.push({ method: request.method, url: request.url, body: await request.text() });
        return request.method === 'GET'
          ? HttpResponse.json(detail('ringing'))
          : new HttpResponse(null, { status: 204 });
      }),
    );
    await vonage().cancelCall(UUID);
    const official = new Voice({ applicationId: 'app-1', privateKey }, { apiHost: BASE });
    await official.getCall(UUID);
    await official.hangupCall(UUID);
    const [ourRead, ourPut, theirRead, theirPut] = seen;
    expect(ourRead).toEqual(theirRead);
    expect({ ...ourPut, body: JSON.parse(ourPut!.body) as unknown }).toEqual({
      ...theirPut,
      body: JSON.parse(theirPut!.body) as unknown,
    });
    expect(ourPut).toMatchObject({ method: 'PUT', url: CALL });
  });
});
