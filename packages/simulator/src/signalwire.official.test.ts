/**
 * The SignalWire flavour driven by the official `@signalwire/compatibility-api` (3.x): its
 * `RestClient` creates, fetches, lists, hangs up, cancels and deletes calls; its
 * `validateRequest` accepts every status callback and voice request the simulator signs with the
 * project's signing key, and refuses them under any other key.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { officialClientOf, RestClient, startVerifyingReceiver } from './_signalwire-official.js';
import {
  SIGNALWIRE_TEST_CREDENTIALS,
  startCallApiSimulator,
  TWILIO_TEST_CREDENTIALS,
  type SimulatorOptions,
} from './index.js';

const { projectId, apiToken, signingKey } = SIGNALWIRE_TEST_CREDENTIALS;
const FROM = '+15005550006';
const TO = '+14155552671';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WAIT = { timeout: 5000, interval: 5 };
const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setup(options: Omit<SimulatorOptions, 'flavour'> = {}) {
  const sim = await startCallApiSimulator({
    flavour: 'signalwire',
    stepMs: 5,
    callsPerSecond: 1000,
    ...options,
  });
  open.push(sim);
  const hooks = await startVerifyingReceiver();
  open.push(hooks);
  return { sim, hooks, client: officialClientOf(sim.url) };
}

const laml = (say: string) => {
  const response = new RestClient.LaML.VoiceResponse();
  response.say(say);
  return response.toString();
};

describe('the official SignalWire client against the SignalWire flavour', () => {
  it('creates a call and reads it back as SignalWire names it: a UUID under the project, URIs under /api/laml', async () => {
    const { sim, client } = await setup({ ringMs: 60_000 });
    const call = await client.calls.create({
      to: TO,
      from: FROM,
      url: 'https://app.example/voice',
      statusCallback: 'https://app.example/status',
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      machineDetection: 'Enable',
    });
    expect(call.sid).toMatch(UUID);
    expect(call).toMatchObject({
      accountSid: projectId,
      to: TO,
      from: FROM,
      status: 'queued',
      direction: 'outbound-api',
      apiVersion: '2010-04-01',
      uri: `/api/laml/2010-04-01/Accounts/${projectId}/Calls/${call.sid}.json`,
    });
    const [simulated] = sim.calls();
    expect(simulated).toMatchObject({ id: call.sid, flavour: 'signalwire', phone: TO, from: FROM });
    expect(simulated?.createParams).toMatchObject({
      To: [TO],
      From: [FROM],
      Url: ['https://app.example/voice'],
      MachineDetection: ['Enable'],
      StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });

    await vi.waitFor(async () => {
      expect((await client.calls(call.sid).fetch()).status).toBe('ringing');
    }, WAIT);
  });

  it('fetches a call until it completes, with its times and duration', async () => {
    const { client } = await setup({ talkMs: 1200 });
    const { sid } = await client.calls.create({ to: TO, from: FROM, twiml: laml('Hello') });
    await vi.waitFor(
      async () => expect((await client.calls(sid).fetch()).status).toBe('completed'),
      WAIT,
    );
    const done = await client.calls(sid).fetch();
    // Whole seconds rounded up from the answer: at least the 1.2 s talked, at most the whole
    // seconds from the start (the times are told to the second) and one more. How much longer
    // than 1.2 s the call lasted is up to the machine's timers.
    expect(done.duration).toMatch(/^\d+$/);
    expect(Number(done.duration)).toBeGreaterThanOrEqual(2);
    expect(done.startTime).toBeInstanceOf(Date);
    expect(done.endTime.getTime()).toBeGreaterThanOrEqual(done.startTime.getTime());
    const toldS = (done.endTime.getTime() - done.startTime.getTime()) / 1000;
    expect(Number(done.duration)).toBeLessThanOrEqual(toldS + 1);
  });

  it('lists calls newest first, following next_page_uri under /api/laml page by page', async () => {
    const { client } = await setup({ ringMs: 60_000 });
    const sids: string[] = [];
    for (const to of [TO, '+14155550100', TO, TO]) {
      sids.push((await client.calls.create({ to, from: FROM, url: 'https://app.example/v' })).sid);
    }
    const listed = await client.calls.list({ to: TO, pageSize: 2 });
    expect(listed.map((call) => call.sid)).toEqual([sids[3], sids[2], sids[0]]);

    const first = await client.calls.page({ to: TO, pageSize: 2 });
    expect(first.nextPageUrl).toMatch(
      new RegExp(`/api/laml/2010-04-01/Accounts/${projectId}/Calls\\.json\\?To=`),
    );
    const second = await first.nextPage();
    expect(second?.instances.map((call) => call.sid)).toEqual([sids[0]]);
  });

  it('cancels a call that rings and hangs up one that was answered, each then deleted', async () => {
    const ringing = await setup({ ringMs: 60_000 });
    const { sid } = await ringing.client.calls.create({
      to: TO,
      from: FROM,
      url: 'https://a.example/v',
    });
    await vi.waitFor(
      async () => expect((await ringing.client.calls(sid).fetch()).status).toBe('ringing'),
      WAIT,
    );
    const canceled = await ringing.client.calls(sid).update({ status: 'canceled' });
    expect(canceled.status).toBe('canceled');

    const talking = await setup({ ringMs: 5, talkMs: 60_000 });
    const answered = await talking.client.calls.create({
      to: TO,
      from: FROM,
      url: 'https://a.example/v',
    });
    await vi.waitFor(async () => {
      expect((await talking.client.calls(answered.sid).fetch()).status).toBe('in-progress');
    }, WAIT);
    const ended = await talking.client.calls(answered.sid).update({ status: 'completed' });
    expect(ended.status).toBe('completed');

    expect(await talking.client.calls(answered.sid).remove()).toBe(true);
    const gone = await talking.client
      .calls(answered.sid)
      .fetch()
      .catch((e: unknown) => e);
    expect(gone).toMatchObject({ status: 404, code: 20404 });
  });

  it('answers a wrong API token with 401 and an unknown call with 404, as RestExceptions', async () => {
    const { sim, client } = await setup();
    const intruder = officialClientOf(sim.url, { projectId, apiToken: `${apiToken}x` });
    const refused = await intruder.calls
      .create({ to: TO, from: FROM, url: 'https://a.example/v' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 401, code: 20003 });
    const unknown = await client
      .calls('0f0e0d0c-0b0a-4908-8706-050403020100')
      .fetch()
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ status: 404, code: 20404 });
    expect(sim.calls()).toEqual([]);
  });
});

describe('status callbacks of the SignalWire flavour, checked by the official validateRequest', () => {
  it('signs each one with the signing key in X-SignalWire-Signature, saying answered where Twilio says in-progress', async () => {
    const { hooks, client } = await setup();
    const { sid } = await client.calls.create({
      to: TO,
      from: FROM,
      url: 'https://app.example/voice',
      statusCallback: `${hooks.url}/status?app=7`,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    await vi.waitFor(() => expect(hooks.statusesOf(sid)).toContain('completed'), WAIT);
    expect(hooks.statusesOf(sid)).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    for (const request of hooks.received) {
      expect(request.valid).toBe(true);
      expect(request.headers['x-signalwire-signature']).toMatch(/^[A-Za-z0-9+/]{27}=$/);
      expect(request.headers).not.toHaveProperty('x-twilio-signature');
      expect(request.params).toMatchObject({ AccountSid: projectId, CallSid: sid, To: TO });
      const signature = String(request.headers['x-signalwire-signature']);
      expect(RestClient.validateRequest(signingKey, signature, request.url, request.params)).toBe(
        true,
      );
      for (const otherKey of [`${signingKey}x`, apiToken, TWILIO_TEST_CREDENTIALS.authToken]) {
        expect(RestClient.validateRequest(otherKey, signature, request.url, request.params)).toBe(
          false,
        );
      }
      const spoilt = { ...request.params, CallStatus: 'busy' };
      expect(RestClient.validateRequest(signingKey, signature, request.url, spoilt)).toBe(false);
    }
  });

  it('signs a GET callback over its whole URL, the parameters in its query', async () => {
    const { hooks, client } = await setup();
    const { sid } = await client.calls.create({
      to: TO,
      from: FROM,
      url: 'https://app.example/voice',
      statusCallback: `${hooks.url}/status`,
      statusCallbackMethod: 'GET',
    });
    await vi.waitFor(() => expect(hooks.statusesOf(sid)).toEqual(['completed']), WAIT);
    const [request] = hooks.received;
    expect(request).toMatchObject({ method: 'GET', valid: true });
    expect(request?.headers).not.toHaveProperty('x-twilio-signature');
    expect(request?.params).toMatchObject({ CallStatus: 'completed', AccountSid: projectId });
    const signature = String(request?.headers['x-signalwire-signature']);
    expect(RestClient.validateRequest(`${signingKey}x`, signature, request?.url ?? '', {})).toBe(
      false,
    );
  });

  it('reads in-progress from the resource while the callback said answered', async () => {
    const { hooks, client } = await setup({ ringMs: 5, talkMs: 60_000 });
    const { sid } = await client.calls.create({
      to: TO,
      from: FROM,
      url: 'https://app.example/voice',
      statusCallback: `${hooks.url}/status`,
      statusCallbackEvent: ['answered'],
    });
    await vi.waitFor(() => expect(hooks.statusesOf(sid)).toEqual(['answered']), WAIT);
    expect((await client.calls(sid).fetch()).status).toBe('in-progress');
    expect((await client.calls.list({ status: 'in-progress' })).map((c) => c.sid)).toEqual([sid]);
  });

  it('signs with the signing key the options give, which the official validator then needs', async () => {
    const project = {
      projectId: '9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
      apiToken: 'PTsecond',
      signingKey: 'PSK_second',
    };
    const sim = await startCallApiSimulator({
      flavour: 'signalwire',
      stepMs: 5,
      callsPerSecond: 1000,
      signalwire: project,
    });
    open.push(sim);
    const hooks = await startVerifyingReceiver(() => 204, project.signingKey);
    open.push(hooks);
    const client = officialClientOf(sim.url, project);
    const { sid, accountSid } = await client.calls.create({
      to: TO,
      from: FROM,
      url: 'https://app.example/voice',
      statusCallback: `${hooks.url}/status`,
    });
    expect(accountSid).toBe(project.projectId);
    await vi.waitFor(() => expect(hooks.statusesOf(sid)).toEqual(['completed']), WAIT);
    const [request] = hooks.received;
    const signature = String(request?.headers['x-signalwire-signature']);
    expect(
      RestClient.validateRequest(signingKey, signature, request?.url ?? '', request?.params ?? {}),
    ).toBe(false);
    const old = await officialClientOf(sim.url)
      .calls(sid)
      .fetch()
      .catch((e: unknown) => e);
    expect(old).toMatchObject({ status: 401 });
  });
});

describe('inbound calls of the SignalWire flavour', () => {
  it('rings the app with a voice request the official validateRequest accepts, and plays its LaML', async () => {
    const { sim, client } = await setup({ inbound: { hangUpWhileRingingRate: 0 } });
    const app = await startVerifyingReceiver((request) =>
      request.url.endsWith('/voice') ? laml('Thanks for calling') : 204,
    );
    open.push(app);
    const sid = sim.ringApp({
      url: `${app.url}/voice`,
      statusCallbackUrl: `${app.url}/status`,
      from: TO,
      to: FROM,
    });
    expect(sid).toMatch(UUID);
    await vi.waitFor(() => expect(app.statusesOf(sid)).toEqual(['ringing', 'completed']), WAIT);
    for (const request of app.received) {
      expect(request.valid).toBe(true);
      expect(request.headers).toHaveProperty('x-signalwire-signature');
      expect(request.headers).not.toHaveProperty('x-twilio-signature');
    }
    expect(app.received[0]?.params).toMatchObject({
      AccountSid: projectId,
      CallSid: sid,
      Direction: 'inbound',
      From: TO,
      To: FROM,
    });
    expect(sim.calls()).toMatchObject([
      { id: sid, direction: 'inbound', spoken: ['Thanks for calling'], status: 'completed' },
    ]);
    const [listed] = await client.calls.list({ from: TO });
    expect(listed).toMatchObject({ sid, direction: 'inbound', status: 'completed' });
  });
});
