import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TWILIO_TEST_CREDENTIALS } from '../src/twilio-credentials.js';
import type { SimulatorKnobs } from '../src/types.js';
import { startTracked, type Harness } from './simulator-suite-helpers.js';

const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
export { accountSid, authToken };
export const AUTH = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
export const RFC_2822 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
export const CALL_SID = /^CA[0-9a-f]{32}$/;

/** One callback as a receiver got it. */
export interface Received {
  method: string;
  /** The URL rebuilt from the request: `http://` + its `Host` header + its request line's target. */
  url: string;
  signature: string | undefined;
  /** The form of a `POST`, or the query of a `GET`. */
  params: Record<string, string>;
}

/**
 * A real server that records the form callbacks it gets and checks nothing; each one's `url` is
 * rebuilt from the request, as a receiver does.
 */
async function startFormReceiver() {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const url = `http://${req.headers.host ?? ''}${req.url ?? '/'}`;
      const signature = req.headers['x-twilio-signature'];
      received.push({
        method: req.method ?? 'GET',
        url,
        signature: typeof signature === 'string' ? signature : undefined,
        params: Object.fromEntries(new URLSearchParams(body || new URL(url).search)),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/twilio/status`,
    origin: `http://127.0.0.1:${port}`,
    received,
    statuses: () => received.map((r) => r.params.CallStatus),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The path of the Calls resource below a simulator's base URL. */
export const calls = (url: string) => `${url}/2010-04-01/Accounts/${accountSid}/Calls`;

/** Sends a request to the Twilio flavour (HTTP Basic as the test account unless `auth` says). */
export async function send(
  url: string,
  init: {
    method?: string;
    form?: Record<string, string | string[]>;
    auth?: string | null;
    type?: string;
  } = {},
) {
  const headers: Record<string, string> = {};
  if (init.auth !== null) headers.authorization = init.auth ?? AUTH;
  let body: string | undefined;
  if (init.form) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(init.form)) {
      for (const one of [value].flat()) search.append(name, one);
    }
    body = search.toString();
    headers['content-type'] = init.type ?? 'application/x-www-form-urlencoded';
  }
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer, read field by field
    body: (text === '' ? undefined : JSON.parse(text)) as any,
  };
}

/** Creates a call to `+14155552671` with `<Response/>`, `form` adding or replacing parameters. */
export const dial = (
  url: string,
  form: Record<string, string | string[]> = {},
  auth?: string | null,
) =>
  send(`${calls(url)}.json`, {
    form: { To: '+14155552671', From: '+15005550006', Twiml: '<Response/>', ...form },
    ...(auth === undefined ? {} : { auth }),
  });

/** What a Twilio test needs: a simulator and a callback receiver, both closed after the test. */
export function twilioStarters(harness: Harness, cleanup: (close: () => unknown) => void) {
  return {
    start: (options: Omit<SimulatorKnobs, 'flavour'> = {}) =>
      startTracked(harness, cleanup, { flavour: 'twilio', ...options }),
    receiver: async () => {
      const started = await startFormReceiver();
      cleanup(() => started.close());
      return started;
    },
  };
}
