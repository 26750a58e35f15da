/**
 * Generated calls, each sent by the official `@vonage/voice` client (its own snake-casing of
 * every `OutboundCall` field) to the Vonage flavour through MSW: every valid one is created as
 * sent, every one spoilt in one field is refused with a 400 naming it, and makes no call.
 */
import { Auth } from '@vonage/auth';
import { NCCOBuilder, Talk, Voice, type OutboundCall } from '@vonage/voice';
import fc from 'fast-check';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VONAGE_TEST_CREDENTIALS } from './index.js';
import { createCallApiMock } from './msw.js';

const { applicationId, privateKey } = VONAGE_TEST_CREDENTIALS;
const RUNS = 300;

const server = setupServer();
const mock = createCallApiMock({
  flavour: 'vonage',
  stepMs: 10,
  ringMs: 600_000,
  seed: 11,
  deliverVonageWebhook: async () => {},
});
beforeAll(() => {
  server.use(...mock.handlers);
  server.listen({ onUnhandledFrame: 'error' });
});
afterAll(() => {
  mock.close();
  server.close();
});
const voice = new Voice(new Auth({ applicationId, privateKey }));

const digits = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[1-9][0-9]{${min - 1},${max - 1}}$`));
const number = fc.tuple(fc.boolean(), digits(7, 15)).map(([plus, n]) => (plus ? `+${n}` : n));
const url = fc.webUrl({ validSchemes: ['https', 'http'] }).filter((u) => !/\s/.test(u));
const talk = fc
  .record(
    {
      text: fc.string({ minLength: 1, maxLength: 40 }),
      bargeIn: fc.boolean(),
      loop: fc.integer({ min: 0, max: 10 }),
      language: fc.constantFrom('en-US', 'en-GB', 'fr-FR'),
      premium: fc.boolean(),
    },
    { requiredKeys: ['text'] },
  )
  .map(
    ({ text, bargeIn, loop, language, premium }) =>
      new Talk(text, bargeIn, loop, undefined, language, undefined, premium),
  );
const ncco = fc
  .array(talk, { minLength: 1, maxLength: 3 })
  .map((talks) =>
    talks.reduce((builder, action) => builder.addAction(action), new NCCOBuilder()).build(),
  );
const common = fc.record(
  {
    to: fc
      .record(
        { number, dtmfAnswer: fc.stringMatching(/^[0-9*#p]{1,6}$/) },
        { requiredKeys: ['number'] },
      )
      .map((endpoint) => [{ type: 'phone' as const, ...endpoint }]),
    from: number.map((n) => ({ type: 'phone' as const, number: n })),
    eventUrl: url.map((u) => [u]),
    eventMethod: fc.constant('POST'),
    machineDetection: fc.constantFrom('continue', 'hangup'),
    advancedMachineDetection: fc.record(
      {
        behavior: fc.constantFrom('continue', 'hangup'),
        mode: fc.constantFrom('default', 'detect', 'detect_beep'),
        beepTimeout: fc.integer({ min: 45, max: 120 }),
      },
      { requiredKeys: ['behavior', 'mode'] },
    ),
    lengthTimer: fc.integer({ min: 1, max: 86_400 }),
    ringingTimer: fc.integer({ min: 1, max: 120 }),
  },
  { requiredKeys: ['to', 'from'] },
);
const instructions = fc.oneof(
  ncco.map((actions) => ({ ncco: actions })),
  fc.record(
    {
      answerUrl: url.map((u) => [u]),
      answerMethod: fc.constantFrom('GET', 'POST'),
      dtmfAnswer: fc.stringMatching(/^[0-9*#p]{1,6}$/),
    },
    { requiredKeys: ['answerUrl'] },
  ),
);
const outboundCall = fc
  .tuple(common, instructions)
  .map(([fields, how]) => ({ ...fields, ...how }) as unknown as OutboundCall);

/** One field spoilt, and the name the 400 gives it. */
const spoilers: Array<[string, (call: Record<string, unknown>) => Record<string, unknown>]> = [
  ['to.0.number', (c) => ({ ...c, to: [{ type: 'phone', number: '0123' }] })],
  ['to', (c) => ({ ...c, to: [] })],
  ['from.number', (c) => ({ ...c, from: { type: 'phone', number: 'x' } })],
  ['ringing_timer', (c) => ({ ...c, ringingTimer: 121 })],
  ['length_timer', (c) => ({ ...c, lengthTimer: 0 })],
  ['machine_detection', (c) => ({ ...c, machineDetection: 'maybe' })],
  ['event_url.0', (c) => ({ ...c, eventUrl: ['not a url'] })],
  ['event_method', (c) => ({ ...c, eventMethod: 'GET' })],
  [
    'advanced_machine_detection.mode',
    (c) => ({ ...c, advancedMachineDetection: { behavior: 'continue', mode: 'x' } }),
  ],
  [
    'ncco',
    (c) => ({ ...c, ncco: [{ action: 'talk', text: 'hi' }], answerUrl: ['https://example.com/a'] }),
  ],
  ['ringkit_extra', (c) => ({ ...c, ringkitExtra: true })],
];

describe('the Vonage flavour and the official client', () => {
  it(`creates each of ${RUNS} generated calls as the official client sent it`, async () => {
    await fc.assert(
      fc.asyncProperty(outboundCall, async (call) => {
        const created = await voice.createOutboundCall(call);
        const made = mock.calls().find((c) => c.id === created.uuid);
        const sent = JSON.parse(JSON.stringify(call)) as Record<string, unknown> & {
          to: Array<{ number: string }>;
          eventUrl?: string[];
          ncco?: unknown;
        };
        expect(made?.phone).toBe(`+${sent.to[0]?.number.replace(/^\+/, '')}`);
        expect(made?.createParams?.to).toEqual(sent.to);
        expect(made?.webhookUrl).toBe(sent.eventUrl?.[0]);
        expect(made?.createParams?.ncco).toEqual(sent.ncco);
        expect(Object.keys(made?.createParams ?? {}).every((key) => !/[A-Z]/.test(key))).toBe(true);
      }),
      { numRuns: RUNS, seed: 42 },
    );
  });

  it(`refuses each of ${RUNS} generated calls spoilt in one field with a 400 naming it`, async () => {
    await fc.assert(
      fc.asyncProperty(outboundCall, fc.constantFrom(...spoilers), async (call, [field, spoil]) => {
        const before = mock.calls().length;
        const error = await voice
          .createOutboundCall(
            spoil(call as unknown as Record<string, unknown>) as unknown as OutboundCall,
          )
          .then(
            () => undefined,
            (e: unknown) => e as { response?: Response },
          );
        expect(error?.response?.status).toBe(400);
        const body = (await error!.response!.json()) as {
          invalid_parameters: Array<{ name: string }>;
        };
        expect(body.invalid_parameters.map((p) => p.name).join('|')).toContain(field);
        expect(mock.calls().length).toBe(before);
      }),
      { numRuns: RUNS, seed: 43 },
    );
  });
});
