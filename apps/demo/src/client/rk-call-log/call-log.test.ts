import { describe, expect, it } from 'vitest';
import { logQuery, NO_FILTERS, recordOutcome } from './call-log.js';

describe("the call log's filters", () => {
  it('is no query without filters, and each filter given as the API reads it', () => {
    expect(logQuery(NO_FILTERS)).toEqual({ query: '' });
    const since = new Date('2026-06-01T09:00').toISOString();
    expect(
      logQuery({
        direction: 'inbound',
        outcome: 'missed',
        since: '2026-06-01T09:00',
        until: '',
        phone: ' (415) 555-2671 ',
        campaign: ' spring ',
      }),
    ).toEqual({
      query: `direction=inbound&outcome=missed&since=${encodeURIComponent(since)}&phone=%28415%29+555-2671&campaign=spring`,
    });
  });

  it('names a time it cannot read', () => {
    expect(logQuery({ ...NO_FILTERS, until: 'tomorrow' })).toEqual({ field: 'until' });
  });
});

describe("a call's outcome in the log", () => {
  it.each([
    ['completed', false, 'completed', 'Completed'],
    ['busy', false, 'missed', 'Missed'],
    ['no-answer', false, 'missed', 'Missed'],
    ['failed', false, 'missed', 'Missed'],
    ['failed', true, 'unknown', 'Outcome unknown'],
    ['canceled', false, 'canceled', 'Canceled'],
    ['ringing', false, 'in-progress', 'In progress'],
  ] as const)('%s (outcome unknown: %s) is %s', (status, unknown, key, word) => {
    expect(recordOutcome({ status, outcome_unknown: unknown })).toEqual({ key, word });
  });
});
