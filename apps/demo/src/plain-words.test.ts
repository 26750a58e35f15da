import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { plainWords } from './plain-words.js';

/** The messages of `schema`'s issues for `value`, as a route makes them. */
const words = (schema: z.ZodType, value: unknown) =>
  schema.safeParse(value, { error: plainWords }).error?.issues.map((i) => i.message);

describe('plainWords', () => {
  it.each([
    ['a number under its minimum', z.int().min(1), 0, 'must be at least 1'],
    ['a number over its maximum', z.number().max(100), 101, 'must be at most 100'],
    ['a positive number', z.number().positive(), 0, 'must be more than 0'],
    ['a fraction for a whole number', z.int(), 1.5, 'must be a whole number'],
    ['text for a number', z.number(), 'many', 'must be a number'],
    ['a missing value', z.object({ a: z.string() }), {}, 'is required'],
    ['empty text', z.string().min(1), '', 'must not be empty'],
    ['long text', z.string().max(3), 'abcd', 'must be at most 3 characters'],
    ['an empty list', z.array(z.string()).min(1), [], 'must list at least one'],
    ['a long list', z.array(z.string()).max(1), ['a', 'b'], 'must be at most 1 item'],
    ['another value', z.enum(['a', 'b']), 'c', 'must be one of "a", "b"'],
    ['an unknown field', z.strictObject({}), { color: 1 }, 'unknown field "color"'],
    ['text in another form', z.string().regex(/^a$/), 'b', 'is not written as expected'],
    ['a step', z.number().multipleOf(5), 7, 'must be a multiple of 5'],
  ])('says %s plainly', (_what, schema, value, message) => {
    expect(words(schema, value)).toEqual([message]);
  });

  it("leaves a schema's own message as it is", () => {
    expect(words(z.string().regex(/^a$/, 'must be a'), 'b')).toEqual(['must be a']);
  });
});
