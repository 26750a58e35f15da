import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { storable, unstorableIn, unstorableText } from './text.js';

describe('unstorableText', () => {
  it('takes any text, pairs of surrogates (emoji) included', () => {
    for (const text of ['', 'plain', 'quote " back\\slash', 'tab\tline\n', '😀 ok', '\uD83D\uDE00'])
      expect(unstorableText(text), text).toBeNull();
  });

  it('refuses the NUL character, saying where', () => {
    expect(unstorableText('ab\u0000c')).toBe(
      'must not contain the NUL character (U+0000, at index 2)',
    );
  });

  it('refuses a lone surrogate, high or low, saying which and where', () => {
    expect(unstorableText('a\uD800')).toBe(
      'must not contain a lone surrogate (U+D800, at index 1), half of a UTF-16 pair',
    );
    expect(unstorableText('😀\uDC00')).toBe(
      'must not contain a lone surrogate (U+DC00, at index 2), half of a UTF-16 pair',
    );
    // A high surrogate followed by another high one: the first is alone.
    expect(unstorableText('\uD83D\uD83D\uDE00')).toMatch(/U\+D83D, at index 0/);
  });
});

describe('storable', () => {
  it('passes what the schema passes, and refuses unstorable text with its reason', () => {
    const schema = storable(z.string().min(1));
    expect(schema.parse('key')).toBe('key');
    const refused = schema.safeParse('k\u0000');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues).toEqual([
      expect.objectContaining({
        code: 'custom',
        path: [],
        message: 'must not contain the NUL character (U+0000, at index 1)',
      }),
    ]);
    // The schema's own checks still apply.
    expect(schema.safeParse('').success).toBe(false);
  });
});

describe('unstorableIn', () => {
  it('finds nothing in JSON of storable text', () => {
    expect(unstorableIn({ a: ['x', 1, null, { b: 'y' }], é: true })).toBeNull();
    expect(unstorableIn('text')).toBeNull();
    expect(unstorableIn(42)).toBeNull();
  });

  it('finds a string deep in arrays and objects, with its path', () => {
    expect(unstorableIn({ a: [1, { b: ['ok', 'x\u0000'] }] })).toEqual({
      path: ['a', 1, 'b', 1],
      message: 'must not contain the NUL character (U+0000, at index 1)',
    });
  });

  it('finds a key, naming it, at the path of its object', () => {
    expect(unstorableIn({ a: { 'k\uDC00': 1 } })).toEqual({
      path: ['a'],
      message:
        'the key "k\\udc00" must not contain a lone surrogate (U+DC00, at index 1), half of a UTF-16 pair',
    });
  });

  it('walks any depth without recursion', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableIn(deep)?.path).toHaveLength(100_000);
  });
});
