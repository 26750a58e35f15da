import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { createSimulatorEngine, MAX_BODY_BYTES, type SimulatorEngine } from './_engine.js';
import { knobsSchema, parseOptions, resolveKnobs } from './_options.js';
import { createStatusCallbackDeliverer, createWebhookDeliverer } from './_webhook.js';
import type { SimulatedCall, SimulatorFlavour, SimulatorKnobs } from './types.js';

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
}

const serverOptions = knobsSchema({
  port: z.int().min(0).max(65_535, 'port must be between 0 and 65535').optional(),
  host: z.string().min(1, 'host must not be empty').optional(),
});

/**
 * Starts a real HTTP server that plays the polling ("Mock Call API"), the webhook
 * ("Num Dialer API") or the Twilio (Calls resource of API 2010-04-01) provider, with knobs for
 * step times, outcomes, outages and webhook quirks.
 *
 * @example
 * const sim = await startCallApiSimulator({ flavour: 'polling', stepMs: [5, 20], seed: 1 });
 * const res = await fetch(`${sim.url}/api/call`, { method: 'POST', … });
 * await sim.close();
 */
export async function startCallApiSimulator(options: SimulatorOptions): Promise<CallApiSimulator> {
  const parsed = parseOptions(serverOptions, options, 'simulator');
  const engine = createSimulatorEngine(resolveKnobs(parsed), {
    defaultDeliverer: createWebhookDeliverer((url, init) => fetch(url, init)),
    defaultCallbackDeliverer: createStatusCallbackDeliverer((url, init) => fetch(url, init)),
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
  let closing: Promise<void> | undefined;
  return {
    flavour: parsed.flavour,
    url: `http://${urlHost(host)}:${port}`,
    port,
    calls: () => engine.calls(),
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

/** Sends `body` as JSON; an `undefined` body (a `204`) is sent as no body at all. */
function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>) {
  if (res.headersSent || res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status, headers).end();
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
