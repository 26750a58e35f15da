import { expectGuardAgrees } from '@ringkit/internal/testing';
import { InvalidOptionsError, RingkitError, UnsupportedOperationError } from '@ringkit/call-client';
import { describe, expect, it } from 'vitest';
import {
  DialAttemptError,
  DialerError,
  DialerStateError,
  InvalidNumbersError,
  hangUpUnsupported,
  invalidOptions,
  isDialAttemptError,
  isDialerError,
  isDialerStateError,
  isInvalidNumbersError,
  isNothingToDialAgainError,
  NothingToDialAgainError,
} from './errors.js';

/** One instance of every error the package throws, its options and provider errors included. */
const instances = [
  new DialerError('base', 'base'),
  new InvalidNumbersError([{ index: 0, input: 'x', reason: 'bad' }]),
  new DialerStateError('start', 'running', 'again'),
  new DialAttemptError({ reason: 'timeout', message: 'late', index: 0, attempt: 1, callId: null }),
  invalidOptions('createDialer', []),
  hangUpUnsupported('fake', 'hangUpCall'),
  new NothingToDialAgainError('spring', ['missed']),
  new RingkitError('other', 'other'),
];

const classes = [
  [DialerError, isDialerError],
  [InvalidNumbersError, isInvalidNumbersError],
  [DialerStateError, isDialerStateError],
  [DialAttemptError, isDialAttemptError],
  [NothingToDialAgainError, isNothingToDialAgainError],
] as const;

describe('every guard agrees with instanceof', () => {
  it.each(classes.map(([type, guard]) => [type.name, type, guard] as const))(
    '%s',
    (_name, type, guard) => expectGuardAgrees(type, guard, instances),
  );

  it('reports what it cannot ask of the provider with call-client UnsupportedOperationError', () => {
    const error = hangUpUnsupported('fake', 'cancelCall');
    expect(error).toBeInstanceOf(UnsupportedOperationError);
    expect(error).toMatchObject({ provider: 'fake', operation: 'cancelCall' });
    expect(invalidOptions('createDialer', [])).toBeInstanceOf(InvalidOptionsError);
  });
});
