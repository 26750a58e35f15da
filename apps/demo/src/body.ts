import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { ApiError } from './http-errors.js';

/**
 * The largest body any route reads, in bytes: the API's JSON and the providers' callbacks alike
 * (Twilio's are well under 2 kB; Telnyx's carry a call's message in `client_state`, about 14 kB
 * with the longest it speaks, 3000 characters of three UTF-8 bytes each).
 */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * The largest body of `POST /api/campaigns`, in bytes: a list of numbers (JSON or CSV) is
 * larger than any other request, and 1 MiB holds the most numbers a campaign takes.
 */
export const CAMPAIGN_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The largest do-not-call import (`POST /api/suppressions/import`, CSV): about four million
 * numbers. Its route reads it as it streams, never whole, so the limit guards the disk and the
 * time, not the memory.
 */
export const SUPPRESSION_IMPORT_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * How long a do-not-call import's body may take to arrive, in ms: 10 minutes, 64 MiB at
 * 110 kB/s. The route reads the body only as fast as it lists the numbers: a 50 MB list of
 * 3.8 million numbers took 98 s on a 2-core machine, so 64 MiB takes about two minutes, and the
 * limit leaves room for a slower link or a busier server. Every other request has
 * `REQUEST_TIMEOUT_MS` ({@link limitRequestTime}).
 */
export const SUPPRESSION_IMPORT_TIMEOUT_MS = 10 * 60_000;

/** Responses whose `100 Continue` waits until their body is read (see {@link continueWhenRead}). */
const awaitingContinue = new WeakSet<ServerResponse>();

/** Whether the request's body is its route's to stream (see {@link streamedBody}). */
const isStreamed = (req: IncomingMessage) =>
  req.method === 'POST' && /^\/api\/suppressions\/import\/?$/.test((req.url ?? '').split('?')[0]!);

/**
 * The body of a streamed route as it arrives (`res` is its answer), at most
 * {@link SUPPRESSION_IMPORT_LIMIT_BYTES}: past it, the iteration fails with a `413`; when no
 * byte comes for `idleMs` while the route waits for one, with a `408` (what was read stays
 * read). Either way the rest of the body is left unread, for the route to answer with
 * `Connection: close` ({@link closeAfterAnswer}).
 */
export async function* streamedBody(
  req: IncomingMessage,
  res: ServerResponse,
  idleMs: number,
): AsyncGenerator<Buffer> {
  // A client that asked first (`Expect: 100-continue`) sends once the route starts reading.
  if (awaitingContinue.has(res)) res.writeContinue();
  // Not `for await`: leaving it would destroy the request, and with it the answer.
  const chunks = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let size = 0;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new ApiError(408, 'request_timeout', `No byte of the body came for ${idleMs} ms`)),
        idleMs,
      );
    });
    let next: IteratorResult<Buffer>;
    try {
      next = await Promise.race([chunks.next(), idle]);
    } finally {
      clearTimeout(timer);
    }
    if (next.done) return;
    size += next.value.length;
    if (size > SUPPRESSION_IMPORT_LIMIT_BYTES) {
      throw new ApiError(
        413,
        'payload_too_large',
        `The request body exceeds ${SUPPRESSION_IMPORT_LIMIT_BYTES} bytes`,
      );
    }
    yield next.value;
  }
}

/**
 * For a route that answers before reading its whole body: the answer says `Connection: close`,
 * and the connection is closed once it is out, reading no more of the body.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  if (!res.headersSent) res.setHeader('Connection', 'close');
  res.once('finish', () => req.destroy());
}

/**
 * Node's own request timeout (`server.requestTimeout`) is one figure for every request; this
 * gives each its own. A request with a body must have it whole within `timeoutMs` of its
 * headers, or it is answered `408` (when nothing was answered yet) and its connection closed,
 * as Node does; the do-not-call import has {@link SUPPRESSION_IMPORT_TIMEOUT_MS}, Node's limit.
 */
export function limitRequestTime(server: Server, timeoutMs: number): void {
  // Before the app's own listener, which rewrites `req.url` as it routes.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const declared = req.headers['content-length'];
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      (declared !== undefined && declared !== '0');
    if (!hasBody || isStreamed(req)) return;
    const timer = setTimeout(() => {
      if (req.complete || req.destroyed) return;
      if (res.headersSent) {
        req.destroy();
        return;
      }
      const body = JSON.stringify({
        error: {
          code: 'request_timeout',
          message: `The request's body did not arrive within ${timeoutMs} ms`,
        },
      });
      res.once('finish', () => req.destroy());
      res.writeHead(408, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        Connection: 'close',
      });
      res.end(body);
    }, timeoutMs);
    timer.unref();
    req.once('close', () => clearTimeout(timer));
  });
}

/** The limit of a request's body: {@link CAMPAIGN_BODY_LIMIT_BYTES} for a campaign's list. */
export function bodyLimitOf(req: IncomingMessage): number {
  const path = (req.url ?? '').split('?')[0];
  return req.method === 'POST' && (path === '/api/campaigns' || path === '/api/campaigns/')
    ? CAMPAIGN_BODY_LIMIT_BYTES
    : BODY_LIMIT_BYTES;
}

/** The bytes {@link readBody} read, for the parser of the route. */
const bodies = new WeakMap<IncomingMessage, Buffer>();

/**
 * `Expect: 100-continue` is answered only when the body is going to be read: a client that asks
 * first (curl does for large bodies) gets the `413` or any other refusal without sending a byte.
 * Without it Node answers `100 Continue` to every such request before the app sees it.
 */
export function continueWhenRead(server: Server): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaitingContinue.add(res);
    server.emit('request', req, res);
  });
}

/**
 * Answers with a JSON error and closes the connection once the answer is out, reading no more of
 * the body: `Connection: close` tells the client to stop sending.
 */
function refuseAndClose(req: Request, res: Response, status: number, code: string, text: string) {
  res.set('Connection', 'close');
  res.once('finish', () => req.destroy());
  res.status(status).json({ error: { code, message: text } });
}

function tooLarge(req: Request, res: Response, limitBytes: number) {
  refuseAndClose(
    req,
    res,
    413,
    'payload_too_large',
    `The request body exceeds ${limitBytes} bytes`,
  );
}

/**
 * Reads every request's body, on every route, for the route's parser ({@link jsonBody},
 * {@link rawBody}) to take; other routes never see it. `limit` is a number of bytes, or the
 * number for each request. A `Content-Length` over it is answered `413` before any byte of the body is read; a
 * chunked body gets its `413` as soon as the bytes read pass `limitBytes`, and is read no
 * further. Either way the connection is closed after the answer. A `Content-Encoding` other
 * than `identity` is `415`: bodies are read as sent.
 */
export function readBody(
  limit: number | ((req: IncomingMessage) => number) = BODY_LIMIT_BYTES,
): RequestHandler {
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    if (isStreamed(req)) {
      // Its route reads it as it streams; a declared size over the limit is refused unread.
      if (declared !== undefined && Number(declared) > SUPPRESSION_IMPORT_LIMIT_BYTES) {
        tooLarge(req, res, SUPPRESSION_IMPORT_LIMIT_BYTES);
      } else next();
      return;
    }
    const limitBytes = typeof limit === 'number' ? limit : limit(req);
    if (declared === undefined && req.headers['transfer-encoding'] === undefined) {
      next();
      return;
    }
    // Node's parser has already refused a malformed Content-Length (400).
    if (declared !== undefined && Number(declared) > limitBytes) {
      tooLarge(req, res, limitBytes);
      return;
    }
    const encoding = req.headers['content-encoding']?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== 'identity') {
      refuseAndClose(
        req,
        res,
        415,
        'unsupported_content_encoding',
        `Content-Encoding ${encoding} is not accepted; send the body as it is`,
      );
      return;
    }
    if (awaitingContinue.has(res)) res.writeContinue();
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', stop);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        stop();
        req.pause();
        tooLarge(req, res, limitBytes);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      bodies.set(req, Buffer.concat(chunks, size));
      next();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    // The client went away (or REQUEST_TIMEOUT_MS passed): there is nobody to answer.
    req.on('error', stop);
  };
}

/** `req.body`: the bytes {@link readBody} read, as a `Buffer`, for the webhook parsers. */
export const rawBody: RequestHandler = (req, _res, next) => {
  req.body = bodies.get(req);
  next();
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `req.body`: the body {@link readBody} read, parsed as JSON when the request says
 * `application/json` (an empty one is `{}`); any other body is left out, as no API route takes
 * one. Malformed JSON or UTF-8 is `400 invalid_json`, another charset `415`.
 */
export const jsonBody: RequestHandler = (req, _res, next) => {
  const body = bodies.get(req);
  if (body === undefined || !req.is('application/json')) {
    next();
    return;
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new ApiError(415, 'unsupported_charset', `Send JSON in UTF-8, not ${charset}`);
  }
  if (body.length === 0) {
    req.body = {};
    next();
    return;
  }
  try {
    req.body = JSON.parse(utf8.decode(body)) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
  }
  next();
};
