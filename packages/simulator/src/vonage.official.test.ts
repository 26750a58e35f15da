/**
 * The Vonage flavour driven by the official packages: `@vonage/voice`'s `Voice` (with
 * `@vonage/auth`'s `Auth`, whose JWTs the simulator checks) creates, reads, lists and hangs up
 * calls; `@vonage/jwt`'s `verifySignature` verifies every event the simulator signs, and the
 * receiver compares each token's `payload_hash` with the body it came with.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Auth } from '@vonage/auth';
import { verifySignature } from '@vonage/jwt';
import { CallStatus, Voice } from '@vonage/voice';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  startCallApiSimulator,
  VONAGE_TEST_CREDENTIALS,
  type SimulatorOptions,
  type VonageWebhookEvent,
} from './index.js';

const { applicationId, privateKey, signatureSecret, apiKey } = VONAGE_TEST_CREDENTIALS;
const FROM = '15005550006';
const TO = '14155552671';
const WAIT = { timeout: 5000, interval: 5 };
const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

/** A local server that takes an event only if `verifySignature` and its `payload_hash` agree. */
async function verifyingReceiver() {
  const events: VonageWebhookEvent[] = [];
  const claims: Array<Record<string, unknown>> = [];
  const refused: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const hash = createHash('sha256').update(body).digest('hex');
      if (!verifySignature(token, signatureSecret) || claimsOf(token).payload_hash !== hash) {
        refused.push(body);
        res.writeHead(401).end();
        return;
      }
      claims.push(claimsOf(token));
      events.push(JSON.parse(body) as VonageWebhookEvent);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/vonage/event`,
    events,
    claims,
    refused,
    statuses: (uuid: string) =>
      events.filter((e) => (e.uuid ?? e.call_uuid) === uuid).map((e) => e.status),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  open.push(receiver);
  return receiver;
}

let seed = 7;
/** A simulator (each with its own seed, so no two hand out the same uuids) and a client of it. */
async function start(options: Omit<SimulatorOptions, 'flavour'> = {}) {
  seed += 1;
  const sim = await startCallApiSimulator({ flavour: 'vonage', stepMs: 10, seed, ...options });
  open.push(sim);
  const voice = new Voice(new Auth({ applicationId, privateKey }), { apiHost: sim.url });
  return { sim, voice };
}

const call = (eventUrl: string, text = 'Hello from ringkit') => ({
  to: [{ type: 'phone' as const, number: TO }],
  from: { type: 'phone' as const, number: FROM },
  ncco: [{ action: 'talk' as const, text }],
  eventUrl: [eventUrl],
});

describe('the Vonage flavour driven by @vonage/voice', () => {
  it('creates a call the client reads back, and signs each of its events so verifySignature and the payload_hash accept them', async () => {
    const receiver = await verifyingReceiver();
    const { sim, voice } = await start();
    const created = await voice.createOutboundCall(call(receiver.url));
    expect(created).toMatchObject({ status: 'started', direction: 'outbound' });
    expect(created.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.conversationUUID).toMatch(/^CON-/);

    await vi.waitFor(
      () =>
        expect(receiver.statuses(created.uuid)).toEqual([
          'started',
          'ringing',
          'answered',
          'completed',
        ]),
      WAIT,
    );
    expect(receiver.refused).toEqual([]);
    for (const claim of receiver.claims) {
      expect(claim).toMatchObject({
        iss: 'Vonage',
        api_key: apiKey,
        application_id: applicationId,
      });
      expect(typeof claim.iat).toBe('number');
      expect(typeof claim.jti).toBe('string');
    }
    expect(new Set(receiver.claims.map((c) => c.jti)).size).toBe(receiver.claims.length);
    const completed = receiver.events.find((e) => e.status === 'completed')!;
    expect(completed).toMatchObject({
      uuid: created.uuid,
      from: FROM,
      to: TO,
      direction: 'outbound',
    });
    expect(completed.duration).toMatch(/^\d+$/);
    expect(completed.price).toMatch(/^\d+\.\d{8}$/);
    expect(Date.parse(String(completed.end_time))).toBeGreaterThanOrEqual(
      Date.parse(String(completed.start_time)),
    );

    const detail = await voice.getCall(created.uuid);
    expect(detail).toMatchObject({
      uuid: created.uuid,
      conversationUUID: created.conversationUUID,
      status: CallStatus.COMPLETED,
      direction: 'outbound',
      to: { type: 'phone', number: TO },
    });
    expect(sim.calls()[0]).toMatchObject({
      id: created.uuid,
      flavour: 'vonage',
      phone: `+${TO}`,
      from: `+${FROM}`,
      status: 'completed',
      spoken: ['Hello from ringkit'],
    });
  });

  it('hangs up a ringing call, which ends cancelled, and an answered one, which ends completed', async () => {
    const receiver = await verifyingReceiver();
    const { sim, voice } = await start({ stepMs: 50, ringMs: 60_000, talkMs: 60_000 });
    const ringing = await voice.createOutboundCall(call(receiver.url));
    await vi.waitFor(() => expect(receiver.statuses(ringing.uuid)).toContain('ringing'), WAIT);
    await voice.hangupCall(ringing.uuid);
    await vi.waitFor(() => expect(receiver.statuses(ringing.uuid).at(-1)).toBe('cancelled'), WAIT);
    expect((await voice.getCall(ringing.uuid)).status).toBe(CallStatus.CANCELLED);

    const sim2 = await start({ stepMs: 10, ringMs: 10, talkMs: 60_000 });
    const answered = await sim2.voice.createOutboundCall(call(receiver.url));
    await vi.waitFor(() => expect(receiver.statuses(answered.uuid)).toContain('answered'), WAIT);
    await sim2.voice.hangupCall(answered.uuid);
    await vi.waitFor(() => expect(receiver.statuses(answered.uuid).at(-1)).toBe('completed'), WAIT);
    expect(sim.calls()[0]?.status).toBe('cancelled');
    expect(sim2.sim.calls()[0]?.status).toBe('completed');
  });

  it('lists calls a page at a time, filtered by status, and getAllCalls follows the pages', async () => {
    const receiver = await verifyingReceiver();
    const { voice } = await start({ ringMs: 60_000 });
    const uuids: string[] = [];
    for (let i = 0; i < 5; i += 1)
      uuids.push((await voice.createOutboundCall(call(receiver.url))).uuid);
    await voice.hangupCall(uuids[1]!);
    await voice.hangupCall(uuids[3]!);

    const page = await voice.getCallsPage({ pageSize: 2, recordIndex: 0 });
    expect(page.count).toBe(5);
    expect(page.page_size).toBe(2);
    expect(page._embedded.calls.map((c) => c.uuid)).toEqual(uuids.slice(0, 2));
    const desc = await voice.getCallsPage({ pageSize: 2, recordIndex: 1, order: 'desc' });
    expect(desc._embedded.calls.map((c) => c.uuid)).toEqual([uuids[3], uuids[2]]);

    const all: string[] = [];
    for await (const detail of voice.getAllCalls({ pageSize: 2 })) all.push(detail.uuid);
    expect(all).toEqual(uuids);

    const cancelled = await voice.search({ status: CallStatus.CANCELLED });
    expect(cancelled._embedded.calls.map((c) => c.uuid)).toEqual([uuids[1], uuids[3]]);
    const one = await voice.search({
      conversationUuid: page._embedded.calls[0]!.conversation_uuid,
    });
    expect(one._embedded.calls.map((c) => c.uuid)).toEqual([uuids[0]]);
    const none = await voice.search({ dateStart: new Date(Date.now() + 60_000).toISOString() });
    expect(none.count).toBe(0);
  });

  it('ends never-answered calls with the status of their outcome, and reports machine detection', async () => {
    const receiver = await verifyingReceiver();
    const { voice } = await start({ outcomes: { busy: 1 } });
    const busy = await voice.createOutboundCall(call(receiver.url));
    await vi.waitFor(
      () => expect(receiver.statuses(busy.uuid)).toEqual(['started', 'ringing', 'busy']),
      WAIT,
    );

    const timeouts = await start({ outcomes: { 'no-answer': 1 } });
    const noAnswer = await timeouts.voice.createOutboundCall(call(receiver.url));
    await vi.waitFor(() => expect(receiver.statuses(noAnswer.uuid).at(-1)).toBe('timeout'), WAIT);

    const machines = await start({ machineRate: 1 });
    const hangup = await machines.voice.createOutboundCall({
      ...call(receiver.url),
      machineDetection: 'hangup' as never,
    });
    await vi.waitFor(
      () =>
        expect(receiver.statuses(hangup.uuid)).toEqual([
          'started',
          'ringing',
          'answered',
          'machine',
          'completed',
        ]),
      WAIT,
    );
    expect(machines.sim.calls()[0]?.answeredBy).toBe('machine');
  });

  it('refuses a client signed with another private key (401), and the official client throws', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const { sim } = await start();
    const stranger = new Voice(new Auth({ applicationId, privateKey: other }), {
      apiHost: sim.url,
    });
    await expect(stranger.getCallsPage({})).rejects.toMatchObject({
      response: { status: 401 },
    });
    expect(sim.calls()).toEqual([]);
  });
});
