import { describe, expect, it } from 'vitest';
import { createMockCallApiClient } from '../src/mock-call-api.js';
import { createNumDialerClient } from '../src/num-dialer.js';
import { InvalidPhoneNumberError } from '../src/errors.js';
import type { CallProvider, CallStatusEvent } from '../src/provider.js';
import { canAdvance, isTerminal, type CallStatus } from '../src/status.js';
import { watchCall } from '../src/watch.js';
import { createWebhookHandler, createWebhookToken } from '../src/webhook.js';
import type { SimulatedCall, SimulatorKnobs } from '../src/testing/index.js';

/** A provider of either flavour, backed by the simulator or by MSW handlers. */
export interface ProviderHarness {
  /** The provider's base URL. */
  baseUrl: string;
  calls(): SimulatedCall[];
  close(): Promise<void> | void;
}

export interface ContractOptions {
  name: string;
  flavour: 'polling' | 'webhook';
  /**
   * Starts the provider. For the webhook flavour, `deliver` receives each webhook the provider
   * sends (as the HTTP body it would POST) and returns what the receiver answered.
   */
  start(
    knobs: Omit<SimulatorKnobs, 'flavour'>,
    deliver: (url: string, body: unknown) => Promise<number>,
  ): Promise<ProviderHarness>;
}

const retry = { limit: 5, baseDelayMs: 1, maxDelayMs: 5 };

/** The behaviour every provider flavour promises, whatever carries the HTTP. */
export function testProviderContract({ name, flavour, start }: ContractOptions) {
  async function setup(knobs: Omit<SimulatorKnobs, 'flavour'> = {}) {
    const token = createWebhookToken();
    const events = new Map<string, CallStatusEvent[]>();
    const handle = createWebhookHandler({
      token,
      onEvent: (event) => {
        events.set(event.callId, [...(events.get(event.callId) ?? []), event]);
      },
    });
    const harness = await start({ stepMs: [2, 8], ...knobs }, async (url, body) => {
      const answer = await handle({ token: url.split('/').pop(), body });
      return answer.status;
    });
    const provider: CallProvider =
      flavour === 'polling'
        ? createMockCallApiClient({ baseUrl: harness.baseUrl, retry })
        : createNumDialerClient({
            baseUrl: harness.baseUrl,
            webhookUrl: `http://receiver.test/webhooks/${token}`,
            retry,
          });

    /** Follows a call to its end and returns the statuses seen, in order, forward moves only. */
    async function follow(id: string): Promise<CallStatus[]> {
      if (flavour === 'polling') {
        const seen: CallStatus[] = [];
        for await (const event of watchCall(provider, id, { intervalMs: 2, since: 'initiated' }))
          seen.push(event.status);
        return seen;
      }
      await expect
        .poll(() => (events.get(id) ?? []).some((e) => isTerminal(e.status)), { timeout: 5_000 })
        .toBe(true);
      let current: CallStatus = 'initiated';
      const seen: CallStatus[] = [];
      for (const event of events.get(id) ?? []) {
        if (canAdvance(current, event.status)) {
          current = event.status;
          seen.push(current);
        }
      }
      return seen;
    }
    return { provider, harness, follow };
  }

  describe(`${name}: the CallProvider contract`, () => {
    it('says which way statuses are learned', async () => {
      const { provider, harness } = await setup();
      expect(provider.capabilities).toEqual({
        polling: flavour === 'polling',
        webhooks: flavour === 'webhook',
      });
      await harness.close();
    });

    it('places a call and returns a string id, initiated', async () => {
      const { provider, harness } = await setup();
      const call = await provider.placeCall({ to: '13018040009' });
      expect(typeof call.id).toBe('string');
      expect(call.status).toBe('initiated');
      expect(harness.calls()).toMatchObject([{ id: call.id, phone: '+13018040009' }]);
      await harness.close();
    });

    it('follows a call through every status to completed', async () => {
      // Steps far longer than the polling interval, so polling sees every status.
      const { provider, harness, follow } = await setup({ stepMs: 40 });
      const call = await provider.placeCall({ to: '+14155552671' });
      const seen = await follow(call.id);
      if (flavour === 'webhook') expect(seen).toEqual(['ringing', 'answered', 'completed']);
      // Polling may miss a short step when the machine stalls; it always sees the end, in order.
      else
        expect(
          ['ringing', 'answered', 'completed'].filter((s) => seen.includes(s as CallStatus)),
        ).toEqual(seen);
      expect(seen.at(-1)).toBe('completed');
      await harness.close();
    });

    it.each(['busy', 'no-answer', 'failed'] as const)(
      'reports a call that ends %s',
      async (outcome) => {
        const { provider, harness, follow } = await setup({ outcomes: { [outcome]: 1 } });
        const call = await provider.placeCall({ to: '+14155552671' });
        expect((await follow(call.id)).at(-1)).toBe(outcome);
        await harness.close();
      },
    );

    it('creates exactly one call per placeCall while the provider answers 503s', async () => {
      const { provider, harness } = await setup({ errorRate: 0.5, seed: 7 });
      const placed = [];
      for (let i = 0; i < 10; i += 1) placed.push(await provider.placeCall({ to: '+14155552671' }));
      expect(harness.calls().map((c) => c.id)).toEqual(placed.map((c) => c.id));
      await harness.close();
    });

    it('refuses a bad number before anything reaches the provider', async () => {
      const { provider, harness } = await setup();
      await expect(provider.placeCall({ to: '12' })).rejects.toBeInstanceOf(
        InvalidPhoneNumberError,
      );
      expect(harness.calls()).toEqual([]);
      await harness.close();
    });
  });
}
