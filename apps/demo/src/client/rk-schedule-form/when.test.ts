import { describe, expect, it } from 'vitest';
import { formatDateTime, toLocalInput } from '../format.js';
import { aheadWords, whenProblem } from './when.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const YEAR = 366 * 86_400_000;
const local = (ms: number) => toLocalInput(new Date(ms));

describe('whenProblem', () => {
  it("refuses a time past the server's limit, saying until when in the viewer's time", () => {
    expect(whenProblem(local(NOW + YEAR - 60_000), YEAR, NOW)).toBeUndefined();
    expect(whenProblem(local(NOW + YEAR + 60_000), YEAR, NOW)).toBe(
      `Choose a time at most a year ahead, until ${formatDateTime(new Date(NOW + YEAR).toISOString())}.`,
    );
    // Without the server's limit (an older server), the server says it.
    expect(whenProblem(local(NOW + 2 * YEAR), undefined, NOW)).toBeUndefined();
  });

  it('refuses an empty value and a time in the past', () => {
    expect(whenProblem('', YEAR, NOW)).toBe('Choose when to call.');
    expect(whenProblem(local(NOW - 120_000), YEAR, NOW)).toBe('Choose a time in the future.');
  });

  it('says a limit in days, or a year', () => {
    expect(aheadWords(YEAR)).toBe('a year');
    expect(aheadWords(30 * 86_400_000)).toBe('30 days');
    expect(aheadWords(86_400_000)).toBe('1 day');
  });
});
