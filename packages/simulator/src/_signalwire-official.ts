import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { SIGNALWIRE_TEST_CREDENTIALS } from './signalwire-credentials.js';

// Test helpers of the SignalWire flavour: the official `@signalwire/compatibility-api` client
// pointed at a simulator, and a receiver that checks every request with its `validateRequest`.
// Its types cannot be reached through its `exports` map, so the parts the tests use are
// declared here, as its own `compatibility-api.d.ts` and `lib/rest/api/v2010/account/call.d.ts`
// name them.

/** A call as the official client reads it (`CallInstance`). */
export interface OfficialCall {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  status: string;
  direction: string;
  apiVersion: string;
  uri: string;
  duration: string | null;
  startTime: Date;
  endTime: Date;
}

/** One page of calls (`CallPage`). */
interface OfficialPage {
  instances: OfficialCall[];
  nextPageUrl: string | null;
  nextPage(): Promise<OfficialPage | undefined>;
}

/** The official client's Calls (`CallListInstance` and its `CallContext`s). */
export interface OfficialClient {
  calls: ((sid: string) => {
    fetch(): Promise<OfficialCall>;
    update(options: Record<string, unknown>): Promise<OfficialCall>;
    remove(): Promise<boolean>;
  }) & {
    create(options: Record<string, unknown>): Promise<OfficialCall>;
    list(options?: Record<string, unknown>): Promise<OfficialCall[]>;
    page(options?: Record<string, unknown>): Promise<OfficialPage>;
  };
}

type OfficialRequestClient = { request(options: { uri: string }): Promise<unknown> };

/** What the tests use of `@signalwire/compatibility-api`'s `RestClient`. */
export const RestClient = createRequire(import.meta.url)('@signalwire/compatibility-api')
  .RestClient as {
  (projectId: string, apiToken: string, options: Record<string, unknown>): OfficialClient;
  validateRequest(
    signingKey: string,
    signature: string,
    url: string,
    params: Record<string, string>,
  ): boolean;
  RequestClient: new () => OfficialRequestClient;
  LaML: { VoiceResponse: new () => { say(text: string): unknown; toString(): string } };
};

/**
 * The official `RestClient`, its space URL (`signalwireSpaceUrl`) the simulator's host and port.
 * The client always speaks `https://` to a space; the simulator speaks plain HTTP, so its own
 * `RequestClient` is handed each request with `http:` for `https:`, nothing else changed.
 */
export function officialClientOf(
  simulatorUrl: string,
  credentials: { projectId: string; apiToken: string } = SIGNALWIRE_TEST_CREDENTIALS,
) {
  const requests = new RestClient.RequestClient();
  const httpClient = {
    request: (options: { uri: string }) =>
      requests.request({ ...options, uri: options.uri.replace(/^https:/, 'http:') }),
  };
  return RestClient(credentials.projectId, credentials.apiToken, {
    signalwireSpaceUrl: new URL(simulatorUrl).host,
    httpClient,
  });
}

/** One request a {@link startVerifyingReceiver} got. */
export interface ReceivedRequest {
  method: string;
  /** The URL as received (with the query), as a validator rebuilds it. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The form's parameters (`POST`), or the query's (`GET`). */
  params: Record<string, string>;
  /** Whether the official `validateRequest` accepted it with the signing key. */
  valid: boolean;
}

/**
 * A real HTTP server that checks each request with the official `validateRequest` and the
 * project's signing key (from `X-SignalWire-Signature`, else `X-Twilio-Signature`, as the
 * official Express middleware reads them): `403` when it fails, else `answer`'s (`204` by
 * default; a string is sent as LaML).
 */
export async function startVerifyingReceiver(
  answer: (request: ReceivedRequest) => string | number = () => 204,
  signingKey = SIGNALWIRE_TEST_CREDENTIALS.signingKey,
) {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = `http://127.0.0.1:${port}${req.url ?? '/'}`;
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const params = Object.fromEntries(req.method === 'GET' ? [] : form);
      const header = req.headers['x-signalwire-signature'] ?? req.headers['x-twilio-signature'];
      const valid = RestClient.validateRequest(signingKey, String(header ?? ''), url, params);
      const method = req.method ?? 'GET';
      const request = { method, url, headers: req.headers, params, valid };
      if (method === 'GET') request.params = Object.fromEntries(new URL(url).searchParams);
      received.push(request);
      if (!valid) return void res.writeHead(403).end();
      const reply = answer(request);
      if (typeof reply === 'number') return void res.writeHead(reply).end();
      res.writeHead(200, { 'content-type': 'text/xml' }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    /** The `CallStatus` of each request about `callSid`, in arrival order. */
    statusesOf: (callSid: string) =>
      received.filter((r) => r.params.CallSid === callSid).map((r) => r.params.CallStatus),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
