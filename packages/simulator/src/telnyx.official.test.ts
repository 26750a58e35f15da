/**
 * The Telnyx flavour driven by the official `telnyx` package (7.x): its client dials, reads,
 * speaks, hangs up and lists; its `TelnyxWebhook` verifies every webhook the simulator signs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Telnyx from 'telnyx';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  startCallApiSimulator,
  startFaultGateway,
  TELNYX_TEST_CREDENTIALS,
  type SimulatorOptions,
  type TelnyxWebhookEvent,
} from './index.js';

const { apiKey, connectionId } = TELNYX_TEST_CREDENTIALS;
const FROM = '+15005550006';
const TO = '+14155552671';
const WAIT = { timeout: 5000, interval: 5 };
const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/** A local server that verifies every webhook with the official `TelnyxWebhook` as it comes. */
async function verifyingReceiver(publicKey: () => string) {
  const events: TelnyxWebhookEvent[] = [];
  const raw: Array<{ body: string; headers: Record<string, string> }> = [];
  const refused: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
      );
      raw.push({ body, headers });
      new TelnyxWebhook(publicKey()).verify(body, headers).then(
        () => {
          events.push(JSON.parse(body) as TelnyxWebhookEvent);
          res.writeHead(204).end();
        },
        (error: unknown) => {
          refused.push(error);
          res.writeHead(401).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/telnyx`,
    events,
    raw,
    refused,
    types: (id: string) =>
      events.filter((e) => e.data.payload.call_control_id === id).map((e) => e.data.event_type),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  open.push(receiver);
  return receiver;
}

async function setup(options: Omit<SimulatorOptions, 'flavour'> = {}) {
  const sim = await startCallApiSimulator({ flavour: 'telnyx', stepMs: 5, ...options });
  open.push(sim);
  const hooks = await verifyingReceiver(() => sim.publicKey ?? '');
  const client = new Telnyx({ apiKey, baseURL: `${sim.url}/v2`, maxRetries: 0 });
  return { sim, hooks, client };
}

describe('the official telnyx client against the Telnyx flavour', () => {
  it('dials, reads the status, speaks once answered, lists active calls and hangs up', async () => {
    const { sim, hooks, client } = await setup({ talkMs: 60_000 });
    const state = Buffer.from('reminder-42').toString('base64');
    const dialed = await client.calls.dial({
      connection_id: connectionId,
      from: FROM,
      to: TO,
      webhook_url: hooks.url,
      client_state: state,
      timeout_secs: 30,
    });
    const id = dialed.data!.call_control_id;
    expect(dialed.data).toMatchObject({
      is_alive: false,
      record_type: 'call',
      client_state: state,
    });
    const status = await client.calls.retrieveStatus(id);
    expect(status.data).toMatchObject({ call_control_id: id, is_alive: true, call_duration: 0 });

    await vi.waitFor(() => expect(hooks.types(id)).toContain('call.answered'), WAIT);
    const spoken = await client.calls.actions.speak(id, {
      payload: 'Your appointment is tomorrow at 9:30.',
      voice: 'female',
      language: 'en-US',
    });
    expect(spoken.data).toEqual({ result: 'ok' });

    const active = [];
    for await (const call of client.connections.listActiveCalls(connectionId)) active.push(call);
    expect(active).toEqual([expect.objectContaining({ call_control_id: id, client_state: state })]);

    const hungUp = await client.calls.actions.hangup(id, {});
    expect(hungUp.data).toEqual({ result: 'ok' });
    await vi.waitFor(() => expect(hooks.types(id)).toContain('call.hangup'), WAIT);
    expect(hooks.types(id)).toEqual([
      'call.initiated',
      'call.answered',
      'call.speak.started',
      'call.speak.ended',
      'call.hangup',
    ]);
    expect(hooks.refused).toEqual([]);
    expect(hooks.events.at(-1)?.data.payload).toMatchObject({
      hangup_cause: 'normal_clearing',
      hangup_source: 'caller',
      client_state: state,
    });
    expect((await client.calls.retrieveStatus(id)).data).toMatchObject({ is_alive: false });
    expect(sim.calls()[0]?.spoken).toEqual(['Your appointment is tomorrow at 9:30.']);
  });

  it.each([
    ['busy', 'user_busy'],
    ['no-answer', 'timeout'],
    ['failed', 'unspecified'],
  ] as const)(
    'signs the webhooks of a %s call (%s) so TelnyxWebhook accepts them',
    async (outcome, cause) => {
      const { hooks, client } = await setup({ outcomes: { [outcome]: 1 } });
      const dialed = await client.calls.dial({
        connection_id: connectionId,
        from: FROM,
        to: TO,
        webhook_url: hooks.url,
      });
      const id = dialed.data!.call_control_id;
      await vi.waitFor(
        () => expect(hooks.types(id)).toEqual(['call.initiated', 'call.hangup']),
        WAIT,
      );
      expect(hooks.events[1]?.data.payload.hangup_cause).toBe(cause);
      expect(hooks.refused).toEqual([]);
    },
  );

  it("is unwrapped by a client given the simulator's publicKey, and refused under another key", async () => {
    const { sim, client } = await setup();
    const other = await startCallApiSimulator({ flavour: 'telnyx', stepMs: 5 });
    open.push(other);
    const hooks = await verifyingReceiver(() => other.publicKey ?? '');
    await client.calls.dial({
      connection_id: connectionId,
      from: FROM,
      to: TO,
      webhook_url: hooks.url,
    });
    await vi.waitFor(() => expect(hooks.raw).toHaveLength(3), WAIT); // initiated, answered, hangup
    expect(hooks.events).toEqual([]);
    expect(String(hooks.refused[0])).toMatch(/signature/i);
    const receiving = new Telnyx({ apiKey, publicKey: sim.publicKey!, baseURL: `${sim.url}/v2` });
    for (const { body, headers } of hooks.raw) {
      const event = await receiving.webhooks.unwrap(body, { headers });
      expect(event).toEqual(JSON.parse(body));
    }
    const { body, headers } = hooks.raw[0]!;
    await expect(
      receiving.webhooks.unwrap(body, { headers, key: other.publicKey! }),
    ).rejects.toThrow(/signature/i);
  });

  it('gives the official client Telnyx errors it maps to its own classes', async () => {
    const { sim, client } = await setup({ stepMs: 60_000 });
    const wrongKey = new Telnyx({ apiKey: 'KEYwrong', baseURL: `${sim.url}/v2`, maxRetries: 0 });
    const dial = { connection_id: connectionId, from: FROM, to: TO };
    await expect(wrongKey.calls.dial(dial)).rejects.toBeInstanceOf(Telnyx.AuthenticationError);
    const missing = await client.calls.retrieveStatus('v3:nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Telnyx.NotFoundError);
    expect((missing as InstanceType<typeof Telnyx.NotFoundError>).error).toMatchObject({
      errors: [{ code: '90015', title: 'Call not found' }],
    });
    const bad = await client.calls.dial({ ...dial, timeout_secs: 1 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Telnyx.UnprocessableEntityError);
    expect(sim.calls()).toEqual([]);
  });

  it('behind a gateway that answers 504, leaves exactly the one call the dial made', async () => {
    const sim = await startCallApiSimulator({ flavour: 'telnyx', stepMs: 60_000 });
    const gateway = await startFaultGateway({ target: sim.url, fault: { status: 504 } });
    open.push(gateway, sim);
    const client = new Telnyx({ apiKey, baseURL: `${gateway.url}/v2`, maxRetries: 0 });
    const error = await client.calls
      .dial({ connection_id: connectionId, from: FROM, to: TO })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Telnyx.InternalServerError);
    await vi.waitFor(() => expect(sim.calls()).toHaveLength(1), WAIT);
    expect(gateway.forwarded).toBe(1);
  });
});
