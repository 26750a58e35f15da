/** Formatting for people: the viewer's locale and time zone. */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** Seconds as `m:ss` (`125` → `2:05`); minutes go past 59 rather than adding hours. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});

/** An ISO time in the viewer's locale and time zone. */
export function formatDateTime(iso: string | null, withSeconds = false): string {
  if (!iso) return '—';
  return (withSeconds ? dateTimeSeconds : dateTime).format(new Date(iso));
}

/** A time written in ISO 8601 with its zone, as the server writes it in a message. */
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})/g;

/**
 * `text` with every time in ISO 8601 (`2027-11-26T09:00:00.000Z`) in the viewer's locale and
 * time zone: what a server's message says, as the page says times.
 */
export function localTimes(text: string): string {
  return text.replace(ISO_TIME, (iso) =>
    Number.isNaN(Date.parse(iso)) ? iso : formatDateTime(iso, true),
  );
}

/** A count for people, grouped as the viewer's locale groups it: `10000` → `10,000`. */
export function formatCount(count: number): string {
  return count.toLocaleString();
}

/** A size in bytes for people: `1048576` → `1 MiB`, `16384` → `16 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}

/** A zone's place, for people: `America/Los_Angeles` → `Los Angeles`. */
const placeOf = (zone: string) => (zone.split('/').pop() ?? zone).replaceAll('_', ' ');

/**
 * The callee's local time at `iso` in its `zones`: one time (`2:30 PM`), or the range of times
 * where its zones differ (`1:30 PM – 2:30 PM`, earliest first), with the places in `zones` order;
 * `null` without a time or a zone.
 */
export function formatCalleeTime(
  iso: string | null,
  zones: readonly string[] | null | undefined,
  locale?: string,
): { time: string; places: string } | null {
  if (!iso || !zones || zones.length === 0) return null;
  const at = new Date(iso);
  const local = zones.map((timeZone) => ({
    // Sortable: the local date and time, as digits.
    key: new Intl.DateTimeFormat('en-CA', {
      timeZone,
      dateStyle: 'short',
      timeStyle: 'short',
      hourCycle: 'h23',
    }).format(at),
    text: new Intl.DateTimeFormat(locale, { timeZone, timeStyle: 'short' }).format(at),
  }));
  local.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const first = local[0]!.text;
  const last = local.at(-1)!.text;
  return {
    time: first === last ? first : `${first} – ${last}`,
    places: [...new Set(zones.map(placeOf))].join(', '),
  };
}

/** The viewer's IANA time zone, e.g. `Europe/Paris`. */
export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * A number for people: North American numbers as `+1 (301) 804-0009` (from `+13018040009`,
 * `13018040009` or `(301) 804-0009`), every other valid number grouped by its country's plan
 * (`+44 20 7946 0958`, `+61 2 9374 4000`, `+91 98765 43210`) with libphonenumber-js's metadata
 * (the `min` set, about 30 KB gzipped, in the shared chunk of the pages); anything else as it is.
 */
export function formatPhone(phone: string): string {
  const trimmed = phone.trim();
  const plain = /^[\d\s().+-]+$/.test(trimmed) ? trimmed.replace(/\D/g, '') : '';
  const nanp = /^1?([2-9]\d{2})(\d{3})(\d{4})$/.exec(plain);
  if (nanp && (!trimmed.startsWith('+') || trimmed.startsWith('+1'))) {
    return `+1 (${nanp[1]}) ${nanp[2]}-${nanp[3]}`;
  }
  if (!trimmed.startsWith('+')) return phone;
  const parsed = parsePhoneNumberFromString(trimmed);
  return parsed?.isValid() ? parsed.formatInternational() : phone;
}

/**
 * What the server will call for a typed number, as `toE164` reads it (a number without `+` is
 * North American, the API's default country): `+1 (415) 555-2671` for `4155552671`, grouped as
 * {@link formatPhone} groups it; `undefined` when it is not a valid number.
 */
export function phonePreview(value: string): string | undefined {
  const trimmed = value.trim();
  if (!looksLikePhone(trimmed)) return undefined;
  const parsed = parsePhoneNumberFromString(trimmed, 'US');
  return parsed?.isValid() ? formatPhone(parsed.number) : undefined;
}

/**
 * How long until `dueMs`, from `nowMs`, as a person says it: `in 20 s`, `in 4 min`,
 * `in 2 h 5 min`, `in 3 days`; `due now` once it is past.
 */
export function formatCountdown(dueMs: number, nowMs: number): string {
  const seconds = Math.ceil((dueMs - nowMs) / 1000);
  if (seconds <= 0) return 'due now';
  if (seconds < 60) return `in ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `in ${hours} h` : `in ${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return days === 1 ? 'in 1 day' : `in ${days} days`;
}

/** A cheap check before asking the server: 8 to 15 digits, with the usual punctuation. */
export function looksLikePhone(value: string): boolean {
  const compact = value.replace(/[\s().-]/g, '');
  return /^\+?\d{8,15}$/.test(compact);
}

/** The digits that identify a number, for comparing two ways of writing it. */
export function phoneKey(phone: string): string {
  return phone.replace(/\D/g, '').slice(-10);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A Date as the value of an `<input type="datetime-local" step="1">`, in local time. */
export function toLocalInput(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** The value of a `datetime-local` input (local time) as an ISO instant, or `null`. */
export function fromLocalInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export type Repeat = '' | 'daily' | 'weekdays' | 'weekly';

/** A cron pattern repeating a local time, read in the viewer's time zone. */
export function cronFor(repeat: Exclude<Repeat, ''>, local: Date): string {
  const minute = local.getMinutes();
  const hour = local.getHours();
  if (repeat === 'daily') return `${minute} ${hour} * * *`;
  if (repeat === 'weekdays') return `${minute} ${hour} * * 1-5`;
  return `${minute} ${hour} * * ${local.getDay()}`;
}

/** A cron pattern of `cronFor` in words; any other pattern as it is. */
export function describeCron(cron: string): string {
  const match = /^(\d+) (\d+) \* \* (\*|1-5|\d)$/.exec(cron);
  if (!match) return `cron ${cron}`;
  const at = `${pad(Number(match[2]))}:${pad(Number(match[1]))}`;
  if (match[3] === '*') return `every day at ${at}`;
  if (match[3] === '1-5') return `every weekday at ${at}`;
  const day = new Intl.DateTimeFormat(undefined, { weekday: 'long' }).format(
    new Date(2024, 0, 7 + Number(match[3])),
  );
  return `every ${day} at ${at}`;
}

/**
 * Text cut to at most `max` characters (a character is a code point: never half an emoji), at a
 * word's end where one is near, with `…` added when anything was cut. Runs of spaces and line
 * breaks count as one space.
 */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  if (chars.length <= max) return chars.join('');
  const cut = chars.slice(0, max - 1).join('');
  if (chars[max - 1] === ' ') return `${cut}…`;
  const space = cut.lastIndexOf(' ');
  return `${space >= cut.length * 0.6 ? cut.slice(0, space) : cut}…`;
}
