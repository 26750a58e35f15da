/**
 * The Telnyx flavour's callee hears what the app says once the call is answered: the talk time
 * starts once the app has answered `call.answered`, so a `speak` sent while answering it always
 * finds the call up, however short the steps and however slow the app.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import {
  createExpressTelnyxWebhookHandler,
  createTelnyxClient,
  type TelnyxStatusEvent,
} from '@ringkit/call-client/telnyx';
import { afterEach, describe, expect, it } from 'vitest';
import { startCallApiSimulator, TELNYX_TEST_CREDENTIALS } from './index.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('the Telnyx flavour, once a call is answered', () => {
  it("keeps it up until the app has answered the webhook: the app's speak is always heard", async () => {
    const sim = await startCallApiSimulator({ flavour: 'telnyx', port: 0, stepMs: 1, seed: 7 });
    cleanups.push(() => sim.close());
    const app = express();
    const server = app.listen(0, '127.0.0.1');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const telnyx = createTelnyxClient({
      ...TELNYX_TEST_CREDENTIALS,
      from: '+14155550100',
      baseUrl: sim.url,
      webhookUrl: `http://127.0.0.1:${port}/webhooks/telnyx`,
    });
    const ends = new Map<string, (event: TelnyxStatusEvent) => void>();
    app.post(
      '/webhooks/telnyx',
      createExpressTelnyxWebhookHandler({
        publicKey: sim.publicKey!,
        // A slow app: 50 steps pass before it speaks.
        client: {
          actOnWebhook: async (body) => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            return telnyx.actOnWebhook(body);
          },
        },
        onEvent: (event) => {
          if (event.eventType === 'call.hangup') ends.get(event.callId)?.(event);
        },
      }),
    );
    const said: string[] = [];
    for (let n = 0; n < 5; n += 1) {
      const text = `Reminder number ${n}.`;
      said.push(text);
      const call = await telnyx.placeCall({ to: '+14155552671', say: text });
      const ended = new Promise<TelnyxStatusEvent>((resolve) => ends.set(call.id, resolve));
      const end = await ended;
      expect(end.status).toBe('completed');
    }
    expect(sim.calls().map((call) => call.spoken)).toEqual(said.map((text) => [text]));
  }, 60_000);
});
