/**
 * Calls to the app's number with `CALL_PROVIDER=vonage`, end to end against the Vonage
 * simulator: it asks the application's answer URL (`$PUBLIC_URL/webhooks/vonage/answer`, signed
 * with the signature secret) for the NCCO the app writes by the INBOUND_* variables, plays it,
 * sends the `record`'s and the `connect` leg's events to the URL the NCCO names (the same
 * route), and the caller leg's events to the event URL (`$PUBLIC_URL/webhooks/vonage`); the
 * history of `CALLER_ID` and of the caller show the call once. The last test starts both as
 * `pnpm demo -- --provider vonage` configures them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { SimulatorEvent } from '@ringkit/simulator';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { demoConfig, startDemoSimulators } from './demo-launcher.js';
import { startServer } from './server.js';
import { api, eventually, freePort, openEvents } from './_test-utils.js';
import { APP_NUMBER, CALLER, FORWARD_TO, inboundHarness } from './_test-inbound.js';

const MESSAGE = 'Hello from the demo. Leave a message.';
/** How a Vonage call's caller leg ends. */
const ENDS = ['completed', 'cancelled', 'failed', 'busy', 'timeout', 'rejected', 'unanswered'];

/** What the app answered that Vonage would see as a failure: a request refused or failing. */
let failures: SimulatorEvent[] = [];
afterEach(() => {
  failures = [];
});

// The simulator asks the answer URL for the NCCO, the caller leg's events to the event URL.
const harness = inboundHarness({
  simulator: 'vonage',
  urls: (base) => ({ url: `${base}/webhooks/vonage/answer`, eventUrl: `${base}/webhooks/vonage` }),
  knobs: {
    onEvent: (event) => {
      if (event.type === 'webhook_failed' || event.type === 'rejected') failures.push(event);
    },
  },
  ended: (call) => ENDS.includes(call.status),
});
const { app, expectMissedWithVoicemail, historyOf, start } = harness;

/** Rings the app as the harness does; every request, the answer URL's and each event's, was signed and taken. */
async function ring(done: (item: Record<string, unknown>) => boolean) {
  const rung = await harness.ring(done);
  expect(failures).toEqual([]);
  return rung;
}

/** Waits a moment for late events, then gives the history of `CALLER_ID` again. */
async function settled() {
  await new Promise((r) => setTimeout(r, 150));
  return historyOf(APP_NUMBER);
}

describe('calls to the app with Vonage, rung by the simulator', () => {
  it('greets the caller, keeps the voicemail, and shows a missed inbound call on both sides', async () => {
    await start({ INBOUND_MESSAGE: MESSAGE });
    const events = await openEvents(`${app().url}/api/events`);
    try {
      const { history, call } = await ring((item) => item.recording_url !== null);
      expect(call).toMatchObject({ direction: 'inbound', from: CALLER, phone: APP_NUMBER });
      expect(call.spoken).toEqual([MESSAGE]);
      expect(call.recordings).toHaveLength(1);
      const recording = call.recordings![0]!;
      expect(recording.url).toMatch(/^http:\/\/.*\/v1\/files\//);
      await expectMissedWithVoicemail(history, recording.url);
      // The page hears of it live, for both numbers.
      await events.until(() =>
        events.events.some(
          (e) =>
            e.event === 'history' &&
            JSON.parse(e.data).phones.includes(APP_NUMBER) &&
            JSON.parse(e.data).phones.includes(CALLER),
        ),
      );
    } finally {
      events.close();
    }
    // The caller leg's `completed` came after the voicemail: still one call, still missed.
    expect((await settled()).items).toEqual([
      expect.objectContaining({ type: 'Missed Inbound', recording_url: expect.any(String) }),
    ]);
  });

  it('forwards to INBOUND_FORWARD_TO and shows a completed inbound call of the forward’s length', async () => {
    await start(
      { INBOUND_FORWARD_TO: FORWARD_TO, INBOUND_RING_S: '15' },
      { forwardOutcomes: { completed: 1 } },
      // Long enough a conversation to last a whole second.
      { talkMs: 1100 },
    );
    const { history, call } = await ring((item) => item.type === 'Completed Inbound');
    expect(call.forwards).toEqual([
      expect.objectContaining({ to: FORWARD_TO, status: 'completed' }),
    ]);
    const forward = call.forwards![0]!;
    expect(forward.durationS).toBeGreaterThanOrEqual(1);
    expect(call.spoken).toEqual([]);
    expect(history.items).toEqual([
      expect.objectContaining({
        counterparty: CALLER,
        type: 'Completed Inbound',
        duration: forward.durationS,
        recording_url: null,
      }),
    ]);
    expect((await historyOf(CALLER)).items).toEqual([
      expect.objectContaining({ counterparty: APP_NUMBER, type: 'Completed Outbound' }),
    ]);
    expect((await settled()).items).toHaveLength(1);
  });

  it.each([
    ['no-answer', 'no-answer'],
    ['busy', 'busy'],
  ] as const)('takes a voicemail when the forward ends %s', async (outcome, forwardStatus) => {
    await start(
      { INBOUND_FORWARD_TO: FORWARD_TO, INBOUND_MESSAGE: MESSAGE },
      { forwardOutcomes: { [outcome]: 1 } },
    );
    const { history, call } = await ring((item) => item.recording_url !== null);
    expect(call.forwards).toEqual([
      expect.objectContaining({ to: FORWARD_TO, status: forwardStatus }),
    ]);
    expect(call.spoken).toEqual([MESSAGE]);
    expect(history.items).toEqual([
      expect.objectContaining({
        counterparty: CALLER,
        type: 'Missed Inbound',
        recording_url: call.recordings![0]!.url,
      }),
    ]);
    expect((await settled()).items).toHaveLength(1);
  });

  it.each(['busy', 'rejected'])(
    'rejects the call with INBOUND_REJECT=%s: nothing played, a missed call',
    async (reason) => {
      await start({ INBOUND_REJECT: reason, INBOUND_MESSAGE: MESSAGE });
      const { history, call } = await ring((item) => item.type === 'Missed Inbound');
      expect(call).toMatchObject({ spoken: [], forwards: [], recordings: [] });
      expect(history.items).toEqual([
        expect.objectContaining({
          counterparty: CALLER,
          type: 'Missed Inbound',
          recording_url: null,
        }),
      ]);
      expect((await historyOf(CALLER)).items).toEqual([
        expect.objectContaining({ counterparty: APP_NUMBER, type: 'Missed Outbound' }),
      ]);
      expect((await settled()).items).toHaveLength(1);
    },
  );

  it('shows a caller who hung up while it rang as a missed call', async () => {
    await start({ INBOUND_MESSAGE: MESSAGE }, { hangUpWhileRingingRate: 1 });
    const { history, call } = await ring((item) => item.type === 'Missed Inbound');
    expect(call).toMatchObject({ status: 'cancelled', spoken: [], recordings: [] });
    expect(history.items).toEqual([
      expect.objectContaining({
        counterparty: CALLER,
        type: 'Missed Inbound',
        recording_url: null,
      }),
    ]);
  });

  it('records one call when every event comes twice', async () => {
    await start({}, {}, { duplicateWebhookRate: 1 });
    await ring((item) => item.recording_url !== null);
    expect((await settled()).items).toEqual([
      expect.objectContaining({ type: 'Missed Inbound', recording_url: expect.any(String) }),
    ]);
  });

  it('rings the server of pnpm demo -- --provider vonage, as the launcher configures both, into the history', async () => {
    const [port, simPort] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-demo-vonage-'));
    const config = demoConfig('vonage', {
      PORT: String(port),
      VONAGE_API_URL: `http://localhost:${simPort}`,
      DATA_DIR: dataDir,
      DEMO_HISTORY: '0',
      DEMO_INBOUND_EVERY_S: '0',
      INBOUND_MESSAGE: MESSAGE,
      LOG_LEVEL: 'warn',
    });
    const started = await startDemoSimulators(config);
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    const server = await startServer(config, {
      store: createMemoryStore(),
      logDestination: quiet,
    }).catch(async (error: unknown) => {
      await started.close();
      throw error;
    });
    try {
      const sim = started.simulators[0]!.simulator!;
      const uuid = sim.ringApp({ from: CALLER });
      // The launcher's callers behave as drawn (some hang up early or leave no message): the
      // history shows this call as it went.
      const call = (await eventually(() => {
        const found = sim.calls().find((c) => c.id === uuid);
        return found !== undefined && ENDS.includes(found.status) ? found : undefined;
      }, 20_000))!;
      const recordingUrl = call.recordings?.[0]?.url ?? null;
      const history = await eventually(async () => {
        const { json } = await api(`${server.url}/api/calls/${encodeURIComponent(APP_NUMBER)}`);
        return json.items[0]?.recording_url === recordingUrl ? json : null;
      }, 20_000);
      expect(history.items).toEqual([
        expect.objectContaining({
          counterparty: CALLER,
          type: 'Missed Inbound',
          recording_url: recordingUrl,
        }),
      ]);
      expect(call.spoken).toEqual(call.status === 'cancelled' ? [] : [MESSAGE]);
    } finally {
      await server.close();
      await started.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    // The launcher's simulator takes its time: steps of 0.8 to 2.5 s, as pnpm demo shows them.
  }, 30_000);
});
