import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../errors.js';
import type { StoredCallUpdate } from '../../store.js';
import { createCombiner } from './_combine.js';

const update = (id: string): StoredCallUpdate => ({ id, expectedVersion: 1, patch: {} });

/** A `run` that answers when told, and records the batches it was given. */
function manual() {
  const sent: string[][] = [];
  const answers: { resolve: (a: boolean[]) => void; reject: (e: unknown) => void }[] = [];
  const run = (batch: StoredCallUpdate[]) =>
    new Promise<boolean[]>((resolve, reject) => {
      sent.push(batch.map((u) => u.id));
      answers.push({ resolve, reject });
    });
  return { sent, answers, run };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createCombiner', () => {
  it('sends a batch at once while fewer than maxInFlight are out', async () => {
    const { sent, run } = manual();
    const updateMany = createCombiner({ maxInFlight: 2, maxRows: 100, run });
    void updateMany([update('a')]);
    void updateMany([update('b')]);
    expect(sent).toEqual([['a'], ['b']]);
  });

  it('sends the batches asked for meanwhile as one, in order, each answered with its own part', async () => {
    const { sent, answers, run } = manual();
    const updateMany = createCombiner({ maxInFlight: 1, maxRows: 100, run });
    const first = updateMany([update('a')]);
    const second = updateMany([update('b'), update('c')]);
    const third = updateMany([update('d')]);
    expect(sent).toEqual([['a']]);
    answers[0]!.resolve([true]);
    expect(await first).toEqual([true]);
    await tick();
    expect(sent).toEqual([['a'], ['b', 'c', 'd']]);
    answers[1]!.resolve([false, true, true]);
    expect(await second).toEqual([false, true]);
    expect(await third).toEqual([true]);
  });

  it('sends no more than maxRows rows together', async () => {
    const { sent, answers, run } = manual();
    const updateMany = createCombiner({ maxInFlight: 1, maxRows: 2, run });
    void updateMany([update('a')]);
    void updateMany([update('b')]);
    void updateMany([update('c')]);
    void updateMany([update('d')]);
    answers[0]!.resolve([true]);
    await tick();
    expect(sent).toEqual([['a'], ['b', 'c']]);
    answers[1]!.resolve([true, true]);
    await tick();
    expect(sent).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('runs each batch on its own, in order, after a combined one failed on a constraint: only the one at fault fails', async () => {
    const { sent, answers, run } = manual();
    const updateMany = createCombiner({ maxInFlight: 1, maxRows: 100, run });
    void updateMany([update('a')]);
    const good = updateMany([update('b')]);
    const bad = updateMany([update('c')]);
    answers[0]!.resolve([true]);
    await tick();
    const duplicate = new ConflictError({ reason: 'duplicate', id: 'c', message: 'duplicate' });
    answers[1]!.reject(duplicate);
    await tick();
    // One after another, in the order asked: `c` goes only once `b` is answered.
    expect(sent.slice(2)).toEqual([['b']]);
    answers[2]!.resolve([true]);
    await tick();
    expect(sent.slice(2)).toEqual([['b'], ['c']]);
    answers[3]!.reject(duplicate);
    expect(await good).toEqual([true]);
    await expect(bad).rejects.toBe(duplicate);
  });

  it('fails every batch of a combined one on any other error', async () => {
    const { answers, run } = manual();
    const updateMany = createCombiner({ maxInFlight: 1, maxRows: 100, run });
    void updateMany([update('a')]);
    const b = updateMany([update('b')]);
    const c = updateMany([update('c')]);
    answers[0]!.resolve([true]);
    await tick();
    const lost = new Error('Connection terminated');
    answers[1]!.reject(lost);
    await expect(b).rejects.toBe(lost);
    await expect(c).rejects.toBe(lost);
  });
});
