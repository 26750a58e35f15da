import { InvalidOptionsError, isInvalidOptionsError } from '@ringkit/call-client';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { manualProvider } from '../test/utils.js';
import { createDialer } from './dialer.js';
import { InvalidNumbersError, isInvalidNumbersError } from './errors.js';
import type { DialerOptions } from './types.js';

const provider = manualProvider();
const numbers = ['+14155552671'];

function failure(options: unknown): unknown {
  try {
    createDialer(options as DialerOptions);
  } catch (error) {
    return error;
  }
  throw new Error('createDialer did not throw');
}

describe('createDialer options', () => {
  it.each([
    ['no options', undefined, '(root)'],
    ['no provider', { numbers }, 'provider'],
    [
      'a provider without placeCall',
      { provider: { name: 'x', capabilities: {} }, numbers },
      'provider',
    ],
    ['numbers that are not a list', { provider, numbers: '+14155552671' }, 'numbers'],
    ['a concurrency of 0', { provider, numbers, concurrency: 0 }, 'concurrency'],
    ['a fractional concurrency', { provider, numbers, concurrency: 2.5 }, 'concurrency'],
    ['a negative callTimeoutMs', { provider, numbers, callTimeoutMs: -1 }, 'callTimeoutMs'],
    [
      'a callTimeoutMs beyond what timers take',
      { provider, numbers, callTimeoutMs: 2 ** 31 },
      'callTimeoutMs',
    ],
    ['a maxAttempts of 0', { provider, numbers, maxAttempts: 0 }, 'maxAttempts'],
    ['a clock without now', { provider, numbers, clock: { setTimeout() {} } }, 'clock'],
    ['a lowercase country', { provider, numbers, defaultCountry: 'us' }, 'defaultCountry'],
    ['a zero watchIntervalMs', { provider, numbers, watchIntervalMs: 0 }, 'watchIntervalMs'],
    ['the removed pollIntervalMs', { provider, numbers, pollIntervalMs: 250 }, '(root)'],
    ['a negative maxEarlyEvents', { provider, numbers, maxEarlyEvents: -1 }, 'maxEarlyEvents'],
    ['an unknown option', { provider, numbers, concurency: 3 }, '(root)'],
  ])('refuses %s with an InvalidOptionsError naming it', (_, options, path) => {
    const error = failure(options);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(isInvalidOptionsError(error)).toBe(true);
    const { message, issues, code } = error as InvalidOptionsError;
    expect(code).toBe('invalid_options');
    expect(issues.length).toBeGreaterThan(0);
    expect(message).toContain(`Invalid createDialer options: ${path}`);
  });

  it.each([
    ['concurency', 'concurrency'],
    ['phones', 'numbers'],
    ['pollIntervalMs', 'watchIntervalMs'],
    ['max_attempts', 'maxAttempts'],
  ])('refuses the unknown option %s, saying %s was meant', (given, meant) => {
    const error = failure({ provider, numbers, [given]: 3 }) as InvalidOptionsError;
    expect(error.message).toContain(`(root): unknown option "${given}": did you mean "${meant}"?`);
  });

  it('lists the options when it cannot guess which one was meant', () => {
    const error = failure({ provider, numbers, colour: 'red' }) as InvalidOptionsError;
    expect(error.message).toBe(
      'Invalid createDialer options: (root): unknown option "colour"; the options are provider, numbers, concurrency, callTimeoutMs, maxAttempts, clock, defaultCountry, watchIntervalMs, maxEarlyEvents, tracer',
    );
  });

  it.each([
    ['a campaign name with a NUL character', { campaign: 'spring\u0000' }, 'campaign'],
    ['a campaign name with a lone surrogate', { campaign: 'spring\uD800' }, 'campaign'],
    ['a workerId with a NUL character', { campaign: 'spring', workerId: 'w\u0000' }, 'workerId'],
    [
      'a shared budget name with a lone surrogate',
      { campaign: 'spring', budget: { name: 'b\uDC00' } },
      'budget.name',
    ],
  ])('refuses %s, which no store keeps as given', (_, options, path) => {
    const error = failure({ provider, numbers, store: createMemoryStore(), ...options });
    expect(isInvalidOptionsError(error), String(error)).toBe(true);
    expect((error as InvalidOptionsError).message).toMatch(
      new RegExp(
        `${path.replace('.', '\\.')}: must not contain (the NUL character|a lone surrogate)`,
      ),
    );
  });

  it('accepts every option at a valid value', () => {
    const dialer = createDialer({
      provider,
      numbers,
      concurrency: 7,
      callTimeoutMs: 1000,
      maxAttempts: 2,
      clock: { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} },
      defaultCountry: 'FR',
      watchIntervalMs: 50,
      maxEarlyEvents: 0,
    });
    expect(dialer.snapshot().concurrency).toBe(7);
  });
});

describe('createDialer numbers', () => {
  it('refuses a list with bad numbers with one error listing each by index', () => {
    const list = ['+14155552671', '123', '13018040009', 'call me', 42, '', null, '+1202555012'];
    const error = failure({ provider, numbers: list });
    expect(error).toBeInstanceOf(InvalidNumbersError);
    expect(isInvalidNumbersError(error)).toBe(true);
    const { invalid, message, code } = error as InvalidNumbersError;
    expect(code).toBe('invalid_numbers');
    expect(invalid).toEqual([
      { index: 1, input: '123', reason: 'not a valid phone number' },
      {
        index: 3,
        input: 'call me',
        reason: 'may contain only digits 0-9, spaces, dashes, dots, parentheses and a leading +',
      },
      { index: 4, input: 42, reason: 'expected a string or { phone, call }, got number' },
      { index: 5, input: '', reason: 'a phone number is required' },
      { index: 6, input: null, reason: 'expected a string or { phone, call }, got null' },
      { index: 7, input: '+1202555012', reason: 'not a valid phone number' },
    ]);
    expect(message).toBe(
      '6 invalid phone numbers: #1 "123", #3 "call me", #4 42, #5 "", #6 null and 1 more',
    );
  });

  it('says "number" for a single bad one', () => {
    const error = failure({ provider, numbers: ['nope'] }) as InvalidNumbersError;
    expect(error.message).toBe('1 invalid phone number: #0 "nope"');
  });

  it('reads numbers without a country code in defaultCountry', () => {
    const dialer = createDialer({ provider, numbers: ['06 12 34 56 78'], defaultCountry: 'FR' });
    expect(dialer.snapshot().entries[0]?.phone).toBe('+33612345678');
    expect(() => createDialer({ provider, numbers: ['06 12 34 56 78'] })).toThrow(
      InvalidNumbersError,
    );
  });
});
