/**
 * `@ringkit/simulator/contract`: `testProvider()`, the one suite every `CallProvider`
 * runs: the mock clients, the Twilio client, and yours. It needs `vitest` (an optional peer).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CallOptionName, CallOptions } from '@ringkit/call-client';
import {
  isHttpError,
  isInvalidOptionsError,
  isInvalidPhoneNumberError,
  isUnsupportedCallOptionError,
  type UnsupportedCallOptionError,
} from '@ringkit/call-client';
import type { CallProvider, CallStatusEvent } from '@ringkit/call-client';
import { canAdvance, isTerminal, type CallStatus } from '@ringkit/call-client';
import { watchCall } from '@ringkit/call-client';
import type { SimulatedOutcome, SimulatorKnobs } from './types.js';

/** One value of every call option that asks the provider for something. */
const ASKING_OPTIONS: Required<CallOptions> = {
  from: '+14155550100',
  say: 'Your appointment is tomorrow at 9:30.',
  answerUrl: 'https://app.example/twiml/reminder',
  ringTimeoutS: 30,
  timeLimitS: 600,
  machineDetection: 'detect',
  record: true,
  extra: { CallReason: 'Appointment reminder' },
};

/** What one test of the suite asks of the provider's backend (your fake, or the simulator). */
export interface ProviderScenario {
  /** How every call placed in this test ends. */
  outcome: SimulatedOutcome;
  /** Time between status steps, in ms: one number, or a `[min, max]` range. */
  stepMs: number | [number, number];
  /** Time a call rings before it is answered or ends, in ms, when the test needs it long. */
  ringMs?: number;
  /** Time an answered call lasts, in ms, when the test needs it long. */
  talkMs?: number;
  /**
   * Fraction (0..1) of call-creating requests the backend answers `503` (with `Retry-After: 0`)
   * without creating a call.
   */
  errorRate: number;
  /** A seed for the backend's draws, so a failing run can be replayed. */
  seed: number;
}

/** One provider set up for one test, with a view of its backend. */
export interface ProviderUnderTest {
  provider: CallProvider;
  /**
   * The calls the backend created so far, in creation order: the id the provider reports for each
   * and the number dialed, in E.164. The suite compares them with what `placeCall` returned.
   */
  calls(): ReadonlyArray<{ id: string; phone: string }>;
  /** Stops the backend and anything the setup started (a webhook receiver…). Called after each test. */
  close(): void | Promise<void>;
}

/** Options of {@link testProvider}. */
export interface TestProviderOptions {
  /** Shown in the test names, e.g. `'twilio over HTTP'`. */
  name: string;
  /**
   * How the suite follows a call: `'polling'` reads `provider.getCall(id)` (with `watchCall`);
   * `'webhooks'` reads the events the setup hands to `onStatus` from its webhook receiver.
   * @default 'polling' when the provider's capabilities say it can be polled, else 'webhooks'
   */
  follow?: 'polling' | 'webhooks';
  /**
   * Sets up a fresh provider and its backend for one test, playing `scenario`. When statuses
   * arrive by webhook, pass each `CallStatusEvent` your receiver parsed to `onStatus`.
   * With the simulator or the MSW handlers, `simulatorKnobs(scenario)` are their knobs.
   */
  setup(context: {
    scenario: ProviderScenario;
    onStatus: (event: CallStatusEvent) => void;
  }): ProviderUnderTest | Promise<ProviderUnderTest>;
  /**
   * How long the suite waits for a call to reach a status, in ms.
   * @default 10_000
   */
  timeoutMs?: number;
  /**
   * Polling interval while following a call, in ms.
   * @default 5
   */
  watchIntervalMs?: number;
}

/** The simulator's knobs that play `scenario`, for a setup built on the simulator or MSW. */
export function simulatorKnobs(
  scenario: ProviderScenario,
): Pick<SimulatorKnobs, 'outcomes' | 'stepMs' | 'ringMs' | 'talkMs' | 'errorRate' | 'seed'> {
  return {
    outcomes: { [scenario.outcome]: 1 },
    stepMs: scenario.stepMs,
    errorRate: scenario.errorRate,
    seed: scenario.seed,
    ...(scenario.ringMs === undefined ? {} : { ringMs: scenario.ringMs }),
    ...(scenario.talkMs === undefined ? {} : { talkMs: scenario.talkMs }),
  };
}

const NUMBER = '+14155552671';

/** Whether `provider` reports `status` (every terminal one; the others its capabilities list). */
const reports =
  (provider: CallProvider) =>
  (status: CallStatus): boolean =>
    isTerminal(status) ||
    (provider.capabilities.statuses ?? ['initiated', 'ringing', 'answered']).includes(status);

/**
 * The contract every `CallProvider` keeps: string ids, `initiated` on placement, every status
 * forward to the end, busy / no-answer / failed reported, exactly one call per `placeCall` while
 * the backend answers 503s, a bad number refused before any request and, where the provider has
 * `cancelCall`, a ringing call canceled and an answered one left to go on; where it has
 * `hangUpCall`, an answered call hung up; an ended call left as it is by both; where it has
 * `connectCall` or `abandonCall`, bad input to them refused before anything is sent.
 * Call it at the top level of a vitest file.
 *
 * @example
 * import { testProvider, simulatorKnobs } from '@ringkit/simulator/contract';
 * testProvider({
 *   name: 'my provider',
 *   async setup({ scenario }) {
 *     const sim = await startCallApiSimulator({ flavour: 'polling', ...simulatorKnobs(scenario) });
 *     return { provider: myProvider(sim.url), calls: () => sim.calls(), close: () => sim.close() };
 *   },
 * });
 */
export function testProvider(options: TestProviderOptions): void {
  const timeout = options.timeoutMs ?? 10_000;
  const intervalMs = options.watchIntervalMs ?? 5;

  describe(`CallProvider contract: ${options.name}`, () => {
    const open: ProviderUnderTest[] = [];
    afterEach(async () => {
      for (const under of open.splice(0)) await under.close();
    });

    async function setup(overrides: Partial<ProviderScenario> = {}) {
      const events = new Map<string, CallStatusEvent[]>();
      const scenario: ProviderScenario = {
        outcome: 'completed',
        stepMs: [2, 8],
        errorRate: 0,
        seed: 1,
        ...overrides,
      };
      const under = await options.setup({
        scenario,
        onStatus: (event) => events.set(event.callId, [...(events.get(event.callId) ?? []), event]),
      });
      open.push(under);
      const { provider } = under;
      const follow = options.follow ?? (provider.capabilities.polling ? 'polling' : 'webhooks');

      /** The statuses a call went through, forward moves only, once it ended. */
      async function statusesOf(id: string): Promise<CallStatus[]> {
        const seen: CallStatus[] = [];
        if (follow === 'polling') {
          const signal = AbortSignal.timeout(timeout);
          for await (const event of watchCall(provider, id, {
            intervalMs,
            since: 'initiated',
            signal,
          }))
            seen.push(event.status);
          return seen;
        }
        await expect
          .poll(() => (events.get(id) ?? []).some((e) => isTerminal(e.status)), { timeout })
          .toBe(true);
        let current: CallStatus = 'initiated';
        for (const event of events.get(id) ?? []) {
          if (canAdvance(current, event.status)) {
            current = event.status;
            seen.push(current);
          }
        }
        return seen;
      }

      /** Waits until the call has reached `status` (or gone past it). */
      async function reached(id: string, status: CallStatus): Promise<void> {
        const now = async (): Promise<CallStatus> => {
          if (follow === 'polling') return (await provider.getCall!(id)).status;
          return (events.get(id) ?? []).reduce<CallStatus>(
            (current, e) => (canAdvance(current, e.status) ? e.status : current),
            'initiated',
          );
        };
        await expect.poll(now, { timeout, interval: intervalMs }).toBe(status);
      }
      return { ...under, follow, statusesOf, reached };
    }

    it('declares its capabilities, and can be followed the way the test follows it', async () => {
      const { provider, follow } = await setup();
      expect(typeof provider.name).toBe('string');
      expect(typeof provider.capabilities.polling).toBe('boolean');
      expect(typeof provider.capabilities.webhooks).toBe('boolean');
      // Polling needs getCall; a provider may have getCall as a look-up that tells less.
      if (provider.capabilities.polling) expect(typeof provider.getCall).toBe('function');
      expect(provider.capabilities[follow === 'polling' ? 'polling' : 'webhooks']).toBe(true);
      for (const status of provider.capabilities.statuses ?? [])
        expect(['initiated', 'ringing', 'answered']).toContain(status);
    });

    it('places a call and returns a string id, initiated', async () => {
      const { provider, calls } = await setup({ stepMs: 60_000 });
      const call = await provider.placeCall({ to: '13018040009' });
      expect(typeof call.id).toBe('string');
      expect(call.id).not.toBe('');
      expect(call.status).toBe('initiated');
      expect(typeof call.providerStatus).toBe('string');
      expect(calls()).toMatchObject([{ id: call.id, phone: '+13018040009' }]);
    });

    it('follows a call through every status to completed', async () => {
      // Steps far longer than the polling interval, so polling sees every status.
      const { provider, follow, statusesOf } = await setup({ stepMs: 40 });
      const call = await provider.placeCall({ to: NUMBER });
      const seen = await statusesOf(call.id);
      const all = (['ringing', 'answered', 'completed'] as const).filter(reports(provider));
      if (follow === 'webhooks') expect(seen).toEqual(all);
      // Polling may miss a short step when the machine stalls; it always sees the end, in order.
      else expect(all.filter((s) => seen.includes(s))).toEqual(seen);
      expect(seen.at(-1)).toBe('completed');
      if (provider.getCall) expect((await provider.getCall(call.id)).status).toBe('completed');
    });

    it.each(['busy', 'no-answer', 'failed'] as const)(
      'reports a call that ends %s',
      async (outcome) => {
        const { provider, statusesOf } = await setup({ outcome });
        const call = await provider.placeCall({ to: NUMBER });
        expect((await statusesOf(call.id)).at(-1)).toBe(outcome);
      },
    );

    it('never creates a call twice, nor one it does not report, while the backend answers 503s', async () => {
      const { provider, calls } = await setup({ errorRate: 0.5, seed: 7, stepMs: 60_000 });
      const placed: string[] = [];
      const failed: unknown[] = [];
      for (let i = 0; i < 10; i += 1) {
        // A provider that documents 503 as "nothing created" retries it until the call is
        // placed; one that does not (Twilio) reports it, and never sends the request again.
        await provider.placeCall({ to: NUMBER }).then(
          (call) => placed.push(call.id),
          (error: unknown) => failed.push(error),
        );
      }
      expect(calls().map((c) => c.id)).toEqual(placed);
      for (const error of failed)
        expect(isHttpError(error) && error.status, String(error)).toBe(503);
      expect(placed.length).toBeGreaterThan(0);
    });

    it('refuses every call option it does not honour before anything reaches the backend', async () => {
      const { provider, calls } = await setup();
      const honoured = provider.capabilities.options ?? [];
      for (const [name, value] of Object.entries(ASKING_OPTIONS)) {
        if (honoured.includes(name as CallOptionName)) continue;
        const error = await provider
          .placeCall({ to: NUMBER, [name]: value })
          .catch((e: unknown) => e);
        expect(isUnsupportedCallOptionError(error), `${name}: ${String(error)}`).toBe(true);
        expect((error as UnsupportedCallOptionError).option).toBe(name);
      }
      expect(calls()).toEqual([]);
    });

    it('places a call with every option it honours', async () => {
      const { provider, calls } = await setup();
      const honoured = provider.capabilities.options ?? [];
      const options = Object.fromEntries(
        Object.entries(ASKING_OPTIONS).filter(
          ([name]) =>
            honoured.includes(name as CallOptionName) && name !== 'answerUrl' && name !== 'extra',
        ),
      );
      const call = await provider.placeCall({ to: NUMBER, ...options });
      expect(calls()).toMatchObject([{ id: call.id, phone: NUMBER }]);
    });

    it('refuses a malformed call option before anything reaches the backend', async () => {
      const { provider, calls } = await setup();
      const error = await provider
        .placeCall({ to: NUMBER, ringTimeoutS: -1 })
        .catch((e: unknown) => e);
      expect(isInvalidOptionsError(error), String(error)).toBe(true);
      expect(calls()).toEqual([]);
    });

    it('refuses a bad number before anything reaches the backend', async () => {
      const { provider, calls } = await setup();
      const error = await provider.placeCall({ to: '12' }).catch((e: unknown) => e);
      expect(isInvalidPhoneNumberError(error), String(error)).toBe(true);
      expect(calls()).toEqual([]);
    });

    it('refuses a bad connectCall or abandonCall before anything is sent', async (context) => {
      const { provider } = await setup();
      if (!provider.connectCall && !provider.abandonCall) {
        return context.skip('the provider has neither connectCall nor abandonCall');
      }
      const call = await provider.placeCall({ to: NUMBER });
      const refused = async (attempt: Promise<void>) => {
        const error = await attempt.catch((e: unknown) => e);
        expect(isInvalidOptionsError(error), String(error)).toBe(true);
      };
      if (provider.connectCall) {
        await refused(provider.connectCall(call.id, '+14155550123', { ringS: 4 }));
        await refused(provider.connectCall(call.id, 'sip:no host'));
      }
      if (provider.abandonCall) await refused(provider.abandonCall(call.id, '  '));
    });

    it('cancels a call not answered yet (ringing, where the provider reports it): it ends canceled', async (context) => {
      const { provider, reached, statusesOf } = await setup({ stepMs: 5, ringMs: 60_000 });
      if (!provider.cancelCall) return context.skip('the provider has no cancelCall');
      const call = await provider.placeCall({ to: NUMBER });
      await reached(call.id, reports(provider)('ringing') ? 'ringing' : 'initiated');
      expect((await provider.cancelCall(call.id)).status).toBe('canceled');
      expect((await statusesOf(call.id)).at(-1)).toBe('canceled');
    });

    it('leaves an answered call answered when asked to cancel it: the call goes on to its end', async (context) => {
      const { provider, reached, statusesOf } = await setup({ stepMs: 5, talkMs: 500 });
      if (!provider.cancelCall) return context.skip('the provider has no cancelCall');
      const call = await provider.placeCall({ to: NUMBER });
      await reached(call.id, 'answered');
      expect((await provider.cancelCall(call.id)).status).toBe('answered');
      expect((await statusesOf(call.id)).at(-1)).toBe('completed');
    });

    it('hangs up an answered call with hangUpCall: it ends completed', async (context) => {
      const { provider, reached, statusesOf } = await setup({ stepMs: 5, talkMs: 60_000 });
      if (!provider.hangUpCall) return context.skip('the provider has no hangUpCall');
      const call = await provider.placeCall({ to: NUMBER });
      await reached(call.id, 'answered');
      expect((await provider.hangUpCall(call.id)).status).toBe('completed');
      expect((await statusesOf(call.id)).at(-1)).toBe('completed');
    });

    it('leaves an ended call as it is when asked to cancel it or hang it up', async (context) => {
      const { provider, statusesOf } = await setup({ outcome: 'busy' });
      if (!provider.cancelCall && !provider.hangUpCall) {
        return context.skip('the provider has neither cancelCall nor hangUpCall');
      }
      const call = await provider.placeCall({ to: NUMBER });
      expect((await statusesOf(call.id)).at(-1)).toBe('busy');
      // A provider that can be polled reads the end back as it was; one whose look-up tells less
      // (capabilities.polling false: Telnyx tells ended, not busy) still reads it ended.
      const ended = (status: CallStatus) =>
        provider.capabilities.polling
          ? expect(status).toBe('busy')
          : expect(isTerminal(status)).toBe(true);
      if (provider.cancelCall) ended((await provider.cancelCall(call.id)).status);
      if (provider.hangUpCall) ended((await provider.hangUpCall(call.id)).status);
      // And nothing reported since moves the call away from its end.
      expect((await statusesOf(call.id)).at(-1)).toBe('busy');
    });
  });
}
