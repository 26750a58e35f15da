import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { InvalidOptionsError } from '@ringkit/call-client';

/**
 * What the gateway does to a request it applies the fault to. The request is always forwarded to
 * the target first, so the provider acts on it whatever the client is told.
 */
export type GatewayFault =
  /** Answers this status after `afterMs`, whatever the target answers (a gateway that gave up). */
  | { status: number; afterMs?: number }
  /** Destroys the client's connection after `afterMs`, without an answer (a reset after sending). */
  | { reset: true; afterMs?: number }
  /** Relays the target's answer `delayMs` late (a provider slower than the client's timeout). */
  | { delayMs: number };

/** Options of {@link startFaultGateway}. */
export interface FaultGatewayOptions {
  /** The base URL requests are forwarded to, e.g. a simulator's `url`. */
  target: string;
  /**
   * The fault applied to matching requests; `null` makes a plain proxy.
   * @default null
   */
  fault?: GatewayFault | null;
  /**
   * The methods whose requests get the fault; others pass through untouched.
   * @default ['POST']
   */
  methods?: readonly string[];
  /**
   * The port to listen on; `0` picks a free one.
   * @default 0
   */
  port?: number;
}

/** A running fault gateway. */
export interface FaultGateway {
  /** Its base URL: point a client's `baseUrl` here. */
  url: string;
  port: number;
  /** How many requests were forwarded to the target so far. */
  readonly forwarded: number;
  /** Replaces the fault for requests that arrive from now on. */
  setFault(fault: GatewayFault | null): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const faultSchema = z.union([
  strictObject({
    status: z.int().min(100).max(599),
    afterMs: z.number().min(0).optional(),
  }),
  strictObject({ reset: z.literal(true), afterMs: z.number().min(0).optional() }),
  strictObject({ delayMs: z.number().min(0) }),
]);

const optionsSchema = strictObject({
  target: z.url(),
  fault: faultSchema.nullable().optional(),
  methods: z.array(z.string().min(1)).optional(),
  port: z.int().min(0).max(65_535).optional(),
});

/**
 * Starts an HTTP gateway in front of a provider (usually the simulator) that forwards every
 * request and then misbehaves as told: answers `504` while the provider goes on dialing, resets
 * the connection after the request was sent, or answers too late. It is how the tests prove that
 * an ambiguous placement never makes a phone ring twice.
 *
 * @example
 * const sim = await startCallApiSimulator({ flavour: 'polling' });
 * const gateway = await startFaultGateway({ target: sim.url, fault: { status: 504, afterMs: 300 } });
 * const client = createMockCallApiClient({ baseUrl: gateway.url });
 * await client.placeCall({ to: '+14155552671' }).catch(isAmbiguousPlacement); // true
 * sim.calls().length; // 1
 */
export async function startFaultGateway(options: FaultGatewayOptions): Promise<FaultGateway> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError('fault gateway', parsed.error.issues);
  const target = new URL(parsed.data.target);
  const methods = new Set((parsed.data.methods ?? ['POST']).map((m) => m.toUpperCase()));
  let fault: GatewayFault | null = parsed.data.fault ?? null;
  let forwarded = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const applied = methods.has(req.method ?? '') ? fault : null;

    const upstream = forward(req, body);
    forwarded += 1;
    if (applied && 'status' in applied) {
      upstream.catch(() => undefined);
      later(applied.afterMs ?? 0, () => {
        if (res.writableEnded || res.destroyed) return;
        res.writeHead(applied.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `gateway answered ${applied.status}` }));
      });
      return;
    }
    if (applied && 'reset' in applied) {
      upstream.catch(() => undefined);
      later(applied.afterMs ?? 0, () => req.socket.destroy());
      return;
    }
    let answer: Awaited<typeof upstream>;
    try {
      answer = await upstream;
    } catch {
      req.socket.destroy();
      return;
    }
    const relay = () => {
      if (res.destroyed) return;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    };
    if (applied && 'delayMs' in applied) later(applied.delayMs, relay);
    else relay();
  }

  function forward(req: IncomingMessage, body: Buffer) {
    return new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>(
      (resolve, reject) => {
        const headers = { ...req.headers, host: target.host };
        const out = httpRequest(
          {
            protocol: target.protocol,
            hostname: target.hostname,
            port: target.port,
            method: req.method,
            path: joinPath(target.pathname, req.url ?? '/'),
            headers,
          },
          (response) => {
            const parts: Buffer[] = [];
            response.on('data', (chunk: Buffer) => parts.push(chunk));
            response.on('error', reject);
            response.on('end', () => {
              const relayed: Record<string, string> = {};
              for (const [name, value] of Object.entries(response.headers)) {
                if (value === undefined || HOP_BY_HOP.has(name)) continue;
                relayed[name] = Array.isArray(value) ? value.join(', ') : value;
              }
              resolve({
                status: response.statusCode ?? 502,
                headers: relayed,
                body: Buffer.concat(parts),
              });
            });
          },
        );
        out.on('error', reject);
        out.end(body);
      },
    );
  }

  const server = createServer((req, res) => {
    serve(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(parsed.data.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get forwarded() {
      return forwarded;
    },
    setFault(next) {
      const checked = faultSchema.nullable().safeParse(next);
      if (!checked.success) throw new InvalidOptionsError('fault gateway', checked.error.issues);
      fault = checked.data;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

function joinPath(base: string, path: string) {
  return base === '/' ? path : `${base.replace(/\/+$/, '')}${path}`;
}
