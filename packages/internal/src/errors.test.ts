import { describe, expect, it } from 'vitest';
import { brand, errorGuard, formatIssues, hasBrand } from './errors.js';

class FamilyError extends Error {
  override name = 'FamilyError';
  constructor(message: string) {
    super(message);
    brand(this, 'TestFamily');
  }
}
class ChildError extends FamilyError {
  override name = 'ChildError';
}

describe('errorGuard', () => {
  const isFamily = errorGuard(FamilyError, 'TestFamily');
  const isChild = errorGuard(ChildError, 'TestFamily', 'ChildError');

  it('recognises instances and subclasses', () => {
    expect(isFamily(new FamilyError('x'))).toBe(true);
    expect(isFamily(new ChildError('x'))).toBe(true);
    expect(isChild(new ChildError('x'))).toBe(true);
    expect(isChild(new FamilyError('x'))).toBe(false);
  });

  it('recognises a branded error from another copy by its brand and name', () => {
    const foreign = Object.assign(new Error('from elsewhere'), { name: 'ChildError' });
    expect(isChild(foreign)).toBe(false);
    brand(foreign, 'TestFamily');
    expect(hasBrand(foreign, 'TestFamily')).toBe(true);
    expect(isFamily(foreign)).toBe(true);
    expect(isChild(foreign)).toBe(true);
  });

  it('refuses non-errors and other families', () => {
    for (const value of [null, undefined, 'ChildError', 42, {}, new Error('plain')]) {
      expect(isFamily(value)).toBe(false);
    }
    const other = new Error('other');
    brand(other, 'OtherFamily');
    expect(isFamily(other)).toBe(false);
  });
});

describe('formatIssues', () => {
  it('joins each issue as path: message, the root named', () => {
    expect(
      formatIssues([
        { path: ['window', 'start'], message: 'must be HH:MM' },
        { path: [], message: 'expected an object' },
        { path: [0, 'to'], message: 'not a phone number' },
      ]),
    ).toBe('window.start: must be HH:MM; (root): expected an object; 0.to: not a phone number');
  });
});
