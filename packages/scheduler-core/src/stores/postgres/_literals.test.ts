import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { oneTripClaim, withLiterals } from './_campaign-sql.js';
import { campaignStatementsFor } from './_sql.js';

describe('withLiterals', () => {
  const literal = (values: (string | number | boolean)[], text = '$1') =>
    withLiterals(text, values, pg.escapeLiteral);

  it('writes numbers in parentheses, so that a negative one after a minus is no comment', () => {
    expect(literal([5])).toBe('(5)');
    expect(literal([-5], 'x - $1')).toBe('x - (-5)');
    expect(literal([1.5])).toBe('(1.5)');
  });

  it('quotes strings with escapeLiteral, quotes and backslashes included', () => {
    expect(literal(["o'brien"])).toBe("'o''brien'");
    expect(literal(['a\\b'])).toBe(" E'a\\\\b'");
    expect(literal([true, false], '$1 AND $2')).toBe('true AND false');
  });

  it('reads $10 as the tenth value, not the first followed by a zero', () => {
    const values = Array.from({ length: 11 }, (_, i) => i + 1);
    expect(literal(values, '$1 $10 $11')).toBe('(1) (10) (11)');
  });

  it('refuses what has no literal: a value missing, not finite, or of another type', () => {
    expect(() => literal([], '$1')).toThrow(TypeError);
    expect(() => literal([Number.NaN])).toThrow(/no literal for parameter \$1/);
    expect(() => literal([Number.POSITIVE_INFINITY])).toThrow(TypeError);
    expect(() => literal([{} as unknown as string])).toThrow(TypeError);
  });
});

describe('oneTripClaim', () => {
  const text = oneTripClaim(campaignStatementsFor('"s"'), '"s"');

  it('is the lock, the claim and the wake, in that order, three statements', () => {
    const parts = text.split(';\n');
    expect(parts).toHaveLength(3);
    expect(parts[0]).toMatch(/FOR UPDATE$/);
    expect(parts[1]).toMatch(/^WITH adopt AS MATERIALIZED/);
    expect(parts[2]).toMatch(/AS wake$/);
  });

  it('takes eight values: the claim reads the cap from the campaign row, without a budget; the eighth marks', () => {
    const used = new Set([...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    expect([...used].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(text).toContain("'queued', 'at', $2::bigint");
    expect(text).toContain('$8::boolean AND fresh.placing_at IS NULL');
    expect(text).toContain("CASE WHEN state = 'running' THEN concurrency ELSE 0 END");
  });
});
