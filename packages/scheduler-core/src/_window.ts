/**
 * Calling windows over one time zone or several (`timezone: 'callee'`, a number whose prefix
 * spans zones): a call goes only at an instant inside the window in every zone.
 */
import type { ValidationIssue } from './errors.js';
import type { CallingWindow } from './types.js';
import { inWindow, nextOpening } from './_time.js';
import { calleeZones, type CalleeZones } from './_zones.js';

/** The window's time zone when it is taken from the number. */
export const CALLEE = 'callee';

/** The zones a window is read in: the number's for `'callee'`, else its own `timezone`. */
export function windowZones(window: CallingWindow): readonly string[] {
  return window.timezone === CALLEE ? (window.zones ?? []) : [window.timezone];
}

/** The window read in one zone. */
const inZone = (window: CallingWindow, timezone: string): CallingWindow => ({
  start: window.start,
  end: window.end,
  timezone,
});

/**
 * `true` when `at` is inside the window in every one of its zones. A `'callee'` window whose
 * zones were never resolved is inside nowhere.
 */
export function inCallingWindow(window: CallingWindow, at: number): boolean {
  const zones = windowZones(window);
  return zones.length > 0 && zones.every((zone) => inWindow(inZone(window, zone), at));
}

/** How far ahead {@link windowOpening} looks for a common instant: a week and a day. */
export const OPENING_HORIZON_MS = 8 * 86_400_000;

/**
 * The first instant at or after `at` inside the window in every zone: while some zone is outside,
 * step to that zone's next opening (no step passes the first common instant, since each zone is
 * inside there and outside now). `null` when none comes within `horizonMs` (zones whose hours
 * never meet, or a window never resolved).
 */
export function windowOpening(
  window: CallingWindow,
  at: number,
  horizonMs = OPENING_HORIZON_MS,
): number | null {
  const zones = windowZones(window).map((zone) => inZone(window, zone));
  if (zones.length === 0) return null;
  let t = at;
  while (t <= at + horizonMs) {
    const outside = zones.find((zone) => !inWindow(zone, t));
    if (!outside) return t;
    const next = nextOpening(outside, t);
    if (next <= t) return null;
    t = next;
  }
  return null;
}

/**
 * Where a call due at `at` waits: the window's next common opening, or, when there is none
 * within reach, a day later (to be checked again then). Never `at` itself when outside.
 */
export function deferralOf(window: CallingWindow, at: number): number {
  return windowOpening(window, at) ?? at + 86_400_000;
}

/** The last openings found, by window, zones and instant: a campaign's entries share a few. */
const openings = new Map<string, number | null>();

/** {@link windowOpening}, remembered for the same window, zones and instant. */
export function firstOpening(window: CallingWindow, at: number): number | null {
  const key = `${at} ${window.start} ${window.end} ${windowZones(window).join(' ')}`;
  let opening = openings.get(key);
  if (opening === undefined) {
    opening = windowOpening(window, at);
    if (openings.size >= 1000) openings.clear();
    openings.set(key, opening);
  }
  return opening;
}

const issue = (message: string): ValidationIssue => ({
  code: 'custom',
  path: ['window', 'timezone'],
  message,
});

/**
 * A checked window as stored with a call to `to` (E.164) due at `at`: a `'callee'` window gets
 * the number's zones (every zone of its country for a mobile or another number with no place,
 * see `calleeZones`), or its `fallbackTimezone`, said in `zoneSource`. Pushes an issue and
 * returns `null` when the number's zone is unknown and no fallback is given, when the zone data
 * cannot be loaded, or when no minute within a week is inside the window in every zone.
 */
export function resolveWindow(
  window: Omit<CallingWindow, 'zones' | 'zoneSource'>,
  to: string,
  at: number,
  issues: ValidationIssue[],
): CallingWindow | null {
  if (window.timezone !== CALLEE) return { ...window };
  let found: CalleeZones | null;
  try {
    found = calleeZones(to);
  } catch (error) {
    issues.push(issue(error instanceof Error ? error.message : String(error)));
    return null;
  }
  let resolved: CallingWindow;
  if (found) {
    resolved = { ...window, zones: [...found.zones], zoneSource: 'number' };
  } else if (window.fallbackTimezone !== undefined) {
    resolved = { ...window, zones: [window.fallbackTimezone], zoneSource: 'fallback' };
  } else {
    issues.push(
      issue(
        `no time zone is known for ${to}, so its calling hours cannot be honoured; ` +
          'give the window a fallback time zone (fallbackTimezone) to call it there',
      ),
    );
    return null;
  }
  if (firstOpening(resolved, at) === null) {
    const zones = resolved.zones!.join(', ');
    const where = found?.placeless
      ? `is ${found.placeless.what}, so it may be in any zone of ${found.placeless.country} ` +
        `(${zones})`
      : `is in ${zones}`;
    issues.push(
      issue(
        `${to} ${where}: no minute within a week is inside ${window.start}–${window.end} in ` +
          'all of them',
      ),
    );
    return null;
  }
  return resolved;
}
