import { afterEach, describe, expect, it } from 'vitest';
import { isAmbiguousPlacement, isHttpError, isRequestTimeoutError } from '@ringkit/call-client';
import {
  startCallApiSimulator,
  startFaultGateway,
  TWILIO_TEST_CREDENTIALS,
  type CallApiSimulator,
  type FaultGateway,
  type GatewayFault,
} from './index.js';
import { createTwilioClient, type TwilioClientOptions } from '@ringkit/call-client/twilio';

const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
const TO = '+14155552671';
const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/** The Twilio simulator behind a gateway that answers every call-creating POST with `fault`. */
async function setup(fault: GatewayFault | null, options: Partial<TwilioClientOptions> = {}) {
  const sim: CallApiSimulator = await startCallApiSimulator({
    flavour: 'twilio',
    callsPerSecond: 1000,
    ringMs: 60_000,
  });
  const gateway: FaultGateway = await startFaultGateway({ target: sim.url, fault });
  open.push(gateway, sim);
  const client = createTwilioClient({
    accountSid,
    authToken,
    from: '+15005550006',
    baseUrl: gateway.url,
    timeoutMs: 2_000,
    retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 5 },
    reconcile: { attempts: 2, delayMs: 20 },
    ...options,
  });
  return { sim, gateway, client };
}

describe('createTwilioClient: an ambiguous placement', () => {
  it.each([{ status: 504 }, { status: 502 }, { status: 500 }, { reset: true as const }])(
    'after %j, finds the call the POST made and adopts it, placing nothing twice',
    async (fault) => {
      const { sim, gateway, client } = await setup(fault);
      const call = await client.placeCall({ to: TO });
      expect(sim.calls()).toHaveLength(1);
      expect(gateway.forwarded).toBeGreaterThanOrEqual(2); // the POST, then the look-ups
      expect(call).toMatchObject({ id: sim.calls()[0]!.id, reconciled: true });
      expect(call.status).toBe('initiated');
    },
  );

  it('after a timeout, adopts the call a slow provider made', async () => {
    const { sim, client } = await setup({ delayMs: 600 }, { timeoutMs: 150 });
    const call = await client.placeCall({ to: TO });
    expect(sim.calls().map((c) => c.id)).toEqual([call.id]);
    expect(call.reconciled).toBe(true);
  });

  it('rethrows the error, of unknown outcome, when no call was made', async () => {
    // A gateway that answers 504 without forwarding: nothing reaches the simulator.
    const sim = await startCallApiSimulator({ flavour: 'twilio', callsPerSecond: 1000 });
    open.push(sim);
    const client = createTwilioClient({
      accountSid,
      authToken,
      from: '+15005550006',
      baseUrl: sim.url,
      reconcile: { attempts: 2, delayMs: 10 },
      retry: 0,
      fetch: (input, init) => {
        const request = new Request(input as Request, init);
        if (request.method === 'POST')
          return Promise.resolve(new Response('gateway timeout', { status: 504 }));
        return fetch(request);
      },
    });
    const error = await client.placeCall({ to: TO }).catch((e: unknown) => e);
    expect(isHttpError(error) && error.status).toBe(504);
    expect(isAmbiguousPlacement(error)).toBe(true);
    expect(sim.calls()).toEqual([]);
  });

  it('adopts nothing while another placement to the same number is of unknown outcome too', async () => {
    const { sim, client } = await setup({ status: 504 });
    const results = await Promise.allSettled([
      client.placeCall({ to: TO }),
      client.placeCall({ to: TO }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect.poll(() => sim.calls().length).toBe(2);
  });

  it('never adopts the call of a placement to the same number begun during its look-ups', async () => {
    const sim = await startCallApiSimulator({ flavour: 'twilio', callsPerSecond: 1000 });
    open.push(sim);
    let posts = 0;
    let second: Promise<unknown> | undefined;
    const client = createTwilioClient({
      accountSid,
      authToken,
      from: '+15005550006',
      baseUrl: sim.url,
      retry: 0,
      reconcile: { attempts: 3, delayMs: 150 },
      fetch: async (input, init) => {
        const request = new Request(input as Request, init);
        if (request.method === 'POST') {
          posts += 1;
          // The first placement's POST never reaches Twilio; the second's does, answered late.
          if (posts === 1) return new Response('gateway timeout', { status: 504 });
          const response = await fetch(request);
          await new Promise((resolve) => setTimeout(resolve, 500));
          return response;
        }
        second ??= client.placeCall({ to: TO }); // begun once the first one looks calls up
        return fetch(request);
      },
    });
    const error = await client.placeCall({ to: TO }).catch((e: unknown) => e);
    expect(isHttpError(error) && error.status).toBe(504);
    const made = (await second) as { id: string; reconciled?: boolean };
    expect(sim.calls().map((c) => c.id)).toEqual([made.id]);
    expect(made.reconciled).toBeUndefined();
  });

  it('never adopts a call another placement of this client returned', async () => {
    const { sim, gateway, client } = await setup(null);
    const first = await client.placeCall({ to: TO });
    gateway.setFault({ status: 504 });
    const second = await client.placeCall({ to: TO });
    expect(sim.calls()).toHaveLength(2);
    expect(second.id).not.toBe(first.id);
    expect(second.reconciled).toBe(true);
  });

  it('refuses to choose between two calls it cannot tell apart', async () => {
    const { sim, gateway, client } = await setup(null);
    // A call to the same number made by someone else a moment before.
    const other = createTwilioClient({
      accountSid,
      authToken,
      from: '+15005550006',
      baseUrl: sim.url,
    });
    await other.placeCall({ to: TO });
    gateway.setFault({ status: 504 });
    await expect(client.placeCall({ to: TO })).rejects.toSatisfy(isAmbiguousPlacement);
    expect(sim.calls()).toHaveLength(2);
  });

  it('with reconcile: false, rethrows at once without looking', async () => {
    const { sim, gateway, client } = await setup({ status: 504 }, { reconcile: false });
    await expect(client.placeCall({ to: TO })).rejects.toSatisfy(isAmbiguousPlacement);
    expect(gateway.forwarded).toBe(1);
    await expect.poll(() => sim.calls().length).toBe(1);
  });

  it('does not retry a timeout, and the error says so', async () => {
    const { sim, client } = await setup({ delayMs: 400 }, { timeoutMs: 100, reconcile: false });
    const error = await client.placeCall({ to: TO }).catch((e: unknown) => e);
    expect(isRequestTimeoutError(error)).toBe(true);
    await expect.poll(() => sim.calls().length).toBe(1);
  });
});
