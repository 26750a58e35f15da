import { expectGuardAgrees } from '@ringkit/internal/testing';
import { describe, it } from 'vitest';
import { TwilioApiError, isTwilioApiError } from '../twilio/errors.js';
import {
  CallApiError,
  ConnectionError,
  HttpError,
  InvalidOptionsError,
  InvalidPhoneNumberError,
  RequestTimeoutError,
  ResponseValidationError,
  RingkitError,
  UnsupportedCallOptionError,
  UnsupportedOperationError,
  WebhookValidationError,
  isCallApiError,
  isConnectionError,
  isHttpError,
  isInvalidOptionsError,
  isInvalidPhoneNumberError,
  isRequestTimeoutError,
  isResponseValidationError,
  isRingkitError,
  isUnsupportedCallOptionError,
  isUnsupportedOperationError,
  isWebhookValidationError,
} from './errors.js';

const request = { method: 'POST', url: 'http://localhost:5000/api/call' };

/** One instance of every error class the package exports. */
const instances = [
  new RingkitError('base', 'base'),
  new CallApiError('api', 'api'),
  new HttpError({ status: 503, request, body: '', headers: new Headers(), attempts: 1 }),
  new RequestTimeoutError({ request, timeoutMs: 10 }),
  new ConnectionError({ request, errno: 'ECONNREFUSED' }),
  new ResponseValidationError({ request, body: {}, issues: [] }),
  new InvalidOptionsError('thing', []),
  new UnsupportedOperationError('no', 'unsupported', { provider: 'p', operation: 'getCall' }),
  new UnsupportedCallOptionError('p', 'say'),
  new InvalidPhoneNumberError('12', 'too short'),
  new WebhookValidationError({ reason: 'missing_id', message: 'no id', body: {} }),
  new TwilioApiError(
    new HttpError({ status: 400, request, body: '', headers: new Headers(), attempts: 1 }),
    { code: 21211, message: 'bad To', more_info: 'https://www.twilio.com/docs/errors/21211' },
  ),
];

/** Every class with its guard. */
const classes = [
  [RingkitError, isRingkitError],
  [CallApiError, isCallApiError],
  [HttpError, isHttpError],
  [RequestTimeoutError, isRequestTimeoutError],
  [ConnectionError, isConnectionError],
  [ResponseValidationError, isResponseValidationError],
  [InvalidOptionsError, isInvalidOptionsError],
  [UnsupportedOperationError, isUnsupportedOperationError],
  [UnsupportedCallOptionError, isUnsupportedCallOptionError],
  [InvalidPhoneNumberError, isInvalidPhoneNumberError],
  [WebhookValidationError, isWebhookValidationError],
  [TwilioApiError, isTwilioApiError],
] as const;

describe('every guard agrees with instanceof', () => {
  it.each(classes.map(([type, guard]) => [type.name, type, guard] as const))(
    '%s',
    (_name, type, guard) => expectGuardAgrees(type, guard, instances),
  );
});
