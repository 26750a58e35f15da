/**
 * The option schemas every package shares, so that the same option has the same bounds and the
 * same error text wherever it is taken. Each factory builds its own `z.strictObject` of them.
 */
import { z } from 'zod';
import { storable } from './text.js';
import { isClock, MAX_TIMER_MS, type Clock } from './time.js';
import type { TracerLike } from './tracing.js';

const isFunction = (value: unknown): value is (...args: never[]) => unknown =>
  typeof value === 'function';

/** `clock`: anything with `now`, `setTimeout` and `clearTimeout`. */
export const clockSchema = z.custom<Clock>(
  isClock,
  'expected a Clock (now, setTimeout, clearTimeout)',
);

/** `tracer`: an OpenTelemetry `Tracer`, or anything with its `startSpan`. */
export const tracerSchema = z.custom<TracerLike>(
  (value) =>
    typeof value === 'object' && value !== null && isFunction((value as TracerLike).startSpan),
  'expected an OpenTelemetry Tracer (an object with startSpan())',
);

/**
 * A delay or interval a timer waits (`watchIntervalMs`, `callTimeoutMs`, `intervalMs`…): whole
 * milliseconds from 1 to the longest delay a timer takes.
 */
export const timerMsSchema = z.number().int().min(1).max(MAX_TIMER_MS);

/** `callsPerSecond`: placements per second, above 0 (fractions allowed: 0.5 is one every 2 s). */
export const callsPerSecondSchema = z.number().positive('must be above 0').max(100_000);

/**
 * `budget`: a named send budget shared by weight. The name is what every sharer gives (a
 * provider's account, say); the weight sets its part while others wait too.
 */
export const sharedBudgetSchema = z.strictObject({
  name: storable(z.string().min(1, 'must not be empty').max(200)),
  weight: z.number().positive('must be above 0').max(10_000).optional(),
});

/**
 * `concurrency`: calls in flight at once. 10,000 at most: the scheduler claims up to that many rows
 * in one statement, and a campaign counts its live rows against it in one.
 */
export const concurrencySchema = z.number().int().min(1).max(10_000);

/** `maxAttempts`: attempts of one call, the first included. */
export const maxAttemptsSchema = z.number().int().min(1).max(100);

/** `defaultCountry`: an ISO 3166-1 alpha-2 code in capitals. */
export const countryCodeSchema = z
  .string()
  .regex(/^[A-Z]{2}$/, 'expected a two-letter country code, e.g. "US"');

/**
 * `provider`: a `CallProvider`, checked by its `placeCall` (the type is the caller's). Nothing else
 * is read: a provider may build itself lazily behind getters (`capabilities`), and a check must
 * not make it do so early.
 */
export function providerSchema<T>() {
  return z.custom<T>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      isFunction((value as { placeCall?: unknown }).placeCall),
    'expected a CallProvider (an object with placeCall())',
  );
}
