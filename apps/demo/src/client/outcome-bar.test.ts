import { describe, expect, it } from 'vitest';
import { barText, progressSegments, statusSegments } from './outcome-bar.js';

describe('the outcome bar', () => {
  it('counts a dialer’s entries by outcome, busy and unanswered as missed, the calls in flight apart', () => {
    const segments = statusSegments([
      'completed',
      'busy',
      'no-answer',
      'failed',
      'ringing',
      'dialing',
      'idle',
      'canceled',
      'suppressed',
    ]);
    expect(segments.map((s) => [s.outcome, s.count])).toEqual([
      ['completed', 1],
      ['missed', 2],
      ['failed', 1],
      ['canceled', 1],
      ['suppressed', 1],
      ['live', 2],
    ]);
    expect(barText(segments, 9)).toBe(
      '6 of 9 ended: 1 completed, 2 missed, 1 failed, 1 canceled, 1 do not call; 2 in flight',
    );
  });

  it('says a campaign’s progress in the card’s words, and nothing ended as such', () => {
    const none = progressSegments({
      completed: 0,
      missed: 0,
      unknown: 0,
      canceled: 0,
      suppressed: 0,
      live: 0,
    });
    expect(barText(none, 5)).toBe('0 of 5 ended');
    const some = progressSegments({
      completed: 5,
      missed: 4,
      unknown: 1,
      canceled: 0,
      suppressed: 0,
      live: 1,
    });
    expect(barText(some, 12)).toBe(
      '10 of 12 ended: 5 completed, 4 missed, 1 outcome unknown; 1 in flight',
    );
  });
});
