import { checkSignature, sign, signingKeyOf, type TwilioParams } from '../twilio/signature.js';
import { SIGNALWIRE_SIGNING } from './_signing.js';

/**
 * What {@link verifySignalWireSignature} checks: a request with form parameters (`params`), or
 * one with a raw body such as JSON (`body`), never both.
 */
export type VerifySignalWireSignatureInput = {
  /**
   * The project's signing key (its Signing Key in the SignalWire space's API page): the key of
   * its requests' signatures. Not a non-empty string: an `InvalidOptionsError` (a configuration
   * mistake, not a forged request).
   */
  signingKey: string;
  /**
   * The full URL SignalWire requested (the one configured as the callback), query string
   * included, spelled as it arrived.
   */
  url: string;
  /**
   * The request's `X-SignalWire-Signature` header (or its `X-Twilio-Signature`, which SignalWire
   * also sends); a missing one never verifies.
   */
  signature: string | undefined;
} & (
  | {
      /** The form parameters of the request's body (`{}` for a `GET`). */
      params: TwilioParams;
      body?: never;
    }
  | {
      /**
       * The raw body of a request that is not a form (`application/json`), exactly as received:
       * its SHA-256 must be the URL's `bodySHA256` query parameter.
       */
      body: string;
      params?: never;
    }
);

/**
 * The signature SignalWire sends with a request to `url` carrying `params`: Twilio's algorithm
 * (the URL, then every parameter's name and value sorted by name, HMAC-SHA1, base64) under the
 * project's signing key, a repeated name's values in the order sent.
 */
export function computeSignalWireSignature(
  signingKey: string,
  url: string,
  params: TwilioParams,
): string {
  return sign(signingKey, url + SIGNALWIRE_SIGNING.paramsData(params));
}

/**
 * `true` when `signature` is one `@signalwire/compatibility-api`'s `validateRequest` accepts for
 * `url` and `params` under `signingKey` (or, given a raw `body`, one its
 * `validateRequestWithBody` accepts), compared in constant time.
 *
 * The official validator reads the URL with the `url-parse` package and checks two spellings of
 * it: without its port, and with it (its scheme's default port, `:443` for `https`, else `:80`,
 * written out when it has none). `url-parse` writes the scheme and host in lower case, drops a
 * default port, adds a `/` to an empty path and leaves the rest as received (nothing is
 * percent-encoded); a repeated parameter's values are signed in the order sent. Unlike
 * `verifyTwilioSignature`, no `new URL()` spelling is accepted: SignalWire's own validator
 * accepts none.
 *
 * The key is the project's signing key, which is what the official package's validator takes
 * (it has no fallback to the API token: give the key the space shows).
 *
 * With `body`, the signature covers the URL alone, and the body's SHA-256, in lower-case hex,
 * must equal the URL's first `bodySHA256` query parameter: a URL without one never verifies, nor
 * does a changed body.
 *
 * Never throws over the request's part: anything malformed simply does not verify.
 *
 * @example
 * verifySignalWireSignature({
 *   signingKey: process.env.SIGNALWIRE_SIGNING_KEY!,
 *   url: 'https://app.example/webhooks/signalwire',
 *   params: req.body,
 *   signature: req.headers['x-signalwire-signature'],
 * });
 */
export function verifySignalWireSignature(input: VerifySignalWireSignatureInput): boolean {
  const signingKey = signingKeyOf(input, 'signingKey', 'verifySignalWireSignature');
  return checkSignature(SIGNALWIRE_SIGNING, signingKey, input);
}
