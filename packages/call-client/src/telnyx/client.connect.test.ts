/**
 * `connectCall` and `abandonCall` of the Telnyx client: a transfer to the agent; the message
 * spoken, then the call hung up once `actOnWebhook` hears it was spoken, and only then. Every
 * body key one the official `telnyx` package's `Action…Params` defines; bad input refused before
 * anything is sent.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTelnyxCommandRecorder,
  officialParams,
  publicKeyBase64,
  sign,
  type SentCommand,
} from '../../test/telnyx-fixtures.js';
import { isInvalidOptionsError } from '../errors/errors.js';
import { createTelnyxClient, createTelnyxWebhookHandler } from './index.js';
import { encodeClientState } from './_state.js';

const BASE = 'https://api.telnyx.test';
const CALL = 'v3:outbound-leg';
const APP = '+14155550100';
const T0 = Date.parse('2026-11-25T10:00:00.000Z');

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const PARAMS: Record<string, string> = {
  transfer: 'ActionTransferParams',
  speak: 'ActionSpeakParams',
  hangup: 'ActionHangupParams',
};

/** Every body key one its official type defines, and every key it requires present. */
function expectOfficial(sent: readonly SentCommand[]) {
  for (const { action, body } of sent) {
    const { keys, required } = officialParams('resources/calls/actions.d.ts', PARAMS[action]!);
    for (const key of Object.keys(body)) expect(keys.has(key), `${action}.${key}`).toBe(true);
    for (const key of required) expect(body, `${action} requires ${key}`).toHaveProperty(key);
  }
}

function setup() {
  const telnyx = createTelnyxCommandRecorder(BASE, 'v3:unused');
  server.use(telnyx.handler);
  const client = createTelnyxClient({
    apiKey: 'KEY',
    connectionId: 'conn-1',
    from: APP,
    baseUrl: BASE,
    retry: { limit: 1, baseDelayMs: 0 },
  });
  const handle = createTelnyxWebhookHandler({
    publicKey: publicKeyBase64,
    client,
    onEvent: () => {},
  });
  const on = async (type: string, payload: Record<string, unknown> = {}) => {
    const rawBody = JSON.stringify(telnyx.webhook(type, CALL, payload, new Date(T0)));
    expect(await handle({ rawBody, headers: sign(rawBody) })).toEqual({ status: 204 });
  };
  const steps = () => telnyx.sent.map((c) => `${c.callId} ${c.action}`);
  return { ...telnyx, client, on, steps };
}

describe('createTelnyxClient: connectCall and abandonCall', () => {
  it('transfers the call to an agent, a number read as E.164 or a SIP URI, shown our number', async () => {
    const t = setup();
    await t.client.connectCall(CALL, '(415) 555-0123', { ringS: 15 });
    await t.client.connectCall(CALL, 'sip:ana@pbx.example.com');
    expect(t.sent.map((c) => c.body)).toEqual([
      { to: '+14155550123', from: APP, timeout_secs: 15, command_id: `connect-${CALL}` },
      { to: 'sip:ana@pbx.example.com', from: APP, timeout_secs: 20, command_id: `connect-${CALL}` },
    ]);
    expectOfficial(t.sent);
  });

  it('speaks the message, and hangs up once it was spoken: on that webhook alone', async () => {
    const t = setup();
    await t.client.abandonCall(CALL, 'Acme Co. calling. Call us back on 415 555 0100.');
    expect(t.steps()).toEqual([`${CALL} speak`]);
    expect(t.sent[0]!.body).toMatchObject({
      payload: 'Acme Co. calling. Call us back on 415 555 0100.',
      payload_type: 'text',
      command_id: `abandon-${CALL}`,
    });
    await t.on('call.speak.started');
    expect(t.steps()).toEqual([`${CALL} speak`]);
    await t.on('call.speak.ended', { status: 'completed' });
    expect(t.steps()).toEqual([`${CALL} speak`, `${CALL} hangup`]);
    // Telnyx sends a webhook again: the repeat carries the same command_id, which it ignores.
    await t.on('call.speak.ended', { status: 'completed' });
    expect(new Set(t.sent.slice(1).map((c) => c.body.command_id)).size).toBe(1);
    expectOfficial(t.sent);
  });

  it("leaves a call alone when another speech ends: a dial's `say`", async () => {
    const t = setup();
    t.states.set(CALL, encodeClientState({ placementId: 'p-1', say: 'Hello' }));
    await t.on('call.speak.ended', { status: 'completed' });
    expect(t.steps()).toEqual([]);
  });

  it('refuses what Telnyx would, sending nothing', async () => {
    const t = setup();
    const refused = [
      t.client.connectCall(CALL, 'nobody'),
      t.client.connectCall(CALL, 'sip:no host'),
      t.client.connectCall(CALL, '+14155550123', { ringS: 4 }),
      t.client.connectCall(CALL, '+14155550123', { ringS: 600.5 }),
      t.client.abandonCall(CALL, ''),
      t.client.abandonCall(CALL, 'x'.repeat(3001)),
    ];
    for (const attempt of refused) await expect(attempt).rejects.toThrow();
    const long = await t.client.abandonCall(CALL, 'x'.repeat(3001)).catch((e: unknown) => e);
    expect(isInvalidOptionsError(long)).toBe(true);
    expect(t.sent).toEqual([]);
  });
});
