import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CAMPAIGN_NAME_PATTERN, campaignNameFrom, campaignNameProblem } from './campaign-name.js';

describe('campaign names', () => {
  it('takes letters, digits, _ . - from a letter or digit, up to 100', () => {
    for (const name of ['spring-promo', 'a', '2026.06_list', 'x'.repeat(100)]) {
      expect(campaignNameProblem(name)).toBeUndefined();
    }
    for (const name of ['', '-lead', 'two words', 'x'.repeat(101), 'été', 'a/b']) {
      expect(CAMPAIGN_NAME_PATTERN.test(name)).toBe(false);
    }
  });

  it('refuses a name with a space in words, with a name that would do', () => {
    expect(campaignNameProblem('Newcomer test')).toBe(
      'must be letters, digits, _ . and - only (no spaces), starting with a letter or a digit, ' +
        'at most 100, e.g. "Newcomer-test"',
    );
    expect(campaignNameProblem('¿?')).not.toContain('e.g.');
  });

  it('makes a safe name from any text, or none when nothing is left', () => {
    expect(campaignNameFrom('Newcomer test')).toBe('Newcomer-test');
    expect(campaignNameFrom('  Été 2026: relances! ')).toBe('Ete-2026-relances');
    expect(campaignNameFrom('--x--')).toBe('x');
    expect(campaignNameFrom('¿?')).toBeNull();
    expect(campaignNameFrom('y'.repeat(150))).toBe('y'.repeat(100));
  });

  it('never makes a name the rule refuses', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (text) => {
        const safe = campaignNameFrom(text);
        expect(safe === null || CAMPAIGN_NAME_PATTERN.test(safe)).toBe(true);
      }),
    );
  });
});
