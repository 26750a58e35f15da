import { describe, expect, it } from 'vitest';
import { isInvalidOptionsError } from '../errors/errors.js';
import { computeTwilioSignature, verifyTwilioSignature, type TwilioParams } from './signature.js';

// Vectors from twilio-node's tests (spec/validation.spec.js): their signatures are what Twilio
// computes for these requests under the auth token '12345'.
const TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};
const SIGNATURE = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

const verify = (
  url: string,
  params: TwilioParams,
  signature: string | undefined,
  authToken = TOKEN,
) => verifyTwilioSignature({ authToken, url, params, signature });

describe('computeTwilioSignature', () => {
  it("computes Twilio's signature of a URL and its parameters", () => {
    expect(computeTwilioSignature(TOKEN, URL_, PARAMS)).toBe(SIGNATURE);
  });

  it('signs a repeated parameter by its sorted, distinct values', () => {
    const params = { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] };
    expect(computeTwilioSignature(TOKEN, URL_, params)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
  });
});

describe('verifyTwilioSignature', () => {
  it("accepts Twilio's signature", () => {
    expect(verify(URL_, PARAMS, SIGNATURE)).toBe(true);
  });

  it('refuses a tampered parameter, an added one and a removed one', () => {
    expect(verify(URL_, { ...PARAMS, Digits: '1235' }, SIGNATURE)).toBe(false);
    expect(verify(URL_, { ...PARAMS, CallStatus: 'completed' }, SIGNATURE)).toBe(false);
    const { Digits: _, ...fewer } = PARAMS;
    expect(verify(URL_, fewer, SIGNATURE)).toBe(false);
  });

  it('refuses a tampered URL: path, query, host or scheme', () => {
    expect(verify('https://mycompany.com/myapp.php?foo=1&bar=3', PARAMS, SIGNATURE)).toBe(false);
    expect(verify('https://mycompany.com/other.php?foo=1&bar=2', PARAMS, SIGNATURE)).toBe(false);
    expect(verify('https://evil.example/myapp.php?foo=1&bar=2', PARAMS, SIGNATURE)).toBe(false);
    expect(verify('http://mycompany.com/myapp.php?foo=1&bar=2', PARAMS, SIGNATURE)).toBe(false);
  });

  it('refuses a signature made with another token', () => {
    expect(verify(URL_, PARAMS, SIGNATURE, '54321')).toBe(false);
    expect(verify(URL_, PARAMS, computeTwilioSignature('54321', URL_, PARAMS))).toBe(false);
  });

  it('refuses a missing, empty or malformed signature', () => {
    expect(verify(URL_, PARAMS, undefined)).toBe(false);
    expect(verify(URL_, PARAMS, '')).toBe(false);
    expect(verify(URL_, PARAMS, 'WRONG_SIGNATURE')).toBe(false);
    expect(verify(URL_, PARAMS, `${SIGNATURE}=`)).toBe(false);
    expect(verify(URL_, PARAMS, SIGNATURE.slice(0, -1))).toBe(false);
  });

  it('accepts a URL signed with the default port written out (:443, :80)', () => {
    expect(verify(URL_, PARAMS, 'kvajT1Ptam85bY51eRf/AJRuM3w=')).toBe(true);
    expect(verify(URL_.replace('https', 'http'), PARAMS, '0ZXoZLH/DfblKGATFgpif+LLRf4=')).toBe(
      true,
    );
  });

  it('accepts a URL with its default port when Twilio signed it without', () => {
    expect(verify('https://mycompany.com:443/myapp.php?foo=1&bar=2', PARAMS, SIGNATURE)).toBe(true);
  });

  it('accepts a URL with a port when Twilio signed it with or without it', () => {
    const withPort = 'http://mycompany.com:1234/myapp.php?foo=1&bar=2';
    expect(verify(withPort, PARAMS, 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=')).toBe(true);
    expect(verify(URL_.replace('.com', '.com:1234'), PARAMS, SIGNATURE)).toBe(true);
  });

  it('accepts URLs with credentials, with and without the default port', () => {
    const url = 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2';
    expect(verify(url, PARAMS, 'CukzLTc1tT5dXEDIHm/tKBanW10=')).toBe(true);
    expect(verify(url, PARAMS, 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=')).toBe(true);
    const user = 'https://user@mycompany.com/myapp.php?foo=1&bar=2';
    expect(verify(user, PARAMS, '2YRLlVAflCqxaNicjMpJcSTgzSs=')).toBe(true);
  });

  it('accepts query values Twilio signed with a quote and a space written the legacy way', () => {
    expect(verify(`${URL_}&Body=It's+amazing`, PARAMS, 'TfZzewPq8wqrGlMfyAud8+/IvJ0=')).toBe(true);
  });

  it.each([
    [
      "https://example.com/path?test=param'WithQuote",
      "https://example.com/path?test=param'WithQuote",
    ],
    [
      "https://example.com/path?test=param'WithQuote",
      'https://example.com/path?test=param%27WithQuote',
    ],
    [
      'https://example.com/path?test=param%27WithQuote',
      "https://example.com/path?test=param'WithQuote",
    ],
    [
      'https://example.com/path?test=param%27WithQuote',
      'https://example.com/path?test=param%27WithQuote',
    ],
  ])('accepts a quote in a query value signed as %s and received as %s', (signed, received) => {
    const signature = computeTwilioSignature('s3cr3t', signed, {});
    expect(
      verifyTwilioSignature({ authToken: 's3cr3t', url: received, params: {}, signature }),
    ).toBe(true);
  });

  it('refuses a quoted query value that differs', () => {
    const signature = computeTwilioSignature('s3cr3t', 'https://example.com/path?test=param', {});
    const url = 'https://example.com/path?test=param2';
    expect(verifyTwilioSignature({ authToken: 's3cr3t', url, params: {}, signature })).toBe(false);
  });

  it('accepts a repeated parameter whatever the order of its values, and refuses another value', () => {
    const signature = '83O6e2vORAoJHUNzJjDWN1jz+BA=';
    const name = 'MessagingBinding.Address';
    expect(verify(URL_, { [name]: ['+1325xxxxxxx', '+1415xxxxxxx'] }, signature)).toBe(true);
    expect(verify(URL_, { [name]: ['+1415xxxxxxx', '+1325xxxxxxx'] }, signature)).toBe(true);
    expect(verify(URL_, { [name]: ['+1415xxxxxxx', '+1326xxxxxxx'] }, signature)).toBe(false);
    expect(verify(URL_, { [name]: '+1415xxxxxxx' }, signature)).toBe(false);
  });

  it('refuses a URL it cannot parse with a signature for another, and verifies its own', () => {
    expect(verify('not a url', PARAMS, SIGNATURE)).toBe(false);
    expect(verify('not a url', PARAMS, computeTwilioSignature(TOKEN, 'not a url', PARAMS))).toBe(
      true,
    );
  });

  it.each([
    [
      'an upper-case host and :443, signed without the port',
      'https://APP.example:443/hook?x=1',
      'https://APP.example/hook?x=1',
    ],
    [
      'a raw space in the query and a port, signed without the port',
      'http://app.example:8080/hook?a=b c',
      'http://app.example/hook?a=b c',
    ],
    [
      'a Unicode host, signed in punycode with :443',
      'https://bücher.example/hook',
      'https://xn--bcher-kva.example:443/hook',
    ],
    [
      'a fragment, signed with it read as part of the legacy query',
      'https://app.example/hook?a=1#f',
      'https://app.example/hook?a=1%23f',
    ],
  ])('accepts a URL with %s', (_, received, signed) => {
    expect(verify(received, {}, computeTwilioSignature(TOKEN, signed, {}))).toBe(true);
  });

  it.each([
    [
      'an upper-case host the request did not have',
      'https://app.example/x',
      'https://APP.example/x',
    ],
    [
      'another port than the one received',
      'https://app.example:8443/x',
      'https://app.example:8444/x',
    ],
    ['a space written as + in the path', 'https://app.example/a b', 'https://app.example/a+b'],
    ['no fragment when one was received', 'https://app.example/x#f', 'https://app.example/x'],
  ])('refuses a signature for %s', (_, received, signed) => {
    expect(verify(received, {}, computeTwilioSignature(TOKEN, signed, {}))).toBe(false);
  });

  it.each([
    ['a signature that is not a string', { signature: 42 }],
    ['a signature that is a list', { signature: [SIGNATURE] }],
    ['a URL that is not a string', { url: new URL(URL_) }],
    ['parameters that are null', { params: null }],
    ['parameters that are a string', { params: 'CallSid=CA1' }],
    ['a parameter that is a number', { params: { ...PARAMS, Digits: 1234 } }],
    ['a parameter list holding a number', { params: { ...PARAMS, Digits: ['1234', 5] } }],
  ])('answers false, without throwing, to %s', (_, change) => {
    const input = { authToken: TOKEN, url: URL_, params: PARAMS, signature: SIGNATURE, ...change };
    expect(verifyTwilioSignature(input as never)).toBe(false);
  });

  it.each([
    ['an empty auth token', ''],
    ['no auth token', undefined],
    ['an auth token that is not a string', 12345],
  ])('refuses %s with an InvalidOptionsError', (_, authToken) => {
    const input = { authToken, url: URL_, params: PARAMS, signature: SIGNATURE };
    try {
      verifyTwilioSignature(input as never);
      expect.unreachable();
    } catch (error) {
      expect(isInvalidOptionsError(error)).toBe(true);
      expect((error as Error).message).toContain('authToken');
    }
  });
});

describe('verifyTwilioSignature with a raw body', () => {
  // twilio-node's vector (spec/validation.spec.js): a JSON body, its SHA-256 in the URL.
  const BODY = '{"property": "value", "boolean": true}';
  const HASH = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';
  const URL_WITH_HASH = `${URL_}&bodySHA256=${HASH}`;
  const BODY_SIGNATURE = 'a9nBmqA0ju/hNViExpshrM61xv4=';
  const verifyBody = (url: string, body: string, signature: string | undefined) =>
    verifyTwilioSignature({ authToken: TOKEN, url, body, signature });

  it('accepts a body whose SHA-256 is bodySHA256, signed over the URL alone', () => {
    expect(computeTwilioSignature(TOKEN, URL_WITH_HASH, {})).toBe(BODY_SIGNATURE);
    expect(verifyBody(URL_WITH_HASH, BODY, BODY_SIGNATURE)).toBe(true);
  });

  it('accepts the URL with its default port when Twilio signed it without', () => {
    const url = URL_WITH_HASH.replace('.com', '.com:443');
    expect(verifyBody(url, BODY, BODY_SIGNATURE)).toBe(true);
  });

  it('refuses a changed body, even by one space', () => {
    expect(verifyBody(URL_WITH_HASH, BODY.replace('value', 'valuE'), BODY_SIGNATURE)).toBe(false);
    expect(verifyBody(URL_WITH_HASH, `${BODY} `, BODY_SIGNATURE)).toBe(false);
  });

  it('refuses a URL without bodySHA256, even signed', () => {
    const signature = computeTwilioSignature(TOKEN, URL_, {});
    expect(verifyBody(URL_, BODY, signature)).toBe(false);
    expect(verifyBody(URL_, '', signature)).toBe(false);
  });

  it('refuses a body whose hash matches but whose URL was signed otherwise', () => {
    const signature = computeTwilioSignature(TOKEN, URL_WITH_HASH, { property: 'value' });
    expect(verifyBody(URL_WITH_HASH, BODY, signature)).toBe(false);
    expect(verifyBody(URL_WITH_HASH.replace('foo=1', 'foo=2'), BODY, BODY_SIGNATURE)).toBe(false);
  });

  it('refuses bodySHA256 in upper-case hex', () => {
    const url = `${URL_}&bodySHA256=${HASH.toUpperCase()}`;
    expect(verifyBody(url, BODY, computeTwilioSignature(TOKEN, url, {}))).toBe(false);
  });

  it.each([
    ['a body that is not a string', { body: Buffer.from(BODY) }],
    ['both a body and parameters', { params: {} }],
    ['a URL that does not parse', { url: 'not a url' }],
  ])('answers false, without throwing, to %s', (_, change) => {
    const input = {
      authToken: TOKEN,
      url: URL_WITH_HASH,
      body: BODY,
      signature: BODY_SIGNATURE,
      ...change,
    };
    expect(verifyTwilioSignature(input as never)).toBe(false);
  });

  it('refuses an empty auth token with an InvalidOptionsError', () => {
    const input = { authToken: '', url: URL_WITH_HASH, body: BODY, signature: BODY_SIGNATURE };
    expect(() => verifyTwilioSignature(input)).toThrow(
      expect.objectContaining({ name: 'InvalidOptionsError' }),
    );
  });
});
