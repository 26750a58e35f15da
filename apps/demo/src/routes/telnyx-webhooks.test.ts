/**
 * `POST /webhooks/telnyx` with `CALL_PROVIDER=telnyx`: signed webhooks reach the scheduler or the
 * dialer, whichever placed the call, after the Telnyx client acted on them (it speaks a call's
 * message once answered: see `telnyx.e2e.test.ts`); anything unsigned or signed wrong is a 403 and
 * changes nothing. The simulator's calls take minutes per step and its own webhooks go nowhere, so
 * every event here comes from a webhook the test signs with the simulator's own key.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { signTelnyxWebhook, type SimulatedCall } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  api,
  eventually,
  scheduledCall,
  scheduleNow,
  startTestApp,
  type TestApp,
} from '../_test-utils.js';

const PUBLIC_URL = 'https://demo.example';
/** The key the simulator signs with, and so the test: its public half is `TELNYX_PUBLIC_KEY`. */
const signingKey = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'der', type: 'pkcs8' })
  .toString('base64');
// Its own webhooks are dropped: every event comes from a webhook the test sends.
const SLOW = {
  stepMs: 600_000,
  telnyxSigningKey: signingKey,
  deliverTelnyxWebhook: async () => {},
};

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function startTelnyxApp(env: Record<string, string> = {}) {
  return startTestApp({
    telnyx: SLOW,
    env: { PUBLIC_URL, DIALER_NUMBERS: '13018040009', DIALER_CONCURRENCY: '1', ...env },
  });
}

/** A Telnyx webhook body about `call`, as Telnyx sends one. */
function event(call: SimulatedCall, type: string, payload: Record<string, unknown> = {}) {
  return JSON.stringify({
    data: {
      record_type: 'event',
      event_type: type,
      id: randomUUID(),
      occurred_at: new Date().toISOString(),
      payload: {
        call_control_id: call.id,
        call_leg_id: randomUUID(),
        call_session_id: randomUUID(),
        connection_id: '1234567890',
        client_state: call.clientState ?? null,
        direction: 'outgoing',
        from: '+14155550100',
        to: call.phone,
        ...payload,
      },
    },
    meta: { attempt: 1, delivered_to: `${PUBLIC_URL}/webhooks/telnyx` },
  });
}

/** Posts `body` as Telnyx does, signed with the simulator's key unless told otherwise. */
function post(
  body: string,
  options: { privateKey?: string; timestamp?: number; sent?: string; unsigned?: boolean } = {},
) {
  const headers: Record<string, string> = options.unsigned
    ? { 'content-type': 'application/json' }
    : {
        ...signTelnyxWebhook({
          privateKey: options.privateKey ?? signingKey,
          rawBody: body,
          ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
        }),
      };
  return fetch(`${app!.url}/webhooks/telnyx`, {
    method: 'POST',
    headers,
    body: options.sent ?? body,
  });
}

/** The simulator's call of the scheduled call `id`, once Telnyx's simulator dialled it. */
async function dialled(id: string) {
  const providerId = await eventually(async () => {
    const { json } = await api(`${app!.url}/api/scheduled-calls/${id}`);
    return json.provider_call_id as string | null;
  });
  return app!.telnyx!.calls().find((call) => call.id === providerId)!;
}

/** Schedules a call due now and resolves with its id and the simulator's call. */
async function placedCall(body: Record<string, unknown> = {}) {
  const id = await scheduleNow(app!.url, body);
  return { id, call: await dialled(id) };
}

const scheduled = (id: string) => scheduledCall(app!.url, id);

describe('POST /webhooks/telnyx', () => {
  it('applies validly signed webhooks to the scheduled call they are about', async () => {
    app = await startTelnyxApp();
    const { id, call } = await placedCall();
    expect(call.id).toMatch(/^v3:/);

    expect((await post(event(call, 'call.initiated'))).status).toBe(204);
    expect((await scheduled(id)).status).toBe('initiated');
    expect((await post(event(call, 'call.answered'))).status).toBe(204);
    expect((await scheduled(id)).status).toBe('answered');

    const hangup = event(call, 'call.hangup', {
      hangup_cause: 'normal_clearing',
      hangup_source: 'callee',
    });
    expect((await post(hangup)).status).toBe(204);
    const ended = await scheduled(id);
    expect(ended.status).toBe('completed');
    expect(ended.timeline.map((step) => step.status)).toEqual(
      expect.arrayContaining(['initiated', 'answered', 'completed']),
    );
  });

  it('hands each webhook to the Telnyx client first: a message it cannot speak is a 500 and changes nothing', async () => {
    app = await startTelnyxApp();
    const { id, call } = await placedCall({ message: 'Your table for two is ready.' });
    const before = await scheduled(id);
    // The simulator's call has not been answered, so Telnyx refuses to speak on it: the webhook
    // is answered 500 for Telnyx to send again, and its status waits for that.
    const res = await post(event(call, 'call.answered'));
    expect(res.status).toBe(500);
    expect(await scheduled(id)).toEqual(before);
    expect(app.telnyx!.calls()[0]!.spoken).toEqual([]);
    // Without a message, nothing is due to be spoken and the same event applies.
    expect((await post(event({ ...call, clientState: undefined }, 'call.answered'))).status).toBe(
      204,
    );
    expect((await scheduled(id)).status).toBe('answered');
  });

  it('refuses a tampered, wrongly signed, stale or unsigned webhook with 403 and changes nothing', async () => {
    app = await startTelnyxApp();
    const { id, call } = await placedCall({ message: 'Not to be spoken.' });
    const before = await scheduled(id);
    const hangup = event(call, 'call.hangup', { hangup_cause: 'normal_clearing' });
    const otherKey = generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'der', type: 'pkcs8' })
      .toString('base64');

    const refused = [
      await post(hangup, { sent: hangup.replace('normal_clearing', 'user_busy') }),
      await post(hangup, { privateKey: otherKey }),
      await post(hangup, { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      await post(hangup, { unsigned: true }),
      await post(event(call, 'call.answered'), { unsigned: true }),
    ];
    expect(refused.map((res) => res.status)).toEqual(refused.map(() => 403));
    expect(await scheduled(id)).toEqual(before);
    expect(app.telnyx!.calls()[0]!.spoken).toEqual([]);
  });

  it('answers 400 to a signed body that is not a Telnyx event, and changes nothing', async () => {
    app = await startTelnyxApp();
    const { id } = await placedCall();
    const before = await scheduled(id);
    const res = await post(JSON.stringify({ hello: 'world' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_webhook');
    expect(await scheduled(id)).toEqual(before);
  });

  it('never moves a status back for a late or repeated webhook', async () => {
    app = await startTelnyxApp();
    const { id, call } = await placedCall();
    const hangup = event(call, 'call.hangup', { hangup_cause: 'normal_clearing' });
    expect((await post(event(call, 'call.answered'))).status).toBe(204);
    expect((await post(hangup)).status).toBe(204);
    expect((await post(hangup)).status).toBe(204);
    for (const type of ['call.initiated', 'call.answered']) {
      expect((await post(event(call, type))).status).toBe(204);
    }
    const after = await scheduled(id);
    expect(after.status).toBe('completed');
    expect(after.timeline.filter((step) => step.status === 'completed')).toHaveLength(1);
  });

  it('cancels a placed call not answered yet by hanging it up at Telnyx', async () => {
    app = await startTelnyxApp();
    const { id, call } = await placedCall();
    const res = await api(`${app.url}/api/scheduled-calls/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('canceled');
    expect(app.telnyx!.calls().find((c) => c.id === call.id)).toMatchObject({
      hangupCause: 'originator_cancel',
    });
  });

  it("gives a dialer call's webhooks to the dialer", async () => {
    app = await startTelnyxApp();
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST' })).status).toBe(202);
    const callId = (await eventually(async () => {
      const { json } = await api(`${app!.url}/api/dialer`);
      return json.entries[0].call_id as string | null;
    }))!;
    const call = app.telnyx!.calls().find((c) => c.id === callId)!;
    expect((await post(event(call, 'call.answered'))).status).toBe(204);
    expect((await api(`${app.url}/api/dialer`)).json.entries[0].status).toBe('answered');

    const hangup = event(call, 'call.hangup', { hangup_cause: 'normal_clearing' });
    expect((await post(hangup, { unsigned: true })).status).toBe(403);
    expect((await api(`${app.url}/api/dialer`)).json.entries[0].status).toBe('answered');
    expect((await post(hangup)).status).toBe(204);
    const { json } = await api(`${app.url}/api/dialer`);
    expect(json.state).toBe('done');
    expect(json.entries[0].status).toBe('completed');
    // It is the dialer's call, not a scheduled one.
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
  });

  it('refuses a body over 16 KiB with 413', async () => {
    app = await startTelnyxApp();
    const res = await post(JSON.stringify({ padding: 'x'.repeat(20_000) }));
    expect(res.status).toBe(413);
  });

  it('is only a POST route', async () => {
    app = await startTelnyxApp();
    const res = await api(`${app.url}/webhooks/telnyx`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('does not exist with the mock provider', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/webhooks/telnyx`, { method: 'POST', raw: '{}' });
    expect(res.status).toBe(404);
  });
});
