/**
 * The two dialects of the Twilio engine: SignalWire's signs with the project's signing key in
 * `X-SignalWire-Signature` alone, and the official `@signalwire/compatibility-api`
 * `validateRequest` agrees with every request it signs, on a generated corpus.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveKnobs } from './_options.js';
import { RestClient } from './_signalwire-official.js';
import { callbackUrl, signTwilioRequest } from './_twilio-callbacks.js';
import { dialectOf } from './_twilio-dialect.js';
import { SIGNALWIRE_TEST_CREDENTIALS } from './signalwire-credentials.js';
import { TWILIO_TEST_CREDENTIALS } from './twilio-credentials.js';

const { signingKey, apiToken, projectId } = SIGNALWIRE_TEST_CREDENTIALS;
const signalwire = dialectOf(resolveKnobs({ flavour: 'signalwire' }));
const twilio = dialectOf(resolveKnobs({ flavour: 'twilio' }));
const CASES = 2000;

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', 'a b', 'ç', 'ü+ö', '😀', '%41', '&=?', '+14155552671'),
);
const url = fc
  .record({
    scheme: fc.constantFrom('http', 'https'),
    host: fc.constantFrom('app.example', '127.0.0.1', 'hooks.example.com'),
    port: fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
    path: fc.array(text, { maxLength: 3 }),
    query: fc.array(fc.tuple(text, text), { maxLength: 3 }),
  })
  .map(({ scheme, host, port, path, query }) => {
    const built = new URL(`${scheme}://${host}${port === undefined ? '' : `:${port}`}/`);
    built.pathname = `/${path.map(encodeURIComponent).join('/')}`;
    for (const [name, value] of query) built.searchParams.append(name, value);
    return callbackUrl(built.href);
  });
const params = fc.dictionary(fc.stringMatching(/^[A-Z][A-Za-z]{0,12}$/), text, { maxKeys: 8 });
const request = fc.record({
  url,
  params,
  method: fc.constantFrom('GET' as const, 'POST' as const),
});

/** What the official validator is given: the URL received, and the form (none for a GET). */
const officialParams = (signed: { method: string; params: Record<string, string> }) =>
  signed.method === 'POST' ? signed.params : {};

describe('the SignalWire dialect', () => {
  it('plays the project: its id in paths, its credentials, its key and header, UUID ids', () => {
    expect(signalwire).toMatchObject({
      flavour: 'signalwire',
      accountSid: projectId,
      credentials: [{ user: projectId, secret: apiToken }],
      signingKey,
      signatureHeader: 'x-signalwire-signature',
      pathPrefix: '/api/laml',
    });
    const calls = `/2010-04-01/Accounts/${projectId}/Calls/abc.json`;
    expect(signalwire.path.exec(`/api/laml${calls}`)?.slice(1)).toEqual([projectId, 'abc']);
    expect(signalwire.path.exec(calls)?.slice(1)).toEqual([projectId, 'abc']);
    expect(signalwire.path.exec(`/api${calls}`)).toBeNull();
    expect(twilio.path.exec(`/api/laml${calls}`)).toBeNull();
    expect(signalwire.callbackStatus('in-progress')).toBe('answered');
    expect(twilio.callbackStatus('in-progress')).toBe('in-progress');
  });

  it(`signs requests the official validateRequest accepts, and no spoilt one (${CASES} generated)`, () => {
    fc.assert(
      fc.property(request, ({ url, params, method }) => {
        const signed = signTwilioRequest(signalwire, url, method, params);
        expect(Object.keys(signed.headers).filter((h) => h.endsWith('-signature'))).toEqual([
          'x-signalwire-signature',
        ]);
        const signature = signed.headers['x-signalwire-signature'] ?? '';
        const given = officialParams(signed);
        expect(RestClient.validateRequest(signingKey, signature, signed.url, given)).toBe(true);
        expect(RestClient.validateRequest(`${signingKey}x`, signature, signed.url, given)).toBe(
          false,
        );
        const spoilt =
          method === 'POST'
            ? RestClient.validateRequest(signingKey, signature, signed.url, {
                ...given,
                Spoilt: '1',
              })
            : RestClient.validateRequest(signingKey, signature, `${signed.url}&Spoilt=1`, given);
        expect(spoilt).toBe(false);
        const asTwilio = signTwilioRequest(twilio, url, method, params);
        expect(Object.keys(asTwilio.headers)).not.toContain('x-signalwire-signature');
        const twilioSignature = asTwilio.headers['x-twilio-signature'] ?? '';
        expect(RestClient.validateRequest(signingKey, twilioSignature, asTwilio.url, given)).toBe(
          false,
        );
        expect(
          RestClient.validateRequest(
            TWILIO_TEST_CREDENTIALS.authToken,
            twilioSignature,
            asTwilio.url,
            given,
          ),
        ).toBe(true);
      }),
      { numRuns: CASES },
    );
  });
});
