// The modules, not their `request`: MSW, nock and OpenTelemetry's instrumentation replace
// `http.request` on the module, and a request must go through what is there when it is sent.
import http, {
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/**
 * The clients' default transport: Node's own `http` and `https` modules on their global agents
 * (keep-alive, and whatever proxy Node is told to use), behind the one call ky makes of `fetch`.
 * On this path a request costs about 50 µs less CPU than through `fetch` (bench/pipeline/pipeline.ts): no
 * second `Request`, no web streams, the answer read whole into one string.
 *
 * It behaves as `fetch` does where the clients depend on it:
 * - a request that fails before an answer rejects with `TypeError('fetch failed')` whose `cause`
 *   is Node's error with its `code` (`ECONNREFUSED`, `ECONNRESET`, …), as undici's does, so ky
 *   sees a network error and `errnoOf()` the system code;
 * - a connection not made within {@link CONNECT_TIMEOUT_MS} fails with `UND_ERR_CONNECT_TIMEOUT`
 *   (undici's code and default): the request never left;
 * - an aborted `signal` rejects with its reason and closes the request;
 * - an answer's body is decoded from `gzip`, `deflate` or `br` when the server sends one so.
 *
 * Where it differs, on purpose: redirects are not followed (an API that moves a `POST` elsewhere
 * answers `3xx`, which fails like any answer that is not `2xx`), and an answer over
 * {@link MAX_BODY_BYTES} fails rather than fill the memory.
 */
export type Transport = (url: string, init: TransportInit) => Promise<Response>;

export interface TransportInit {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal | undefined;
}

/** Undici's default: the longest wait for a connection before a request is surely not sent. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** The largest answer read; a provider's answer to a call is a few hundred bytes. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** The error code of a connection not made in time, undici's. */
export const CONNECT_TIMEOUT_CODE = 'UND_ERR_CONNECT_TIMEOUT';

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

interface Target {
  https: boolean;
  hostname: string;
  port: string;
  path: string;
}

/** Parsed targets, per URL string: a client sends to a few fixed URLs. */
const targets = new Map<string, Target>();
const MAX_TARGETS = 1_024;

function targetOf(url: string): Target {
  let target = targets.get(url);
  if (target === undefined) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new TypeError(`fetch failed: unsupported protocol ${parsed.protocol}`);
    target = {
      https: parsed.protocol === 'https:',
      // `[::1]` → `::1`, as `http.request` wants it.
      hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: parsed.port,
      path: `${parsed.pathname}${parsed.search}`,
    };
    if (targets.size >= MAX_TARGETS) targets.clear();
    targets.set(url, target);
  }
  return target;
}

/** A network failure as `fetch` reports one: `TypeError('fetch failed')` with Node's error as cause. */
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** A transport on Node's `http`/`https` modules; `connectTimeoutMs` is for tests. */
export function createNodeTransport({
  connectTimeoutMs = CONNECT_TIMEOUT_MS,
}: { connectTimeoutMs?: number } = {}): Transport {
  return (url, init) => send(url, init, connectTimeoutMs);
}

/** The clients' default transport. */
export const nodeTransport: Transport = createNodeTransport();

function send(
  url: string,
  { method, headers, body, signal }: TransportInit,
  connectTimeoutMs: number,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let target: Target;
    try {
      target = targetOf(url);
    } catch (error) {
      reject(error instanceof TypeError ? error : fetchFailed(error));
      return;
    }
    const outgoing: Record<string, string | number> = { ...headers };
    if (body !== undefined) outgoing['content-length'] = Buffer.byteLength(body);

    let settled = false;
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    const settle = () => {
      settled = true;
      if (connectTimer !== undefined) clearTimeout(connectTimer);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      settle();
      reject(error);
    };
    const onAbort = () => {
      if (settled) return;
      settle();
      request.destroy();
      reject(signal!.reason);
    };

    const request: ClientRequest = (target.https ? https : http).request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        method,
        headers: outgoing,
      },
      (response) => {
        readBody(response).then(
          (bytes) => {
            if (settled) return;
            try {
              const answer = toResponse(response, bytes);
              settle();
              resolve(answer);
            } catch (error) {
              fail(fetchFailed(error));
            }
          },
          (error: unknown) => fail(fetchFailed(error)),
        );
      },
    );
    request.on('error', (error) => fail(fetchFailed(error)));
    request.on('socket', (socket) => {
      if (!socket.connecting || settled) return;
      connectTimer = setTimeout(() => {
        request.destroy(codedError('connect timed out', CONNECT_TIMEOUT_CODE));
      }, connectTimeoutMs);
      socket.once('connect', () => {
        if (connectTimer !== undefined) clearTimeout(connectTimer);
        connectTimer = undefined;
      });
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    request.end(body);
  });
}

function readBody(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        response.destroy(
          codedError(`the answer is over ${MAX_BODY_BYTES} bytes`, 'ERR_RESPONSE_TOO_LARGE'),
        );
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    response.on('error', reject);
    // A connection closed before the whole body came: `aborted` on the message, then `close`.
    response.on('close', () => {
      if (!response.complete) reject(codedError('the answer was cut short', 'ECONNRESET'));
    });
  });
}

function toResponse(response: IncomingMessage, bytes: Buffer): Response {
  const status = response.statusCode ?? 0;
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const init = { status, statusText: response.statusMessage ?? '', headers };
  if (NULL_BODY_STATUSES.has(status)) return new Response(null, init);
  return new Response(decode(bytes, response.headers).toString('utf8'), init);
}

function decode(bytes: Buffer, headers: IncomingHttpHeaders): Buffer {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity' || bytes.length === 0)
    return bytes;
  const limit = { maxOutputLength: MAX_BODY_BYTES };
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(bytes, limit);
  if (encoding === 'deflate') return inflateSync(bytes, limit);
  if (encoding === 'br') return brotliDecompressSync(bytes, limit);
  throw codedError(`an answer in an encoding this client cannot read: ${encoding}`, 'ERR_ENCODING');
}
