import { describe, expect, it } from 'vitest';
import type { StoredEvent } from './store.js';
import { countAttempts, mostAttempts } from './_retry.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const step = (attempt: number, status: StoredEvent['status'], extra: Partial<StoredEvent> = {}) =>
  ({ status, at: T0 + attempt * 1000, attempt, ...extra }) as StoredEvent;

describe('countAttempts', () => {
  it('counts nothing for a call never placed', () => {
    expect(countAttempts([step(1, 'scheduled')])).toEqual({});
    expect(countAttempts([step(1, 'scheduled'), step(1, 'canceled')])).toEqual({});
  });

  it('counts each attempt sent by how it ended, a machine apart from a person', () => {
    expect(
      countAttempts([
        step(1, 'queued'),
        step(1, 'busy'),
        step(2, 'scheduled'),
        step(2, 'queued'),
        step(2, 'initiated', { answeredBy: 'machine' }),
        step(2, 'completed', { answeredBy: 'human' }), // the first word stands
        step(3, 'scheduled'),
        step(3, 'queued'),
        step(3, 'answered', { answeredBy: 'human' }),
        step(3, 'completed'),
      ]),
    ).toEqual({ busy: 1, machine: 1, completed: 1 });
  });

  it('does not count a retry a stop canceled before it was sent', () => {
    expect(
      countAttempts([
        step(1, 'queued'),
        step(1, 'no-answer'),
        step(2, 'scheduled'),
        step(2, 'canceled'),
      ]),
    ).toEqual({ 'no-answer': 1 });
  });

  it("takes an unknown outcome's correction, the provider's late answer, as the attempt's end", () => {
    expect(
      countAttempts([
        step(1, 'queued'),
        step(1, 'failed', { reason: 'outcome_unknown' }),
        step(1, 'initiated'),
        step(1, 'busy'),
      ]),
    ).toEqual({ busy: 1 });
  });
});

describe('mostAttempts', () => {
  it('is the first attempt and each cap less its first', () => {
    expect(mostAttempts({})).toBe(1);
    expect(mostAttempts({ busy: { afterMs: 0, maxAttempts: 3 } })).toBe(3);
    expect(
      mostAttempts({
        busy: { afterMs: 0, maxAttempts: 3 },
        'no-answer': { afterMs: 0, maxAttempts: 2 },
        machine: { afterMs: 0, maxAttempts: 1 },
      }),
    ).toBe(4);
  });
});
