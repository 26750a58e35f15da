/**
 * `cancelCall`, `hangUpCall`, `connectCall` and `abandonCall` of the Twilio client against the
 * Twilio flavour of the simulator.
 */
import { createTwilioClient, type TwilioClientOptions } from '@ringkit/call-client/twilio';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCallApiMock } from './msw.js';
import { TWILIO_TEST_CREDENTIALS } from './twilio-credentials.js';

const server = setupServer();

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const BASE = 'https://api.twilio.test';
const options = (): TwilioClientOptions => ({
  ...TWILIO_TEST_CREDENTIALS,
  from: '+15005550006',
  baseUrl: BASE,
  retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 5 },
  reconcile: false,
});

describe('createTwilioClient: cancelCall and hangUpCall against the Twilio simulator', () => {
  async function placed(knobs: { ringMs?: number; talkMs?: number; callsPerSecond?: number }) {
    const mock = createCallApiMock({ flavour: 'twilio', baseUrl: BASE, stepMs: 5, ...knobs });
    server.use(...mock.handlers);
    const client = createTwilioClient(options());
    const call = await client.placeCall({ to: '+14155552671' });
    const statusOf = async (id = call.id) => (await client.getCall(id)).status;
    return { mock, client, call, statusOf };
  }

  it('cancels a call still queued behind the account CPS', async () => {
    const { mock, client, statusOf } = await placed({ callsPerSecond: 1, ringMs: 60_000 });
    await client.placeCall({ to: '+14155552672' }); // waits a second behind the first
    const second = mock.calls()[1]!;
    expect((await client.getCall(second.id)).providerStatus).toBe('queued');
    expect(await client.cancelCall(second.id)).toMatchObject({ status: 'canceled' });
    expect(await statusOf(second.id)).toBe('canceled');
    mock.close();
  });

  it('cancels a ringing call', async () => {
    const { mock, client, call, statusOf } = await placed({ ringMs: 60_000 });
    await expect.poll(() => statusOf()).toBe('ringing');
    expect(await client.cancelCall(call.id)).toMatchObject({ status: 'canceled' });
    mock.close();
  });

  it('leaves an answered call as it is when asked to cancel it: it goes on to its end', async () => {
    const { mock, client, call, statusOf } = await placed({ talkMs: 400 });
    await expect.poll(() => statusOf()).toBe('answered');
    expect(await client.cancelCall(call.id)).toMatchObject({
      status: 'answered',
      providerStatus: 'in-progress',
    });
    await expect.poll(() => statusOf(), { timeout: 5000 }).toBe('completed');
    expect(mock.calls()[0]).toMatchObject({ status: 'completed' });
    mock.close();
  });

  it('hangs up an answered call with hangUpCall: it ends completed', async () => {
    const { mock, client, call, statusOf } = await placed({ talkMs: 60_000 });
    await expect.poll(() => statusOf()).toBe('answered');
    expect(await client.hangUpCall(call.id)).toMatchObject({ status: 'completed' });
    mock.close();
  });

  it('ends a ringing call with hangUpCall as Twilio does: canceled', async () => {
    const { mock, client, call, statusOf } = await placed({ ringMs: 60_000 });
    await expect.poll(() => statusOf()).toBe('ringing');
    expect(await client.hangUpCall(call.id)).toMatchObject({ status: 'canceled' });
    mock.close();
  });

  it('leaves an ended call as it is', async () => {
    const { mock, client, call, statusOf } = await placed({});
    await expect.poll(() => statusOf()).toBe('completed');
    expect(await client.cancelCall(call.id)).toMatchObject({ status: 'completed' });
    expect(await client.hangUpCall(call.id)).toMatchObject({ status: 'completed' });
    mock.close();
  });
});

describe('createTwilioClient: connectCall and abandonCall against the Twilio simulator', () => {
  it("gives an answered call the agent's <Dial>, then the message and a hang-up", async () => {
    const mock = createCallApiMock({ flavour: 'twilio', baseUrl: BASE, stepMs: 5, talkMs: 60_000 });
    server.use(...mock.handlers);
    const client = createTwilioClient(options());
    const call = await client.placeCall({ to: '+14155552671' });
    await expect.poll(async () => (await client.getCall(call.id)).status).toBe('answered');
    await client.connectCall(call.id, '+14155550123', { ringS: 15 });
    expect(mock.calls()[0]!.twiml).toBe(
      '<Response><Dial timeout="15" callerId="+15005550006"><Number>+14155550123</Number></Dial></Response>',
    );
    await client.abandonCall(call.id, 'Acme calling; call us back on 415 555 0100.');
    expect(mock.calls()[0]!.twiml).toContain('<Hangup/>');
    await client.hangUpCall(call.id);
    // An ended call is not redirected: Twilio's 21220.
    const refused = await client.connectCall(call.id, '+14155550123').catch((e: unknown) => e);
    expect((refused as { twilioCode?: unknown }).twilioCode).toBe(21220);
    mock.close();
  });
});
