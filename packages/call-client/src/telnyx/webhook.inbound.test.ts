import { randomBytes } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTelnyxCommandRecorder,
  createTelnyxSigner,
  event,
  publicKeyBase64,
  sign,
  type TelnyxSigner,
} from '../../test/telnyx-fixtures.js';
import { isInvalidOptionsError, isInvalidPhoneNumberError } from '../errors/errors.js';
import type { InboundCallUpdate, InboundPolicy } from '../inbound/inbound.js';
import type { TelnyxStatusEvent } from './event.js';
import {
  createTelnyxClient,
  createTelnyxWebhookHandler,
  type TelnyxWebhookHandlerOptions,
} from './index.js';
import { encodeClientState } from './_state.js';

const BASE = 'https://api.telnyx.test';
const CALLER = 'v3:caller-leg';
const FORWARD = 'v3:forward-leg';
const numbers = { from: '+14155552671', to: '+14155550100' };
const VOICEMAIL: InboundPolicy = { action: 'voicemail', message: 'Please leave a message.' };

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const client = (inbound?: InboundPolicy) =>
  createTelnyxClient({
    apiKey: 'KEY',
    connectionId: 'conn-1',
    from: '+14155550100',
    baseUrl: BASE,
    retry: { limit: 1, baseDelayMs: 0 },
    ...(inbound && { inbound }),
  });

function setup(
  inbound: InboundPolicy | null = VOICEMAIL,
  options: Partial<TelnyxWebhookHandlerOptions> = {},
  signer: Pick<TelnyxSigner, 'publicKeyBase64'> = { publicKeyBase64 },
) {
  const telnyx = createTelnyxCommandRecorder(BASE, FORWARD);
  server.use(telnyx.handler);
  const updates: InboundCallUpdate[] = [];
  const events: TelnyxStatusEvent[] = [];
  const handle = createTelnyxWebhookHandler({
    publicKey: signer.publicKeyBase64,
    client: client(inbound ?? undefined),
    onEvent: (e) => void events.push(e),
    onInbound: (u) => void updates.push(u),
    ...options,
  });
  return { ...telnyx, handle, updates, events };
}

const incoming = (payload: Record<string, unknown> = {}) =>
  event('call.initiated', {
    call_control_id: CALLER,
    ...numbers,
    direction: 'incoming',
    state: 'parked',
    ...payload,
  });
const signed = (body: unknown, signer: Pick<TelnyxSigner, 'sign'> = { sign }) => {
  const rawBody = JSON.stringify(body);
  return { rawBody, headers: signer.sign(rawBody) };
};

describe('createTelnyxWebhookHandler with onInbound', () => {
  it('refuses a forged, tampered, stale or unsigned call with 403, and sends Telnyx nothing', async () => {
    const h = setup({ action: 'forward', to: '+14155550123', ringS: 20, message: 'Hi' });
    const rawBody = JSON.stringify(incoming());
    const forger = createTelnyxSigner();
    for (const request of [
      { rawBody, headers: forger.sign(rawBody) },
      { rawBody: rawBody.replace(CALLER, 'v3:other'), headers: sign(rawBody) },
      { rawBody, headers: sign(rawBody, Math.floor(Date.now() / 1000) - 301) },
      { rawBody, headers: {} },
    ])
      expect((await h.handle(request)).status).toBe(403);
    expect(h.sent).toEqual([]);
    expect(h.others).toEqual([]);
    expect(h.updates).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('accepts exactly what the official TelnyxWebhook.verify accepts for a call signed with a key of its own', async () => {
    const signer = createTelnyxSigner(randomBytes(32));
    const official = new TelnyxWebhook(signer.publicKeyBase64);
    const h = setup(VOICEMAIL, {}, signer);
    const genuine = signed(incoming(), signer);
    await expect(official.verify(genuine.rawBody, genuine.headers)).resolves.toBeUndefined();
    expect(await h.handle(genuine)).toEqual({ status: 204 });
    const forged = signed(incoming({ call_control_id: 'v3:forged' }), createTelnyxSigner());
    await expect(official.verify(forged.rawBody, forged.headers)).rejects.toThrow();
    expect((await h.handle(forged)).status).toBe(403);
    expect(h.sent.map((c) => `${c.callId} ${c.action}`)).toEqual([`${CALLER} answer`]);
    expect(h.updates).toMatchObject([{ callId: CALLER, status: 'ringing' }]);
  });

  it('leaves calls it did not place and that are not inbound to onEvent, as before', async () => {
    const h = setup();
    const say = encodeClientState({ placementId: 'pl-1', say: 'Your table is ready.' });
    const dialled = { call_control_id: 'v3:dialled', direction: 'outgoing', client_state: say };
    for (const body of [
      event('call.initiated', dialled),
      event('call.answered', dialled),
      event('call.hangup', { ...dialled, hangup_cause: 'normal_clearing' }),
      event('call.hangup', { call_control_id: 'v3:another-app', hangup_cause: 'user_busy' }),
    ])
      expect(await h.handle(signed(body))).toEqual({ status: 204 });
    expect(h.events.map((e) => [e.callId, e.status])).toEqual([
      ['v3:dialled', 'initiated'],
      ['v3:dialled', 'answered'],
      ['v3:dialled', 'completed'],
      ['v3:another-app', 'busy'],
    ]);
    expect(h.sent).toEqual([
      {
        method: 'POST',
        callId: 'v3:dialled',
        action: 'speak',
        body: {
          payload: 'Your table is ready.',
          payload_type: 'text',
          voice: 'female',
          language: 'en-US',
          command_id: 'speak-pl-1',
        },
      },
    ]);
    expect(h.updates).toEqual([]);
  });

  it('hands an incoming call to onEvent, as before, when onInbound is not given', async () => {
    const h = setup(VOICEMAIL, { onInbound: undefined });
    expect(await h.handle(signed(incoming()))).toEqual({ status: 204 });
    expect(h.events).toMatchObject([
      { callId: CALLER, status: 'initiated', direction: 'incoming' },
    ]);
    expect(h.sent.map((c) => c.action)).toEqual(['answer']);
  });

  it('reports a call ringing without answering it when the client has no inbound policy', async () => {
    const h = setup(null);
    expect(await h.handle(signed(incoming()))).toEqual({ status: 204 });
    expect(h.updates).toMatchObject([{ callId: CALLER, status: 'ringing', ...numbers }]);
    expect(h.sent).toEqual([]);
  });

  it('does not answer a call Telnyx is already bridging', async () => {
    const h = setup();
    await h.handle(signed(incoming({ state: 'bridging' })));
    expect(h.sent).toEqual([]);
    expect(h.updates).toMatchObject([{ status: 'ringing' }]);
  });

  it('reports a call that ended before it could be answered, and answers 204', async () => {
    const h = setup();
    server.use(
      http.post(`${BASE}/v2/calls/:id/actions/answer`, () =>
        HttpResponse.json(
          { errors: [{ code: '90018', title: 'Call has already ended' }] },
          { status: 422 },
        ),
      ),
    );
    expect(await h.handle(signed(incoming()))).toEqual({ status: 204 });
    expect(h.updates).toMatchObject([{ status: 'ringing' }]);
  });

  it('answers 500 when an answer fails, reporting nothing until Telnyx sends it again', async () => {
    const h = setup();
    let failures = 2;
    server.use(
      http.post(`${BASE}/v2/calls/:id/actions/answer`, () => {
        if (failures === 0) return undefined;
        failures -= 1;
        return HttpResponse.json(
          { errors: [{ code: '10007', title: 'Unexpected' }] },
          { status: 500 },
        );
      }),
    );
    const webhook = signed(incoming());
    expect((await h.handle(webhook)).status).toBe(500);
    expect(h.updates).toEqual([]);
    expect(await h.handle(webhook)).toEqual({ status: 204 });
    expect(h.updates).toMatchObject([{ status: 'ringing' }]);
    expect(h.sent.map((c) => c.body.command_id)).toEqual([`answer-${CALLER}`]);
  });

  it('refuses an onInbound that is not a function', () => {
    const error = (() => {
      try {
        setup(VOICEMAIL, { onInbound: 'x' as never });
      } catch (e) {
        return e;
      }
    })();
    expect(isInvalidOptionsError(error)).toBe(true);
  });
});

describe('createTelnyxClient with inbound', () => {
  it('refuses a policy that is not one, naming it, before any request', () => {
    for (const inbound of [
      { action: 'voicemail', message: '' },
      // Nothing a caller would hear: the same check as a call's `say`.
      { action: 'voicemail', message: '\u200b\u2060\ufeff' },
      { action: 'forward', to: '+14155550123', ringS: 20, message: ' \u00ad ' },
      { action: 'forward', to: '+14155550123', ringS: 4, message: 'Hi' },
      { action: 'reject', reason: 'maybe' },
      { action: 'queue' },
    ]) {
      const error = (() => {
        try {
          client(inbound as InboundPolicy);
        } catch (e) {
          return e;
        }
      })();
      expect(isInvalidOptionsError(error), JSON.stringify(inbound)).toBe(true);
      expect(String(error)).toContain('inbound');
    }
    const badNumber = (() => {
      try {
        client({ action: 'forward', to: '12', ringS: 20, message: 'Hi' });
      } catch (e) {
        return e;
      }
    })();
    expect(isInvalidPhoneNumberError(badNumber)).toBe(true);
  });

  it('forwards to a SIP URI as it is written', async () => {
    const h = setup({
      action: 'forward',
      to: 'sip:desk@example.sip.telnyx.com',
      ringS: 15,
      message: 'Hi',
    });
    await h.handle(signed(incoming()));
    expect(h.sent[0]).toMatchObject({
      action: 'transfer',
      body: { to: 'sip:desk@example.sip.telnyx.com', timeout_secs: 15 },
    });
  });

  it("hands the hang-up of a caller gone before the app's first command to onInbound, given appNumbers", async () => {
    const hangup = () =>
      event('call.hangup', {
        call_control_id: CALLER,
        ...numbers,
        hangup_cause: 'originator_cancel',
      });
    const told = setup(VOICEMAIL, { appNumbers: [numbers.to] });
    expect((await told.handle(signed(hangup()))).status).toBe(204);
    expect(told.updates).toMatchObject([
      { callId: CALLER, from: numbers.from, to: numbers.to, status: 'canceled' },
    ]);
    expect(told.events).toEqual([]);
    // Without the app's numbers it reads as a dialled call's end; a dialled call's own state or
    // a hang-up from the app's number never reads as inbound.
    const untold = setup(VOICEMAIL);
    await untold.handle(signed(hangup()));
    expect(untold.updates).toEqual([]);
    expect(untold.events).toHaveLength(1);
    const dialled = setup(VOICEMAIL, { appNumbers: [numbers.to] });
    const state = encodeClientState({ placementId: 'p-1' });
    await dialled.handle(
      signed(event('call.hangup', { call_control_id: CALLER, ...numbers, client_state: state })),
    );
    await dialled.handle(
      signed(event('call.hangup', { call_control_id: CALLER, from: numbers.to, to: numbers.from })),
    );
    expect(dialled.updates).toEqual([]);
    expect(dialled.events).toHaveLength(2);
  });

  it('refuses appNumbers that are not E.164', () => {
    const error = (() => {
      try {
        setup(VOICEMAIL, { appNumbers: ['415 555 0100'] });
      } catch (e) {
        return e;
      }
    })();
    expect(isInvalidOptionsError(error)).toBe(true);
  });
});
