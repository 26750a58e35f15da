import { describe, expect, it } from 'vitest';
import { Deadlines } from './_deadlines.js';
import { Entry } from './_entry.js';
import { createFakeClock } from '@ringkit/call-client/testing';

function live(index: number): Entry {
  const entry = new Entry(index, '+14155552671');
  entry.attempts = 1;
  entry.live = true;
  return entry;
}

describe('Deadlines', () => {
  it('expires each attempt at its own deadline, in order, on one timer', () => {
    const clock = createFakeClock(0);
    const expired: number[] = [];
    const deadlines = new Deadlines(clock, (entry) => expired.push(entry.index));
    const [a, b, c] = [live(0), live(1), live(2)];
    deadlines.add(a, 1, 100);
    clock.advanceSync(30);
    deadlines.add(b, 1, 130);
    deadlines.add(c, 1, 130);
    expect(clock.pending).toBe(1);
    clock.advanceSync(69);
    expect(expired).toEqual([]);
    clock.advanceSync(1);
    expect(expired).toEqual([0]);
    clock.advanceSync(30);
    expect(expired).toEqual([0, 1, 2]);
    expect(clock.pending).toBe(0);
  });

  it('skips attempts that ended or moved on to a new attempt', () => {
    const clock = createFakeClock(0);
    const expired: number[] = [];
    const deadlines = new Deadlines(clock, (entry) => expired.push(entry.index));
    const [a, b, c] = [live(0), live(1), live(2)];
    deadlines.add(a, 1, 100);
    deadlines.add(b, 1, 200);
    deadlines.add(c, 1, 300);
    a.live = false;
    b.attempts = 2;
    clock.advanceSync(300);
    expect(expired).toEqual([2]);
  });

  it('arms no timer for what expiries add, beyond the one it re-arms', () => {
    const clock = createFakeClock(0);
    const deadlines: Deadlines = new Deadlines(clock, (entry) => {
      entry.live = false;
      if (entry.index < 3) deadlines.add(live(entry.index + 1), 1, clock.now() + 10);
    });
    deadlines.add(live(0), 1, 10);
    for (let i = 0; i < 3; i += 1) {
      clock.advanceSync(10);
      expect(clock.pending).toBe(1);
    }
    clock.advanceSync(10);
    expect(clock.pending).toBe(0);
  });

  it('forgets everything on clear', () => {
    const clock = createFakeClock(0);
    const expired: number[] = [];
    const deadlines = new Deadlines(clock, (entry) => expired.push(entry.index));
    deadlines.add(live(0), 1, 10);
    deadlines.clear();
    expect(clock.pending).toBe(0);
    clock.advanceSync(100);
    expect(expired).toEqual([]);
  });

  it('keeps working after compacting a long run of ended attempts', () => {
    const clock = createFakeClock(0);
    const expired: number[] = [];
    const deadlines = new Deadlines(clock, (entry) => expired.push(entry.index));
    const entries = Array.from({ length: 3000 }, (_, i) => live(i));
    entries.forEach((entry, i) => deadlines.add(entry, 1, 10 + i));
    for (const entry of entries.slice(0, 2500)) entry.live = false;
    clock.advanceSync(4000);
    expect(expired).toHaveLength(500);
    expect(expired[0]).toBe(2500);
  });
});
