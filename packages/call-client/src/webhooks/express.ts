import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { readBody, refuseTooLarge } from '../http/_body.js';
import { InvalidOptionsError } from '../errors/errors.js';
import { createWebhookHandler, type WebhookHandlerOptions } from './webhook.js';

const adapterOptionsSchema = strictObject({
  tokenParam: z.string().min(1),
  limitBytes: z.number().int().positive(),
});

/** The parts of an Express (or Node `http`) request the adapter reads. */
export interface WebhookHttpRequest extends AsyncIterable<unknown> {
  /** Its `Content-Length`, when it has one, is checked against `limitBytes` before reading. */
  headers?: Record<string, string | readonly string[] | undefined>;
  /** Route parameters; Express 5 gives a list for a wildcard, which is never a token. */
  params?: Record<string, string | readonly string[] | undefined>;
  body?: unknown;
  /** The request's path as sent (Express keeps it undecoded here). */
  originalUrl?: string;
  url?: string;
  /** Closes the request after a `413`, so that no more of the body is read. */
  destroy?(): unknown;
}

/** The parts of an Express response the adapter writes. */
export interface WebhookHttpResponse {
  status(code: number): WebhookHttpResponse;
  json(body: unknown): unknown;
  end(): unknown;
  /** Sets `Connection: close` on a `413`. */
  setHeader?(name: string, value: string): unknown;
  /** Tells when a `413` is out, to close the request then. */
  once?(event: 'finish', listener: () => void): unknown;
}

/** Options of {@link createExpressWebhookHandler}: those of `createWebhookHandler`, and more. */
export interface ExpressWebhookHandlerOptions extends WebhookHandlerOptions {
  /**
   * The route parameter that carries the token.
   * @default 'token'
   */
  tokenParam?: string;
  /**
   * The largest body read when no body parser ran before the handler. A larger one is a `413`:
   * at once when its `Content-Length` says so, before any of it is read, else as soon as the
   * bytes read pass it; the answer says `Connection: close` and the request is closed after it.
   * @default 65536
   */
  limitBytes?: number;
}

/**
 * {@link createWebhookHandler} as an Express route handler. Mount it on a path with a token
 * parameter; it works with or without `express.json()` in front of it.
 *
 * @example
 * app.post('/webhooks/dialer/:token', createExpressWebhookHandler({ token, onEvent: dialer.handleStatus }));
 */
export function createExpressWebhookHandler(options: ExpressWebhookHandlerOptions) {
  const { tokenParam = 'token', limitBytes = 65_536, ...handlerOptions } = options;
  const parsed = adapterOptionsSchema.safeParse({ tokenParam, limitBytes });
  if (!parsed.success)
    throw new InvalidOptionsError('createExpressWebhookHandler', parsed.error.issues);
  const handle = createWebhookHandler(handlerOptions);

  return async (
    req: WebhookHttpRequest,
    res: WebhookHttpResponse,
    next: (error?: unknown) => void,
  ): Promise<void> => {
    try {
      let body = req.body;
      if (body === undefined) {
        const text = await readBody(req, limitBytes);
        if (text === undefined) {
          refuseTooLarge(req, res, limitBytes);
          return;
        }
        body = text;
      }
      const answer = await handle({ token: literalToken(req, req.params?.[tokenParam]), body });
      if (answer.body) res.status(answer.status).json(answer.body);
      else res.status(answer.status).end();
    } catch (error) {
      next(error);
    }
  };
}

/**
 * The token as the path spelled it. Express decodes route parameters, so `%61bc` would read as
 * `abc`: a token is taken only when it appears verbatim as a segment of the raw path (tokens
 * made by `createWebhookToken` need no escaping).
 */
function literalToken(
  req: WebhookHttpRequest,
  token: string | readonly string[] | undefined,
): string | undefined {
  if (typeof token !== 'string') return undefined;
  const raw = req.originalUrl ?? req.url;
  if (raw === undefined) return token;
  const path = raw.split('?')[0] ?? '';
  return path.split('/').includes(token) ? token : undefined;
}
