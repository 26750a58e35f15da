import { describe, expect, it } from 'vitest';
import { ApiRequestError, fieldErrors } from '../api.js';
import { formatDateTime, toLocalInput } from '../format.js';
import type { ScheduledCallJson } from '../types.js';
import {
  checkSuppressionForm,
  importReport,
  suppressedNote,
  suppressionBody,
  suppressionField,
  SUPPRESSION_LEADS,
} from './do-not-call.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');

describe('suppressionField', () => {
  it('puts each refusal of POST /api/suppressions under its field, the rest under the form', () => {
    expect(suppressionField({ path: ['phone_number'], message: 'x' })).toBe('phone');
    expect(suppressionField({ path: ['reason'], message: 'x' })).toBe('reason');
    expect(suppressionField({ path: ['until'], message: 'x' })).toBe('until');
    expect(suppressionField({ path: [], code: 'rate_limited', message: 'x' })).toBeUndefined();
    expect(suppressionField({ path: ['limit'], message: 'x' })).toBeUndefined();
  });

  it('reads a 400 as sentences at the fields, with the leads', () => {
    const error = new ApiRequestError(400, 'validation_error', 'Invalid', {
      issues: [
        { in: 'body', path: ['phone_number'], message: 'not a valid phone number' },
        { in: 'body', path: ['until'], message: 'must be in the future' },
      ],
    });
    expect(fieldErrors(error, suppressionField, SUPPRESSION_LEADS)).toEqual({
      phone: 'This number is not a valid phone number.',
      until: 'The end must be in the future.',
    });
  });
});

describe('checkSuppressionForm', () => {
  const later = toLocalInput(new Date(NOW + 3_600_000));
  it('takes a number alone, or with a reason and an end in the future', () => {
    expect(checkSuppressionForm({ phone: '+14155552671', reason: '', until: '' }, NOW)).toEqual({});
    expect(
      checkSuppressionForm({ phone: '+14155552671', reason: 'asked', until: later }, NOW),
    ).toEqual({});
  });

  it('refuses an empty number, a reason too long, an end unreadable or past', () => {
    const errors = checkSuppressionForm(
      { phone: ' ', reason: 'x'.repeat(201), until: toLocalInput(new Date(NOW - 60_000)) },
      NOW,
    );
    expect(Object.keys(errors).sort()).toEqual(['phone', 'reason', 'until']);
    expect(errors.until).toMatch(/future/);
    expect(checkSuppressionForm({ phone: '1', reason: '', until: 'soon' }, NOW).until).toMatch(
      /date and a time/,
    );
  });
});

describe('suppressionBody', () => {
  it('sends the reason and the end only when given, the end as an ISO instant', () => {
    expect(suppressionBody({ phone: ' +14155552671 ', reason: '  ', until: '' })).toEqual({
      phone_number: '+14155552671',
    });
    const local = toLocalInput(new Date(NOW));
    expect(suppressionBody({ phone: '+14155552671', reason: ' asked ', until: local })).toEqual({
      phone_number: '+14155552671',
      reason: 'asked',
      until: new Date(NOW).toISOString(),
    });
  });
});

describe('importReport', () => {
  it('says how many were added and lists the refused lines, their times local', () => {
    const at = '2020-01-01T00:00:00.000Z';
    expect(importReport({ imported: 1, refused: 0, errors: [] })).toEqual({
      summary: '1 number added.',
      lines: [],
    });
    expect(
      importReport({
        imported: 1200,
        refused: 2,
        errors: [
          { line: 3, message: 'not a valid phone number' },
          { line: 5, message: `until ${at} is past` },
        ],
      }),
    ).toEqual({
      summary: `${(1200).toLocaleString()} numbers added; 2 lines refused.`,
      lines: [
        'Line 3: not a valid phone number',
        `Line 5: until ${formatDateTime(at, true)} is past`,
      ],
    });
  });

  it('says how many refused lines it does not list', () => {
    const errors = Array.from({ length: 100 }, (_, i) => ({ line: i + 1, message: 'bad' }));
    const report = importReport({ imported: 0, refused: 150, errors });
    expect(report.summary).toBe('0 numbers added; 150 lines refused.');
    expect(report.lines).toHaveLength(101);
    expect(report.lines.at(-1)).toBe('and 50 more');
  });
});

describe('suppressedNote', () => {
  const step = (status: string, note?: string) =>
    ({
      status,
      at: null,
      attempt: 1,
      provider_status: null,
      reason: null,
      ...(note ? { note } : {}),
    }) as unknown as ScheduledCallJson['timeline'][number];

  it("is a suppressed call's last step's note", () => {
    expect(
      suppressedNote({
        status: 'suppressed',
        timeline: [step('scheduled'), step('suppressed', 'opted out')],
      }),
    ).toBe('opted out');
  });

  it('is null for another status, a step without a note, or an empty timeline', () => {
    expect(suppressedNote({ status: 'completed', timeline: [step('suppressed', 'x')] })).toBeNull();
    expect(suppressedNote({ status: 'suppressed', timeline: [step('suppressed')] })).toBeNull();
    expect(suppressedNote({ status: 'suppressed', timeline: [] })).toBeNull();
  });
});
