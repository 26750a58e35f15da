import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isHttpError,
  isInvalidOptionsError,
  isInvalidPhoneNumberError,
  isResponseValidationError,
} from '../errors/errors.js';
import { isCallNotPlaced } from '../errors/placement.js';
import {
  accountSid,
  authToken,
  BASE,
  callBody,
  CALLS,
  options,
  SID,
} from '../../test/twilio-fixtures.js';
import { createTwilioClient, isTwilioApiError, type TwilioClientOptions } from './index.js';

const server = setupServer();

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Answers the create POST with `answer` and keeps what was sent. */
function capture(answer: () => Response) {
  const seen: Array<{ form: URLSearchParams; authorization: string | null; type: string | null }> =
    [];
  server.use(
    http.post(CALLS, async ({ request }) => {
      seen.push({
        form: new URLSearchParams(await request.text()),
        authorization: request.headers.get('authorization'),
        type: request.headers.get('content-type'),
      });
      return answer();
    }),
  );
  return seen;
}

describe('createTwilioClient', () => {
  it('places a call with a form-encoded POST, Basic auth, and every status callback event', async () => {
    const seen = capture(() => HttpResponse.json(callBody('queued'), { status: 201 }));
    const client = createTwilioClient(
      options({ statusCallbackUrl: 'https://app.example/webhooks/twilio' }),
    );
    const call = await client.placeCall({ to: '(415) 555-2671' });
    expect(call).toMatchObject({ id: SID, status: 'initiated', providerStatus: 'queued' });
    const [sent] = seen;
    expect(sent!.type).toMatch(/^application\/x-www-form-urlencoded/);
    expect(sent!.authorization).toBe(
      `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
    );
    expect(sent!.form.get('To')).toBe('+14155552671');
    expect(sent!.form.get('From')).toBe('+15005550006');
    expect(sent!.form.get('Twiml')).toContain('<Response>');
    expect(sent!.form.get('StatusCallback')).toBe('https://app.example/webhooks/twilio');
    expect(sent!.form.get('StatusCallbackMethod')).toBe('POST');
    expect(sent!.form.getAll('StatusCallbackEvent')).toEqual([
      'initiated',
      'ringing',
      'answered',
      'completed',
    ]);
  });

  it('signs in with an API key and its secret, and sends Url instead of Twiml when given', async () => {
    const seen = capture(() => HttpResponse.json(callBody('queued'), { status: 201 }));
    const apiKey = 'SK0123456789abcdef0123456789abcdef';
    const { authToken: _unused, ...rest } = options({ url: 'https://app.example/twiml' });
    const client = createTwilioClient({ ...rest, apiKey, apiSecret: 'shh' });
    await client.placeCall({ to: '+14155552671' });
    expect(seen[0]!.authorization).toBe(`Basic ${Buffer.from(`${apiKey}:shh`).toString('base64')}`);
    expect(seen[0]!.form.get('Url')).toBe('https://app.example/twiml');
    expect(seen[0]!.form.has('Twiml')).toBe(false);
    expect(seen[0]!.form.has('StatusCallback')).toBe(false);
    expect(client.capabilities).toMatchObject({ polling: true, webhooks: false });
  });

  it('says it offers webhooks only with a status callback URL', () => {
    expect(
      createTwilioClient(options({ statusCallbackUrl: 'https://app.example/t' })).capabilities,
    ).toMatchObject({ polling: true, webhooks: true });
  });

  it('maps in-progress to answered and keeps an unknown status word verbatim', async () => {
    const client = createTwilioClient(options());
    server.use(
      http.get(`${BASE}/2010-04-01/Accounts/${accountSid}/Calls/${SID}.json`, () =>
        HttpResponse.json(callBody('in-progress')),
      ),
    );
    expect(await client.getCall(SID)).toMatchObject({
      status: 'answered',
      providerStatus: 'in-progress',
    });
    server.use(
      http.get(`${BASE}/2010-04-01/Accounts/${accountSid}/Calls/${SID}.json`, () =>
        HttpResponse.json(callBody('warming-up')),
      ),
    );
    expect(await client.getCall(SID)).toMatchObject({
      status: 'initiated',
      providerStatus: 'warming-up',
    });
  });

  it("turns Twilio's error body into a TwilioApiError carrying its code", async () => {
    capture(() =>
      HttpResponse.json(
        {
          code: 21211,
          message: "The 'To' number is not a valid phone number.",
          more_info: 'https://www.twilio.com/docs/errors/21211',
          status: 400,
        },
        { status: 400 },
      ),
    );
    const error = await createTwilioClient(options())
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(isTwilioApiError(error)).toBe(true);
    expect(error).toMatchObject({
      status: 400,
      twilioCode: 21211,
      moreInfo: 'https://www.twilio.com/docs/errors/21211',
    });
    expect((error as Error).message).toContain('21211');
    expect(isCallNotPlaced(error)).toBe(true);
  });

  it('answers bad credentials (401, 20003) and an unknown call (404, 20404) with TwilioApiErrors', async () => {
    capture(() =>
      HttpResponse.json(
        { code: 20003, message: 'Authenticate', status: 401 },
        { status: 401, headers: { 'www-authenticate': 'Basic realm="Twilio API"' } },
      ),
    );
    const refused = await createTwilioClient(options())
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(isTwilioApiError(refused) && [refused.status, refused.twilioCode]).toEqual([401, 20003]);
    expect(isCallNotPlaced(refused)).toBe(true);
    server.use(
      http.get(`${BASE}/2010-04-01/Accounts/${accountSid}/Calls/${SID}.json`, () =>
        HttpResponse.json(
          { code: 20404, message: 'The requested resource was not found', status: 404 },
          { status: 404 },
        ),
      ),
    );
    const missing = await createTwilioClient(options())
      .getCall(SID)
      .catch((e: unknown) => e);
    expect(isTwilioApiError(missing) && [missing.status, missing.twilioCode]).toEqual([404, 20404]);
    expect(isHttpError(missing)).toBe(true);
  });

  it('keeps an error body that is not Twilio’s as a plain HttpError', async () => {
    capture(() => new HttpResponse('<html>bad request</html>', { status: 400 }));
    const error = await createTwilioClient(options())
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(isHttpError(error) && error.status).toBe(400);
    expect(isTwilioApiError(error)).toBe(false);
  });

  it('retries 429 (Twilio 20429), placing the call once', async () => {
    let posts = 0;
    capture(() => {
      posts += 1;
      if (posts <= 2)
        return HttpResponse.json(
          { code: 20429, message: 'Too Many Requests', status: 429 },
          { status: 429, headers: { 'retry-after': '0' } },
        );
      return HttpResponse.json(callBody('queued'), { status: 201 });
    });
    const call = await createTwilioClient(options()).placeCall({ to: '+14155552671' });
    expect(call.id).toBe(SID);
    expect(posts).toBe(3);
  });

  it.each([500, 502, 503, 504])('never retries a %i: the call may exist', async (status) => {
    let posts = 0;
    capture(() => {
      posts += 1;
      return HttpResponse.json({ code: 20500, message: 'oops' }, { status });
    });
    const error = await createTwilioClient(options())
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(isCallNotPlaced(error)).toBe(false);
    expect(posts).toBe(1);
  });

  it('refuses an answer without a call SID with a ResponseValidationError', async () => {
    capture(() => HttpResponse.json({ status: 'queued' }, { status: 201 }));
    await expect(createTwilioClient(options()).placeCall({ to: '+14155552671' })).rejects.toSatisfy(
      isResponseValidationError,
    );
  });

  it('refuses a bad number before anything is sent', async () => {
    const seen = capture(() => HttpResponse.json(callBody('queued'), { status: 201 }));
    await expect(createTwilioClient(options()).placeCall({ to: '12' })).rejects.toSatisfy(
      isInvalidPhoneNumberError,
    );
    expect(seen).toEqual([]);
  });

  it.each([
    ['a bad account SID', { accountSid: 'AB123' }],
    [
      'both a token and an API key',
      { apiKey: 'SK0123456789abcdef0123456789abcdef', apiSecret: 's' },
    ],
    [
      'an API key without its secret',
      { authToken: undefined, apiKey: 'SK0123456789abcdef0123456789abcdef' },
    ],
    ['a bad API key SID', { authToken: undefined, apiKey: 'AC0', apiSecret: 's' }],
    ['neither a token nor a key', { authToken: undefined }],
    ['twiml and url together', { twiml: '<Response/>', url: 'https://app.example/t' }],
    ['an unknown option', { statusCallback: 'https://app.example' }],
    ['a callsPerSecond of 0', { callsPerSecond: 0 }],
    ['a bad statusCallbackUrl', { statusCallbackUrl: 'not a url' }],
    ['a bad reconcile', { reconcile: { attempts: 0 } }],
  ])('refuses %s with an InvalidOptionsError', (_, extra) => {
    const input = { ...options(), ...extra } as Record<string, unknown>;
    for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
    expect(() => createTwilioClient(input as unknown as TwilioClientOptions)).toThrow(
      expect.objectContaining({ name: 'InvalidOptionsError' }),
    );
    try {
      createTwilioClient(input as unknown as TwilioClientOptions);
    } catch (error) {
      expect(isInvalidOptionsError(error)).toBe(true);
    }
  });
});
