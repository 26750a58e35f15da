/**
 * The Vonage flavour rings a local app with inbound calls; the app answers with the NCCOs of
 * ringkit's own `createVonageAnswerHandler`, and checks every request, the answer URL's and each
 * event's, with `verifyVonageSignature`.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Auth } from '@vonage/auth';
import { Voice } from '@vonage/voice';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  isInvalidOptionsError,
  isUnsupportedOperationError,
  type InboundCallUpdate,
} from '@ringkit/call-client';
import {
  createVonageAnswerHandler,
  inboundUpdateOf,
  parseVonageEvent,
  verifyVonageSignature,
} from '@ringkit/call-client/vonage';
import { runSimulatorCli } from './_cli.js';
import { createCallApiMock } from './msw.js';
import { startCallApiSimulator, type SimulatorOptions } from './simulator.js';
import type { SimulatorEvent } from './types.js';
import { VONAGE_TEST_CREDENTIALS } from './vonage-credentials.js';

const WAIT = { timeout: 5000, interval: 5 };
const CALLER = '+14155552671';
const APP_NUMBER = '+15005550006';
const AGENT = '+14155550199';
const MESSAGE = 'Sorry we missed you. Leave a message after the beep.';
const { signatureSecret, applicationId, privateKey } = VONAGE_TEST_CREDENTIALS;

type Policy = Parameters<typeof createVonageAnswerHandler>[0]['policy'];

interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
  /** `verifyVonageSignature` held: of the body, or of a `GET`'s query as JSON. */
  valid: boolean;
  status: number;
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

function bodyOf(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * The app: `/answer` is its answer URL and the handler's `eventUrl`; `/event` its event URL;
 * `/broken` answers 500 and `/not-json` a page, as a misconfigured app would; `/fixed` answers the
 * NCCO it is given, `/leg` takes events.
 */
async function startApp(policy: Policy) {
  const received: Received[] = [];
  let fixed: unknown[] = [];
  const updates: InboundCallUpdate[] = [];
  let base = '';
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', base);
      const body = await bodyOf(request);
      const signed =
        request.method === 'GET' ? JSON.stringify(Object.fromEntries(url.searchParams)) : body;
      const valid = verifyVonageSignature({
        signatureSecret,
        authorization: request.headers.authorization,
        rawBody: signed,
      }).valid;
      const answer = (status: number, text = '', type = 'application/json') => {
        received.push({
          method: request.method ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          body,
          valid,
          status,
        });
        response.writeHead(status, { 'content-type': type }).end(text);
      };
      if (url.pathname === '/broken') return answer(500, '{"error":"boom"}');
      if (url.pathname === '/not-json') return answer(200, '<html>hello</html>', 'text/html');
      if (url.pathname === '/event' || url.pathname === '/leg') return answer(204);
      if (url.pathname === '/fixed') return answer(200, JSON.stringify(fixed));
      const result = await handle({
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        rawBody: body,
        headers: request.headers,
      });
      if (result.status === 200) return answer(200, JSON.stringify(result.ncco));
      if (result.status === 204) return answer(204);
      return answer(result.status, JSON.stringify(result.body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const handle = createVonageAnswerHandler({
    signatureSecret,
    applicationId,
    policy,
    eventUrl: `${base}/answer`,
    onUpdate: (update) => void updates.push(update),
  });
  const to = (path: string) => received.filter((r) => r.path === path);
  /** The caller's leg's events, read as the app's event route reads them. */
  const callerEvents = () =>
    to('/event')
      .map((r) => JSON.parse(r.body) as Record<string, unknown>)
      .filter((event) => event.direction === 'inbound');
  return {
    url: base,
    received,
    updates,
    to,
    callerEvents,
    /** Sets the NCCO `/fixed` answers. */
    fixed: (ncco: unknown[]) => void (fixed = ncco),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function setup(policy: Policy, inbound: SimulatorOptions['inbound'] = {}) {
  const app = await startApp(policy);
  const events: SimulatorEvent[] = [];
  const sim = await startCallApiSimulator({
    flavour: 'vonage',
    stepMs: 5,
    seed: 7,
    onEvent: (event) => events.push(event),
    inbound: {
      url: `${app.url}/answer`,
      eventUrl: `${app.url}/event`,
      from: CALLER,
      hangUpWhileRingingRate: 0,
      hangUpWhileForwardRingsRate: 0,
      voicemailRate: 1,
      ...inbound,
    },
  });
  open.push(app, sim);
  const ENDS = new Set(['completed', 'cancelled', 'failed', 'busy', 'timeout', 'rejected']);
  /** The call once its caller's leg told the app how it ended. */
  const ended = async (uuid: string) => {
    await vi.waitFor(() => {
      const last = app.callerEvents().at(-1);
      expect(ENDS.has(String(last?.status))).toBe(true);
    }, WAIT);
    return sim.calls().find((call) => call.id === uuid)!;
  };
  return { app, sim, events, ended };
}

const statuses = (events: Array<Record<string, unknown>>) => events.map((event) => event.status);

describe('the Vonage flavour ringing an app', () => {
  it('requests the answer URL by GET with Vonage’s fields, signed over the query as JSON', async () => {
    const { app, sim, ended } = await setup({ action: 'voicemail', message: MESSAGE });
    const uuid = sim.ringApp();
    await ended(uuid);
    const [answer] = app.to('/answer').filter((r) => r.method === 'GET');
    expect(answer?.query).toEqual({
      to: APP_NUMBER.slice(1),
      from: CALLER.slice(1),
      endpoint_type: 'phone',
      conversation_uuid: expect.stringMatching(/^CON-[0-9a-f-]{36}$/),
      uuid,
      region_url: 'https://api-us-3.vonage.com',
    });
    expect(answer?.status).toBe(200);
    expect(app.received.length).toBeGreaterThan(4);
    expect(app.received.every((r) => r.valid)).toBe(true);
  });

  it('plays a voicemail: the greeting, a recording whose URL answers audio, the record event to the handler', async () => {
    const { app, sim, ended } = await setup({ action: 'voicemail', message: MESSAGE });
    const call = await ended(sim.ringApp());
    expect(call).toMatchObject({
      direction: 'inbound',
      status: 'completed',
      phone: APP_NUMBER,
      from: CALLER,
      spoken: [MESSAGE],
      forwards: [],
    });
    const [recording] = call.recordings ?? [];
    expect(recording).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: `${sim.url}/v1/files/${recording?.id}`,
      durationS: 1,
    });
    const audio = await fetch(recording?.url ?? '');
    expect([audio.status, audio.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    const size = (await audio.arrayBuffer()).byteLength;
    const [recorded] = app.to('/answer').filter((r) => r.query.step === 'voicemail');
    expect(recorded?.status).toBe(204);
    const event = JSON.parse(recorded?.body ?? '{}') as Record<string, string | number>;
    expect(event).toEqual({
      start_time: expect.any(String),
      recording_url: recording?.url,
      size,
      recording_uuid: recording?.id,
      end_time: expect.any(String),
      conversation_uuid: app.to('/answer')[0]?.query.conversation_uuid,
      timestamp: event.end_time,
    });
    expect(Date.parse(String(event.end_time)) - Date.parse(String(event.start_time))).toBe(1000);
    expect(app.updates.map((u) => [u.status, u.providerStatus])).toEqual([
      ['ringing', 'answer'],
      ['no-answer', 'voicemail'],
    ]);
    expect(app.updates[1]).toMatchObject({
      callId: call.id,
      from: CALLER,
      to: APP_NUMBER,
      recordingUrl: recording?.url,
      recordingDurationS: 1,
    });
    expect(statuses(app.callerEvents())).toEqual(['started', 'ringing', 'answered', 'completed']);
    expect(app.received.every((r) => r.valid)).toBe(true);
  });

  it('sends the caller’s leg’s events as Vonage’s: inbound, one uuid, and inboundUpdateOf reads its end', async () => {
    const { app, sim, ended } = await setup({ action: 'voicemail', message: MESSAGE });
    const call = await ended(sim.ringApp());
    const events = app.callerEvents();
    expect(new Set(events.map((e) => e.uuid))).toEqual(new Set([call.id]));
    expect(events[0]).toEqual({
      from: CALLER.slice(1),
      to: APP_NUMBER.slice(1),
      uuid: call.id,
      conversation_uuid: expect.stringMatching(/^CON-/),
      status: 'started',
      direction: 'inbound',
      timestamp: expect.any(String),
    });
    const completed = events.at(-1)!;
    expect(completed).toMatchObject({
      duration: expect.stringMatching(/^\d+$/),
      rate: expect.any(String),
    });
    const update = inboundUpdateOf(parseVonageEvent(JSON.stringify(completed))!);
    expect(update).toMatchObject({
      callId: call.id,
      status: 'no-answer',
      providerStatus: 'completed',
    });
  });

  it('records nothing when the caller hangs up at the beep', async () => {
    const { app, sim, ended } = await setup(
      { action: 'voicemail', message: MESSAGE },
      { voicemailRate: 0 },
    );
    const call = await ended(sim.ringApp());
    expect(app.to('/answer').filter((r) => r.query.step !== undefined)).toEqual([]);
    expect(app.updates.map((u) => u.status)).toEqual(['ringing']);
    expect(call).toMatchObject({ status: 'completed', spoken: [MESSAGE], recordings: [] });
  });

  it('forwards a call the forwarded party answers: the connect leg’s events to the handler, then the call ends', async () => {
    const { app, sim, ended } = await setup(
      { action: 'forward', to: AGENT, ringS: 20, message: MESSAGE },
      { forwardOutcomes: { completed: 1 } },
    );
    const call = await ended(sim.ringApp());
    await vi.waitFor(() => expect(app.updates.at(-1)?.status).toBe('completed'), WAIT);
    const leg = app.to('/answer').filter((r) => r.query.step === 'forward');
    const legEvents = leg.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(statuses(legEvents)).toEqual(['started', 'ringing', 'answered', 'completed']);
    expect(leg.every((r) => r.status === 204 && r.valid)).toBe(true);
    const forward = call.forwards?.[0];
    expect(call.forwards).toEqual([
      { id: legEvents[0]?.uuid, to: AGENT, status: 'completed', durationS: expect.any(Number) },
    ]);
    expect(legEvents[3]).toMatchObject({
      uuid: forward?.id,
      to: AGENT.slice(1),
      from: APP_NUMBER.slice(1),
      direction: 'outbound',
      conversation_uuid: legEvents[0]?.conversation_uuid,
      duration: String(forward?.durationS),
    });
    expect(legEvents[0]?.uuid).not.toBe(call.id);
    expect(app.updates.map((u) => u.status)).toEqual(['ringing', 'answered', 'completed']);
    expect(call).toMatchObject({ status: 'completed', spoken: [], recordings: [] });
    expect(statuses(app.callerEvents())).toEqual(['started', 'ringing', 'answered', 'completed']);
  });

  it.each([
    ['no-answer', 'timeout', 'no-answer'],
    ['busy', 'busy', 'busy'],
    ['failed', 'failed', 'failed'],
  ] as const)(
    'goes on to the voicemail after a forward that ends %s (the leg %s)',
    async (outcome, word, forwardStatus) => {
      const { app, sim, ended } = await setup(
        { action: 'forward', to: AGENT, ringS: 20, message: MESSAGE },
        { forwardOutcomes: { [outcome]: 1 } },
      );
      const call = await ended(sim.ringApp());
      const leg = app.to('/answer').filter((r) => r.query.step === 'forward');
      expect(statuses(leg.map((r) => JSON.parse(r.body) as Record<string, unknown>))).toEqual([
        'started',
        'ringing',
        word,
      ]);
      expect(call.forwards).toEqual([{ id: expect.any(String), to: AGENT, status: forwardStatus }]);
      expect(call.spoken).toEqual([MESSAGE]);
      expect(call.recordings).toHaveLength(1);
      expect(app.updates.map((u) => [u.status, u.providerStatus])).toEqual([
        ['ringing', 'answer'],
        ['no-answer', word],
        ['no-answer', 'voicemail'],
      ]);
      expect(app.received.every((r) => r.valid)).toBe(true);
    },
  );

  it('rings a connect out at its timeout when the party would ring longer, then goes on', async () => {
    const app = await startApp({ action: 'reject', reason: 'busy' });
    app.fixed([
      {
        action: 'connect',
        endpoint: [{ type: 'phone', number: AGENT.slice(1) }],
        timeout: 3,
        eventUrl: [`${app.url}/leg`],
      },
      { action: 'talk', text: 'Nobody answered.' },
    ]);
    const sim = await startCallApiSimulator({
      flavour: 'vonage',
      stepMs: 5,
      ringMs: 3_001,
      seed: 7,
      inbound: {
        url: `${app.url}/fixed`,
        eventUrl: `${app.url}/event`,
        hangUpWhileRingingRate: 0,
        hangUpWhileForwardRingsRate: 0,
        forwardOutcomes: { completed: 1 },
      },
    });
    open.push(app, sim);
    const uuid = sim.ringApp();
    await vi.waitFor(() => expect(app.callerEvents().at(-1)?.status).toBe('completed'), {
      timeout: 10_000,
      interval: 20,
    });
    const leg = app.to('/leg').map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(statuses(leg)).toEqual(['started', 'ringing', 'timeout']);
    const call = sim.calls().find((c) => c.id === uuid);
    expect(call?.forwards).toEqual([{ id: leg[0]?.uuid, to: AGENT, status: 'no-answer' }]);
    expect(call?.spoken).toEqual(['Nobody answered.']);
    expect(app.received.every((r) => r.valid)).toBe(true);
  });

  it('fails a connect to an endpoint that is no phone number, and goes on', async () => {
    const app = await startApp({ action: 'reject', reason: 'busy' });
    app.fixed([
      { action: 'connect', endpoint: [{ type: 'phone', number: '12' }] },
      { action: 'talk', text: 'That did not work.' },
    ]);
    const sim = await startCallApiSimulator({
      flavour: 'vonage',
      stepMs: 5,
      seed: 7,
      inbound: { url: `${app.url}/fixed`, eventUrl: `${app.url}/event`, hangUpWhileRingingRate: 0 },
    });
    open.push(app, sim);
    const uuid = sim.ringApp();
    await vi.waitFor(() => expect(app.callerEvents().at(-1)?.status).toBe('completed'), WAIT);
    const leg = app
      .to('/event')
      .map((r) => JSON.parse(r.body) as Record<string, unknown>)
      .filter((event) => event.direction === 'outbound');
    expect(statuses(leg)).toEqual(['started', 'failed']);
    const call = sim.calls().find((c) => c.id === uuid);
    expect(call?.forwards).toEqual([{ id: leg[0]?.uuid, to: '+12', status: 'failed' }]);
    expect(call?.spoken).toEqual(['That did not work.']);
  });

  it('ends the call, forward leg cancelled, when the caller hangs up while the forward rings', async () => {
    const { app, sim, ended } = await setup(
      { action: 'forward', to: AGENT, ringS: 20, message: MESSAGE },
      { hangUpWhileForwardRingsRate: 1 },
    );
    const call = await ended(sim.ringApp());
    expect(call.forwards).toEqual([{ id: expect.any(String), to: AGENT, status: 'canceled' }]);
    expect(call.recordings).toEqual([]);
    await vi.waitFor(() => expect(app.updates.at(-1)?.status).toBe('canceled'), WAIT);
    expect(statuses(app.callerEvents()).at(-1)).toBe('completed');
  });

  it('ends the call at once on the empty NCCO of a rejecting app', async () => {
    const { app, sim, ended } = await setup({ action: 'reject', reason: 'busy' });
    const call = await ended(sim.ringApp());
    expect(app.updates.map((u) => u.status)).toEqual(['ringing', 'busy']);
    expect(statuses(app.callerEvents())).toEqual(['started', 'ringing', 'answered', 'completed']);
    expect(call).toMatchObject({ status: 'completed', spoken: [], forwards: [], recordings: [] });
    expect(app.to('/answer')).toHaveLength(1);
  });

  it('ends a call cancelled, playing nothing, when the caller hangs up while it rings', async () => {
    const { app, sim, ended } = await setup(
      { action: 'voicemail', message: MESSAGE },
      { hangUpWhileRingingRate: 1 },
    );
    const call = await ended(sim.ringApp());
    expect(statuses(app.callerEvents())).toEqual(['started', 'ringing', 'cancelled']);
    expect(call).toMatchObject({ status: 'cancelled', outcome: 'no-answer', spoken: [] });
    const update = inboundUpdateOf(parseVonageEvent(JSON.stringify(app.callerEvents().at(-1)))!);
    expect(update?.status).toBe('canceled');
  });

  it.each([
    ['/broken', 500, 'answer_url_failed'],
    ['/not-json', 200, 'invalid_ncco'],
  ] as const)(
    'fails the call when the answer URL %s answers no NCCO',
    async (path, httpStatus, code) => {
      const { app, sim, events, ended } = await setup({ action: 'voicemail', message: MESSAGE });
      const url = `${app.url}${path}`;
      const call = await ended(sim.ringApp({ url }));
      expect(call).toMatchObject({ status: 'failed', outcome: 'failed', spoken: [] });
      expect(statuses(app.callerEvents())).toEqual(['started', 'ringing', 'failed']);
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'rejected', method: 'GET', path: url, httpStatus, code }),
      );
    },
  );

  it.each([
    [[{ action: 'talk' }], '0.text'],
    [{ action: 'talk', text: 'hi' }, '(NCCO)'],
    [[{ action: 'record', timeOut: 1 }], '0.timeOut'],
    [[{ action: 'connect', endpoint: [] }], '0.endpoint'],
    [[{ action: 'dance' }], '0.action'],
  ])('fails the call on an NCCO Vonage would not run: %j', async (ncco, where) => {
    const { app, sim, events, ended } = await setup({ action: 'voicemail', message: MESSAGE });
    app.fixed(ncco as unknown[]);
    const call = await ended(sim.ringApp({ url: `${app.url}/fixed` }));
    expect(call).toMatchObject({ status: 'failed', spoken: [] });
    expect(statuses(app.callerEvents())).toEqual(['started', 'ringing', 'failed']);
    const rejected = events.find((e) => e.type === 'rejected');
    expect(rejected).toMatchObject({ code: 'invalid_ncco', httpStatus: 200 });
    expect((rejected as { message: string }).message).toContain(where);
  });

  it('hangs up an inbound call through the official client’s hangupCall', async () => {
    const { app, sim, ended } = await setup(
      { action: 'forward', to: AGENT, ringS: 20, message: MESSAGE },
      { forwardOutcomes: { completed: 1 } },
    );
    await sim.close();
    const long = await startCallApiSimulator({
      flavour: 'vonage',
      stepMs: 5,
      talkMs: 60_000,
      seed: 7,
      inbound: {
        url: `${app.url}/answer`,
        eventUrl: `${app.url}/event`,
        hangUpWhileRingingRate: 0,
        hangUpWhileForwardRingsRate: 0,
        forwardOutcomes: { completed: 1 },
      },
    });
    open.push(long);
    void ended;
    const uuid = long.ringApp();
    await vi.waitFor(() => expect(app.updates.at(-1)?.status).toBe('answered'), WAIT);
    const voice = new Voice(new Auth({ applicationId, privateKey }), { apiHost: long.url });
    const detail = await voice.getCall(uuid);
    expect(detail).toMatchObject({ uuid, direction: 'inbound', status: 'answered' });
    await voice.hangupCall(uuid);
    await vi.waitFor(() => expect(app.callerEvents().at(-1)?.status).toBe('completed'), WAIT);
    const call = long.calls().find((c) => c.id === uuid);
    expect(call?.forwards).toEqual([
      { id: expect.any(String), to: AGENT, status: 'completed', durationS: expect.any(Number) },
    ]);
  });

  it('rings on POST /_sim/inbound and by itself every inbound.everyMs', async () => {
    const { app, sim } = await setup({ action: 'reject', reason: 'busy' }, { everyMs: 20 });
    const response = await fetch(`${sim.url}/_sim/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+14155550123' }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    await vi.waitFor(() => {
      const rung = new Set(app.to('/answer').map((r) => r.query.uuid));
      expect(rung.has(id)).toBe(true);
      expect(rung.size).toBeGreaterThan(2);
    }, WAIT);
    const ours = app.to('/answer').find((r) => r.query.uuid === id);
    expect(ours?.query.from).toBe('14155550123');
  });

  it('refuses bad ring options with an InvalidOptionsError', async () => {
    const { sim } = await setup({ action: 'reject', reason: 'busy' });
    for (const options of [
      { eventUrl: 'not a url' },
      { url: 'ftp://example.com/answer' },
      { from: '555' },
      { statusCallbackUrl: 'http://127.0.0.1:1/status' },
    ]) {
      let caught: unknown;
      try {
        sim.ringApp(options);
      } catch (error) {
        caught = error;
      }
      expect(isInvalidOptionsError(caught), JSON.stringify(options)).toBe(true);
    }
    const bare = await startCallApiSimulator({ flavour: 'vonage' });
    open.push(bare);
    expect(() => bare.ringApp()).toThrow(/url/);
  });

  it('takes eventUrl for the vonage flavour only', async () => {
    for (const options of [
      { flavour: 'twilio' as const, inbound: { eventUrl: 'http://127.0.0.1:1/event' } },
      { flavour: 'vonage' as const, inbound: { statusCallbackUrl: 'http://127.0.0.1:1/status' } },
    ]) {
      await expect(startCallApiSimulator(options)).rejects.toSatisfy(isInvalidOptionsError);
    }
    const twilio = await startCallApiSimulator({ flavour: 'twilio' });
    open.push(twilio);
    expect(() =>
      twilio.ringApp({ url: 'http://127.0.0.1:1/voice', eventUrl: 'http://127.0.0.1:1/event' }),
    ).toThrow(/eventUrl applies to the vonage flavour only/);
  });

  it('leaves the polling and webhook flavours ringing no app', async () => {
    const webhook = await startCallApiSimulator({ flavour: 'webhook' });
    open.push(webhook);
    let caught: unknown;
    try {
      webhook.ringApp({ url: 'http://127.0.0.1:1/answer' });
    } catch (error) {
      caught = error;
    }
    expect(isUnsupportedOperationError(caught)).toBe(true);
    expect((caught as Error).message).toContain("Telnyx's and Vonage's");
  });

  it('rings from ringkit-sim --vonage-port with the --inbound-… options', async () => {
    const app = await startApp({ action: 'voicemail', message: MESSAGE });
    open.push(app);
    let text = '';
    const controller = new AbortController();
    const argv = [
      ...['--polling-port', '0', '--webhook-port', '0', '--vonage-port', '0', '--step-ms', '5'],
      ...['--inbound-url', `${app.url}/answer`, '--inbound-event-url', `${app.url}/event`],
      ...['--inbound-from', CALLER, '--inbound-hang-up-rate', '0', '--quiet'],
    ];
    const exit = runSimulatorCli(argv, {
      stdout: { write: (chunk: string) => void (text += chunk) },
      stderr: { write: () => undefined },
      signal: controller.signal,
    });
    try {
      await vi.waitFor(() => expect(text).toContain('press Ctrl+C'), WAIT);
      const url = /vonage \(.*?\) listening on (\S+)/.exec(text)?.[1] ?? '';
      expect(text).toContain(`inbound calls ring ${app.url}/answer; POST ${url}/_sim/inbound`);
      const rung = await fetch(`${url}/_sim/inbound`, { method: 'POST' });
      const { id } = (await rung.json()) as { id: string };
      await vi.waitFor(() => expect(app.callerEvents().at(-1)?.status).toBe('completed'), WAIT);
      expect(app.callerEvents().every((event) => event.uuid === id)).toBe(true);
      expect(app.to('/answer')[0]?.query).toMatchObject({ uuid: id, from: CALLER.slice(1) });
      expect(app.received.every((r) => r.valid)).toBe(true);
    } finally {
      controller.abort();
      expect(await exit).toBe(0);
    }
  });

  it('doubles the caller’s leg’s events with duplicateWebhookRate, the same body and token', async () => {
    const { app, sim, ended } = await setup({ action: 'voicemail', message: MESSAGE });
    await sim.close();
    const doubled = await startCallApiSimulator({
      flavour: 'vonage',
      stepMs: 5,
      seed: 7,
      duplicateWebhookRate: 1,
      inbound: {
        url: `${app.url}/answer`,
        eventUrl: `${app.url}/event`,
        hangUpWhileRingingRate: 0,
        voicemailRate: 0,
      },
    });
    open.push(doubled);
    void ended;
    doubled.ringApp();
    await vi.waitFor(() => expect(app.callerEvents()).toHaveLength(8), WAIT);
    const sent = app.to('/event');
    expect(statuses(app.callerEvents())).toEqual([
      ...['started', 'started', 'ringing', 'ringing'],
      ...['answered', 'answered', 'completed', 'completed'],
    ]);
    for (let i = 0; i < sent.length; i += 2) expect(sent[i + 1]?.body).toBe(sent[i]?.body);
    expect(app.received.every((r) => r.valid)).toBe(true);
  });

  it('plays the same call through the MSW mock as over HTTP for the same seed', async () => {
    const mswServer = setupServer(http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()));
    mswServer.listen({ onUnhandledFrame: 'error' });
    try {
      const run = async (transport: 'http' | 'msw') => {
        const app = await startApp({ action: 'forward', to: AGENT, ringS: 20, message: MESSAGE });
        open.push(app);
        const knobs = {
          flavour: 'vonage' as const,
          stepMs: 5,
          seed: 11,
          inbound: {
            url: `${app.url}/answer`,
            eventUrl: `${app.url}/event`,
            from: CALLER,
            hangUpWhileRingingRate: 0,
            hangUpWhileForwardRingsRate: 0,
            voicemailRate: 1,
            forwardOutcomes: { busy: 1 },
          },
        };
        let base: string;
        let ringApp: () => string;
        let calls: () => Array<{ id: string }>;
        if (transport === 'http') {
          const sim = await startCallApiSimulator(knobs);
          open.push(sim);
          ({ url: base } = sim);
          ringApp = () => sim.ringApp();
          calls = () => sim.calls();
        } else {
          const mock = createCallApiMock(knobs);
          mswServer.use(...mock.handlers);
          open.push({ close: async () => mock.close() });
          base = mock.baseUrl;
          ringApp = () => mock.ringApp();
          calls = () => mock.calls();
        }
        const uuid = ringApp();
        await vi.waitFor(() => expect(app.callerEvents().at(-1)?.status).toBe('completed'), WAIT);
        const call = calls().find((c) => c.id === uuid) as Record<string, unknown>;
        const recording = (call.recordings as Array<{ url: string }>)[0]?.url ?? '';
        expect(recording.startsWith(`${base}/v1/files/`)).toBe(true);
        const audio = await fetch(recording);
        expect(audio.headers.get('content-type')).toBe('audio/mpeg');
        expect(app.received.every((r) => r.valid)).toBe(true);
        const { createdAt: _createdAt, ...rest } = call;
        return {
          call: JSON.parse(
            JSON.stringify(rest).replaceAll(base, '<sim>').replaceAll(app.url, '<app>'),
          ) as unknown,
          requests: app.received.map((r) => [r.method, r.path, r.query.step ?? '']),
        };
      };
      const overHttp = await run('http');
      const overMsw = await run('msw');
      expect(overMsw).toEqual(overHttp);
      expect(overHttp.requests.length).toBeGreaterThan(8);
    } finally {
      mswServer.close();
    }
  });
});
