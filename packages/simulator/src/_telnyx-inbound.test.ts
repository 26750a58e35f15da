import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimulatorEngine, type EngineRequest } from './_engine.js';
import { resolveKnobs } from './_options.js';
import { TELNYX_TEST_CREDENTIALS } from './telnyx-credentials.js';
import type { SimulatorInboundKnobs, TelnyxWebhookEvent } from './types.js';

const HOOK = 'https://app.example/webhooks/telnyx';

function command(id: string, action: string, body: unknown = {}): EngineRequest {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  return {
    method: action === 'client_state_update' ? 'PUT' : 'POST',
    path: `/v2/calls/${encodeURIComponent(id)}/actions/${action}`,
    contentType: 'application/json',
    headers: { authorization: `Bearer ${TELNYX_TEST_CREDENTIALS.apiKey}` },
    body: bytes,
    bodySize: bytes.length,
  };
}

/** A Telnyx engine on fake time whose webhooks land in `events`. */
function engineFor(inbound: SimulatorInboundKnobs = {}) {
  const events: TelnyxWebhookEvent[] = [];
  const engine = createSimulatorEngine(
    resolveKnobs({
      flavour: 'telnyx',
      stepMs: 10,
      seed: 1,
      deliverTelnyxWebhook: async ({ event }) => void events.push(event),
      inbound: { url: HOOK, hangUpWhileRingingRate: 0, ...inbound },
    }),
    { defaultDeliverer: async () => {} },
  );
  const hangup = () => events.find((e) => e.data.event_type === 'call.hangup')?.data.payload;
  return { engine, events, hangup };
}

describe('incoming calls of the Telnyx engine', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2030-01-01T12:00:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hangs up a call left parked for a minute: the caller gave up', async () => {
    const { engine, hangup } = engineFor();
    const id = engine.ringApp!({});
    await vi.advanceTimersByTimeAsync(59_999);
    expect(hangup()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(hangup()).toMatchObject({ hangup_cause: 'originator_cancel', hangup_source: 'caller' });
    expect(engine.calls()[0]).toMatchObject({ id, status: 'hangup:originator_cancel' });
    engine.close();
  });

  it('hangs up an answered call a minute after the last command, not before', async () => {
    const { engine, hangup } = engineFor();
    const id = engine.ringApp!({});
    await engine.handle(command(id, 'answer'));
    await vi.advanceTimersByTimeAsync(40_000);
    const state = Buffer.from('still here').toString('base64');
    expect(
      (await engine.handle(command(id, 'client_state_update', { client_state: state }))).status,
    ).toBe(200);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(hangup()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(hangup()).toMatchObject({
      hangup_cause: 'normal_clearing',
      hangup_source: 'caller',
      client_state: state,
    });
    engine.close();
  });

  it('refuses a second recording, a reject once answered, and an unknown body key', async () => {
    const { engine } = engineFor({ voicemailRate: 1 });
    const id = engine.ringApp!({});
    const status = async (action: string, body?: unknown) =>
      (await engine.handle(command(id, action, body))).status;
    expect(await status('record_start', { format: 'mp3', channels: 'single' })).toBe(422);
    expect(await status('answer')).toBe(200);
    expect(await status('reject', { cause: 'USER_BUSY' })).toBe(422);
    expect(await status('record_start', { format: 'ogg', channels: 'single' })).toBe(422);
    expect(await status('record_start', { format: 'mp3', channels: 'single' })).toBe(200);
    expect(await status('record_start', { format: 'mp3', channels: 'single' })).toBe(422);
    expect(await status('transfer', { to: '+14155550199' })).toBe(422);
    expect(await status('transfer', { to: 'sip:bob@example.com' })).toBe(422);
    expect(await status('client_state_update', {})).toBe(422);
    engine.close();
  });
});
