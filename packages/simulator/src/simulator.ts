import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { createSimulatorEngine, MAX_BODY_BYTES, type SimulatorEngine } from './_engine.js';
import { ringAppOf } from './_inbound.js';
import { knobsSchema, parseOptions, resolveKnobs } from './_options.js';
import {
  createStatusCallbackDeliverer,
  createTelnyxWebhookDeliverer,
  createWebhookDeliverer,
} from './_webhook.js';
import type { RingAppOptions, SimulatedCall, SimulatorFlavour, SimulatorKnobs } from './types.js';

/** Options of {@link startCallApiSimulator}: the shared knobs plus where to listen. */
export interface SimulatorOptions extends SimulatorKnobs {
  /**
   * The port to listen on; `0` picks a free one (read it back from `port`).
   * @default 0
   */
  port?: number;
  /**
   * The interface to listen on.
   * @default '127.0.0.1'
   */
  host?: string;
}

/** A running simulator of one provider flavour. */
export interface CallApiSimulator {
  flavour: SimulatorFlavour;
  /** Its base URL, e.g. `http://127.0.0.1:5000`. */
  url: string;
  port: number;
  /** Stops listening, drops open connections, clears timers and aborts webhook deliveries. */
  close(): Promise<void>;
  /** The calls created so far, each with its status now. */
  calls(): SimulatedCall[];
  /**
   * Telnyx flavour: the Ed25519 public key its webhooks are verified with, as Telnyx's portal
   * shows one (the raw 32 bytes in base64): give it to `TelnyxWebhook` or to your verifier.
   * Absent for the other flavours.
   */
  publicKey?: string;
  /**
   * Twilio, SignalWire, Telnyx and Vonage flavours: rings an app with an inbound call now, as the
   * provider would (Twilio, SignalWire: a signed voice request to `url`; Telnyx: a signed
   * `call.initiated` to `url`; Vonage: a signed `GET` of the answer URL `url`, whose NCCO it
   * plays, the caller's leg's events to `eventUrl`), and returns the call's id (`CallSid`,
   * `call_control_id`, Vonage's `uuid`). What is left out comes from the `inbound` knobs. Throws
   * an `InvalidOptionsError` for bad options (or no `url` anywhere), an
   * `UnsupportedOperationError` for the polling and webhook flavours.
   * @example const id = sim.ringApp({ url: 'http://127.0.0.1:3000/voice', from: '+14155552671' });
   */
  ringApp(options?: RingAppOptions): string;
}

const serverOptions = knobsSchema({
  port: z.int().min(0).max(65_535, 'port must be between 0 and 65535').optional(),
  host: z.string().min(1, 'host must not be empty').optional(),
});

/**
 * Starts a real HTTP server that plays the polling ("Mock Call API"), the webhook
 * ("Num Dialer API"), the Twilio (Calls resource of API 2010-04-01), the Telnyx (Call Control
 * v2) or the SignalWire (Compatibility "LaML" API: Twilio's Calls resource under `/api/laml`)
 * provider, with knobs for step times, outcomes, outages and webhook quirks.
 *
 * @example
 * const sim = await startCallApiSimulator({ flavour: 'polling', stepMs: [5, 20], seed: 1 });
 * const res = await fetch(`${sim.url}/api/call`, { method: 'POST', … });
 * await sim.close();
 */
export async function startCallApiSimulator(options: SimulatorOptions): Promise<CallApiSimulator> {
  const parsed = parseOptions(serverOptions, options, 'simulator');
  let baseUrl = '';
  const engine = createSimulatorEngine(resolveKnobs(parsed), {
    baseUrl: () => baseUrl,
    defaultDeliverer: createWebhookDeliverer((url, init) => fetch(url, init)),
    defaultCallbackDeliverer: createStatusCallbackDeliverer((url, init) => fetch(url, init)),
    defaultTelnyxDeliverer: createTelnyxWebhookDeliverer((url, init) => fetch(url, init)),
  });
  const server = createServer((req, res) => void serve(engine, req, res));
  const host = parsed.host ?? '127.0.0.1';

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(parsed.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    engine.close();
    throw error;
  }

  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${urlHost(host)}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    flavour: parsed.flavour,
    url: baseUrl,
    port,
    calls: () => engine.calls(),
    ringApp: ringAppOf(engine, parsed.flavour),
    ...(engine.publicKey === undefined ? {} : { publicKey: engine.publicKey }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        engine.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function serve(engine: SimulatorEngine, req: IncomingMessage, res: ServerResponse) {
  try {
    const { body, size } = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://simulator');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const response = await engine.handle({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      headers,
      contentType: req.headers['content-type'],
      body,
      bodySize: size,
    });
    send(res, response.status, response.body, response.headers);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    send(res, 500, { error: { code: 'internal', message } }, {});
  }
}

/**
 * Sends `body` as JSON; an `undefined` body (a `204`) is sent as no body at all, bytes as they
 * are (with the `content-type` in `headers`).
 */
function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>) {
  if (res.headersSent || res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  if (body instanceof Uint8Array) {
    res.writeHead(status, { ...headers, 'content-length': body.byteLength }).end(body);
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Reads the whole body, keeping at most one byte over the limit (the rest is drained). */
function readBody(req: IncomingMessage): Promise<{ body: Uint8Array; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks), size }));
    req.on('error', reject);
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
