import {
  checkCallOptions,
  isInvalidOptionsError,
  isInvalidPhoneNumberError,
  systemClock,
  toE164,
  type CallOptions,
  type CallProvider,
  type Clock,
  type CountryCode,
} from '@ringkit/call-client';
import {
  eachInSlices,
  clockSchema,
  concurrencySchema,
  countryCodeSchema,
  createTracing,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_WATCH_INTERVAL_MS,
  timerMsSchema,
  maxAttemptsSchema,
  tracerSchema,
  providerSchema,
  strictObject,
  type Tracing,
} from '@ringkit/internal';
import { z } from 'zod';
import { invalidOptions, InvalidNumbersError, type InvalidNumber } from './errors.js';
import type { DialerOptions } from './types.js';

export { concurrencySchema };

/** `stop()`'s options: nothing, or `{ hangUp }`. */
export const stopOptionsSchema = strictObject({ hangUp: z.boolean().optional() }).optional();

const optionsSchema = strictObject(
  {
    provider: providerSchema<CallProvider>(),
    numbers: z.array(z.unknown()),
    concurrency: concurrencySchema.optional(),
    callTimeoutMs: timerMsSchema.optional(),
    maxAttempts: maxAttemptsSchema.optional(),
    clock: clockSchema.optional(),
    defaultCountry: countryCodeSchema.optional(),
    watchIntervalMs: timerMsSchema.optional(),
    maxEarlyEvents: z.number().int().min(0).optional(),
    tracer: tracerSchema.optional(),
  },
  {
    phones: 'numbers',
    list: 'numbers',
    to: 'numbers',
    maxconcurrency: 'concurrency',
    parallel: 'concurrency',
    attempts: 'maxAttempts',
    retries: 'maxAttempts',
    country: 'defaultCountry',
    timeout: 'callTimeoutMs',
    pollintervalms: 'watchIntervalMs',
  },
);

/** The options with every default applied. */
export interface ResolvedOptions {
  provider: CallProvider;
  phones: string[];
  /** Each entry's own call options, by index (`undefined` where it has none). */
  calls: Array<CallOptions | undefined>;
  concurrency: number;
  callTimeoutMs: number;
  maxAttempts: number;
  clock: Clock;
  watchIntervalMs: number;
  maxEarlyEvents: number;
  /** Follow calls by polling `getCall` rather than waiting for webhooks. */
  poll: boolean;
  tracing: Tracing;
}

/**
 * Validates the options (an `InvalidOptionsError` with zod's issues) and normalises
 * every number (one {@link InvalidNumbersError} listing each bad one).
 */
export function resolveOptions(options: DialerOptions): ResolvedOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('createDialer', parsed.error.issues);
  const { provider } = options;
  const defaultCountry = (options.defaultCountry ?? 'US') as CountryCode;
  const { phones, calls } = normalise(options.numbers, defaultCountry, provider);
  return {
    provider,
    phones,
    calls,
    concurrency: options.concurrency ?? 3,
    callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    maxAttempts: options.maxAttempts ?? 1,
    clock: options.clock ?? systemClock,
    watchIntervalMs: options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS,
    maxEarlyEvents: options.maxEarlyEvents ?? 1000,
    poll:
      provider.capabilities.polling === true &&
      provider.capabilities.webhooks !== true &&
      typeof provider.getCall === 'function',
    tracing: createTracing('@ringkit/dialer', options.tracer),
  };
}

const entrySchema = strictObject({ phone: z.string(), call: z.unknown().optional() });

/**
 * The list's numbers in E.164 (one {@link InvalidNumbersError} listing each bad one) and each
 * entry's call options, checked against what the provider honours.
 */
export function normalise(
  numbers: readonly unknown[],
  defaultCountry: CountryCode,
  provider: CallProvider,
): { phones: string[]; calls: Array<CallOptions | undefined> } {
  const list = listBuilder(defaultCountry, provider);
  numbers.forEach(list.add);
  return list.done();
}

/** {@link normalise} in slices of time: a list of 10,000 never holds the event loop for long. */
export async function normaliseInSlices(
  numbers: readonly unknown[],
  defaultCountry: CountryCode,
  provider: CallProvider,
): Promise<{ phones: string[]; calls: Array<CallOptions | undefined> }> {
  const list = listBuilder(defaultCountry, provider);
  await eachInSlices(numbers, list.add);
  return list.done();
}

/** The list's numbers one at a time (`add`), then the list or one error naming each bad one (`done`). */
function listBuilder(defaultCountry: CountryCode, provider: CallProvider) {
  const phones: string[] = [];
  const calls: Array<CallOptions | undefined> = [];
  const invalid: InvalidNumber[] = [];
  const seen = new Map<string, string>();
  const add = (item: unknown, index: number) => {
    let input = item;
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const entry = entrySchema.safeParse(item);
      if (!entry.success) {
        const at = (issue: z.core.$ZodIssue) => ({
          ...issue,
          path: ['numbers', index, ...issue.path],
        });
        throw invalidOptions('createDialer', entry.error.issues.map(at));
      }
      input = entry.data.phone;
      calls[index] = callOptionsAt(provider, entry.data.call, index);
    }
    if (typeof input !== 'string') {
      invalid.push({
        index,
        input,
        reason: `expected a string or { phone, call }, got ${typeName(input)}`,
      });
      return;
    }
    let phone = seen.get(input);
    if (phone === undefined) {
      try {
        phone = toE164(input, { defaultCountry });
      } catch (error) {
        if (!isInvalidPhoneNumberError(error)) throw error;
        invalid.push({ index, input, reason: reasonOf(error.message) });
        return;
      }
      seen.set(input, phone);
    }
    phones.push(phone);
  };
  const done = () => {
    if (invalid.length > 0) throw new InvalidNumbersError(invalid);
    calls.length = phones.length;
    return { phones, calls };
  };
  return { add, done };
}

/**
 * An entry's call options, checked with `checkCallOptions`: a malformed one is the dialer's
 * `InvalidOptionsError` at `numbers.<index>.call.<option>`; one the provider cannot honour stays
 * call-client's `UnsupportedCallOptionError`.
 */
function callOptionsAt(
  provider: CallProvider,
  call: unknown,
  index: number,
): CallOptions | undefined {
  if (call === undefined) return undefined;
  try {
    const options = checkCallOptions(provider, call);
    return Object.keys(options).length === 0 ? undefined : options;
  } catch (error) {
    if (!isInvalidOptionsError(error)) throw error;
    const at = (issue: (typeof error.issues)[number]) => ({
      ...issue,
      path: ['numbers', index, 'call', ...issue.path],
    });
    throw invalidOptions('createDialer', error.issues.map(at));
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** call-client's message is `Invalid phone number "x": reason`; keep the reason. */
function reasonOf(message: string): string {
  const at = message.lastIndexOf(': ');
  return at === -1 ? message : message.slice(at + 2);
}
