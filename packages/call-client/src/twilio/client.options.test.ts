import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkCallOptions } from '../providers/call-options.js';
import { isHttpError, isInvalidOptionsError, type InvalidOptionsError } from '../errors/errors.js';
import {
  isAmbiguousPlacement,
  isCallNotPlaced,
  isRetryablePlacementError,
} from '../errors/placement.js';
import { accountSid, BASE, callBody, CALLS, options, SID } from '../../test/twilio-fixtures.js';
import { createTwilioClient } from './index.js';

const server = setupServer();

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Answers every create POST with `answer` and keeps the forms sent. */
function capture(answer: () => Response = () => HttpResponse.json(callBody(), { status: 201 })) {
  const forms: URLSearchParams[] = [];
  server.use(
    http.post(CALLS, async ({ request }) => {
      forms.push(new URLSearchParams(await request.text()));
      return answer();
    }),
  );
  return forms;
}

async function refusal(promise: Promise<unknown>): Promise<InvalidOptionsError> {
  const error = await promise.catch((e: unknown) => e);
  expect(isInvalidOptionsError(error), String(error)).toBe(true);
  return error as InvalidOptionsError;
}

describe('createTwilioClient call options', () => {
  it('says it honours every call option', () => {
    expect(createTwilioClient(options()).capabilities.options).toEqual([
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

  it('sends each option as the Twilio parameter the API description names', async () => {
    const forms = capture();
    await createTwilioClient(options()).placeCall({
      to: '+14155552671',
      from: '(415) 555-0100',
      say: 'Your appointment is on Tuesday.',
      ringTimeoutS: 25,
      timeLimitS: 300,
      machineDetection: 'detect',
      record: true,
      extra: { CallReason: 'Appointment reminder', SendDigits: 'ww1234' },
    });
    const form = forms[0]!;
    expect(form.get('From')).toBe('+14155550100');
    expect(form.get('Twiml')).toBe(
      '<Response><Say>Your appointment is on Tuesday.</Say></Response>',
    );
    expect(form.has('Url')).toBe(false);
    expect(form.get('Timeout')).toBe('25');
    expect(form.get('TimeLimit')).toBe('300');
    expect(form.get('MachineDetection')).toBe('Enable');
    expect(form.get('Record')).toBe('true');
    expect(form.get('CallReason')).toBe('Appointment reminder');
    expect(form.get('SendDigits')).toBe('ww1234');
  });

  it('asks for DetectMessageEnd with detect-beep, and for no detection with off', async () => {
    const forms = capture();
    const client = createTwilioClient(options());
    await client.placeCall({ to: '+14155552671', machineDetection: 'detect-beep' });
    await client.placeCall({ to: '+14155552671', machineDetection: 'off', record: false });
    expect(forms[0]!.get('MachineDetection')).toBe('DetectMessageEnd');
    expect(forms[1]!.has('MachineDetection')).toBe(false);
    expect(forms[1]!.get('Record')).toBe('false');
  });

  it('escapes say for XML, so the text cannot change the TwiML', async () => {
    const forms = capture();
    await createTwilioClient(options()).placeCall({
      to: '+14155552671',
      say: `Tom & Jerry's <Hangup/> "now"`,
    });
    expect(forms[0]!.get('Twiml')).toBe(
      '<Response><Say>Tom &amp; Jerry&apos;s &lt;Hangup/&gt; &quot;now&quot;</Say></Response>',
    );
  });

  it('sends answerUrl as Url instead of the client’s TwiML', async () => {
    const forms = capture();
    await createTwilioClient(options({ twiml: '<Response><Hangup/></Response>' })).placeCall({
      to: '+14155552671',
      answerUrl: 'https://app.example/twiml/42',
    });
    expect(forms[0]!.get('Url')).toBe('https://app.example/twiml/42');
    expect(forms[0]!.has('Twiml')).toBe(false);
  });

  it('uses the client’s from and instructions when a call gives none', async () => {
    const forms = capture();
    await createTwilioClient(options({ url: 'https://app.example/twiml' })).placeCall({
      to: '+14155552671',
    });
    expect(forms[0]!.get('From')).toBe('+15005550006');
    expect(forms[0]!.get('Url')).toBe('https://app.example/twiml');
    for (const name of ['Timeout', 'TimeLimit', 'MachineDetection', 'Record'])
      expect(forms[0]!.has(name), name).toBe(false);
  });

  it('sends a list in extra as a repeated parameter', async () => {
    const forms = capture();
    await createTwilioClient(options()).placeCall({
      to: '+14155552671',
      extra: { RecordingStatusCallbackEvent: ['in-progress', 'completed'], Trim: 'trim-silence' },
    });
    expect(forms[0]!.getAll('RecordingStatusCallbackEvent')).toEqual(['in-progress', 'completed']);
  });

  it('refuses say with answerUrl, sending nothing', async () => {
    const forms = capture();
    const error = await refusal(
      createTwilioClient(options()).placeCall({
        to: '+14155552671',
        say: 'Hi',
        answerUrl: 'https://app.example/twiml',
      }),
    );
    expect(error.message).toContain('say or answerUrl');
    expect(forms).toEqual([]);
  });

  it('refuses a say whose escaped TwiML passes Twilio’s 4,000 characters, sending nothing', async () => {
    const forms = capture();
    // 3,900 characters, but each & becomes &amp;: far more once escaped.
    const error = await refusal(
      createTwilioClient(options()).placeCall({ to: '+14155552671', say: '&'.repeat(3900) }),
    );
    expect(error.issues[0]!.path).toEqual(['say']);
    expect(error.message).toContain('4000');
    expect(forms).toEqual([]);
    // The longest text that fits is sent whole.
    const fits = 'a'.repeat(4000 - '<Response><Say></Say></Response>'.length);
    await createTwilioClient(options()).placeCall({ to: '+14155552671', say: fits });
    expect(forms[0]!.get('Twiml')!.length).toBe(4000);
  });

  it.each([
    ['To', 'the number placeCall is given'],
    ['From', 'the option from'],
    ['Twiml', 'the option say'],
    ['MachineDetection', 'the option machineDetection'],
    ['StatusCallback', 'statusCallbackUrl'],
  ])('refuses extra.%s, which %s sets, sending nothing', async (name, by) => {
    const forms = capture();
    const error = await refusal(
      createTwilioClient(options()).placeCall({ to: '+14155552671', extra: { [name]: 'x' } }),
    );
    expect(error.issues[0]!.path).toEqual(['extra', name]);
    expect(error.message).toContain(by);
    expect(forms).toEqual([]);
  });

  it('refuses an extra name that is not a create parameter of the API, sending nothing', async () => {
    const forms = capture();
    const error = await refusal(
      createTwilioClient(options()).placeCall({ to: '+14155552671', extra: { Voice: 'alice' } }),
    );
    expect(error.message).toContain("Twilio's Calls create");
    expect(forms).toEqual([]);
  });

  it.each([
    [{ ringTimeoutS: 0 }, 'ringTimeoutS'],
    [{ ringTimeoutS: 601 }, 'ringTimeoutS'],
    [{ timeLimitS: 1.5 }, 'timeLimitS'],
    [{ machineDetection: 'yes' }, 'machineDetection'],
    [{ record: 'true' }, 'record'],
    [{ answerUrl: 'ftp://app.example/x' }, 'answerUrl'],
    [{ say: '   ' }, 'say'],
    [{ say: 'bell \u0007' }, 'say'],
    [{ speak: 'hello' }, ''],
  ])('refuses the malformed option %o, sending nothing', async (bad, path) => {
    const forms = capture();
    const error = await refusal(
      createTwilioClient(options()).placeCall({ to: '+14155552671', ...(bad as object) }),
    );
    expect(error.issues.map((issue) => issue.path.join('.'))).toContain(path);
    expect(isCallNotPlaced(error)).toBe(true);
    expect(forms).toEqual([]);
  });

  it('checks options the way placeCall would, with checkCallOptions, sending nothing', () => {
    const forms = capture();
    const client = createTwilioClient(options());
    expect(checkCallOptions(client, { say: 'Hi', extra: { CallReason: 'x' } })).toEqual({
      say: 'Hi',
      extra: { CallReason: 'x' },
    });
    expect(() => checkCallOptions(client, { extra: { Nope: 1 } })).toThrow(/Calls create/);
    expect(() => checkCallOptions(client, { from: 'not a number' })).toThrow(/phone number/i);
    expect(forms).toEqual([]);
  });
});

describe('createTwilioClient answeredBy', () => {
  it.each([
    ['human', 'human'],
    ['machine_start', 'machine'],
    ['machine_end_beep', 'machine'],
    ['fax', 'fax'],
  ])('reads answered_by %s as answeredBy %s', async (word, answeredBy) => {
    server.use(
      http.get(`${BASE}/2010-04-01/Accounts/${accountSid}/Calls/${SID}.json`, () =>
        HttpResponse.json(callBody('in-progress', { answered_by: word })),
      ),
    );
    const call = await createTwilioClient(options()).getCall(SID);
    expect(call.answeredBy).toBe(answeredBy);
  });

  it('leaves answeredBy out while no detection ran (answered_by null)', async () => {
    capture(() => HttpResponse.json(callBody('queued', { answered_by: null }), { status: 201 }));
    const call = await createTwilioClient(options()).placeCall({ to: '+14155552671' });
    expect(call).not.toHaveProperty('answeredBy');
  });
});

describe('createTwilioClient retries', () => {
  it('sends one create request for a 503 and reports an ambiguous placement', async () => {
    const forms = capture(() =>
      HttpResponse.json({ code: 20503, message: 'Service Unavailable' }, { status: 503 }),
    );
    const error = await createTwilioClient(options({ retry: 5 }))
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(isHttpError(error) && error.status).toBe(503);
    expect(forms).toHaveLength(1);
    expect(isAmbiguousPlacement(error)).toBe(true);
    expect(isRetryablePlacementError(error)).toBe(false);
  });

  it('reconciles a 503: the call the look-up finds is adopted, and no second create is sent', async () => {
    const forms = capture(() =>
      HttpResponse.json({ code: 20503, message: 'Service Unavailable' }, { status: 503 }),
    );
    server.use(
      http.get(CALLS, () =>
        HttpResponse.json({ calls: [callBody('ringing')], next_page_uri: null }),
      ),
    );
    const call = await createTwilioClient(
      options({ reconcile: { attempts: 1, delayMs: 0, skewMs: 60_000 } }),
    ).placeCall({ to: '+14155552671' });
    expect(call).toMatchObject({ id: SID, status: 'ringing', reconciled: true });
    expect(forms).toHaveLength(1);
  });

  it('retries a 429 and a connection never made, which surely created nothing', async () => {
    let posts = 0;
    capture(() => {
      posts += 1;
      return posts === 1
        ? HttpResponse.json({ code: 20429, message: 'Too Many Requests' }, { status: 429 })
        : HttpResponse.json(callBody(), { status: 201 });
    });
    const call = await createTwilioClient(options()).placeCall({ to: '+14155552671' });
    expect(call.id).toBe(SID);
    expect(posts).toBe(2);
  });
});
