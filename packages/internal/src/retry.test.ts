import { describe, expect, it } from 'vitest';
import { retrySchema, retrySchemaWith } from './retry.js';
import type { z } from 'zod';

const messages = (value: unknown, schema: z.ZodType = retrySchema) => {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('retrySchema', () => {
  it('takes a delay and a cap for each outcome', () => {
    const retry = {
      busy: { afterMs: 120_000, maxAttempts: 3 },
      'no-answer': { afterMs: 3_600_000, maxAttempts: 2 },
      failed: { afterMs: 0, maxAttempts: 2 },
      machine: { afterMs: 7_200_000, maxAttempts: 2 },
    };
    expect(retrySchema.parse(retry)).toEqual(retry);
    expect(retrySchema.parse({})).toEqual({});
  });

  it.each([
    [
      { noAnswer: { afterMs: 1, maxAttempts: 2 } },
      'unknown outcome "noAnswer": did you mean "no-answer"?',
    ],
    [
      { voicemail: { afterMs: 1, maxAttempts: 2 } },
      'unknown outcome "voicemail": did you mean "machine"?',
    ],
    [{ bussy: { afterMs: 1, maxAttempts: 2 } }, 'unknown outcome "bussy": did you mean "busy"?'],
    [
      { busy: { delayMs: 1, maxAttempts: 2 } },
      'busy: unknown field "delayMs": did you mean "afterMs"?',
    ],
  ])('refuses %j with "did you mean"', (value, message) => {
    expect(messages(value).join('\n')).toContain(message);
  });

  it('lists the outcomes there are for a word far from all of them', () => {
    expect(messages({ completed: { afterMs: 1, maxAttempts: 2 } })[0]).toBe(
      ': unknown outcome "completed"; the outcomes are busy, no-answer, failed, machine',
    );
  });

  it.each([
    [{ busy: { afterMs: -1, maxAttempts: 2 } }, 'busy.afterMs'],
    [{ busy: { afterMs: 1.5, maxAttempts: 2 } }, 'busy.afterMs'],
    [{ busy: { afterMs: 2 ** 31, maxAttempts: 2 } }, 'busy.afterMs'],
    [{ busy: { afterMs: 1, maxAttempts: 0 } }, 'busy.maxAttempts'],
    [{ busy: { afterMs: 1, maxAttempts: 101 } }, 'busy.maxAttempts'],
    [{ busy: { maxAttempts: 2 } }, 'busy.afterMs'],
    [{ machine: { afterMs: 1 } }, 'machine.maxAttempts'],
  ])('refuses %j at %s', (value, path) => {
    expect(messages(value).map((m) => m.split(':')[0])).toEqual([path]);
  });

  it('names the fields as the caller does, with the same bounds', () => {
    const snake = retrySchemaWith({ afterMs: 'after_ms', maxAttempts: 'max_attempts' });
    expect(snake.parse({ busy: { after_ms: 5, max_attempts: 2 } })).toEqual({
      busy: { after_ms: 5, max_attempts: 2 },
    });
    expect(messages({ busy: { afterMs: 5, max_attempts: 2 } }, snake).join('\n')).toContain(
      'unknown field "afterMs": did you mean "after_ms"?',
    );
    expect(messages({ busy: { after_ms: -5, max_attempts: 2 } }, snake)[0]).toMatch(
      /^busy\.after_ms/,
    );
  });
});
