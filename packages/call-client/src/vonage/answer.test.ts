import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_SECRET,
  signJwt,
  VONAGE_APP_NUMBER,
  VONAGE_CALLER,
  vonageAnswer,
  vonageClaims,
  vonageEvent,
  vonageRecording,
  vonageToken,
} from '../../test/vonage-webhook-fixtures.js';
import { isInvalidOptionsError, isWebhookValidationError } from '../errors/errors.js';
import type { InboundCallUpdate, InboundPolicy } from '../inbound/inbound.js';
import { createFakeClock } from '../testing/fake-clock.js';
import {
  createVonageAnswerHandler,
  type VonageAnswerHandlerOptions,
  type VonageAnswerRequest,
} from './answer.js';
import { isVonageSignatureError } from './signature.js';

const START = Date.parse('2026-04-17T09:30:00Z');
const NOW_S = START / 1000;
const ANSWER = 'https://app.example/webhooks/vonage/answer';
const CALL = vonageAnswer();
const FORWARD_TO = '+14155550123';
const FORWARD_LEG = '7d3a2b1c-0000-4000-8000-0123456789ab';

const forward: InboundPolicy = {
  action: 'forward',
  to: FORWARD_TO,
  ringS: 20,
  message: 'Please leave a message.',
};

function setup(options: Partial<VonageAnswerHandlerOptions> = {}) {
  const updates: InboundCallUpdate[] = [];
  const errors: unknown[] = [];
  const handle = createVonageAnswerHandler({
    signatureSecret: SIGNATURE_SECRET,
    policy: forward,
    eventUrl: ANSWER,
    clock: createFakeClock(START),
    onUpdate: (update) => void updates.push(update),
    onError: (error) => void errors.push(error),
    ...options,
  });
  return { handle, updates, errors };
}

/** A GET as Vonage sends it: the fields in the query, `payload_hash` over them as compact JSON. */
function get(
  fields: Record<string, string>,
  { iatS = NOW_S, secret = SIGNATURE_SECRET } = {},
): VonageAnswerRequest {
  const payload = JSON.stringify(fields);
  return {
    method: 'GET',
    url: `${ANSWER}?${new URLSearchParams(fields).toString()}`,
    headers: { authorization: `Bearer ${vonageToken(payload, iatS, secret)}` },
  };
}

/** A POST of `body` (JSON) to `url`, signed as Vonage signs it. */
function post(
  url: string,
  body: unknown,
  { iatS = NOW_S, secret = SIGNATURE_SECRET } = {},
): VonageAnswerRequest {
  const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    method: 'POST',
    url,
    rawBody,
    headers: { authorization: `Bearer ${vonageToken(rawBody, iatS, secret)}` },
  };
}

/** The URL a step's events come back to, its tag computed here as the handler documents it. */
function stepUrl(step: 'forward' | 'voicemail', callId = CALL.uuid!) {
  const from = `+${VONAGE_CALLER}`;
  const to = `+${VONAGE_APP_NUMBER}`;
  const tag = createHmac('sha256', SIGNATURE_SECRET)
    .update([step, callId, from, to].join('\n'))
    .digest('base64url');
  return `${ANSWER}?${new URLSearchParams({ step, call: callId, from, to, tag }).toString()}`;
}

/** What every update about the fixtures' call carries. */
const call = {
  provider: 'vonage',
  callId: CALL.uuid,
  from: `+${VONAGE_CALLER}`,
  to: `+${VONAGE_APP_NUMBER}`,
};

/** An event of the forward's leg, as Vonage POSTs it to the connect's eventUrl. */
const leg = (status: string, extra: Record<string, unknown> = {}) =>
  vonageEvent(status, {
    uuid: FORWARD_LEG,
    from: VONAGE_APP_NUMBER,
    to: FORWARD_TO.slice(1),
    direction: 'outbound',
    ...extra,
  });

describe('createVonageAnswerHandler: the answer webhook', () => {
  it('tells that a call rings, then answers a GET with the policy NCCO', async () => {
    const { handle, updates, errors } = setup();
    const answer = await handle(get(CALL));
    expect(answer).toMatchObject({ status: 200, ncco: [{ action: 'connect' }, {}, {}] });
    expect(updates).toEqual([
      { ...call, at: new Date(START), status: 'ringing', providerStatus: 'answer', raw: CALL },
    ]);
    expect(errors).toEqual([]);
  });

  it('reads a POST answer webhook from its JSON body, signed over the bytes', async () => {
    const { handle, updates } = setup({ policy: { action: 'voicemail', message: 'Hi.' } });
    const answer = await handle(post(ANSWER, CALL));
    expect(answer).toMatchObject({ status: 200, ncco: [{ action: 'talk', text: 'Hi.' }, {}] });
    expect(updates).toMatchObject([{ ...call, status: 'ringing' }]);
  });

  it('tells that a rejected call rang, then that it is busy, and answers the empty NCCO', async () => {
    const { handle, updates } = setup({ policy: { action: 'reject', reason: 'busy' } });
    expect(await handle(get(CALL))).toEqual({ status: 200, ncco: [] });
    expect(updates).toEqual([
      { ...call, at: new Date(START), status: 'ringing', providerStatus: 'answer', raw: CALL },
      { ...call, at: new Date(START), status: 'busy', providerStatus: 'rejected', raw: CALL },
    ]);
  });

  it('points the forward and the voicemail at eventUrl, naming the call with a tag', async () => {
    const { handle } = setup();
    const answer = await handle(get(CALL));
    expect(answer).toMatchObject({
      status: 200,
      ncco: [
        { action: 'connect', eventUrl: [stepUrl('forward')], eventMethod: 'POST' },
        { action: 'talk' },
        { action: 'record', eventUrl: [stepUrl('voicemail')], eventMethod: 'POST' },
      ],
    });
  });

  it('leaves eventUrl out of the actions without one: their events go to the application', async () => {
    const handle = createVonageAnswerHandler({
      signatureSecret: SIGNATURE_SECRET,
      policy: forward,
      onUpdate: () => {},
      clock: createFakeClock(START),
    });
    const answer = await handle(get(CALL));
    if (answer.status !== 200) throw new Error(`answered ${answer.status}`);
    const ncco = answer.ncco;
    expect(ncco.map((action) => action.action)).toEqual(['connect', 'talk', 'record']);
    for (const action of ncco) {
      expect(action).not.toHaveProperty('eventUrl');
      expect(action).not.toHaveProperty('eventMethod');
    }
  });

  it('answers with the caller in E.164 whether Vonage writes the + or not', async () => {
    const { handle, updates } = setup();
    await handle(get({ ...CALL, from: `+${VONAGE_CALLER}` }));
    expect(updates[0]).toMatchObject({ from: `+${VONAGE_CALLER}` });
  });
});

describe('createVonageAnswerHandler: refusals', () => {
  const forged = () => {
    const payload = JSON.stringify(CALL);
    const claims = { ...vonageClaims(payload, NOW_S), payload_hash: 'f'.repeat(64) };
    return signJwt(JSON.stringify({ alg: 'HS256', typ: 'JWT' }), JSON.stringify(claims), 'x');
  };
  it.each<[string, () => VonageAnswerRequest, string]>([
    ['unsigned', () => ({ method: 'GET', url: get(CALL).url, headers: {} }), 'missing_token'],
    ['signed with another secret', () => get(CALL, { secret: 'forger' }), 'signature'],
    [
      'forged with another key',
      () => ({ ...get(CALL), headers: { authorization: `Bearer ${forged()}` } }),
      'signature',
    ],
    ['stale', () => get(CALL, { iatS: NOW_S - 301 }), 'stale'],
    ['from the future', () => get(CALL, { iatS: NOW_S + 301 }), 'stale'],
    [
      'a GET whose query is not the one signed',
      () => ({ ...get(CALL), url: get({ ...CALL, from: '447911123457' }).url }),
      'payload_hash',
    ],
    [
      'a POST whose body is not the one signed',
      () => ({ ...post(ANSWER, CALL), rawBody: JSON.stringify({ ...CALL, from: '1' }) }),
      'payload_hash',
    ],
    [
      'a step event whose body is not the one signed',
      () => ({
        ...post(stepUrl('forward'), leg('answered')),
        rawBody: JSON.stringify(leg('busy')),
      }),
      'payload_hash',
    ],
  ])(
    'answers 401 with a JSON body to a request %s, and tells nothing',
    async (_, request, reason) => {
      const { handle, updates, errors } = setup();
      expect(await handle(request())).toEqual({
        status: 401,
        body: {
          error: {
            code: 'unauthorized',
            message: 'The request is not signed by Vonage',
            details: reason,
          },
        },
      });
      expect(updates).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(isVonageSignatureError(errors[0])).toBe(true);
      expect(errors[0]).toMatchObject({ reason });
    },
  );

  it('answers 403 to a request signed for another application', async () => {
    const { handle, updates } = setup({ applicationId: 'ffffffff-bbbb-cccc-dddd-0123456789ab' });
    expect(await handle(get(CALL))).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    expect(updates).toEqual([]);
  });

  it('answers a request of its own application', async () => {
    const { handle } = setup({ applicationId: vonageClaims('', NOW_S).application_id });
    expect(await handle(get(CALL))).toMatchObject({ status: 200 });
  });

  it.each<[string, () => VonageAnswerRequest]>([
    [
      'a tag of another call',
      () => post(stepUrl('forward').replace(CALL.uuid!, FORWARD_LEG), leg('answered')),
    ],
    [
      'a tag of another step',
      () => post(stepUrl('forward').replace('step=forward', 'step=voicemail'), vonageRecording()),
    ],
    ['no tag', () => post(`${ANSWER}?step=forward&call=${CALL.uuid}`, leg('answered'))],
    ['a tag twice', () => post(`${stepUrl('forward')}&tag=x`, leg('answered'))],
    [
      'an unknown step',
      () => post(`${ANSWER}?step=dial&call=x&from=1&to=2&tag=x`, leg('answered')),
    ],
    [
      'a GET of a step',
      () => get({ ...CALL, ...Object.fromEntries(new URL(stepUrl('forward')).searchParams) }),
    ],
  ])('answers 403 to an event URL with %s, and tells nothing', async (_, request) => {
    const { handle, updates, errors } = setup();
    const answer = await handle(request());
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(updates).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it.each<[string, Record<string, string>, string, string]>([
    ['no uuid', { ...CALL, uuid: '' }, 'missing_id', 'uuid'],
    ['no from', (({ from: _, ...rest }) => rest)(CALL), 'invalid_field', 'from'],
    ['no to', (({ to: _, ...rest }) => rest)(CALL), 'invalid_field', 'to'],
    ['a caller that is not a number', { ...CALL, from: 'Unknown' }, 'invalid_field', 'from'],
    [
      'a caller number that is not valid',
      { ...CALL, from: '10000000000' },
      'invalid_field',
      'from',
    ],
    ['a called number with letters', { ...CALL, to: '4477009000a1' }, 'invalid_field', 'to'],
    [
      'a region_url that is not https',
      { ...CALL, region_url: 'http://x.example' },
      'invalid_field',
      'region_url',
    ],
  ])(
    'answers 400 to an answer webhook with %s (a WebhookValidationError)',
    async (_, fields, reason, field) => {
      const { handle, updates, errors } = setup();
      const answer = await handle(get(fields));
      expect(answer).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_webhook', details: reason } },
      });
      expect(updates).toEqual([]);
      expect(isWebhookValidationError(errors[0])).toBe(true);
      expect(errors[0]).toMatchObject({ reason });
      expect((errors[0] as { issues: { path: string[] }[] }).issues[0]?.path).toEqual([field]);
    },
  );

  it.each([
    ['not JSON', '{"uuid":', 'not_json'],
    ['a JSON array', '[]', 'not_object'],
  ])('answers 400 to a POST answer webhook whose body is %s', async (_, body, reason) => {
    const { handle, updates } = setup();
    expect(await handle(post(ANSWER, body))).toMatchObject({
      status: 400,
      body: { error: { details: reason } },
    });
    expect(updates).toEqual([]);
  });

  it('answers 400 to a GET answer webhook that names a field twice', async () => {
    const { handle, updates, errors } = setup();
    const twice = `${new URLSearchParams(CALL).toString()}&uuid=other`;
    const fields = Object.fromEntries(new URLSearchParams(twice));
    const request = {
      method: 'GET',
      url: `${ANSWER}?${twice}`,
      headers: {
        authorization: `Bearer ${vonageToken(JSON.stringify(fields), NOW_S)}`,
      },
    };
    expect(await handle(request)).toMatchObject({
      status: 400,
      body: { error: { details: 'invalid_field' } },
    });
    expect(updates).toEqual([]);
    expect(isWebhookValidationError(errors[0])).toBe(true);
  });

  it('answers 405 to a method Vonage never uses', async () => {
    const { handle } = setup();
    expect(await handle({ ...get(CALL), method: 'PUT' })).toMatchObject({ status: 405 });
  });

  it('answers 500 when onUpdate fails, so Vonage tries its fallback', async () => {
    const { handle, errors } = setup({
      onUpdate: () => Promise.reject(new Error('database down')),
    });
    expect(await handle(get(CALL))).toMatchObject({
      status: 500,
      body: { error: { code: 'internal' } },
    });
    expect(errors).toMatchObject([{ message: 'database down' }]);
  });

  it('answers still when onError itself throws', async () => {
    const { handle } = setup({
      onError: () => {
        throw new Error('logger down');
      },
    });
    expect(await handle({ ...get(CALL), headers: {} })).toMatchObject({ status: 401 });
  });
});

describe('createVonageAnswerHandler: the events of the forward and the voicemail', () => {
  it('tells that a forward was picked up, then the conversation with its length', async () => {
    const { handle, updates } = setup();
    const answered = leg('answered', { timestamp: '2026-04-17T09:30:08.000Z' });
    const completed = leg('completed', {
      timestamp: '2026-04-17T09:31:00.000Z',
      start_time: '2026-04-17T09:30:08.000Z',
      end_time: '2026-04-17T09:30:59.000Z',
      duration: '51',
    });
    expect(await handle(post(stepUrl('forward'), answered))).toEqual({ status: 204 });
    expect(await handle(post(stepUrl('forward'), completed))).toEqual({ status: 204 });
    expect(updates).toEqual([
      {
        ...call,
        at: new Date('2026-04-17T09:30:08.000Z'),
        status: 'answered',
        providerStatus: 'answered',
        answeredAt: new Date('2026-04-17T09:30:08.000Z'),
        raw: answered,
      },
      {
        ...call,
        at: new Date('2026-04-17T09:30:59.000Z'),
        status: 'completed',
        providerStatus: 'completed',
        answeredAt: new Date('2026-04-17T09:30:08.000Z'),
        durationS: 51,
        raw: completed,
      },
    ]);
  });

  it('dates a conversation with no start_time back from its end by its duration', async () => {
    const { handle, updates } = setup();
    const completed = leg('completed', { end_time: '2026-04-17T09:31:00Z', duration: 30 });
    await handle(post(stepUrl('forward'), completed));
    expect(updates).toMatchObject([
      { status: 'completed', answeredAt: new Date('2026-04-17T09:30:30Z'), durationS: 30 },
    ]);
  });

  it.each(['timeout', 'unanswered', 'busy', 'rejected', 'failed'])(
    'tells that a forward nobody took (%s) is a missed call',
    async (word) => {
      const { handle, updates } = setup();
      const event = leg(word);
      expect(await handle(post(stepUrl('forward'), event))).toEqual({ status: 204 });
      expect(updates).toEqual([
        {
          ...call,
          at: new Date(event.timestamp),
          status: 'no-answer',
          providerStatus: word,
          raw: event,
        },
      ]);
    },
  );

  it('tells that a caller who hung up while the forward rang canceled the call', async () => {
    const { handle, updates } = setup();
    await handle(post(stepUrl('forward'), leg('cancelled')));
    expect(updates).toMatchObject([{ ...call, status: 'canceled', providerStatus: 'cancelled' }]);
  });

  it.each([
    ['started', leg('started')],
    ['ringing', leg('ringing')],
    ['a completed leg never answered', leg('completed', { duration: '0', start_time: null })],
    [
      'an event with no status',
      { uuid: FORWARD_LEG, conversation_uuid: 'CON-x', type: 'transfer' },
    ],
  ])('answers 204 to a forward event that tells nothing (%s)', async (_, event) => {
    const { handle, updates } = setup();
    expect(await handle(post(stepUrl('forward'), event))).toEqual({ status: 204 });
    expect(updates).toEqual([]);
  });

  it('tells the voicemail of a missed call: where it is and how long it runs', async () => {
    const { handle, updates } = setup();
    const recording = vonageRecording();
    expect(await handle(post(stepUrl('voicemail'), recording))).toEqual({ status: 204 });
    expect(updates).toEqual([
      {
        ...call,
        at: new Date(recording.timestamp),
        status: 'no-answer',
        providerStatus: 'voicemail',
        recordingUrl: recording.recording_url,
        recordingDurationS: 14,
        raw: recording,
      },
    ]);
  });

  it('tells a voicemail without its length when its times are missing', async () => {
    const { handle, updates } = setup();
    const { start_time: _, ...recording } = vonageRecording();
    await handle(post(stepUrl('voicemail'), recording));
    expect(updates[0]).not.toHaveProperty('recordingDurationS');
    expect(updates[0]).toMatchObject({ recordingUrl: recording.recording_url });
  });

  it.each([
    ['no recording_url', { ...vonageRecording(), recording_url: undefined }, 'invalid_field'],
    [
      'a recording_url that is not a URL',
      vonageRecording({ recording_url: 'files/1' }),
      'invalid_field',
    ],
    ['a body that is not JSON', '{', 'not_json'],
  ])('answers 400 to a recording event with %s', async (_, body, reason) => {
    const { handle, updates, errors } = setup();
    expect(await handle(post(stepUrl('voicemail'), body))).toMatchObject({
      status: 400,
      body: { error: { details: reason } },
    });
    expect(updates).toEqual([]);
    expect(isWebhookValidationError(errors[0])).toBe(true);
  });

  it('answers 400 to a forward event with no uuid', async () => {
    const { handle } = setup();
    const { uuid: _, ...event } = leg('answered');
    expect(await handle(post(stepUrl('forward'), event))).toMatchObject({
      status: 400,
      body: { error: { details: 'missing_id' } },
    });
  });

  it('answers 500 when onUpdate fails on an event, so Vonage sends it again', async () => {
    const { handle } = setup({ onUpdate: () => Promise.reject(new Error('down')) });
    expect(await handle(post(stepUrl('voicemail'), vonageRecording()))).toMatchObject({
      status: 500,
    });
  });
});

describe('createVonageAnswerHandler: options', () => {
  it.each<[string, Partial<VonageAnswerHandlerOptions>, string]>([
    ['an empty signature secret', { signatureSecret: '' }, 'signatureSecret'],
    [
      'a forward to something that is no number',
      { policy: { ...forward, to: 'reception' } },
      'policy',
    ],
    ['a policy it does not know', { policy: { action: 'hang-up' } as never }, 'policy'],
    ['an eventUrl that is not http(s)', { eventUrl: 'ftp://app.example/a' }, 'eventUrl'],
    ['an eventUrl with a step parameter', { eventUrl: `${ANSWER}?step=1` }, 'eventUrl'],
    ['an eventUrl with a fragment', { eventUrl: `${ANSWER}#x` }, 'eventUrl'],
    ['a negative maxSkewS', { maxSkewS: -1 }, 'maxSkewS'],
    ['an option it does not know', { answerUrl: ANSWER } as never, ''],
  ])('refuses %s with an InvalidOptionsError', (_, options, path) => {
    let thrown: unknown;
    try {
      setup(options);
    } catch (error) {
      thrown = error;
    }
    expect(isInvalidOptionsError(thrown)).toBe(true);
    expect((thrown as Error).message).toContain(path);
  });

  it('forwards to the number in E.164 however it was written', async () => {
    const { handle } = setup({ policy: { ...forward, to: '(415) 555-0123' } });
    const answer = (await handle(get(CALL))) as { ncco: unknown[] };
    expect(answer.ncco[0]).toMatchObject({ endpoint: [{ type: 'phone', number: '14155550123' }] });
  });

  it('keeps an eventUrl query, appending its own parameters after it', async () => {
    const { handle } = setup({ eventUrl: `${ANSWER}?app=1` });
    const answer = (await handle(get(CALL))) as { ncco: { eventUrl?: string[] }[] };
    const url = new URL(answer.ncco[0]!.eventUrl![0]!);
    expect(url.searchParams.get('app')).toBe('1');
    expect(url.searchParams.get('step')).toBe('forward');
  });
});
