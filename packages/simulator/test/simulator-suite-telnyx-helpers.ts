import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TELNYX_TEST_CREDENTIALS } from '../src/telnyx-credentials.js';
import type { SimulatorKnobs, TelnyxWebhookEvent } from '../src/types.js';
import { startTracked, type Harness } from './simulator-suite-helpers.js';

const { apiKey, connectionId } = TELNYX_TEST_CREDENTIALS;
export { apiKey, connectionId };
export const AUTH = `Bearer ${apiKey}`;
export const CONTROL_ID = /^v3:[A-Za-z0-9_-]{48}$/;
export const FROM = '+15005550006';
export const TO = '+14155552671';
/** `aGVsbG8=`: "hello" in base64, a valid `client_state`. */
export const STATE = Buffer.from('hello').toString('base64');

/** One webhook as a receiver got it. */
export interface ReceivedWebhook {
  headers: Record<string, string>;
  /** The body exactly as received, for signature checks. */
  rawBody: string;
  event: TelnyxWebhookEvent;
}

/** A real server that records the Telnyx webhooks it gets and checks nothing (answers 204). */
async function startTelnyxReceiver(answer: (index: number) => number = () => 204) {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value;
      }
      const index = received.length;
      received.push({ headers, rawBody, event: JSON.parse(rawBody) as TelnyxWebhookEvent });
      res.writeHead(answer(index)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks/telnyx`,
    received,
    /** The `event_type`s received, in arrival order (of one call, when given its id). */
    types: (callControlId?: string) =>
      received
        .filter((r) => !callControlId || r.event.data.payload.call_control_id === callControlId)
        .map((r) => r.event.data.event_type),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Sends a JSON request to the Telnyx flavour, as the test account unless `auth` says. */
export async function send(
  url: string,
  init: {
    method?: string;
    json?: unknown;
    body?: string;
    auth?: string | null;
    type?: string;
  } = {},
) {
  const headers: Record<string, string> = {};
  if (init.auth !== null) headers.authorization = init.auth ?? AUTH;
  const body = init.json === undefined ? init.body : JSON.stringify(init.json);
  if (body !== undefined) headers['content-type'] = init.type ?? 'application/json';
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer, read field by field
    body: (text === '' ? undefined : JSON.parse(text)) as any,
  };
}

/** Dials `TO` from `FROM` on the test connection, `fields` adding or replacing body keys. */
export const dial = (url: string, fields: Record<string, unknown> = {}, auth?: string | null) =>
  send(`${url}/v2/calls`, {
    json: { connection_id: connectionId, from: FROM, to: TO, ...fields },
    ...(auth === undefined ? {} : { auth }),
  });

/** Sends a command (`hangup`, `speak`) to a call. */
export const command = (url: string, id: string, action: string, body: unknown = {}) =>
  send(`${url}/v2/calls/${encodeURIComponent(id)}/actions/${action}`, { json: body });

/** What a Telnyx test needs: a simulator and a webhook receiver, both closed after the test. */
export function telnyxStarters(harness: Harness, cleanup: (close: () => unknown) => void) {
  return {
    start: (options: Omit<SimulatorKnobs, 'flavour'> = {}) =>
      startTracked(harness, cleanup, { flavour: 'telnyx', ...options }),
    receiver: async (answer?: (index: number) => number) => {
      const started = await startTelnyxReceiver(answer);
      cleanup(() => started.close());
      return started;
    },
  };
}
