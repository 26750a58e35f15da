/**
 * The drivers `dialer.ts` compares on one fake provider: `@ringkit/dialer`, p-queue with a
 * deferred promise per call, and a bare loop that only places the next call (the floor).
 */
import { createDialer, type Dialer, type DialerOptions } from '@ringkit/dialer';
import PQueue from 'p-queue';
import type { Bench } from './_dialer-provider.js';
import { CONCURRENCY } from './_dialer-settings.js';

export function prepareDialer(
  bench: Bench,
  numbers: string[],
  listeners = false,
  concurrency = CONCURRENCY,
  /** Another build's `createDialer` (`dialer-before-after.ts`). */
  create: (options: DialerOptions) => Dialer = createDialer,
) {
  const dialer = create({ provider: bench.provider, numbers, concurrency });
  bench.setHandler((e) => void dialer.handleStatus(e));
  if (listeners) {
    dialer.on('status', () => {});
    dialer.on('progress', () => {});
  }
  return () =>
    new Promise<Dialer>((resolve) => {
      dialer.on('drained', () => resolve(dialer));
      dialer.start();
    });
}

const RANK: Record<string, number> = { initiated: 1, ringing: 2, answered: 3, completed: 4 };

export function preparePQueue(bench: Bench, numbers: string[], concurrency = CONCURRENCY) {
  return async () => {
    const queue = new PQueue({ concurrency });
    const records = numbers.map((phone) => ({ phone, status: 'idle', callId: '' }));
    const waiting = new Map<string, { record: (typeof records)[number]; resolve: () => void }>();
    bench.setHandler((e) => {
      const wait = waiting.get(e.callId);
      if (!wait || (RANK[e.status] ?? 0) <= (RANK[wait.record.status] ?? 0)) return;
      wait.record.status = e.status;
      if (e.status === 'completed') {
        waiting.delete(e.callId);
        wait.resolve();
      }
    });
    for (const record of records) {
      void queue.add(async () => {
        record.status = 'dialing';
        const call = await bench.provider.placeCall({ to: record.phone });
        record.callId = call.id;
        record.status = call.status;
        await new Promise<void>((resolve) => waiting.set(call.id, { record, resolve }));
      });
    }
    await queue.onIdle();
    return records;
  };
}

export function prepareBare(bench: Bench, numbers: string[]) {
  return () =>
    new Promise<void>((resolve) => {
      let next = 0;
      let done = 0;
      bench.setHandler((e) => {
        if (e.status !== 'completed') return;
        done += 1;
        if (next < numbers.length) void bench.provider.placeCall({ to: numbers[next++] as string });
        else if (done === numbers.length) resolve();
      });
      while (next < CONCURRENCY) void bench.provider.placeCall({ to: numbers[next++] as string });
    });
}

/** A driver of `numbers` on `bench`: a run to start, which resolves once every call ended. */
export type Prepare = (bench: Bench, numbers: string[]) => () => Promise<unknown>;
