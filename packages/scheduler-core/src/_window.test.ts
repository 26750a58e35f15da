import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ValidationIssue } from './errors.js';
import type { CallingWindow } from './types.js';
import { inWindow } from './_time.js';
import {
  deferralOf,
  firstOpening,
  inCallingWindow,
  resolveWindow,
  windowOpening,
} from './_window.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A `'callee'` window already read in `zones`. */
const callee = (zones: string[], start = '08:00', end = '21:00'): CallingWindow => ({
  start,
  end,
  timezone: 'callee',
  zones,
  zoneSource: 'number',
});

describe('windowOpening across DST', () => {
  const newYork = callee(['America/New_York']);
  const sydney = callee(['Australia/Sydney']);

  it('opens at 08:00 EDT on the morning New York springs forward (March)', () => {
    // 2026-03-08 00:00 EST is 05:00Z; the clocks go 02:00 → 03:00, so 08:00 is 12:00Z.
    expect(iso(windowOpening(newYork, at('2026-03-08T05:00:00Z')))).toBe(
      '2026-03-08T12:00:00.000Z',
    );
    // The evening before, still EST: 08:00 next morning is after the change.
    expect(iso(windowOpening(newYork, at('2026-03-08T02:30:00Z')))).toBe(
      '2026-03-08T12:00:00.000Z',
    );
    // A day earlier, 08:00 EST is 13:00Z.
    expect(iso(windowOpening(newYork, at('2026-03-07T05:00:00Z')))).toBe(
      '2026-03-07T13:00:00.000Z',
    );
    // Open until 21:00 EDT (01:00Z), closed from then.
    expect(inCallingWindow(newYork, at('2026-03-09T00:59:00Z'))).toBe(true);
    expect(inCallingWindow(newYork, at('2026-03-09T01:00:00Z'))).toBe(false);
  });

  it('opens at 08:00 EST on the morning New York falls back (November)', () => {
    // 2026-11-01 00:00 EDT is 04:00Z; the clocks go 02:00 → 01:00, so 08:00 EST is 13:00Z.
    expect(iso(windowOpening(newYork, at('2026-11-01T04:00:00Z')))).toBe(
      '2026-11-01T13:00:00.000Z',
    );
    expect(iso(windowOpening(newYork, at('2026-10-31T04:00:00Z')))).toBe(
      '2026-10-31T12:00:00.000Z',
    );
    expect(inCallingWindow(newYork, at('2026-11-02T01:59:00Z'))).toBe(true); // 20:59 EST
    expect(inCallingWindow(newYork, at('2026-11-02T02:00:00Z'))).toBe(false);
  });

  it("follows Sydney's opposite season: DST ends in April and starts in October", () => {
    // 2026-04-05 00:00 AEDT (UTC+11) is 04-04 13:00Z; at 03:00 the clocks go back to AEST (UTC+10).
    expect(iso(windowOpening(sydney, at('2026-04-04T13:00:00Z')))).toBe('2026-04-04T22:00:00.000Z');
    // 2026-10-04 00:00 AEST is 10-03 14:00Z; at 02:00 the clocks go forward to AEDT.
    expect(iso(windowOpening(sydney, at('2026-10-03T14:00:00Z')))).toBe('2026-10-03T21:00:00.000Z');
  });

  it('returns the instant itself when it is inside the window already', () => {
    const t = at('2026-06-01T15:00:00Z'); // 11:00 EDT
    expect(windowOpening(newYork, t)).toBe(t);
    expect(deferralOf(newYork, t)).toBe(t);
  });
});

describe('windowOpening in several zones', () => {
  it('is the intersection: the later opening and the earlier closing', () => {
    // Adak is an hour behind Anchorage: open from 08:00 in Adak to 21:00 in Anchorage.
    const alaska = callee(['America/Adak', 'America/Anchorage']);
    expect(iso(windowOpening(alaska, at('2026-01-15T10:00:00Z')))).toBe('2026-01-15T18:00:00.000Z');
    expect(inCallingWindow(alaska, at('2026-01-15T17:59:00Z'))).toBe(false); // 08:59 in Anchorage
    expect(inCallingWindow(alaska, at('2026-01-16T05:59:00Z'))).toBe(true); // 20:59 in Anchorage
    expect(inCallingWindow(alaska, at('2026-01-16T06:00:00Z'))).toBe(false);
  });

  it('moves with one zone that keeps DST and one that does not (Denver and Phoenix)', () => {
    const mountain = callee(['America/Denver', 'America/Phoenix']);
    // Both UTC-7 before 2026-03-08: 08:00 is 15:00Z in both.
    expect(iso(windowOpening(mountain, at('2026-03-07T08:00:00Z')))).toBe(
      '2026-03-07T15:00:00.000Z',
    );
    // After it Denver is UTC-6: still 15:00Z (08:00 Phoenix, 09:00 Denver), but closed at 03:00Z
    // (21:00 Denver), an hour before Phoenix closes.
    expect(iso(windowOpening(mountain, at('2026-03-09T08:00:00Z')))).toBe(
      '2026-03-09T15:00:00.000Z',
    );
    expect(inCallingWindow(mountain, at('2026-03-10T02:59:00Z'))).toBe(true);
    expect(inCallingWindow(mountain, at('2026-03-10T03:00:00Z'))).toBe(false);
    expect(iso(windowOpening(mountain, at('2026-03-10T03:00:00Z')))).toBe(
      '2026-03-10T15:00:00.000Z',
    );
  });

  it('handles a window across midnight in every zone', () => {
    const night = callee(['Europe/London', 'Asia/Calcutta'], '22:00', '06:00');
    // London 22:00 (BST, 21:00Z) is 02:30 in India; common until India's 06:00 (00:30Z).
    expect(iso(windowOpening(night, at('2026-06-01T12:00:00Z')))).toBe('2026-06-01T21:00:00.000Z');
    expect(inCallingWindow(night, at('2026-06-02T00:29:00Z'))).toBe(true);
    expect(inCallingWindow(night, at('2026-06-02T00:30:00Z'))).toBe(false);
  });

  it('finds none when the hours never meet, and then defers by a day', () => {
    const disjoint = callee(['America/Adak', 'America/Anchorage'], '08:00', '09:00');
    const t = at('2026-01-15T10:00:00Z');
    expect(windowOpening(disjoint, t)).toBeNull();
    expect(firstOpening(disjoint, t)).toBeNull();
    expect(deferralOf(disjoint, t)).toBe(t + 86_400_000);
  });

  it('finds none, and is inside nowhere, for a callee window whose zones were never read', () => {
    const unresolved: CallingWindow = { start: '08:00', end: '21:00', timezone: 'callee' };
    expect(windowOpening(unresolved, at('2026-01-15T10:00:00Z'))).toBeNull();
    expect(inCallingWindow(unresolved, at('2026-01-15T15:00:00Z'))).toBe(false);
  });
});

describe('resolveWindow', () => {
  const t = at('2026-06-01T12:00:00Z');
  const hours = { start: '08:00', end: '21:00', timezone: 'callee' } as const;

  it("stores the number's zones with a 'callee' window", () => {
    const issues: ValidationIssue[] = [];
    expect(resolveWindow(hours, '+19075550123', t, issues)).toEqual({
      ...hours,
      zones: ['America/Adak', 'America/Anchorage'],
      zoneSource: 'number',
    });
    expect(issues).toEqual([]);
  });

  it('keeps a window in a named zone as it is', () => {
    const window = { start: '08:00', end: '21:00', timezone: 'Europe/London' };
    expect(resolveWindow(window, '+447951234567', t, [])).toEqual(window);
  });

  it('applies the fallback, and says so, for a number of no known zone', () => {
    const window = { ...hours, fallbackTimezone: 'Europe/Paris' };
    expect(resolveWindow(window, '+80012345678', t, [])).toEqual({
      ...window,
      zones: ['Europe/Paris'],
      zoneSource: 'fallback',
    });
  });

  it('refuses a number of no known zone without a fallback', () => {
    const issues: ValidationIssue[] = [];
    expect(resolveWindow(hours, '+80012345678', t, issues)).toBeNull();
    expect(issues).toEqual([
      {
        code: 'custom',
        path: ['window', 'timezone'],
        message:
          'no time zone is known for +80012345678, so its calling hours cannot be honoured; give the window a fallback time zone (fallbackTimezone) to call it there',
      },
    ]);
  });

  it('refuses hours with no common minute in the zones of the number, naming it', () => {
    const issues: ValidationIssue[] = [];
    const narrow = { ...hours, end: '09:00' };
    expect(resolveWindow(narrow, '+19075550123', t, issues)).toBeNull();
    expect(issues.map((i) => i.message)).toEqual([
      '+19075550123 is in America/Adak, America/Anchorage: no minute within a week is inside 08:00–09:00 in all of them',
    ]);
  });
});

const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'America/Adak',
  'Europe/London',
  'Australia/Sydney',
  'Australia/Adelaide',
  'Australia/Perth',
  'Australia/Lord_Howe',
  'Asia/Calcutta',
];
const MINUTE = 60_000;
const YEAR_2026 = [at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z')] as const;

/**
 * HH:MM at a quarter hour from 04:00 on: away from the hours clocks change in, where a window can
 * open twice in one night (a fall-back repeats its hour), which the openings skip to be safe.
 */
const hhmm = fc
  .integer({ min: 16, max: 95 })
  .map(
    (q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`,
  );

const windows = fc
  .record({
    start: hhmm,
    end: hhmm,
    zones: fc.uniqueArray(fc.constantFrom(...ZONES), { minLength: 1, maxLength: 3 }),
  })
  .filter((w) => w.start !== w.end)
  .map((w) => callee(w.zones, w.start, w.end));

describe('windowOpening properties', () => {
  it('returns an instant inside the window in every zone, at or after t', () => {
    fc.assert(
      fc.property(windows, fc.integer({ min: YEAR_2026[0], max: YEAR_2026[1] }), (window, t) => {
        const opening = windowOpening(window, t);
        if (opening === null) return;
        expect(opening).toBeGreaterThanOrEqual(t);
        for (const zone of window.zones!) {
          expect(inWindow({ start: window.start, end: window.end, timezone: zone }, opening)).toBe(
            true,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('returns the first such instant: no minute between t and it is inside in every zone', () => {
    fc.assert(
      fc.property(windows, fc.integer({ min: YEAR_2026[0], max: YEAR_2026[1] }), (window, t) => {
        const opening = windowOpening(window, t, 2 * 86_400_000);
        const end = opening ?? t + 2 * 86_400_000;
        // t itself, then every minute boundary after it up to the opening.
        for (let m = t; m < end; m = (Math.floor(m / MINUTE) + 1) * MINUTE) {
          expect(inCallingWindow(window, m)).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });
});
