import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clonePlain, flatten, Interner } from './_values.js';

describe('memory store values', () => {
  it('flattens a string without changing it, and keeps one with spaces at its ends', () => {
    const id = randomUUID();
    expect(flatten(id)).toBe(id);
    expect(flatten(' a b ')).toBe(' a b ');
    expect(flatten('')).toBe('');
  });

  it('names each distinct string by one code', () => {
    const strings = new Interner(['scheduled', 'queued']);
    expect(strings.code('queued')).toBe(1);
    expect(strings.code(`+1415${'5550001'}`)).toBe(2);
    expect(strings.code('+14155550001')).toBe(2);
    expect(strings.value(2)).toBe('+14155550001');
    expect(strings.find('+14155550002')).toBe(-1);
    expect(strings.size).toBe(3);
  });

  it('copies plain data deeply and shares other objects', () => {
    const at = new Date(0);
    const value = { list: [{ n: 1 }], nested: { s: 'x', none: null }, at };
    const copy = clonePlain(value);
    expect(copy).toEqual(value);
    copy.list[0]!.n = 2;
    copy.nested.s = 'y';
    expect(value).toEqual({ list: [{ n: 1 }], nested: { s: 'x', none: null }, at });
    expect(copy.at).toBe(at);
  });
});
