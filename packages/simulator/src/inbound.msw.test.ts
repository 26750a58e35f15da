/**
 * Inbound calls through the MSW mock ring the same local apps as the HTTP simulator, with the
 * same requests and the same calls for the same seed.
 */
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTelnyxApp } from '../test/inbound-telnyx-app.js';
import { startTwilioApp } from '../test/inbound-twilio-app.js';
import { createCallApiMock } from './msw.js';
import { startCallApiSimulator } from './simulator.js';
import type { SimulatedCall, SimulatorKnobs } from './types.js';

const WAIT = { timeout: 5000, interval: 5 };
// The local apps (and the HTTP simulator the mock is compared with) are real servers.
const server = setupServer(http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()));
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** One provider of either transport, started with `knobs`. */
async function start(transport: 'http' | 'msw', knobs: SimulatorKnobs) {
  if (transport === 'http') return startCallApiSimulator(knobs);
  const mock = createCallApiMock(knobs);
  server.use(...mock.handlers);
  return { ...mock, url: mock.baseUrl, close: async () => mock.close() };
}

/** `value` without what differs between runs: times, the servers' URLs (their ports). */
function comparable(value: unknown, sim: string): unknown {
  const {
    createdAt: _createdAt,
    Timestamp: _timestamp,
    ...rest
  } = value as SimulatedCall & { Timestamp?: string };
  const text = JSON.stringify(rest).replaceAll(sim, '<sim>');
  return JSON.parse(text.replace(/http:\/\/127\.0\.0\.1:\d+/g, '<app>'));
}

/** A Twilio voicemail call on one transport: what the app got, and the call. */
async function twilioVoicemail(transport: 'http' | 'msw') {
  const app = await startTwilioApp({ action: 'voicemail' });
  const sim = await start(transport, {
    flavour: 'twilio',
    stepMs: 5,
    seed: 3,
    inbound: {
      url: `${app.url}/voice`,
      statusCallbackUrl: `${app.url}/status`,
      from: '+14155552671',
      hangUpWhileRingingRate: 0,
      voicemailRate: 1,
    },
  });
  try {
    const sid = sim.ringApp();
    await vi.waitFor(() => expect(app.to('/status')).toHaveLength(1), WAIT);
    const url = app.to('/recorded')[0]?.params.RecordingUrl ?? '';
    expect(url.startsWith(sim.url)).toBe(true);
    const audio = await fetch(`${url}.mp3`);
    expect(audio.headers.get('content-type')).toBe('audio/mpeg');
    expect(app.requests.every((request) => request.valid)).toBe(true);
    const seen = {
      requests: app.requests.map(({ path, params }) => ({
        path,
        params: comparable(params, sim.url),
      })),
      call: comparable(
        sim.calls().find((call) => call.id === sid),
        sim.url,
      ),
    };
    expect(seen.requests.map((r) => r.path)).toEqual(['/voice', '/recorded', '/status']);
    return seen;
  } finally {
    await sim.close();
    await app.close();
  }
}

/** A Telnyx voicemail call on one transport: the call as it ended. */
async function telnyxVoicemail(transport: 'http' | 'msw') {
  const app = await startTelnyxApp({ action: 'voicemail' });
  const sim = await start(transport, {
    flavour: 'telnyx',
    stepMs: 5,
    seed: 5,
    inbound: { url: app.url, from: '+14155552671', hangUpWhileRingingRate: 0, voicemailRate: 1 },
  });
  app.connect(sim);
  try {
    const id = sim.ringApp();
    await vi.waitFor(() => expect(app.types(id)).toContain('call.recording.saved'), WAIT);
    expect(app.types(id)).toEqual([
      'call.initiated',
      'call.answered',
      'call.speak.started',
      'call.speak.ended',
      'call.hangup',
      'call.recording.saved',
    ]);
    expect([app.refused, app.errors]).toEqual([[], []]);
    const call = sim.calls().find((c) => c.id === id);
    const audio = await fetch(call?.recordings?.[0]?.url ?? '');
    expect(audio.headers.get('content-type')).toBe('audio/mpeg');
    return comparable(call, sim.url);
  } finally {
    await sim.close();
    await app.close();
  }
}

describe('inbound calls through MSW', () => {
  it('ring a Twilio app as the HTTP simulator does, the recording fetched from the mock', async () => {
    const http = await twilioVoicemail('http');
    expect(await twilioVoicemail('msw')).toEqual(http);
  });

  it('ring a Telnyx app as the HTTP simulator does, its commands sent to the mock', async () => {
    const http = await telnyxVoicemail('http');
    expect(await telnyxVoicemail('msw')).toEqual(http);
  });
});
