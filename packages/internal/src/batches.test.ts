import { AsyncLocalStorage } from 'node:async_hooks';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createBatches } from './batches.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A `send` whose batches are answered when told (`answer`, `fail`), each ask doubled. */
function heldSend() {
  const pending: {
    asks: number[];
    resolve: (a: number[]) => void;
    reject: (e: unknown) => void;
  }[] = [];
  const send = vi.fn(
    (asks: number[]) =>
      new Promise<number[]>((resolve, reject) => pending.push({ asks, resolve, reject })),
  );
  return {
    send,
    answer: () => {
      const batch = pending.shift()!;
      batch.resolve(batch.asks.map((n) => n * 2));
    },
    fail: (error: unknown) => pending.shift()!.reject(error),
  };
}

describe('createBatches', () => {
  it('sends the asks of one turn as one batch, each answered its own answer', async () => {
    const { send, answer } = heldSend();
    const batches = createBatches(send);
    const answers = Promise.all([1, 2, 3].map((n) => batches.ask(n)));
    await turn();
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith([1, 2, 3], '');
    answer();
    expect(await answers).toEqual([2, 4, 6]);
  });

  it("sends each batch in its first ask's async context, not the one of the batch before", async () => {
    const context = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    let release = () => {};
    const batches = createBatches<number, number>(async (asks) => {
      seen.push(context.getStore());
      if (seen.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return asks;
    });
    const first = context.run('a', () => batches.ask(1));
    await turn();
    // Asked while the first batch is on its way: sent by its settling, in the context of 'b'.
    const second = context.run('b', () => batches.ask(2));
    const third = context.run('c', () => batches.ask(3));
    release();
    expect(await Promise.all([first, second, third])).toEqual([1, 2, 3]);
    expect(seen).toEqual(['a', 'b']);
  });

  it('sends what is asked while a batch is on its way in the next one, once that one settled', async () => {
    const { send, answer } = heldSend();
    const batches = createBatches(send);
    const first = batches.ask(1);
    await turn();
    const later = [batches.ask(2), batches.ask(3)];
    await turn();
    expect(send).toHaveBeenCalledTimes(1);
    answer();
    expect(await first).toBe(2);
    await turn();
    expect(send).toHaveBeenLastCalledWith([2, 3], '');
    answer();
    expect(await Promise.all(later)).toEqual([4, 6]);
    // Nothing on its way: the next ask goes at once.
    const alone = batches.ask(4);
    await turn();
    expect(send).toHaveBeenCalledTimes(3);
    answer();
    expect(await alone).toBe(8);
  });

  it('keeps keys apart, each with its own batch on its way', async () => {
    const { send, answer } = heldSend();
    const batches = createBatches(send, (n) => (n % 2 === 0 ? 'even' : 'odd'));
    const answers = Promise.all([1, 2, 3, 4].map((n) => batches.ask(n)));
    await turn();
    expect(send.mock.calls).toEqual([
      [[1, 3], 'odd'],
      [[2, 4], 'even'],
    ]);
    answer();
    answer();
    expect(await answers).toEqual([2, 4, 6, 8]);
  });

  it('rejects every ask of a batch that failed, and goes on with the next', async () => {
    const { send, answer, fail } = heldSend();
    const batches = createBatches(send);
    const failed = [batches.ask(1), batches.ask(2)].map((p) => p.catch((e: unknown) => e));
    await turn();
    const next = batches.ask(3);
    const lost = new Error('lost');
    fail(lost);
    expect(await Promise.all(failed)).toEqual([lost, lost]);
    await turn();
    answer();
    expect(await next).toBe(6);
  });

  it('rejects the asks when send throws, or answers a batch with the wrong number of answers', async () => {
    const throwing = createBatches<number, number>(() => {
      throw new Error('closed');
    });
    await expect(throwing.ask(1)).rejects.toThrow('closed');
    const short = createBatches<number, number>(async () => [1]);
    const asks = [short.ask(1), short.ask(2)].map((p) => p.catch((e: unknown) => e));
    expect((await Promise.all(asks)).map(String)).toEqual([
      'TypeError: a batch of 2 got 1 answers',
      'TypeError: a batch of 2 got 1 answers',
    ]);
  });

  it('never sends a batch before one of its asks was made, and answers each ask once, however asks and answers interleave', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.tuple(fc.nat({ max: 2 }), fc.boolean()), { maxLength: 30 }),
        async (s, plan) => {
          /** Steps in order: each ask and each batch sent takes the next number. */
          let step = 0;
          const askedAt = new Map<number, number>();
          const sentAt = new Map<number, number>();
          const batches = createBatches<number, number>(
            (asks, key) => {
              const at = step++;
              for (const n of asks) sentAt.set(n, at);
              return s.schedule(Promise.resolve(asks.map((n) => n + 1000)), `batch ${key}`);
            },
            (n) => String(n % 3),
          );
          const answers: Promise<number>[] = [];
          for (const [i, [wait, yieldFirst]] of plan.entries()) {
            if (yieldFirst) await Promise.resolve();
            askedAt.set(i, step++);
            answers.push(batches.ask(i));
            for (let w = 0; w < wait && s.count() > 0; w++) await s.waitOne();
          }
          await s.waitFor(Promise.all(answers));
          expect(await Promise.all(answers)).toEqual(plan.map((_, i) => i + 1000));
          for (const [i, at] of askedAt) expect(sentAt.get(i)!).toBeGreaterThan(at);
        },
      ),
      { numRuns: 300 },
    );
  });
});
