import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatCalleeTime,
  formatCountdown,
  formatDateTime,
  localTimes,
  cronFor,
  describeCron,
  formatDuration,
  formatPhone,
  fromLocalInput,
  looksLikePhone,
  phoneKey,
  phonePreview,
  toLocalInput,
  truncate,
} from './format.js';

describe('formatCountdown', () => {
  it('says how long until a call, as a person would, and due now once past', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    expect(formatCountdown(now + 20_000, now)).toBe('in 20 s');
    expect(formatCountdown(now + 20_400, now)).toBe('in 21 s');
    expect(formatCountdown(now + 59_000, now)).toBe('in 59 s');
    expect(formatCountdown(now + 60_000, now)).toBe('in 1 min');
    expect(formatCountdown(now + 4 * 60_000 + 30_000, now)).toBe('in 4 min');
    expect(formatCountdown(now + 3_600_000, now)).toBe('in 1 h');
    expect(formatCountdown(now + 2 * 3_600_000 + 5 * 60_000, now)).toBe('in 2 h 5 min');
    expect(formatCountdown(now + 86_400_000, now)).toBe('in 1 day');
    expect(formatCountdown(now + 3 * 86_400_000 + 7_200_000, now)).toBe('in 3 days');
    expect(formatCountdown(now, now)).toBe('due now');
    expect(formatCountdown(now - 5_000, now)).toBe('due now');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0:00'],
    [5, '0:05'],
    [125, '2:05'],
    [3_725, '62:05'],
    [null, '—'],
  ])('shows %j seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('formatPhone', () => {
  it('writes North American numbers the way people read them, others as given', () => {
    expect(formatPhone('+13018040009')).toBe('+1 (301) 804-0009');
    expect(formatPhone('13018040009')).toBe('+1 (301) 804-0009');
    expect(formatPhone('call-me')).toBe('call-me');
  });

  it("groups every other valid number by its country's plan, as US ones are", () => {
    expect(formatPhone('+442079460958')).toBe('+44 20 7946 0958');
    expect(formatPhone('+447911123456')).toBe('+44 7911 123456');
    expect(formatPhone('+61293744000')).toBe('+61 2 9374 4000');
    expect(formatPhone('+919876543210')).toBe('+91 98765 43210');
    expect(formatPhone('+33123456789')).toBe('+33 1 23 45 67 89');
    expect(formatPhone('+74951234567')).toBe('+7 495 123 45 67');
    expect(formatPhone('+97143001234')).toBe('+971 4 300 1234');
    expect(formatPhone('+8613812345678')).toBe('+86 138 1234 5678');
    // Not a valid number: as given.
    expect(formatPhone('+44 20')).toBe('+44 20');
    expect(formatPhone('+0123456789')).toBe('+0123456789');
    expect(formatPhone('00442079460958')).toBe('00442079460958');
    expect(formatPhone('+4420794609581234')).toBe('+4420794609581234');
  });
});

describe('phonePreview', () => {
  it('shows what the server will call: a number without + as North American', () => {
    expect(phonePreview('4155552671')).toBe('+1 (415) 555-2671');
    expect(phonePreview('(415) 555-2671')).toBe('+1 (415) 555-2671');
    expect(phonePreview('+44 20 7946 0958')).toBe('+44 20 7946 0958');
    expect(phonePreview('+442079460958')).toBe('+44 20 7946 0958');
  });

  it('shows nothing for what is not a valid number', () => {
    for (const value of ['', '42', '+44 20', '1234567890', '+0123456789', 'call-me']) {
      expect(phonePreview(value), value).toBeUndefined();
    }
  });
});

describe('phone helpers', () => {
  it('accepts what people type and compares numbers by their digits', () => {
    expect(looksLikePhone('+1 (301) 804-0009')).toBe(true);
    expect(looksLikePhone('12')).toBe(false);
    expect(looksLikePhone('call me')).toBe(false);
    expect(phoneKey('+1 (301) 804-0009')).toBe(phoneKey('13018040009'));
  });
});

describe('local date-time inputs', () => {
  it('round-trips a local time through the input format', () => {
    const date = new Date(2030, 0, 2, 9, 5, 7);
    expect(toLocalInput(date)).toBe('2030-01-02T09:05:07');
    expect(fromLocalInput('2030-01-02T09:05:07')).toBe(date.toISOString());
    expect(fromLocalInput('2030-01-02T09:05')).toBe(new Date(2030, 0, 2, 9, 5).toISOString());
    expect(fromLocalInput('tomorrow')).toBeNull();
  });

  it('repeats the chosen local time as a cron pattern and says it in words', () => {
    const thursday = new Date(2030, 0, 3, 9, 30);
    expect(cronFor('daily', thursday)).toBe('30 9 * * *');
    expect(cronFor('weekdays', thursday)).toBe('30 9 * * 1-5');
    expect(cronFor('weekly', thursday)).toBe('30 9 * * 4');
    expect(describeCron('30 9 * * *')).toBe('every day at 09:30');
    expect(describeCron('30 9 * * 1-5')).toBe('every weekday at 09:30');
    expect(describeCron('30 9 * * 4')).toMatch(/^every \S+ at 09:30$/);
    expect(describeCron('*/5 * * * *')).toBe('cron */5 * * * *');
  });
});

describe('truncate', () => {
  it('keeps a text that fits, with its spaces and line breaks made single spaces', () => {
    expect(truncate('Your order\n is  ready.', 30)).toBe('Your order is ready.');
  });

  it('cuts a long text at the end of a word and says so with an ellipsis', () => {
    const text = 'Your appointment with Dr Ruiz is tomorrow at 9:30.';
    expect(truncate(text, 30)).toBe('Your appointment with Dr Ruiz…');
    expect(Array.from(truncate(text, 30)).length).toBeLessThanOrEqual(30);
  });

  it('cuts inside a word that is too long to wait for, never inside a character', () => {
    expect(truncate('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(truncate('📞'.repeat(12), 5)).toBe('📞📞📞📞…');
  });
});

describe('localTimes', () => {
  it("writes every ISO time of a server's message in the viewer's locale and time zone", () => {
    const text = 'between 2027-06-02T12:00:00.000Z and 2027-06-03T09:30:00+02:00, not 2027-06-02';
    expect(localTimes(text)).toBe(
      `between ${formatDateTime('2027-06-02T12:00:00.000Z', true)} and ` +
        `${formatDateTime('2027-06-03T07:30:00.000Z', true)}, not 2027-06-02`,
    );
    expect(localTimes('no time here')).toBe('no time here');
  });
});

describe('formatBytes and formatCount', () => {
  it('say a limit as a person reads it', () => {
    expect(formatBytes(1024 * 1024)).toBe('1 MiB');
    expect(formatBytes(16 * 1024)).toBe('16 KiB');
    expect(formatBytes(1_258_291)).toBe('1.2 MiB');
    expect(formatBytes(900)).toBe('900 bytes');
    expect(formatCount(10_000)).toBe((10_000).toLocaleString());
  });
});

describe('formatCalleeTime', () => {
  const at = '2026-06-01T16:30:00Z';

  it("gives the callee's local time in its one zone, and the place", () => {
    expect(formatCalleeTime(at, ['America/New_York'], 'en-US')).toEqual({
      time: '12:30 PM',
      places: 'New York',
    });
    expect(formatCalleeTime(at, ['Asia/Calcutta'], 'en-GB')).toEqual({
      time: '22:00',
      places: 'Calcutta',
    });
  });

  it('gives the range, earliest first, where the zones differ, and one time where they agree', () => {
    expect(formatCalleeTime(at, ['America/Anchorage', 'America/Adak'], 'en-GB')).toEqual({
      time: '07:30 – 08:30',
      places: 'Anchorage, Adak',
    });
    expect(
      formatCalleeTime(at, ['Europe/Guernsey', 'Europe/Isle_of_Man', 'Europe/London'], 'en-GB'),
    ).toEqual({ time: '17:30', places: 'Guernsey, Isle of Man, London' });
  });

  it('orders times across midnight by their local date', () => {
    // 23:30 in Perth and 01:00 the next day in Adelaide.
    expect(
      formatCalleeTime('2026-06-01T15:30:00Z', ['Australia/Adelaide', 'Australia/Perth'], 'en-GB'),
    ).toEqual({ time: '23:30 – 01:00', places: 'Adelaide, Perth' });
  });

  it('gives nothing without a time or a zone', () => {
    expect(formatCalleeTime(null, ['UTC'])).toBeNull();
    expect(formatCalleeTime(at, null)).toBeNull();
    expect(formatCalleeTime(at, [])).toBeNull();
  });
});
