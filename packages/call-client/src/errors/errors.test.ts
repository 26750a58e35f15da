import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  RingkitError,
  isRingkitError,
  CallApiError,
  HttpError,
  InvalidPhoneNumberError,
  ConnectionError,
  ResponseValidationError,
  RequestTimeoutError,
  WebhookValidationError,
  isCallApiError,
  isHttpError,
  isInvalidPhoneNumberError,
  isConnectionError,
  isResponseValidationError,
  isRequestTimeoutError,
  isWebhookValidationError,
} from './errors.js';
import { isAmbiguousPlacement, isCallNotPlaced, isRetryablePlacementError } from './placement.js';

const request = { method: 'POST', url: 'http://localhost:5000/api/call' };

describe('errors', () => {
  it('gives each failure its own class, name and code under CallApiError', () => {
    const errors = [
      new HttpError({ status: 503, request, body: { e: 1 }, headers: new Headers(), attempts: 4 }),
      new RequestTimeoutError({ request, timeoutMs: 10 }),
      new ConnectionError({ request, errno: 'ECONNREFUSED' }),
      new ResponseValidationError({ request, body: {}, issues: [] }),
      new InvalidPhoneNumberError('12', 'too short'),
      new WebhookValidationError({ reason: 'missing_id', message: 'no id', body: {} }),
    ];
    expect(errors.map((e) => [e.name, e.code])).toEqual([
      ['HttpError', 'http_error'],
      ['RequestTimeoutError', 'timeout'],
      ['ConnectionError', 'connection_error'],
      ['ResponseValidationError', 'invalid_response'],
      ['InvalidPhoneNumberError', 'invalid_phone_number'],
      ['WebhookValidationError', 'invalid_webhook'],
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(CallApiError);
      expect(isCallApiError(error)).toBe(true);
      expect(error).toBeInstanceOf(RingkitError);
      expect(isRingkitError(error)).toBe(true);
    }
  });

  it('shares one base with every ringkit error, serialised with name, code and message', () => {
    const error = new RequestTimeoutError({ request, timeoutMs: 10 });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      name: 'RequestTimeoutError',
      code: 'timeout',
      message: 'POST http://localhost:5000/api/call got no answer within 10 ms',
      timeoutMs: 10,
    });
    const other = new RingkitError('from another package', 'other');
    expect(isRingkitError(other)).toBe(true);
    expect(isCallApiError(other)).toBe(false);
    expect(isRingkitError(new Error('plain'))).toBe(false);
    const foreign = Object.assign(new Error('x'), { name: 'DialerError' });
    Object.defineProperty(foreign, Symbol.for('ringkit.RingkitError'), { value: true });
    expect(isRingkitError(foreign)).toBe(true);
  });

  it('says what happened in the message', () => {
    const error = new HttpError({
      status: 422,
      request,
      body: { error: 'bad number' },
      headers: new Headers(),
      attempts: 1,
    });
    expect(error.message).toBe(
      'POST http://localhost:5000/api/call answered 422: {"error":"bad number"}',
    );
    expect(new ConnectionError({ request, errno: 'ECONNREFUSED' }).message).toContain(
      'ECONNREFUSED',
    );
  });

  it('guards tell the classes apart', () => {
    const http = new HttpError({
      status: 500,
      request,
      body: undefined,
      headers: new Headers(),
      attempts: 1,
    });
    expect(isHttpError(http)).toBe(true);
    expect(isRequestTimeoutError(http)).toBe(false);
    expect(isConnectionError(new ConnectionError({ request, errno: undefined }))).toBe(true);
    expect(
      isResponseValidationError(new ResponseValidationError({ request, body: 1, issues: [] })),
    ).toBe(true);
    expect(isInvalidPhoneNumberError(new InvalidPhoneNumberError('x', 'y'))).toBe(true);
    expect(
      isWebhookValidationError(
        new WebhookValidationError({ reason: 'not_json', message: 'm', body: '' }),
      ),
    ).toBe(true);
    expect(isCallApiError(new Error('plain'))).toBe(false);
    expect(isCallApiError(null)).toBe(false);
    expect(isHttpError({ name: 'HttpError' })).toBe(false);
  });

  it('guards work on errors from another realm or copy of the package', () => {
    const foreign = runInNewContext(`
      const e = new Error('x'); e.name = 'RequestTimeoutError';
      Object.defineProperty(e, Symbol.for('ringkit.CallApiError'), { value: true });
      e`);
    expect(foreign instanceof CallApiError).toBe(false);
    expect(isCallApiError(foreign)).toBe(true);
    expect(isRequestTimeoutError(foreign)).toBe(true);
    expect(isHttpError(foreign)).toBe(false);
  });
});

describe('isCallNotPlaced, isAmbiguousPlacement and isRetryablePlacementError', () => {
  const http = (status: number) =>
    new HttpError({ status, request, body: undefined, headers: new Headers(), attempts: 1 });
  const cases: Array<[string, unknown, boolean, boolean]> = [
    ['an invalid number', new InvalidPhoneNumberError('12', 'too short'), true, false],
    ['a refused connection', new ConnectionError({ request, errno: 'ECONNREFUSED' }), true, true],
    ['a DNS failure', new ConnectionError({ request, errno: 'ENOTFOUND' }), true, true],
    ['a reset after sending', new ConnectionError({ request, errno: 'ECONNRESET' }), false, false],
    [
      'a network error without a code',
      new ConnectionError({ request, errno: undefined }),
      false,
      false,
    ],
    ['a 400', http(400), true, false],
    ['a 422', http(422), true, false],
    ['a 429', http(429), true, true],
    ['a 500', http(500), false, false],
    ['a 502 from a gateway that gave up', http(502), false, false],
    ['a 503', http(503), true, true],
    ['a 504 from a gateway that gave up', http(504), false, false],
    ['a timeout', new RequestTimeoutError({ request, timeoutMs: 10 }), false, false],
    [
      'an unreadable 2xx',
      new ResponseValidationError({ request, body: {}, issues: [] }),
      false,
      false,
    ],
    ['a plain error', new Error('boom'), false, false],
  ];
  it.each(cases)('%s: not placed %s, retryable %s', (_, error, notPlaced, retryable) => {
    expect(isCallNotPlaced(error)).toBe(notPlaced);
    expect(isAmbiguousPlacement(error)).toBe(!notPlaced);
    expect(isRetryablePlacementError(error)).toBe(retryable);
  });
});
