/**
 * Calling windows as the API takes and shows them: one check for the scheduled calls' and the
 * campaigns' `window`, and one JSON shape (snake_case) for what the scheduler stored.
 */
import { numberTimeZones, type CallingWindow } from '@ringkit/scheduler-core';
import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** An IANA time zone. */
export const timeZoneParam = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Paris');

/**
 * `{ start, end, timezone, fallback_timezone? }`: `timezone` an IANA zone, or `'callee'` for the
 * zones of the number called; `fallback_timezone` (with `'callee'` only) for a number of no
 * known zone. The scheduler checks the rest (a number refused, hours that never meet).
 */
export const windowBody = z.strictObject({
  start: hhmm,
  end: hhmm,
  timezone: z
    .string()
    .min(1)
    .max(64)
    .refine(
      (tz) => tz === 'callee' || isTimeZone(tz),
      "must be an IANA time zone, e.g. Europe/Paris, or 'callee' (the number's own)",
    ),
  fallback_timezone: timeZoneParam.optional(),
});

/** A window as the scheduler takes it. */
export function toCallingWindow(body: z.output<typeof windowBody>): CallingWindow {
  const { fallback_timezone, ...window } = body;
  return fallback_timezone === undefined
    ? window
    : { ...window, fallbackTimezone: fallback_timezone };
}

/**
 * A stored window in the API's words: with `'callee'`, the zones it is read in and where they
 * came from (`zone_source`: `number`, or `fallback` when the number's zone was unknown).
 */
export function serializeWindow(window: CallingWindow | null) {
  if (!window) return null;
  return {
    start: window.start,
    end: window.end,
    timezone: window.timezone,
    fallback_timezone: window.fallbackTimezone ?? null,
    zones: window.zones ?? null,
    zone_source: window.zoneSource ?? null,
  };
}

/**
 * The zones a call's local time is shown in: its window's (the number's, or the one it names),
 * else the number's own; `null` when none is known.
 */
export function calleeZones(to: string, window: CallingWindow | null): string[] | null {
  if (window?.zones) return window.zones;
  if (window && window.timezone !== 'callee') return [window.timezone];
  try {
    return numberTimeZones(to);
  } catch {
    return null; // without the zone data, no local time is shown
  }
}
