import fc from 'fast-check';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  NCCOBuilder,
  Record as OfficialRecord,
  Talk,
  Voice,
  type CallWithAnswerURL,
  type CallWithNCCO,
  type OutboundCall,
} from '@vonage/voice';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isInvalidOptionsError, isUnsupportedCallOptionError } from '../errors/errors.js';
import { isCallNotPlaced } from '../errors/placement.js';
import {
  CALL_OPTION_NAMES,
  callOptionsSchema,
  checkCallOptions,
  type CallOptions,
} from '../providers/call-options.js';
import { createVonageClient } from './client.js';
import type { VonageClientOptions } from './client-options.js';
import { VONAGE_CREATE_CALL_PARAMS } from './_params.js';
import { APPLICATION_KEYS } from '../../test/vonage-fixtures.js';

const BASE = 'https://api.nexmo.test';
const CALLS = `${BASE}/v1/calls`;
const APP = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const DEFAULT_TEXT = 'Hello. This is an automated call.';
const { privateKey } = APPLICATION_KEYS;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const official = new Voice({ applicationId: APP, privateKey }, { apiHost: BASE });

const vonage = (overrides: Partial<VonageClientOptions> = {}) =>
  createVonageClient({
    applicationId: APP,
    privateKey,
    from: '+14155550100',
    baseUrl: BASE,
    ...overrides,
  });

/** Answers every create, and keeps the bodies in the order they came. */
function captureCreates() {
  const bodies: Array<Record<string, unknown>> = [];
  server.use(
    http.post(CALLS, async ({ request }) => {
      bodies.push((await request.json()) as Record<string, unknown>);
      return HttpResponse.json(
        {
          uuid: `u-${bodies.length}`,
          status: 'started',
          direction: 'outbound',
          conversation_uuid: 'CON-1',
        },
        { status: 201 },
      );
    }),
  );
  return bodies;
}

/** The body the official client sends for `call`. */
async function officialBody(call: OutboundCall, bodies: Array<Record<string, unknown>>) {
  await official.createOutboundCall(call);
  return bodies.at(-1)!;
}

describe('Vonage create-call bodies', () => {
  it('list exactly the keys the official createOutboundCall sends for every field of OutboundCall', async () => {
    const bodies = captureCreates();
    const common = {
      to: [{ type: 'phone' as const, number: '14155552671' }],
      from: { type: 'phone' as const, number: '14155550100' },
      machineDetection: 'continue',
      advancedMachineDetection: { behavior: 'continue', mode: 'detect_beep', beepTimeout: 45 },
      lengthTimer: 60,
      ringingTimer: 30,
      eventUrl: ['https://app.example/e'],
      eventMethod: 'POST',
    } as const;
    // `satisfies Required<…>`: the compiler checks that every field of the official types is here.
    const withNcco = { ...common, ncco: [{ action: 'talk', text: 'x' }] } as const;
    const withUrl = {
      ...common,
      answerUrl: ['https://app.example/a'],
      answerMethod: 'POST',
      dtmfAnswer: '1#',
    } as const;
    const keys = new Set<string>();
    for (const call of [
      withNcco as unknown as Required<CallWithNCCO> satisfies Required<CallWithNCCO>,
      withUrl as unknown as Required<CallWithAnswerURL> satisfies Required<CallWithAnswerURL>,
      // `random_from_number`, of the wire type `CreateCallRequest` only.
      { ...withNcco, randomFromNumber: true } as unknown as OutboundCall,
    ])
      for (const key of Object.keys(await officialBody(call, bodies))) keys.add(key);
    expect([...VONAGE_CREATE_CALL_PARAMS].sort()).toEqual([...keys].sort());
  });

  it('map every call option onto the Voice API: NCCO talk and record, timers, detection, caller id', async () => {
    const bodies = captureCreates();
    await vonage({ eventUrl: 'https://app.example/e', language: 'en-GB', style: 3 }).placeCall({
      to: '+14155552671',
      from: '+1 415 555 0199',
      say: 'Your table is ready.',
      ringTimeoutS: 25,
      timeLimitS: 600,
      machineDetection: 'detect',
      record: true,
    });
    expect(bodies[0]).toEqual({
      to: [{ type: 'phone', number: '14155552671' }],
      from: { type: 'phone', number: '14155550199' },
      ncco: [
        { action: 'record', eventUrl: ['https://app.example/e'], eventMethod: 'POST' },
        { action: 'talk', text: 'Your table is ready.', language: 'en-GB', style: 3 },
      ],
      event_url: ['https://app.example/e'],
      event_method: 'POST',
      machine_detection: 'continue',
      ringing_timer: 25,
      length_timer: 600,
    });
  });

  it('asks for advanced detection in its beep mode for detect-beep, so the NCCO runs after the greeting', async () => {
    const bodies = captureCreates();
    await vonage().placeCall({ to: '+14155552671', say: 'Hi', machineDetection: 'detect-beep' });
    expect(bodies[0]!.advanced_machine_detection).toEqual({
      behavior: 'continue',
      mode: 'detect_beep',
    });
    expect(bodies[0]).not.toHaveProperty('machine_detection');
  });

  it('keeps text as JSON data: markup characters reach Vonage as they were written', async () => {
    const bodies = captureCreates();
    const say = `Tom & Jerry's <b>"offer"</b> ends at 5 > 4 </speak><break time="3s"/>`;
    await vonage().placeCall({ to: '+14155552671', say });
    expect(bodies[0]!.ncco).toEqual([{ action: 'talk', text: say }]);
  });

  it('uses an answer URL: the call’s own, else the client’s, unless the call says something', async () => {
    const bodies = captureCreates();
    await vonage().placeCall({ to: '+14155552671', answerUrl: 'https://app.example/ncco?x=1' });
    const client = vonage({ answerUrl: 'https://app.example/default' });
    await client.placeCall({ to: '+14155552671' });
    await client.placeCall({ to: '+14155552671', say: 'Hi' });
    expect(bodies.map((b) => b.answer_url ?? b.ncco)).toEqual([
      ['https://app.example/ncco?x=1'],
      ['https://app.example/default'],
      [{ action: 'talk', text: 'Hi' }],
    ]);
    expect(bodies[0]).not.toHaveProperty('ncco');
  });

  it('runs the client’s own NCCO for calls with no say, with record put first', async () => {
    const bodies = captureCreates();
    const ncco = [{ action: 'stream', streamUrl: ['https://app.example/a.mp3'] }];
    const client = vonage({ ncco });
    await client.placeCall({ to: '+14155552671' });
    await client.placeCall({ to: '+14155552671', record: true });
    expect(bodies[0]!.ncco).toEqual(ncco);
    expect(bodies[1]!.ncco).toEqual([{ action: 'record' }, ...ncco]);
  });

  it('passes extra verbatim, as the official client sends the same fields', async () => {
    const bodies = captureCreates();
    await vonage().placeCall({
      to: '+14155552671',
      answerUrl: 'https://app.example/a',
      extra: { answer_method: 'POST', dtmf_answer: 'p*123#' },
    });
    const ours = bodies[0]!;
    const theirs = await officialBody(
      {
        to: [{ type: 'phone', number: '14155552671' }],
        from: { type: 'phone', number: '14155550100' },
        answerUrl: ['https://app.example/a'],
        answerMethod: 'POST',
        dtmfAnswer: 'p*123#',
      } as CallWithAnswerURL,
      bodies,
    );
    expect(ours).toEqual(theirs);
  });

  it('honours every call option: capabilities.options lists them all and none is refused as unsupported', () => {
    const client = vonage();
    expect([...client.capabilities.options!].sort()).toEqual([...CALL_OPTION_NAMES].sort());
    expect(() =>
      checkCallOptions(client, {
        from: '+14155550199',
        say: 'Hi',
        ringTimeoutS: 1,
        timeLimitS: 1,
        machineDetection: 'detect-beep',
        record: true,
        extra: { dtmf_answer: '1' },
      }),
    ).not.toThrow();
    expect(() => checkCallOptions(client, { answerUrl: 'https://a.example/n' })).not.toThrow();
  });

  it.each<[string, CallOptions | Record<string, unknown>, Partial<VonageClientOptions>?]>([
    ['a ring time over 120 s', { ringTimeoutS: 121 }],
    ['a time limit over 7,200 s', { timeLimitS: 7201 }],
    ['a say over 1,500 characters', { say: 'a'.repeat(1501) }],
    ['a say in a <speak> element (SSML)', { say: '<speak>Hi<break time="9s"/></speak>' }],
    ['a say in a <speak> element after spaces', { say: '  <SPEAK >Hi</SPEAK>' }],
    ['record with the call’s answerUrl', { record: true, answerUrl: 'https://a.example/n' }],
    ['record with the client’s answerUrl', { record: true }, { answerUrl: 'https://a.example/n' }],
    ['extra setting to', { extra: { to: '1' } }],
    ['extra setting from', { extra: { from: '1' } }],
    ['extra setting random_from_number', { extra: { random_from_number: true } }],
    ['extra setting ncco', { extra: { ncco: 'x' } }],
    ['extra setting answer_url', { extra: { answer_url: ['https://a.example/n'] } }],
    ['extra setting event_url', { extra: { event_url: ['https://a.example/e'] } }],
    ['extra setting event_method', { extra: { event_method: 'GET' } }],
    ['extra setting machine_detection', { extra: { machine_detection: 'hangup' } }],
    ['extra setting advanced_machine_detection', { extra: { advanced_machine_detection: 'x' } }],
    ['extra setting length_timer', { extra: { length_timer: 5 } }],
    ['extra setting ringing_timer', { extra: { ringing_timer: 5 } }],
    ['extra with a name Vonage does not have', { extra: { StatusCallback: 'x' } }],
    ['a blank say', { say: ' \u200b ' }],
    ['say with answerUrl', { say: 'Hi', answerUrl: 'https://a.example/n' }],
    ['an unknown machineDetection', { machineDetection: 'maybe' }],
    ['a ring time of 0', { ringTimeoutS: 0 }],
    ['an unknown option', { voicemail: true }],
  ])(
    'refuses %s with an InvalidOptionsError before anything is sent',
    async (_, options, overrides) => {
      const bodies = captureCreates();
      const client = vonage(overrides);
      const error = await client
        .placeCall({ to: '+14155552671', ...(options as CallOptions) })
        .catch((e: unknown) => e);
      expect(isInvalidOptionsError(error), String(error)).toBe(true);
      expect(isUnsupportedCallOptionError(error)).toBe(false);
      expect(isCallNotPlaced(error)).toBe(true);
      expect(() => checkCallOptions(client, options)).toThrow(error as Error);
      expect(bodies).toEqual([]);
    },
  );
});

/** Caller ids as a call may give them, and as the Voice API writes them. */
const FROMS: ReadonlyArray<[string, string]> = [
  ['+14155550199', '14155550199'],
  ['(415) 555-0123', '14155550123'],
  ['+44 20 7183 8750', '442071838750'],
];
const WORDS = [
  'Hello',
  ' ',
  '&',
  '<',
  '>',
  '"',
  "'",
  'é',
  '😀',
  '\n',
  '<b>',
  'speak',
  '</speak>',
  ',',
  '9:30',
];

const callCase = fc
  .record(
    {
      say: fc.option(
        fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 }).map((w) => w.join('')),
        { nil: undefined },
      ),
      answerUrl: fc.option(
        fc.constantFrom('https://app.example/a', 'https://x.example/n?a=1&b=2'),
        { nil: undefined },
      ),
      from: fc.option(fc.constantFrom(...FROMS), { nil: undefined }),
      ringTimeoutS: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
      timeLimitS: fc.option(fc.integer({ min: 1, max: 7200 }), { nil: undefined }),
      machineDetection: fc.option(fc.constantFrom('off', 'detect', 'detect-beep' as const), {
        nil: undefined,
      }),
      record: fc.option(fc.boolean(), { nil: undefined }),
      eventUrl: fc.option(fc.constant('https://app.example/events'), { nil: undefined }),
      language: fc.option(fc.constantFrom('en-GB', 'fr-FR'), { nil: undefined }),
      style: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    },
    { requiredKeys: [] },
  )
  .filter((c) => {
    if (c.say !== undefined && c.answerUrl !== undefined) return false;
    if (c.record === true && c.answerUrl !== undefined) return false;
    return c.say === undefined || callOptionsSchema.safeParse({ say: c.say }).success;
  });

type CallCase = typeof callCase extends fc.Arbitrary<infer T> ? T : never;

/** What the same call is for the official client, written from its own types and classes. */
function officialCall(c: CallCase): OutboundCall {
  const endpoint = (number: string) => ({ type: 'phone' as const, number });
  const base: Record<string, unknown> = {
    to: [endpoint('14155552671')],
    from: endpoint(c.from?.[1] ?? '14155550100'),
  };
  if (c.eventUrl !== undefined)
    Object.assign(base, { eventUrl: [c.eventUrl], eventMethod: 'POST' });
  if (c.machineDetection === 'detect') base.machineDetection = 'continue';
  if (c.machineDetection === 'detect-beep')
    base.advancedMachineDetection = { behavior: 'continue', mode: 'detect_beep' };
  if (c.ringTimeoutS !== undefined) base.ringingTimer = c.ringTimeoutS;
  if (c.timeLimitS !== undefined) base.lengthTimer = c.timeLimitS;
  if (c.answerUrl !== undefined)
    return { ...base, answerUrl: [c.answerUrl] } as unknown as CallWithAnswerURL;
  const builder = new NCCOBuilder();
  if (c.record === true)
    builder.addAction(
      c.eventUrl === undefined
        ? new OfficialRecord()
        : new OfficialRecord(
            undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            c.eventUrl,
            'POST',
          ),
    );
  // The official `Talk` types `style` as a string; the Voice API takes a number, as given here.
  const style = c.style as unknown as string | undefined;
  builder.addAction(
    new Talk(c.say ?? DEFAULT_TEXT, undefined, undefined, undefined, c.language, style),
  );
  return { ...base, ncco: builder.build() } as unknown as CallWithNCCO;
}

describe('Vonage create-call bodies against the official client', () => {
  it('agree with what @vonage/voice createOutboundCall sends, NCCO from NCCOBuilder, Talk and Record, on 300 generated calls', async () => {
    const bodies = captureCreates();
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(callCase, async (c) => {
        const client = vonage({
          ...(c.eventUrl !== undefined && { eventUrl: c.eventUrl }),
          ...(c.language !== undefined && { language: c.language }),
          ...(c.style !== undefined && { style: c.style }),
        });
        await client.placeCall({
          to: '+1 415 555 2671',
          ...(c.say !== undefined && { say: c.say }),
          ...(c.answerUrl !== undefined && { answerUrl: c.answerUrl }),
          ...(c.from !== undefined && { from: c.from[0] }),
          ...(c.ringTimeoutS !== undefined && { ringTimeoutS: c.ringTimeoutS }),
          ...(c.timeLimitS !== undefined && { timeLimitS: c.timeLimitS }),
          ...(c.machineDetection !== undefined && { machineDetection: c.machineDetection }),
          ...(c.record !== undefined && { record: c.record }),
        });
        const ours = bodies.at(-1)!;
        expect(ours).toEqual(await officialBody(officialCall(c), bodies));
        compared += 1;
      }),
      { numRuns: 300, seed: 66 },
    );
    expect(compared).toBe(300);
  });
});
