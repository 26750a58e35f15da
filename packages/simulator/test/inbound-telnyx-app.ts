import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Telnyx from 'telnyx';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { TELNYX_TEST_CREDENTIALS } from '../src/telnyx-credentials.js';
import type { TelnyxWebhookEvent } from '../src/types.js';

// A local Telnyx Call Control app, as a user would write one: it verifies every webhook with the
// official `TelnyxWebhook`, answers 200 at once, and then sends its commands with the official
// `telnyx` client: voicemail (answer, speak, record), forward (answer, transfer; voicemail when
// nobody picks up), or reject.

/** How the app answers a call to its number. */
export type TelnyxPolicy =
  | { action: 'voicemail' }
  | { action: 'forward'; to: string }
  | { action: 'reject'; cause: 'CALL_REJECTED' | 'USER_BUSY' }
  | { action: 'ignore' };

export const GREETING = 'Sorry we missed you. Leave a message after the beep.';
export const APP_STATE = Buffer.from('inbound-call').toString('base64');
export const LEG_STATE = Buffer.from('forward-leg').toString('base64');

/**
 * Starts the app on a free port; `connect` tells it the simulator's (or the mock's) base URL and
 * the public key its webhooks are verified with.
 */
export async function startTelnyxApp(policy: TelnyxPolicy) {
  let apiUrl = '';
  let publicKey = '';
  const events: TelnyxWebhookEvent[] = [];
  const refused: unknown[] = [];
  const errors: unknown[] = [];
  const incoming = new Set<string>();
  const client = () =>
    new Telnyx({
      apiKey: TELNYX_TEST_CREDENTIALS.apiKey,
      baseURL: `${apiUrl}/v2`,
      maxRetries: 0,
    });

  async function act(event: TelnyxWebhookEvent): Promise<void> {
    const { event_type: type, payload } = event.data;
    const id = String(payload.call_control_id);
    const actions = client().calls.actions;
    const greet = () =>
      actions.speak(id, { payload: GREETING, voice: 'female', language: 'en-US' });
    if (type === 'call.initiated' && payload.direction === 'incoming') {
      incoming.add(id);
      if (policy.action === 'reject') await actions.reject(id, { cause: policy.cause });
      else if (policy.action !== 'ignore') {
        await actions.answer(id, { client_state: APP_STATE, command_id: `answer-${id}` });
      }
    } else if (policy.action === 'ignore') {
      return;
    } else if (type === 'call.answered' && incoming.has(id)) {
      if (policy.action === 'forward') {
        await actions.transfer(id, {
          to: policy.to,
          timeout_secs: 20,
          target_leg_client_state: LEG_STATE,
        });
      } else await greet();
    } else if (type === 'call.speak.ended' && payload.status === 'completed') {
      await actions.startRecording(id, {
        format: 'mp3',
        channels: 'single',
        max_length: 120,
        play_beep: true,
      });
    } else if (
      type === 'call.hangup' &&
      !incoming.has(id) &&
      payload.hangup_cause !== 'normal_clearing'
    ) {
      // The forward was not picked up: the caller (the other leg of the session) gets voicemail.
      const a = events.find(
        (e) =>
          e.data.event_type === 'call.initiated' &&
          e.data.payload.direction === 'incoming' &&
          e.data.payload.call_session_id === payload.call_session_id,
      );
      const aId = String(a?.data.payload.call_control_id);
      await actions.speak(aId, { payload: GREETING, voice: 'female' });
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
      );
      new TelnyxWebhook(publicKey).verify(body, headers).then(
        () => {
          const event = JSON.parse(body) as TelnyxWebhookEvent;
          events.push(event);
          res.writeHead(200).end();
          act(event).catch((error: unknown) => errors.push(error));
        },
        (error: unknown) => {
          refused.push(error);
          res.writeHead(401).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/telnyx`,
    connect(provider: { url: string; publicKey?: string | undefined }) {
      apiUrl = provider.url;
      publicKey = provider.publicKey ?? '';
    },
    events,
    refused,
    errors,
    /** The event types of one call (leg), in arrival order. */
    types: (id: string) =>
      events.filter((e) => e.data.payload.call_control_id === id).map((e) => e.data.event_type),
    /** The first event of `type` for the leg `id`. */
    find: (id: string, type: string) =>
      events.find((e) => e.data.payload.call_control_id === id && e.data.event_type === type),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
