// What the Express adapters of `./twilio` share: reading a request up to a limit, and rebuilding
// the URL Twilio requested (and signed) from `publicUrl` or a trusted proxy's headers.
import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { readBody, refuseTooLarge } from '../http/_body.js';
import { InvalidOptionsError } from '../errors/errors.js';
import { TWILIO } from './_flavour.js';
import { formToParams, toTwilioParams } from './_form.js';
import type { TwilioParams } from './signature.js';

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

/** Where Twilio reaches the app, and how much of a request is read: every Express adapter's. */
export interface ExpressTwilioOptions {
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
   * @example 16_384
   */
  limitBytes?: number;
}

/** A request as an adapter received it: the URL Twilio signed, and the body as text. */
export interface ReceivedTwilioRequest {
  /** The URL Twilio requested, as it signed it. */
  url: string;
  /**
   * The signature header: `X-Twilio-Signature` (SignalWire: `X-SignalWire-Signature`, else its
   * `X-Twilio-Signature`).
   */
  signature: string | undefined;
  /** The media type of the body, in lower case, without its parameters. */
  type: string | undefined;
  /**
   * The body as text (read from the stream, or the string or `Buffer` a parser in front read);
   * `undefined` when a parser in front made something else of it (`req.body`).
   */
  text: string | undefined;
}

/** An adapter's request reader: `undefined` once it answered `413` itself. */
export type TwilioRequestReader = (
  req: TwilioWebhookHttpRequest,
  res: TwilioWebhookHttpResponse,
) => Promise<ReceivedTwilioRequest | undefined>;

/** The form media type Twilio's requests carry. */
export const FORM = 'application/x-www-form-urlencoded';

const adapterOptionsSchema = strictObject({
  publicUrl: z
    .url({ protocol: /^https?$/ })
    .refine((url) => !/[?#]/.test(url), 'must be an origin and path, without a query or fragment')
    .optional(),
  trustProxy: z.boolean(),
  limitBytes: z.number().int().positive().max(10_485_760),
});

const HOST = /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;

/**
 * Checks the adapter's own options (an `InvalidOptionsError` named after `factory`) and makes its
 * request reader. Reads the body (up to `limitBytes`) before anything is answered, so that no
 * answer leaves a body behind to be drained. The signature is the first of `signatureHeaders`
 * (in lower case) the request carries.
 */
export function createTwilioRequestReader(
  factory: string,
  options: ExpressTwilioOptions,
  signatureHeaders: readonly string[] = TWILIO.signatureHeaders,
): TwilioRequestReader {
  const { publicUrl, trustProxy = false, limitBytes = 65_536 } = options;
  const parsed = adapterOptionsSchema.safeParse({
    trustProxy,
    limitBytes,
    ...(publicUrl === undefined ? {} : { publicUrl }),
  });
  if (!parsed.success) throw new InvalidOptionsError(factory, parsed.error.issues);
  const base = publicUrl?.replace(/\/+$/, '');
  const basePath = base === undefined ? '' : new URL(base).pathname.replace(/\/+$/, '');

  return async (req, res) => {
    const text = await bodyText(req, limitBytes);
    if (text === TOO_LARGE) {
      refuseTooLarge(req, res, limitBytes);
      return undefined;
    }
    const path = req.originalUrl ?? req.url ?? '/';
    return {
      url: `${origin(req, base, basePath, trustProxy)}${path.startsWith('/') ? path : `/${path}`}`,
      signature: signatureHeaders
        .map((name) => first(req.headers[name]))
        .find((value) => value !== undefined),
      type: first(req.headers['content-type'])?.split(';')[0]?.trim().toLowerCase(),
      text,
    };
  };
}

/**
 * The form parameters of a received form: its text, or what `express.urlencoded()` in front made
 * of it; `undefined` when that is not a flat form.
 */
export function formParams(
  req: TwilioWebhookHttpRequest,
  received: ReceivedTwilioRequest,
): TwilioParams | undefined {
  return received.text === undefined
    ? toTwilioParams(req.body)
    : formToParams(new URLSearchParams(received.text));
}

/** Answers `status` with a JSON `body`, or with no body. */
export function send(res: TwilioWebhookHttpResponse, status: number, body?: unknown): void {
  if (body === undefined) res.status(status).end();
  else res.status(status).json(body);
}

const TOO_LARGE = Symbol('too large');

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
