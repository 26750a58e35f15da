import { afterEach, describe, expect, it } from 'vitest';
import { isAmbiguousPlacement, isHttpError } from '@ringkit/call-client';
import { createMockCallApiClient } from '@ringkit/call-client';
import { createNumDialerClient } from '@ringkit/call-client';
import type { CallProvider } from '@ringkit/call-client';
import { startFaultGateway, type FaultGateway, type GatewayFault } from './gateway.js';
import { startCallApiSimulator, type CallApiSimulator } from './simulator.js';

const opened: Array<CallApiSimulator | FaultGateway> = [];
afterEach(async () => {
  for (const server of opened.splice(0).reverse()) await server.close();
});

const flavours = [
  {
    flavour: 'polling' as const,
    client: (baseUrl: string) => createMockCallApiClient({ baseUrl, timeoutMs: 300 }),
    to: '+14155552671',
  },
  {
    flavour: 'webhook' as const,
    client: (baseUrl: string) =>
      createNumDialerClient({ baseUrl, webhookUrl: 'http://127.0.0.1:9/hooks', timeoutMs: 300 }),
    to: '13018040009',
  },
];

const ambiguous: [string, GatewayFault][] = [
  ['a 504 from a gateway that gave up while the provider dials', { status: 504, afterMs: 50 }],
  ['a 502 from a gateway', { status: 502, afterMs: 20 }],
  ['a connection reset after the request was sent', { reset: true, afterMs: 20 }],
  ['a provider slower than the client timeout', { delayMs: 600 }],
];

async function through(flavour: 'polling' | 'webhook', fault: GatewayFault) {
  const sim = await startCallApiSimulator({ flavour, port: 0, stepMs: 1_000 });
  opened.push(sim);
  const gateway = await startFaultGateway({ target: sim.url, fault });
  opened.push(gateway);
  return { sim, gateway };
}

describe.each(flavours)('the $flavour client behind a gateway', ({ flavour, client, to }) => {
  for (const [what, fault] of ambiguous) {
    it(`places the call once and never again after ${what}`, async () => {
      const { sim, gateway } = await through(flavour, fault);
      const provider: CallProvider = client(gateway.url);
      const error = await provider.placeCall({ to }).catch((e: unknown) => e);
      expect(isAmbiguousPlacement(error)).toBe(true);
      expect(gateway.forwarded).toBe(1);
      await expect.poll(() => sim.calls().length).toBe(1);
    });
  }

  it('retries a 503, which says the provider did nothing, and never calls it ambiguous', async () => {
    const sim = await startCallApiSimulator({ flavour, port: 0 });
    opened.push(sim);
    // A gateway in front of an unavailable provider: the request reaches no simulator route.
    const unavailable = await startFaultGateway({
      target: `${sim.url}/unavailable`,
      fault: { status: 503 },
    });
    opened.push(unavailable);
    const refused = await client(unavailable.url)
      .placeCall({ to })
      .catch((e: unknown) => e);
    expect(isHttpError(refused) && refused.status).toBe(503);
    expect(isAmbiguousPlacement(refused)).toBe(false);
    expect(unavailable.forwarded).toBe(4); // the first try and 3 retries
    expect(sim.calls()).toHaveLength(0);
  });
});
