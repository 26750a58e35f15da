import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { TWILIO_TEST_CREDENTIALS } from '../src/twilio-credentials.js';

// A local Twilio app, as a user would write one: it answers the voice webhook and the actions
// with TwiML built by the official `twilio` package, and checks every request the simulator
// sends with the official `validateRequest`.

/** How the app answers a call to its number. */
export type TwilioPolicy =
  | { action: 'voicemail' }
  | { action: 'forward'; to: string }
  | { action: 'reject'; reason: 'busy' | 'rejected' }
  | { action: 'twiml'; body: string; contentType?: string };

/** One request the app got, and whether its signature verified. */
export interface AppRequest {
  path: string;
  params: Record<string, string>;
  valid: boolean;
}

export const GREETING = 'Sorry we missed you. Leave a message after the beep.';

function voicemail(response = new twilio.twiml.VoiceResponse()) {
  response.say(GREETING);
  response.record({ action: '/recorded', method: 'POST', maxLength: 120, playBeep: true });
  return response;
}

/** The TwiML the app answers `path` with. */
function answer(policy: TwilioPolicy, path: string, params: Record<string, string>): string {
  if (path === '/voice') {
    if (policy.action === 'twiml') return policy.body;
    if (policy.action === 'voicemail') return voicemail().toString();
    const response = new twilio.twiml.VoiceResponse();
    if (policy.action === 'reject') response.reject({ reason: policy.reason });
    else response.dial({ action: '/dialed', method: 'POST', timeout: 20 }, policy.to);
    return response.toString();
  }
  if (path === '/dialed' && params.DialCallStatus !== 'completed') return voicemail().toString();
  const response = new twilio.twiml.VoiceResponse();
  if (path === '/recorded') response.say('Thank you. Goodbye.');
  response.hangup();
  return response.toString();
}

/** Starts the app on a free port; `/status` takes the number's status callbacks. */
export async function startTwilioApp(policy: TwilioPolicy) {
  const requests: AppRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', app.url);
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      const { authToken } = TWILIO_TEST_CREDENTIALS;
      const valid = twilio.validateRequest(authToken, signature, url.href, params);
      requests.push({ path: url.pathname, params, valid });
      if (!valid) return void res.writeHead(403).end();
      if (url.pathname === '/status') return void res.writeHead(204).end();
      const type = policy.action === 'twiml' ? (policy.contentType ?? 'text/xml') : 'text/xml';
      res.writeHead(200, { 'content-type': type }).end(answer(policy, url.pathname, params));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const app = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    /** The requests to one path, in arrival order. */
    to: (path: string) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return app;
}
