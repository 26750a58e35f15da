import { InvalidOptionsError, isInvalidOptionsError, isRingkitError } from '@ringkit/call-client';
import { describe, expect, it } from 'vitest';
import {
  DialAttemptError,
  DialerError,
  DialerStateError,
  InvalidNumbersError,
  isDialAttemptError,
  isDialerError,
  isDialerStateError,
  isInvalidNumbersError,
  invalidOptions,
} from './errors.js';

describe('errors', () => {
  const attempt = new DialAttemptError({
    reason: 'timeout',
    message: 'late',
    index: 2,
    attempt: 1,
    callId: 'c',
    cause: new Error('why'),
  });
  const all = [
    attempt,
    new DialerStateError('start', 'running', 'again'),
    new InvalidNumbersError([{ index: 0, input: 'x', reason: 'bad' }]),
  ];

  it('are DialerErrors with their own name and code', () => {
    for (const error of all) {
      expect(error).toBeInstanceOf(DialerError);
      expect(error).toBeInstanceOf(Error);
      expect(isDialerError(error)).toBe(true);
      expect(isRingkitError(error)).toBe(true);
    }
    expect(all.map((error) => [error.name, error.code])).toEqual([
      ['DialAttemptError', 'dial_failed'],
      ['DialerStateError', 'invalid_state'],
      ['InvalidNumbersError', 'invalid_numbers'],
    ]);
  });

  it('refuses options with the InvalidOptionsError every ringkit package throws', () => {
    const error = invalidOptions('createDialer', []);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect([error.name, error.code]).toEqual(['InvalidOptionsError', 'invalid_options']);
    expect(isInvalidOptionsError(error)).toBe(true);
    // Not a DialerError, and its guard agrees with instanceof.
    expect(error).not.toBeInstanceOf(DialerError);
    expect(isDialerError(error)).toBe(false);
  });

  it('are told apart by their guards', () => {
    const guards = [isDialAttemptError, isDialerStateError, isInvalidNumbersError];
    guards.forEach((guard, i) => {
      expect(all.map((error) => guard(error))).toEqual(all.map((_, j) => i === j));
    });
    for (const guard of [isDialerError, ...guards]) {
      expect(guard(new Error('plain'))).toBe(false);
      expect(guard(null)).toBe(false);
      expect(guard('DialerError')).toBe(false);
    }
  });

  it('are recognised across realms by their brand and name', () => {
    const foreign = Object.assign(new Error('x'), { name: 'DialerStateError' });
    expect(isDialerStateError(foreign)).toBe(false);
    Object.defineProperty(foreign, Symbol.for('ringkit.DialerError'), { value: true });
    expect(isDialerError(foreign)).toBe(true);
    expect(isDialerStateError(foreign)).toBe(true);
    expect(isInvalidNumbersError(foreign)).toBe(false);
  });

  it('keep their context, cause included, and serialise with their message', () => {
    expect(attempt.cause).toEqual(new Error('why'));
    expect(JSON.parse(JSON.stringify(attempt))).toEqual({
      name: 'DialAttemptError',
      code: 'dial_failed',
      message: 'late',
      reason: 'timeout',
      index: 2,
      attempt: 1,
      callId: 'c',
    });
  });
});
