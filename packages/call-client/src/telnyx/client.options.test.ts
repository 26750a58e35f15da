import fc from 'fast-check';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { officialParams } from '../../test/telnyx-fixtures.js';
import { isInvalidOptionsError } from '../errors/errors.js';
import { isAmbiguousPlacement } from '../errors/placement.js';
import type { CallOptions, CallOptionValue } from '../providers/call-options.js';
import { checkCallOptions } from '../providers/call-options.js';
import { decodeClientState } from './_state.js';
import { createTelnyxClient, TELNYX_DIAL_PARAMS } from './index.js';

const BASE = 'https://api.telnyx.test';
// eslint-disable-next-line no-control-regex -- the characters a message may not hold
const UNSPEAKABLE = /[\u0000-\u001f\ud800-\udfff\ufffe\uffff]/;
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** The keys of `CallDialParams`, read from the official package's own declaration. */
const officialDialKeys = () => officialParams('resources/calls/calls.d.ts', 'CallDialParams').keys;

const telnyx = () =>
  createTelnyxClient({
    apiKey: 'KEY',
    connectionId: 'conn-1',
    from: '+14155550100',
    baseUrl: BASE,
    webhookUrl: 'https://app.example/webhooks/telnyx',
  });

function captureDials() {
  const bodies: Array<Record<string, unknown>> = [];
  server.use(
    http.post(`${BASE}/v2/calls`, async ({ request }) => {
      bodies.push((await request.json()) as Record<string, unknown>);
      return HttpResponse.json({ data: { call_control_id: `v3:${bodies.length}` } });
    }),
  );
  return bodies;
}

describe('Telnyx dial bodies', () => {
  it('list exactly the keys of the official CallDialParams', () => {
    const official = officialDialKeys();
    expect(official.size).toBeGreaterThan(40);
    expect([...TELNYX_DIAL_PARAMS].sort()).toEqual([...official].sort());
  });

  it('map every call option onto Telnyx parameters', async () => {
    const bodies = captureDials();
    await telnyx().placeCall({
      to: '+14155552671',
      from: '+1 415 555 0199',
      say: 'Your table is ready.',
      ringTimeoutS: 25,
      timeLimitS: 600,
      machineDetection: 'detect',
      record: true,
      extra: { send_digits_on_answer: '1234', billing_group_id: 'bg-1' },
    });
    const [body] = bodies;
    expect(body).toMatchObject({
      from: '+14155550199',
      timeout_secs: 25,
      time_limit_secs: 600,
      answering_machine_detection: 'detect',
      record: 'record-from-answer',
      send_digits_on_answer: '1234',
      billing_group_id: 'bg-1',
    });
    expect(decodeClientState(body!.client_state)).toMatchObject({ say: 'Your table is ready.' });
  });

  it('maps detect-beep to greeting_end, and remembers to speak only once the greeting ends', async () => {
    const bodies = captureDials();
    await telnyx().placeCall({ to: '+14155552671', say: 'Hi', machineDetection: 'detect-beep' });
    expect(bodies[0]!.answering_machine_detection).toBe('greeting_end');
    expect(decodeClientState(bodies[0]!.client_state)?.waitForGreeting).toBe(true);
  });

  it('send nothing for options that ask for nothing', async () => {
    const bodies = captureDials();
    await telnyx().placeCall({
      to: '+14155552671',
      machineDetection: 'off',
      record: false,
      extra: {},
    });
    expect(Object.keys(bodies[0]!).sort()).toEqual(
      [
        'client_state',
        'command_id',
        'connection_id',
        'from',
        'to',
        'webhook_url',
        'webhook_url_method',
      ].sort(),
    );
  });

  it('refuse an extra name Telnyx does not define, or one an option or the client sets, before any request', async () => {
    const bodies = captureDials();
    const provider = telnyx();
    const extras: Array<Record<string, CallOptionValue>> = [
      { SendDigits: '1' },
      { timeout_secs: 30 },
      { client_state: 'aGk=' },
      { webhook_url: 'https://evil.example' },
      { connection_id: 'other' },
      { command_id: 'x' },
    ];
    for (const extra of extras) {
      const error = await provider
        .placeCall({ to: '+14155552671', extra })
        .catch((e: unknown) => e);
      expect(isInvalidOptionsError(error), JSON.stringify(extra)).toBe(true);
      expect(() => checkCallOptions(provider, { extra })).toThrow();
    }
    expect(bodies).toEqual([]);
  });

  it('hold only official keys, whatever the options (2,000 generated calls)', async () => {
    const official = officialDialKeys();
    const provider = telnyx();
    const bodies = captureDials();
    const names = [...TELNYX_DIAL_PARAMS].filter(
      (n) =>
        ![
          'to',
          'from',
          'connection_id',
          'client_state',
          'command_id',
          'timeout_secs',
          'time_limit_secs',
          'answering_machine_detection',
          'record',
        ].includes(n) && !n.startsWith('webhook_url'),
    );
    const options = fc.record(
      {
        from: fc.constantFrom('+14155550199', '415 555 0111'),
        say: fc
          .string({ minLength: 1, maxLength: 200 })
          .filter((s) => s.trim() !== '' && !UNSPEAKABLE.test(s)),
        ringTimeoutS: fc.integer({ min: 5, max: 600 }),
        timeLimitS: fc.integer({ min: 1, max: 14_400 }),
        machineDetection: fc.constantFrom('off', 'detect', 'detect-beep'),
        record: fc.boolean(),
        extra: fc.dictionary(
          fc.constantFrom(...names),
          fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()),
          { maxKeys: 4 },
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(options, async (call) => {
        await provider.placeCall({ to: '+14155552671', ...(call as CallOptions) });
        const body = bodies.at(-1)!;
        for (const key of Object.keys(body)) expect(official.has(key), key).toBe(true);
        expect(body.to).toBe('+14155552671');
      }),
      { numRuns: 2000, seed: 33 },
    );
    expect(bodies).toHaveLength(2000);
    // 2,000 requests through MSW: about 3 s alone, over 20 s beside a second `pnpm test`.
  }, 120_000);

  it('never sends again a dial that timed out', async () => {
    let dials = 0;
    server.use(
      http.post(`${BASE}/v2/calls`, async () => {
        dials += 1;
        await delay(200);
        return HttpResponse.json({ data: { call_control_id: 'v3:late' } });
      }),
      http.get(`${BASE}/v2/connections/conn-1/active_calls`, () => HttpResponse.json({ data: [] })),
    );
    const provider = createTelnyxClient({
      apiKey: 'KEY',
      connectionId: 'conn-1',
      from: '+14155550100',
      baseUrl: BASE,
      timeoutMs: 20,
      reconcile: { attempts: 1, delayMs: 0 },
    });
    const error = await provider.placeCall({ to: '+14155552671' }).catch((e: unknown) => e);
    expect(isAmbiguousPlacement(error)).toBe(true);
    expect(dials).toBe(1);
  });
});
