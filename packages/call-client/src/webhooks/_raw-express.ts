import { z } from 'zod';
import { readBody, refuseTooLarge, type BodyRequest, type BodyResponse } from '../http/_body.js';
import { InvalidOptionsError } from '../errors/errors.js';

/** The parts of an Express (or Node `http`) request the signed-webhook adapters read. */
export interface RawBodyHttpRequest extends BodyRequest {
  headers: Record<string, string | readonly string[] | undefined>;
  /**
   * The raw body a parser in front already read, as a string or a `Buffer`
   * (`express.raw({ type: 'application/json' })` or `express.text()`); else the stream is read.
   * A body `express.json()` parsed cannot be checked: its signature covers the bytes.
   */
  body?: unknown;
}

/** The parts of an Express response the signed-webhook adapters write. */
export interface RawBodyHttpResponse extends BodyResponse {
  status(code: number): { json(body: unknown): unknown; end(): unknown };
}

/** The option the signed-webhook adapters add to their handler's. */
export interface RawBodyLimitOption {
  /**
   * The largest body read, or taken from a parser in front. A larger one is a `413`: at once
   * when its `Content-Length` says so, else as soon as the bytes read pass it.
   * @default 65536
   */
  limitBytes?: number;
}

/** An answer of a framework-agnostic handler: a status, and a JSON body or none. */
export interface JsonAnswer {
  status: number;
  body?: unknown;
}

const limitSchema = z.number().int().positive().max(10_485_760);

/** Throws an `InvalidOptionsError` naming `adapter` unless `limitBytes` is a whole number of bytes up to 10 MiB. */
export function checkLimitBytes(adapter: string, limitBytes: unknown): void {
  const limit = limitSchema.safeParse(limitBytes);
  if (!limit.success) throw new InvalidOptionsError(adapter, limit.error.issues);
}

/** Answers `answer.status`, with its body as JSON when it has one. */
export function sendJsonAnswer(res: RawBodyHttpResponse, answer: JsonAnswer): void {
  if (answer.body) res.status(answer.status).json(answer.body);
  else res.status(answer.status).end();
}

/** How {@link rawBodyExpressHandler} reads a request and hands it on. */
export interface RawBodyExpressOptions<
  Req extends RawBodyHttpRequest,
  Res extends RawBodyHttpResponse,
> {
  /** The largest body read, or taken from a parser in front; checked by {@link checkLimitBytes}. */
  limitBytes: number;
  /** The answer to a body a parser already turned into something else than a string or bytes. */
  parsedBody: JsonAnswer;
  /** Whether the request carries a body to read; one that does not is handed on with `''`. */
  hasBody?: (req: Req) => boolean;
  /** Acts on the request and its raw body, and answers. */
  respond: (req: Req, res: Res, rawBody: string | Buffer) => Promise<void>;
}

/**
 * An Express route handler for webhooks whose signature covers the body's bytes: it reads the
 * raw body itself (or takes the string or `Buffer` of `express.raw()`/`express.text()`), answers
 * `parsedBody` to a body a parser already consumed, `413` to one over `limitBytes` (at once when
 * its `Content-Length` says so, else as soon as the bytes read pass it), and hands the rest to
 * `respond`. Errors reading the request or answering it go to `next`.
 */
export function rawBodyExpressHandler<
  Req extends RawBodyHttpRequest,
  Res extends RawBodyHttpResponse,
>(
  options: RawBodyExpressOptions<Req, Res>,
): (req: Req, res: Res, next: (error?: unknown) => void) => Promise<void> {
  const { limitBytes, parsedBody, hasBody, respond } = options;
  return async (req, res, next) => {
    try {
      let rawBody: string | Buffer | undefined = '';
      if (hasBody?.(req) ?? true) {
        if (req.body === undefined) rawBody = await readBody(req, limitBytes);
        else if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) {
          rawBody = Buffer.byteLength(req.body) > limitBytes ? undefined : req.body;
        } else {
          sendJsonAnswer(res, parsedBody);
          return;
        }
        if (rawBody === undefined) {
          refuseTooLarge(req, res, limitBytes);
          return;
        }
      }
      await respond(req, res, rawBody);
    } catch (error) {
      next(error);
    }
  };
}
