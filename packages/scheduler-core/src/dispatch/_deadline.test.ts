import { createFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it } from 'vitest';
import { deadlineOf } from './_deadline.js';

const expired = () => new Error('too late');

describe('deadlineOf', () => {
  it('settles the race with the answer that comes in time, and aborts nothing', async () => {
    const clock = createFakeClock(0);
    const deadline = deadlineOf(clock, 1000, expired);
    const raced = deadline.race(Promise.resolve('answer'));
    await expect(raced).resolves.toBe('answer');
    deadline.clear();
    await clock.advance(5000);
    expect(deadline.signal.aborted).toBe(false);
  });

  it('passes on the answer’s own rejection', async () => {
    const clock = createFakeClock(0);
    const deadline = deadlineOf(clock, 1000, expired);
    const refused = new Error('refused');
    await expect(deadline.race(Promise.reject(refused))).rejects.toBe(refused);
    deadline.clear();
  });

  it('rejects at the deadline with its error and aborts the signal with it, though the answer never comes', async () => {
    const clock = createFakeClock(0);
    const deadline = deadlineOf(clock, 1000, expired);
    const raced = deadline.race(new Promise<never>(() => {}));
    const seen = raced.catch((error: unknown) => error);
    await clock.advance(999);
    expect(deadline.signal.aborted).toBe(false);
    await clock.advance(1);
    const error = await seen;
    expect(error).toEqual(new Error('too late'));
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe(error);
  });

  it('keeps the deadline’s error when the answer comes after it, and leaves no rejection unhandled', async () => {
    const clock = createFakeClock(0);
    const deadline = deadlineOf(clock, 10, expired);
    let refuse: (error: Error) => void = () => {};
    const answer = new Promise<never>((_, reject) => {
      refuse = reject;
    });
    const seen = deadline.race(answer).catch((error: unknown) => error);
    await clock.advance(10);
    refuse(new Error('aborted by the signal'));
    expect(await seen).toEqual(new Error('too late'));
  });

  it('rejects a race begun after the deadline passed at once', async () => {
    const clock = createFakeClock(0);
    const deadline = deadlineOf(clock, 10, expired);
    await clock.advance(10);
    await expect(deadline.race(new Promise<never>(() => {}))).rejects.toEqual(
      new Error('too late'),
    );
  });

  it('rejects every race of the deadline when it passes', async () => {
    const clock = createFakeClock(0);
    const deadline = deadlineOf(clock, 10, expired);
    const seen = [1, 2].map(() =>
      deadline.race(new Promise<never>(() => {})).catch((error: unknown) => error),
    );
    await clock.advance(10);
    expect(await Promise.all(seen)).toEqual([new Error('too late'), new Error('too late')]);
  });

  it('holds no timer once cleared', () => {
    const clock = createFakeClock(0);
    const deadline = deadlineOf(clock, 1000, expired);
    expect(clock.pending).toBe(1);
    deadline.clear();
    expect(clock.pending).toBe(0);
  });
});
