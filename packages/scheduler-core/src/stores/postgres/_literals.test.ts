import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { preparedClaim, withLiterals } from './_campaign-sql.js';
import { campaignStatementsFor } from './_sql.js';

describe('withLiterals', () => {
  const literal = (values: (string | number | boolean | null)[], text = '$1') =>
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

  it('writes null as NULL', () => {
    expect(literal([null], '$1::text IS NULL')).toBe('NULL::text IS NULL');
  });

  it('refuses what has no literal: a value missing, not finite, or of another type', () => {
    expect(() => literal([], '$1')).toThrow(TypeError);
    expect(() => literal([Number.NaN])).toThrow(/no literal for parameter \$1/);
    expect(() => literal([Number.POSITIVE_INFINITY])).toThrow(TypeError);
    expect(() => literal([{} as unknown as string])).toThrow(TypeError);
  });
});

describe('preparedClaim', () => {
  const { prepare, execute } = preparedClaim(campaignStatementsFor('"s"'), '"s"', 'rk_x');

  it('runs the lock, the plan settings, the claim and the wake, in that order, four statements', () => {
    const parts = execute.split(';\n');
    expect(parts).toHaveLength(4);
    expect(parts[0]).toMatch(/FOR UPDATE$/);
    expect(parts[1]).toBe(
      "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), " +
        "set_config('enable_seqscan', 'off', true), set_config('enable_mergejoin', 'off', true), " +
        "set_config('enable_hashjoin', 'off', true)",
    );
    expect(parts[2]).toBe('EXECUTE rk_x_claim($1, $2, $3, $4, $5, $6, $8)');
    expect(parts[3]).toBe('EXECUTE rk_x_wake($1, $2, $7, $6)');
  });

  it('prepares the claim and the wake under the names it runs', () => {
    const parts = prepare.split(';\n');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatch(/^PREPARE rk_x_claim AS WITH adopt AS MATERIALIZED/);
    expect(parts[1]).toMatch(/^PREPARE rk_x_wake AS SELECT least\(/);
  });

  it('uses every parameter of the claim it prepares, so each one has a type: the seventh marks', () => {
    const claim = prepare.split(';\n')[0]!;
    const used = new Set([...claim.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    expect([...used].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(claim).toContain("CASE WHEN state = 'running' THEN concurrency ELSE 0 END");
    expect(claim).toContain("'queued', 'at', $2::bigint");
    expect(claim).toContain('$7::boolean AND fresh.placing_at IS NULL');
  });

  it('takes eight values, written as literals', () => {
    const used = new Set([...execute.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    expect([...used].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const text = withLiterals(execute, ['c', 5, 2, 'w', 9, 1, 4, true], pg.escapeLiteral);
    expect(text).toContain("EXECUTE rk_x_claim('c', (5), (2), 'w', (9), (1), true)");
    expect(text).toContain("EXECUTE rk_x_wake('c', (5), (4), (1))");
  });
});
