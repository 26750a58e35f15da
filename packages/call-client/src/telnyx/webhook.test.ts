import { describe, expect, it } from 'vitest';
import { createTelnyxSigner, event, publicKeyBase64, sign } from '../../test/telnyx-fixtures.js';
import { isInvalidOptionsError } from '../errors/errors.js';
import { createFakeClock } from '../testing/fake-clock.js';
import type { TelnyxStatusEvent } from './event.js';
import { createTelnyxWebhookHandler, type TelnyxWebhookHandlerOptions } from './webhook.js';

const answered = event('call.answered', { call_control_id: 'v3:one', direction: 'outgoing' });

function handler(overrides: Partial<TelnyxWebhookHandlerOptions> = {}) {
  const events: TelnyxStatusEvent[] = [];
  const acted: unknown[] = [];
  const errors: unknown[] = [];
  const handle = createTelnyxWebhookHandler({
    publicKey: publicKeyBase64,
    onEvent: (e) => void events.push(e),
    client: { actOnWebhook: async (body) => (acted.push(body), null) },
    onError: (e) => void errors.push(e),
    ...overrides,
  });
  return { handle, events, acted, errors };
}

const signed = (body: unknown) => {
  const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
  return { rawBody, headers: sign(rawBody) };
};

describe('createTelnyxWebhookHandler', () => {
  it('hands a genuine status event to the client, then to onEvent, and answers 204', async () => {
    const { handle, events, acted } = handler();
    expect(await handle(signed(answered))).toEqual({ status: 204 });
    expect(events).toMatchObject([{ callId: 'v3:one', status: 'answered', direction: 'outgoing' }]);
    expect(acted).toEqual([answered]);
  });

  it('takes the body as a string, a Buffer or bytes', async () => {
    const { handle, events } = handler();
    const { rawBody, headers } = signed(answered);
    await handle({ rawBody: Buffer.from(rawBody), headers });
    await handle({ rawBody: new Uint8Array(Buffer.from(rawBody)), headers });
    expect(events).toHaveLength(2);
  });

  it('refuses with 403, reading nothing, a webhook signed by another key, tampered, or unsigned', async () => {
    const { handle, events, acted, errors } = handler();
    const other = createTelnyxSigner();
    const rawBody = JSON.stringify(answered);
    for (const request of [
      { rawBody, headers: other.sign(rawBody) },
      { rawBody: rawBody.replace('v3:one', 'v3:two'), headers: sign(rawBody) },
      { rawBody, headers: {} },
      { rawBody, headers: { ...sign(rawBody), 'telnyx-timestamp': '1' } },
    ])
      expect((await handle(request)).status).toBe(403);
    expect(events).toEqual([]);
    expect(acted).toEqual([]);
    expect(errors).toHaveLength(4);
  });

  it('checks the timestamp on the injected clock', async () => {
    const clock = createFakeClock(Date.parse('2026-11-25T10:00:00Z'));
    const { handle } = handler({ clock });
    const rawBody = JSON.stringify(answered);
    const at = Math.floor(clock.now() / 1000);
    expect((await handle({ rawBody, headers: sign(rawBody, at - 300) })).status).toBe(204);
    expect((await handle({ rawBody, headers: sign(rawBody, at - 301) })).status).toBe(403);
  });

  it('answers 400 to a signed body that is not a Telnyx event, handing nothing on', async () => {
    const { handle, events, acted } = handler();
    for (const body of ['not json', '[1]', JSON.stringify({ data: {} })]) {
      const answer = await handle(signed(body));
      expect(answer.status).toBe(400);
      expect(answer.body?.error.code).toBe('invalid_webhook');
    }
    expect(events).toEqual([]);
    expect(acted).toEqual([]);
  });

  it('answers 204 to an event that changes no status, after handing it to the client', async () => {
    const { handle, events, acted } = handler();
    const greeting = event('call.machine.greeting.ended', {
      call_control_id: 'v3:one',
      result: 'ended',
    });
    expect((await handle(signed(greeting))).status).toBe(204);
    expect(events).toEqual([]);
    expect(acted).toEqual([greeting]);
  });

  it('answers 500 when onEvent or the client fails, so Telnyx sends it again', async () => {
    const failing = handler({ onEvent: () => Promise.reject(new Error('store down')) });
    expect((await failing.handle(signed(answered))).status).toBe(500);
    const speaking = handler({
      client: { actOnWebhook: () => Promise.reject(new Error('speak failed')) },
    });
    expect((await speaking.handle(signed(answered))).status).toBe(500);
    expect(speaking.events).toEqual([]);
  });

  it('refuses bad options, a public key that is not 32 bytes of base64 included', () => {
    for (const bad of [
      { publicKey: 'not base64!' },
      { publicKey: Buffer.alloc(31).toString('base64') },
      { onEvent: 'x' },
      { client: {} },
      { toleranceS: -1 },
    ]) {
      const error = (() => {
        try {
          handler(bad as Partial<TelnyxWebhookHandlerOptions>);
        } catch (e) {
          return e;
        }
      })();
      expect(isInvalidOptionsError(error), JSON.stringify(bad)).toBe(true);
    }
  });
});
