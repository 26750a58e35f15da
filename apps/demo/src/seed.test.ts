import { describe, expect, it } from 'vitest';
import { demoHistory } from './seed.js';

describe('demoHistory', () => {
  const options = {
    callerId: '+14155550100',
    numbers: ['+13018040009', '+19842068287', '+15512459377'],
    now: Date.parse('2024-06-07T12:00:00Z'),
  };

  it('makes the same few hundred records every time, all in the past month', () => {
    const records = demoHistory(options);
    expect(records).toHaveLength(300);
    expect(demoHistory(options)).toEqual(records);
    for (const r of records) {
      const started = (r.startedAt as Date).getTime();
      expect(started).toBeLessThan(options.now);
      expect(started).toBeGreaterThan(options.now - 32 * 86_400_000);
      expect(r.from).not.toBe(r.to);
    }
  });

  it('mixes directions and outcomes across every number', () => {
    const records = demoHistory(options);
    for (const phone of [options.callerId, ...options.numbers]) {
      expect(records.some((r) => r.from === phone)).toBe(true);
      expect(records.some((r) => r.to === phone)).toBe(true);
    }
    const completed = records.filter((r) => r.status === 'completed');
    expect(completed.length / records.length).toBeGreaterThan(0.5);
    expect(completed.length / records.length).toBeLessThan(0.8);
    expect(completed.every((r) => r.answeredAt instanceof Date)).toBe(true);
    expect(
      records.filter((r) => r.status !== 'completed').every((r) => r.answeredAt === null),
    ).toBe(true);
  });
});
