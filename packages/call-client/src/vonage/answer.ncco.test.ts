import { createHmac } from 'node:crypto';
import { Connect, NCCOBuilder, Record, Talk } from '@vonage/voice';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_SECRET,
  VONAGE_APP_NUMBER,
  VONAGE_CALLER,
  vonageAnswer,
  vonageToken,
} from '../../test/vonage-webhook-fixtures.js';
import { DEFAULT_MAX_RECORDING_S, type InboundPolicy } from '../inbound/inbound.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createVonageAnswerHandler } from './answer.js';

const START = Date.parse('2026-04-17T09:30:00Z');
const ANSWER = 'https://app.example/webhooks/vonage/answer';
const FORWARD_NUMBERS = ['+14155550123', '+442079460000', '+33142685300', '+61291234567'];

/** Text a greeting may hold: any characters that can be spoken, markup and JSON included. */
const message = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 200 }),
    fc.constantFrom(
      '<speak>Hi</speak>',
      '"}]},{"action":"connect","endpoint":[{"type":"phone","number":"19005550100"}]}',
      "We're closed & <b>away</b>.",
      'Bonjour, laissez un message après le bip.',
    ),
  )
  .map((text) => text.replace(/\p{Cc}/gu, ' ').trim())
  .filter((text) => text !== '');

const policy: fc.Arbitrary<InboundPolicy> = fc.oneof(
  fc.record(
    {
      action: fc.constant('voicemail' as const),
      message,
      maxRecordingS: fc.integer({ min: 1, max: 3600 }),
    },
    { requiredKeys: ['action', 'message'] },
  ),
  fc.record(
    {
      action: fc.constant('forward' as const),
      to: fc.constantFrom(...FORWARD_NUMBERS),
      ringS: fc.integer({ min: 5, max: 600 }),
      message,
      maxRecordingS: fc.integer({ min: 1, max: 3600 }),
    },
    { requiredKeys: ['action', 'to', 'ringS', 'message'] },
  ),
  fc.record({
    action: fc.constant('reject' as const),
    reason: fc.constantFrom('busy' as const, 'rejected' as const),
  }),
);

/** The URL of a step's events, as the handler documents it (its tag computed here). */
function stepUrl(step: string, callId: string) {
  const [from, to] = [`+${VONAGE_CALLER}`, `+${VONAGE_APP_NUMBER}`];
  const tag = createHmac('sha256', SIGNATURE_SECRET)
    .update([step, callId, from, to].join('\n'))
    .digest('base64url');
  return `${ANSWER}?${new URLSearchParams({ step, call: callId, from, to, tag }).toString()}`;
}

/** The NCCO the official builder makes of a policy: what Vonage's own package writes. */
function officialNcco(p: InboundPolicy, eventUrls: boolean, callId: string) {
  const builder = new NCCOBuilder();
  if (p.action === 'reject') return builder.build();
  const url = (step: string) => (eventUrls ? stepUrl(step, callId) : undefined);
  const method = eventUrls ? 'POST' : undefined;
  if (p.action === 'forward') {
    const endpoint = { type: 'phone' as const, number: p.to.slice(1) };
    builder.addAction(
      new Connect(
        endpoint,
        VONAGE_APP_NUMBER,
        undefined,
        undefined,
        p.ringS,
        undefined,
        undefined,
        url('forward'),
        method,
      ),
    );
  }
  const record = new Record(
    undefined,
    undefined,
    undefined,
    3,
    undefined,
    Math.max(3, p.maxRecordingS ?? DEFAULT_MAX_RECORDING_S),
    true,
    url('voicemail'),
    method,
  );
  return builder.addAction(new Talk(p.message)).addAction(record).build();
}

describe('the NCCO a call to the app is answered with', () => {
  it('is what the official @vonage/voice NCCOBuilder, Talk, Record and Connect write, on 400 generated policies', async () => {
    await fc.assert(
      fc.asyncProperty(policy, fc.boolean(), fc.uuid(), async (p, eventUrls, callId) => {
        const handle = createVonageAnswerHandler({
          signatureSecret: SIGNATURE_SECRET,
          policy: p,
          ...(eventUrls && { eventUrl: ANSWER }),
          onUpdate: () => {},
          clock: createFakeClock(START),
        });
        const fields = vonageAnswer({ uuid: callId });
        const answer = await handle({
          method: 'GET',
          url: `${ANSWER}?${new URLSearchParams(fields).toString()}`,
          headers: {
            authorization: `Bearer ${vonageToken(JSON.stringify(fields), START / 1000)}`,
          },
        });
        expect(answer.status).toBe(200);
        const ncco = (answer as { ncco: unknown }).ncco;
        // Compared as the JSON Vonage receives: the same keys, values and order.
        expect(JSON.stringify(ncco)).toBe(JSON.stringify(officialNcco(p, eventUrls, callId)));
      }),
      { numRuns: 400, seed: 66 },
    );
  });

  it('says the greeting as the text it holds: markup and JSON in it stay one talk text', async () => {
    const text = '"}]<speak><break/></speak>';
    const handle = createVonageAnswerHandler({
      signatureSecret: SIGNATURE_SECRET,
      policy: { action: 'voicemail', message: `We are closed ${text}` },
      onUpdate: () => {},
      clock: createFakeClock(START),
    });
    const fields = vonageAnswer();
    const answer = await handle({
      method: 'GET',
      url: `${ANSWER}?${new URLSearchParams(fields).toString()}`,
      headers: { authorization: `Bearer ${vonageToken(JSON.stringify(fields), START / 1000)}` },
    });
    const ncco = JSON.parse(JSON.stringify((answer as { ncco: unknown }).ncco)) as unknown[];
    expect(ncco).toHaveLength(2);
    expect(ncco[0]).toEqual({ action: 'talk', text: `We are closed ${text}` });
  });

  it('records at least the 3 s Vonage takes, however short the policy asks', async () => {
    const handle = createVonageAnswerHandler({
      signatureSecret: SIGNATURE_SECRET,
      policy: { action: 'voicemail', message: 'Hi.', maxRecordingS: 1 },
      onUpdate: () => {},
      clock: createFakeClock(START),
    });
    const fields = vonageAnswer();
    const answer = await handle({
      method: 'GET',
      url: `${ANSWER}?${new URLSearchParams(fields).toString()}`,
      headers: { authorization: `Bearer ${vonageToken(JSON.stringify(fields), START / 1000)}` },
    });
    expect((answer as { ncco: unknown[] }).ncco[1]).toMatchObject({ timeOut: 3 });
    // The official Record refuses a shorter one.
    expect(() => new Record(undefined, undefined, undefined, undefined, undefined, 1)).toThrow();
  });
});
