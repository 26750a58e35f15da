import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CALL_STATUSES,
  RETRYABLE_OUTCOMES,
  TERMINAL_STATUSES,
  callDurationSeconds,
  canAdvance,
  isCallStatus,
  isTerminal,
  mapProviderStatus,
  statusRank,
} from './status.js';

const status = fc.constantFrom(...CALL_STATUSES);

describe('status ranks', () => {
  it('orders the lifecycle queued → initiated → ringing → answered → terminal', () => {
    expect(
      ['queued', 'initiated', 'ringing', 'answered', 'completed'].map((s) =>
        statusRank(s as never),
      ),
    ).toEqual([0, 1, 2, 3, 4]);
  });

  it('treats exactly the five end states as terminal', () => {
    expect(CALL_STATUSES.filter(isTerminal)).toEqual([...TERMINAL_STATUSES]);
  });

  it('never lets a status move back or sideways, whatever the order of events', () => {
    fc.assert(
      fc.property(fc.array(status, { maxLength: 30 }), (events) => {
        let current: (typeof CALL_STATUSES)[number] = 'queued';
        for (const next of events) {
          const before = current;
          if (canAdvance(current, next)) current = next;
          expect(statusRank(current)).toBeGreaterThanOrEqual(statusRank(before));
          if (isTerminal(before)) expect(current).toBe(before);
        }
      }),
    );
  });

  it('lets a call advance only to a strictly higher rank', () => {
    fc.assert(
      fc.property(status, status, (a, b) => {
        expect(canAdvance(a, b)).toBe(statusRank(b) > statusRank(a));
      }),
    );
  });

  it('recognises its own status words and nothing else', () => {
    for (const s of CALL_STATUSES) expect(isCallStatus(s)).toBe(true);
    for (const v of ['connected', 'toString', '', 3, null, undefined])
      expect(isCallStatus(v)).toBe(false);
  });
});

describe('mapProviderStatus', () => {
  it.each([
    ['connected', 'answered'],
    ['answered', 'answered'],
    ['in-progress', 'answered'],
    ['In Progress', 'answered'],
    ['queued', 'initiated'],
    ['initiated', 'initiated'],
    ['RINGING', 'ringing'],
    ['completed', 'completed'],
    ['no-answer', 'no-answer'],
    ['no_answer', 'no-answer'],
    ['busy', 'busy'],
    ['failed', 'failed'],
    ['cancelled', 'canceled'],
  ])('maps the provider word %j to %j', (word, expected) => {
    expect(mapProviderStatus(word)).toBe(expected);
  });

  it('returns undefined for words it does not know, including prototype keys', () => {
    expect(mapProviderStatus('teleported')).toBeUndefined();
    expect(mapProviderStatus('constructor')).toBeUndefined();
    expect(mapProviderStatus('')).toBeUndefined();
  });
});

describe('callDurationSeconds', () => {
  const call = {
    status: 'completed' as const,
    startedAt: 1_000,
    answeredAt: 3_000,
    endedAt: 64_400,
  };

  it('counts whole seconds from the answer to the end', () => {
    expect(callDurationSeconds(call)).toBe(61);
  });

  it('counts from the start when the answer time is unknown', () => {
    expect(callDurationSeconds({ ...call, answeredAt: null })).toBe(63);
  });

  it('has none for a call not ended or not completed, and is never negative', () => {
    expect(callDurationSeconds({ ...call, endedAt: null })).toBeNull();
    expect(callDurationSeconds({ ...call, status: 'busy' })).toBeNull();
    expect(callDurationSeconds({ ...call, endedAt: 2_000 })).toBe(0);
  });
});

describe('RETRYABLE_OUTCOMES', () => {
  it('are the final statuses another attempt may change: not completed, not canceled', () => {
    expect([...RETRYABLE_OUTCOMES].sort()).toEqual(['busy', 'failed', 'no-answer']);
    for (const status of RETRYABLE_OUTCOMES) expect(isTerminal(status)).toBe(true);
  });
});
