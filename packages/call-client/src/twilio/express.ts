import { z } from 'zod';
import { readBody, refuseTooLarge } from '../http/_body.js';
import { InvalidOptionsError } from '../errors/errors.js';
import { formToParams, toTwilioParams } from './_form.js';
import {
  createTwilioWebhookHandler,
  type TwilioWebhookHandlerOptions,
  type TwilioWebhookResponse,
} from './webhook.js';

/** The parts of an Express (or Node `http`) request the handler reads. */
export interface TwilioWebhookHttpRequest extends AsyncIterable<unknown> {
  headers: Record<string, string | readonly string[] | undefined>;
  /**
   * A body a parser in front already read (`express.urlencoded()` for a form, or the raw body as
   * a string or a `Buffer` from `express.text()`/`express.raw()`); else the stream is read. A JSON
   * body must arrive raw: its signature covers the bytes, which `express.json()` drops.
   */
  body?: unknown;
  /** The path and query as sent, mount path included (Express). */
  originalUrl?: string;
  /** The path and query (Node `http`). */
  url?: string;
  /**
   * The connection: a TLS socket (`encrypted: true`) means `https` when neither `publicUrl` nor a
   * trusted proxy says.
   */
  socket?: object;
  /** Closes the request after a `413`, so that no more of the body is read. */
  destroy?(): unknown;
}

/** The parts of an Express response the handler writes. */
export interface TwilioWebhookHttpResponse {
  status(code: number): TwilioWebhookHttpResponse;
  json(body: unknown): unknown;
  end(): unknown;
  /** Sets `Connection: close` on a `413`. */
  setHeader?(name: string, value: string): unknown;
  /** Tells when a `413` is out, to close the request then. */
  once?(event: 'finish', listener: () => void): unknown;
}

/** Options of {@link createExpressTwilioWebhookHandler}. */
export interface ExpressTwilioWebhookHandlerOptions extends TwilioWebhookHandlerOptions {
  /**
   * The scheme and host (and any path prefix a proxy strips) Twilio reaches this app at: the URL
   * Twilio signed is `publicUrl` followed by the request's path and query. Set it whenever the app
   * runs behind a proxy or a tunnel, or Twilio's signatures will not match.
   * @default the request's own scheme and `Host` header
   * @example 'https://app.example'
   */
  publicUrl?: string;
  /**
   * Take the scheme and host from the first value of `X-Forwarded-Proto` and `X-Forwarded-Host`
   * (set by a proxy you trust; a path prefix of `publicUrl` still applies), falling back to
   * `publicUrl` when they are missing or malformed. Without it those headers are ignored: anyone
   * can send them.
   * @default false
   */
  trustProxy?: boolean;
  /**
   * The largest body read, or taken as a string or `Buffer` from a parser in front. A larger one
   * is a `413`: at once when its `Content-Length` says so, before any of it is read, else as
   * soon as the bytes read pass it; the answer says `Connection: close` and the request is
   * closed after it.
   * @default 65536
   */
  limitBytes?: number;
}

const adapterOptionsSchema = z.strictObject({
  publicUrl: z
    .url({ protocol: /^https?$/ })
    .refine((url) => !/[?#]/.test(url), 'must be an origin and path, without a query or fragment')
    .optional(),
  trustProxy: z.boolean(),
  limitBytes: z.number().int().positive().max(10_485_760),
});

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const HOST = /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;

/**
 * {@link createTwilioWebhookHandler} as an Express route handler for Twilio's status callbacks
 * (form-encoded POSTs signed with `X-Twilio-Signature`, or JSON ones whose URL carries the body's
 * SHA-256 as `bodySHA256`). It reads the body itself (or takes what `express.urlencoded()` parsed,
 * or the raw body from `express.text()`/`express.raw()`), rebuilds the URL Twilio signed from
 * `publicUrl` (or a trusted proxy's headers) and the request's path and query, and answers `204`,
 * `400` (bad parameters), `403` (no or bad signature, a JSON body that does not match
 * `bodySHA256`, or one `express.json()` already parsed: `onEvent` is not called), `413` (over
 * `limitBytes`), `415` (neither a form nor JSON) or `500` (`onEvent` failed). Errors reading the
 * request go to `next`.
 *
 * @example
 * app.post(
 *   '/webhooks/twilio',
 *   createExpressTwilioWebhookHandler({
 *     authToken: process.env.TWILIO_AUTH_TOKEN!,
 *     publicUrl: 'https://app.example',
 *     onEvent: (event) => dialer.handleStatus(event),
 *   }),
 * );
 */
export function createExpressTwilioWebhookHandler(options: ExpressTwilioWebhookHandlerOptions) {
  const { publicUrl, trustProxy = false, limitBytes = 65_536, ...handlerOptions } = options;
  const parsed = adapterOptionsSchema.safeParse({
    trustProxy,
    limitBytes,
    ...(publicUrl === undefined ? {} : { publicUrl }),
  });
  if (!parsed.success)
    throw new InvalidOptionsError('createExpressTwilioWebhookHandler', parsed.error.issues);
  const handle = createTwilioWebhookHandler(handlerOptions);
  const report = (error: unknown) => {
    try {
      handlerOptions.onError?.(error);
    } catch {
      // A failing logger must not turn into a failed callback.
    }
  };
  const base = publicUrl?.replace(/\/+$/, '');
  const basePath = base === undefined ? '' : new URL(base).pathname.replace(/\/+$/, '');

  return async (
    req: TwilioWebhookHttpRequest,
    res: TwilioWebhookHttpResponse,
    next: (error?: unknown) => void,
  ): Promise<void> => {
    try {
      // Read (up to limitBytes) before anything is answered, so that no answer leaves a body
      // behind to be drained.
      const text = await bodyText(req, limitBytes);
      if (text === TOO_LARGE) {
        refuseTooLarge(req, res, limitBytes);
        return;
      }
      const type = first(req.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
      if (type !== FORM && type !== JSON_TYPE) {
        send(res, {
          status: 415,
          body: { error: { code: 'unsupported_media_type', message: `Send ${FORM} or JSON` } },
        });
        return;
      }
      const path = req.originalUrl ?? req.url ?? '/';
      const url = `${origin(req, base, basePath, trustProxy)}${path.startsWith('/') ? path : `/${path}`}`;
      const signature = first(req.headers['x-twilio-signature']);
      if (type === JSON_TYPE) {
        if (text === undefined) {
          report(new Error(`A JSON Twilio callback to ${url} was parsed before ${HANDLER}`));
          send(res, { status: 403, body: { error: UNVERIFIABLE } });
          return;
        }
        send(res, await handle({ url, body: text, signature }));
        return;
      }
      const params =
        text === undefined ? toTwilioParams(req.body) : formToParams(new URLSearchParams(text));
      if (params === undefined) {
        send(res, {
          status: 400,
          body: { error: { code: 'invalid_webhook', message: 'The body is not a flat form' } },
        });
        return;
      }
      send(res, await handle({ url, params, signature }));
    } catch (error) {
      next(error);
    }
  };
}

const TOO_LARGE = Symbol('too large');
const HANDLER = 'createExpressTwilioWebhookHandler: its raw body, which bodySHA256 covers, is gone';

const UNVERIFIABLE = {
  code: 'forbidden',
  message: 'The JSON body was parsed before this handler, so its signature cannot be checked',
};

/**
 * The body as text: read from the stream, or the string or `Buffer` a parser in front read;
 * `undefined` when a parser made something else of it, {@link TOO_LARGE} past `limitBytes`.
 */
async function bodyText(
  req: TwilioWebhookHttpRequest,
  limitBytes: number,
): Promise<string | undefined | typeof TOO_LARGE> {
  if (req.body === undefined) return (await readBody(req, limitBytes)) ?? TOO_LARGE;
  if (typeof req.body !== 'string' && !Buffer.isBuffer(req.body)) return undefined;
  if (Buffer.byteLength(req.body) > limitBytes) return TOO_LARGE;
  return typeof req.body === 'string' ? req.body : req.body.toString('utf8');
}

function send(
  res: TwilioWebhookHttpResponse,
  answer: TwilioWebhookResponse | { status: number; body: TwilioWebhookResponse['body'] },
) {
  if (answer.body) res.status(answer.status).json(answer.body);
  else res.status(answer.status).end();
}

/** Scheme and host of the URL Twilio requested. */
function origin(
  req: TwilioWebhookHttpRequest,
  base: string | undefined,
  basePath: string,
  trustProxy: boolean,
) {
  if (trustProxy) {
    const proto = firstValue(req.headers['x-forwarded-proto'])?.toLowerCase();
    const host = firstValue(req.headers['x-forwarded-host']);
    if ((proto === 'https' || proto === 'http') && host !== undefined && HOST.test(host))
      return `${proto}://${host}${basePath}`;
  }
  if (base !== undefined) return base;
  const tls = (req.socket as { encrypted?: unknown } | undefined)?.encrypted === true;
  const scheme = tls ? 'https' : 'http';
  return `${scheme}://${first(req.headers.host) ?? 'localhost'}`;
}

function first(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

/** The first of a proxy header's comma-separated values (the client-facing hop). */
function firstValue(value: string | readonly string[] | undefined): string | undefined {
  const text = first(value)?.split(',')[0]?.trim();
  return text === '' ? undefined : text;
}
