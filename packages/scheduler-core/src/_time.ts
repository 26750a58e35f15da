import { Cron } from 'croner';
import type { CallingWindow, RetryBackoff } from './types.js';

/** Zones found valid, so a list of 10,000 calls in one zone builds one formatter, not 10,000. */
const knownZones = new Set<string>();

/** `true` when `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return false;
  }
  if (knownZones.size < 1000) knownZones.add(zone);
  return true;
}

/** A paused croner job used only to compute run times; throws on a bad pattern or zone. */
export function cronOf(pattern: string, timezone: string): Cron {
  return new Cron(pattern, { timezone, paused: true, mode: '5-or-6-parts' });
}

/** The first run of `pattern` strictly after `after`, or `null` when there is none. */
export function nextRun(pattern: string, timezone: string, after: number): number | null {
  return cronOf(pattern, timezone).nextRun(new Date(after))?.getTime() ?? null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight at `at` in `timezone`. */
export function minuteOfDay(at: number, timezone: string): number {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, format);
  }
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(new Date(at))) {
    if (part.type === 'hour') hour = Number(part.value);
    if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

function parseHhMm(value: string): [number, number] {
  const [h, m] = value.split(':').map(Number);
  return [h ?? 0, m ?? 0];
}

/** `true` when `at` falls inside the window (start inclusive, end exclusive; may span midnight). */
export function inWindow(window: CallingWindow, at: number): boolean {
  const [sh, sm] = parseHhMm(window.start);
  const [eh, em] = parseHhMm(window.end);
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  const now = minuteOfDay(at, window.timezone);
  if (start === end) return true;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/**
 * The window's next opening after `at`, in its time zone (croner does the DST arithmetic: an
 * opening inside a skipped hour moves to the first valid minute).
 */
export function nextOpening(window: CallingWindow, at: number): number {
  const [h, m] = parseHhMm(window.start);
  return nextRun(`${m} ${h} * * *`, window.timezone, at) ?? at;
}

export const DEFAULT_BACKOFF: Required<RetryBackoff> = {
  delayMs: 60_000,
  factor: 2,
  maxDelayMs: 3_600_000,
};

/** The wait after attempt `attempt` (1-based) failed. */
export function backoffDelay(backoff: Required<RetryBackoff>, attempt: number): number {
  return Math.min(backoff.maxDelayMs, backoff.delayMs * backoff.factor ** Math.max(0, attempt - 1));
}
