/**
 * What the tests of calls to the app's number share, whatever the provider: the app on a fixed
 * port with `PUBLIC_URL` naming it and the provider's simulator ringing it, its history by number,
 * and a ring that waits for the call's end in the simulator and in the history.
 */
import type { SimulatedCall, SimulatorInboundKnobs, SimulatorKnobs } from '@ringkit/simulator';
import { afterEach, expect } from 'vitest';
import { api, eventually, freePort, startTestApp, type TestApp } from './_test-utils.js';

export const APP_NUMBER = '+14155550100';
export const CALLER = '+14155552671';
export const FORWARD_TO = '+14155550123';

/**
 * Checks that the history shows the call from `CALLER` as missed, with its voicemail at
 * `recordingUrl`, on both sides: `history` is `CALLER_ID`'s (the only call there), and the
 * caller's is read from the app at `appUrl`.
 */
export async function expectMissedWithVoicemail(
  appUrl: string,
  history: unknown,
  recordingUrl: string,
) {
  expect(history).toEqual({
    app_number: APP_NUMBER,
    items: [
      {
        created_at: expect.any(String),
        counterparty: CALLER,
        counterparty_is_app: false,
        type: 'Missed Inbound',
        duration: null,
        answered_by: null,
        recording_url: recordingUrl,
      },
    ],
    next_cursor: null,
  });
  const caller = (await api(`${appUrl}/api/calls/${encodeURIComponent(CALLER)}`)).json;
  expect(caller.items).toEqual([
    expect.objectContaining({
      counterparty: APP_NUMBER,
      counterparty_is_app: true,
      type: 'Missed Outbound',
      recording_url: recordingUrl,
    }),
  ]);
}

/** The simulators that ring the app, by their `startTestApp` option. */
type Ringing = 'twilio' | 'signalwire' | 'telnyx' | 'vonage';

export interface InboundSetup {
  simulator: Ringing;
  /** Where the simulator sends the call's requests, on the app at `base`. */
  urls(base: string): Partial<SimulatorInboundKnobs>;
  /** Knobs of the simulator's own for every test (its `onEvent`, say). */
  knobs?: Partial<SimulatorKnobs>;
  /** Whether the simulator is done with the call. */
  ended(call: SimulatedCall): boolean;
}

/**
 * The harness of one provider's inbound tests; each test's app is closed after it. Callers wait
 * for the app (no hang-up while it rings, nor while the forward rings) and leave a voicemail
 * unless a test's knobs say otherwise.
 */
export function inboundHarness(setup: InboundSetup) {
  let current: TestApp | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const app = () => {
    if (current === undefined) throw new Error('no app started');
    return current;
  };
  const simulator = () => app()[setup.simulator]!;
  const historyOf = async (phone: string) =>
    (await api(`${app().url}/api/calls/${encodeURIComponent(phone)}`)).json;

  return {
    app,
    historyOf,
    async start(
      env: Record<string, string> = {},
      inbound: Partial<SimulatorInboundKnobs> = {},
      knobs: Partial<SimulatorKnobs> = {},
    ): Promise<TestApp> {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      current = await startTestApp({
        [setup.simulator]: {
          stepMs: [5, 15],
          ...setup.knobs,
          ...knobs,
          inbound: {
            ...setup.urls(base),
            to: APP_NUMBER,
            from: CALLER,
            hangUpWhileRingingRate: 0,
            hangUpWhileForwardRingsRate: 0,
            voicemailRate: 1,
            ...inbound,
          },
        },
        env: {
          PORT: String(port),
          PUBLIC_URL: base,
          CALLER_ID: APP_NUMBER,
          LOG_LEVEL: 'warn',
          ...env,
        },
      });
      return current;
    },
    /** {@link expectMissedWithVoicemail} on this test's app. */
    expectMissedWithVoicemail: (history: unknown, recordingUrl: string) =>
      expectMissedWithVoicemail(app().url, history, recordingUrl),
    /**
     * Rings the app; answers once the simulator ended the call and the first item of
     * `CALLER_ID`'s history is as `done` says.
     */
    async ring(done: (item: Record<string, unknown>) => boolean) {
      const id = simulator().ringApp();
      const callOf = () =>
        simulator()
          .calls()
          .find((c) => c.id === id);
      const call = await eventually(() => {
        const found = callOf();
        return found !== undefined && setup.ended(found) ? found : null;
      });
      const history = await eventually(async () => {
        const json = await historyOf(APP_NUMBER);
        return json.items.length > 0 && done(json.items[0]) ? json : null;
      });
      return { id, history, call: callOf() ?? call! };
    },
  };
}
