import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { InvalidOptionsError, type WebhookValidationError } from '../errors/errors.js';
import { TWILIO, type TwilioFlavour } from './_flavour.js';
import { toTwilioParams, type TwilioCallbackParams } from './_form.js';
import { checkSignature, type TwilioParams } from './signature.js';
import { createStatusCallbackParser, type TwilioStatusCallback } from './status-callback.js';

/** Options of {@link createTwilioWebhookHandler}. */
export interface TwilioWebhookHandlerOptions {
  /** The auth token of the account whose calls' callbacks arrive here: their signatures' key. */
  authToken: string;
  /** Receives each valid event. A rejection answers `500`, so Twilio may send it again. */
  onEvent: (event: TwilioStatusCallback) => void | Promise<void>;
  /**
   * The account the callbacks must come from: a validly signed callback of another account is
   * answered `403` and changes nothing.
   * @default any account (the signature alone decides)
   */
  accountSid?: string;
  /** Told about every refused or failed callback, e.g. to log it. */
  onError?: (error: unknown) => void;
}

/** What to answer Twilio. */
export interface TwilioWebhookResponse {
  status: 204 | 400 | 403 | 500;
  body?: { error: { code: string; message: string; details?: unknown } };
}

/**
 * What a {@link TwilioWebhookHandler} needs of a request: its form parameters (`params`), or, for
 * a JSON request (`application/json`), its raw body (`body`).
 */
export type TwilioWebhookRequest = {
  /**
   * The full URL Twilio requested, as it signed it (the configured `StatusCallback`), query
   * string included (with `bodySHA256` for a JSON request).
   */
  url: string;
  /** The `X-Twilio-Signature` header. */
  signature: string | undefined;
} & (
  | {
      /**
       * The form parameters of the body: parsed, as `URLSearchParams`, or the form-encoded body
       * itself.
       */
      params: TwilioCallbackParams;
      body?: never;
    }
  | {
      /**
       * The raw body of a JSON request, exactly as received: its SHA-256 must be the URL's
       * `bodySHA256`, and it must be an object of string (or string list) fields.
       */
      body: string;
      params?: never;
    }
);

/** A framework-agnostic handler of Twilio's status callbacks. */
export type TwilioWebhookHandler = (
  request: TwilioWebhookRequest,
) => Promise<TwilioWebhookResponse>;

const handlerOptionsSchema = strictObject({
  authToken: z.string().min(1),
  onEvent: z.custom<TwilioWebhookHandlerOptions['onEvent']>((v) => typeof v === 'function'),
  accountSid: z
    .string()
    .regex(/^AC[0-9a-f]{32}$/i, 'must be AC followed by 32 hex digits')
    .optional(),
  onError: z.custom<(error: unknown) => void>((v) => typeof v === 'function').optional(),
});

/** The `403` of a request that is not the provider's. */
export function forbidden(label: string): {
  status: 403;
  body: { error: { code: string; message: string } };
} {
  return {
    status: 403,
    body: { error: { code: 'forbidden', message: `The request is not signed by ${label}` } },
  };
}

/**
 * Receives Twilio's status callbacks. A request without a valid `X-Twilio-Signature` for its URL
 * and parameters gets `403` and `onEvent` is not called; so does a JSON request (given as `body`)
 * whose body's SHA-256 is not the URL's `bodySHA256` (see {@link verifyTwilioSignature}).
 * Malformed parameters get `400`; a valid callback is handed to `onEvent`, then `204`. Never
 * throws. The callbacks of calls to the account's number (`direction: 'inbound'`, from the
 * number's "Call status changes" URL) arrive here too: hand those to `inboundUpdateOf`, not to
 * a dialer or a scheduler, which never placed them.
 *
 * @example
 * const handle = createTwilioWebhookHandler({ authToken, onEvent: dialer.handleStatus });
 * const answer = await handle({ url, params, signature: headers['x-twilio-signature'] });
 * const answer = await handle({ url, body: rawJson, signature: headers['x-twilio-signature'] });
 */
export function createTwilioWebhookHandler(
  options: TwilioWebhookHandlerOptions,
): TwilioWebhookHandler {
  const parsed = handlerOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new InvalidOptionsError('createTwilioWebhookHandler', parsed.error.issues);
  const { authToken, accountSid, onEvent, onError } = options;
  return createFlavouredWebhookHandler(TWILIO, {
    key: authToken,
    account: accountSid,
    onEvent,
    onError,
  });
}

/** What a flavour's status callback handler is made of: its options, checked. */
export interface FlavouredWebhookSettings {
  /** The key of the requests' signatures. */
  key: string;
  /** The account the callbacks must come from, if any. */
  account?: string;
  onEvent: TwilioWebhookHandlerOptions['onEvent'];
  onError?: (error: unknown) => void;
}

/** {@link createTwilioWebhookHandler} of a flavour (its signing, its ids, its name). */
export function createFlavouredWebhookHandler(
  flavour: TwilioFlavour,
  settings: FlavouredWebhookSettings,
): TwilioWebhookHandler {
  const { key, onEvent, account } = settings;
  const { label } = flavour;
  const parseStatusCallback = createStatusCallbackParser(flavour);
  const verified = (request: Parameters<typeof checkSignature>[2]) =>
    checkSignature(flavour.signing, key, request);
  const report = (error: unknown) => {
    try {
      settings.onError?.(error);
    } catch {
      // A failing logger must not turn into a failed callback.
    }
  };

  return async (request) => {
    const { url, signature, body } = request;
    let params: TwilioParams | undefined;
    let valid: boolean;
    if (body === undefined) {
      params = toTwilioParams(request.params);
      valid = params !== undefined && verified({ url, params, signature });
    } else {
      valid = request.params === undefined && verified({ url, body, signature });
      if (valid) params = jsonParams(body);
    }
    if (!valid) {
      report(new Error(`A ${label} callback to ${url} arrived without a valid signature`));
      return forbidden(label);
    }
    if (params === undefined) {
      report(new Error(`A ${label} callback to ${url} has a body that is not a flat JSON object`));
      return {
        status: 400,
        body: {
          error: { code: 'invalid_webhook', message: 'The body is not a flat JSON object' },
        },
      };
    }
    let event: TwilioStatusCallback;
    try {
      event = parseStatusCallback(params);
    } catch (error) {
      report(error);
      const { message, reason } = error as WebhookValidationError;
      return {
        status: 400,
        body: { error: { code: 'invalid_webhook', message, details: reason } },
      };
    }
    if (account !== undefined && event.accountSid.toLowerCase() !== account.toLowerCase()) {
      report(new Error(`A ${label} callback of another account (${event.accountSid}) arrived`));
      return forbidden(label);
    }
    try {
      await onEvent(event);
    } catch (error) {
      report(error);
      return {
        status: 500,
        body: { error: { code: 'internal', message: 'The event could not be handled' } },
      };
    }
    return { status: 204 };
  };
}

/** A JSON body's fields as parameters; `undefined` unless it is an object of strings or lists. */
function jsonParams(body: string): TwilioParams | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null ? toTwilioParams(parsed) : undefined;
}
