import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFakeClock, type FakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { countingStore, deferred } from '../test/fakes.js';
import { createScheduler } from './scheduler.js';
import type { Store } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const CALLER = '+14155550100';
const to = (n: number) => `+1415555${String(2000 + n)}`;

type NextDueAt = () => Promise<number | null>;

/** `inner`, with its `nextDueAt` reads made through `read`, which is given the store's own. */
function withNextDueAt(inner: Store, read: (own: NextDueAt) => Promise<number | null>): Store {
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (key !== 'nextDueAt' || typeof value !== 'function') return value;
      return () => read(() => value.apply(target, []) as Promise<number | null>);
    },
  });
}

/**
 * `inner`, whose `nextDueAt` reads are held once `hold()` was called: each read made while held
 * is answered (with what the store held when it was made) only at `release()`. `hold({ stale })`
 * makes the first held read answer `stale` instead, as a read whose snapshot was taken before a
 * claim's commit answers the wake time of a row that claim took.
 */
function nextDueAtHeld(inner: Store) {
  let gate: ReturnType<typeof deferred> | null = null;
  let started = 0;
  let stale: { at: number | null } | null = null;
  const store = withNextDueAt(inner, async (own) => {
    let answer = await own();
    const held = gate;
    if (held === null) return answer;
    started += 1;
    if (stale !== null) answer = stale.at;
    stale = null;
    await held.promise;
    return answer;
  });
  return {
    store,
    hold(options: { stale?: number | null } = {}) {
      gate = deferred();
      started = 0;
      stale = options.stale === undefined ? null : { at: options.stale };
    },
    /** How many reads were made since `hold()`. */
    held: () => started,
    release() {
      gate?.resolve(undefined);
      gate = null;
    },
  };
}

/** `inner`, whose reads of the next wake time answer what it held when asked, `readMs` later. */
function slowReads(inner: Store, clock: FakeClock, readMs: number[]) {
  let reads = 0;
  return withNextDueAt(inner, async (own) => {
    const answer = await own();
    const ms = readMs[reads++ % readMs.length]!;
    if (ms > 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    return answer;
  });
}

/**
 * A scheduler on `store` and a fake clock, following by webhooks, with no safety re-check; not
 * started, since starting ends with a read of the next wake time.
 */
function schedulerOn(store: Store, clock: FakeClock = createFakeClock(T0)) {
  const provider = createFakeProvider({ clock, follow: 'webhooks' });
  const counting = countingStore(store);
  const scheduler = createScheduler({
    store: counting.store,
    provider,
    clock,
    callerId: CALLER,
    recheckIntervalMs: 0,
    callTimeoutMs: 60_000,
  });
  const errors: { source: string; error: unknown }[] = [];
  scheduler.on('error', (e) => errors.push(e));
  const placedAt = () => provider.placed.map((p) => [p.to, p.at.getTime() - T0]);
  const claims = () => (counting.counts.claimDue ?? 0) + (counting.counts['claimDue(mark)'] ?? 0);
  return { clock, provider, scheduler, errors, placedAt, claims };
}

describe('the read of the next wake time', () => {
  it('does not hold up a call that comes due while it is on its way', async () => {
    const held = nextDueAtHeld(createMemoryStore());
    const { clock, scheduler, errors, placedAt } = schedulerOn(held.store);
    await scheduler.start();
    await scheduler.schedule({ to: to(1), at: new Date(T0 + 1000) });
    held.hold();
    await clock.advance(1000); // the first call is placed; the read that follows its claim waits
    expect(held.held()).toBe(1);
    await scheduler.schedule({ to: to(2), at: new Date(T0 + 1500) });
    await clock.advance(500);
    // Claimed and placed at its due time, though the read is still on its way.
    expect(placedAt()).toEqual([
      [to(1), 1000],
      [to(2), 1500],
    ]);
    held.release();
    await clock.advance(0);
    await scheduler.stop();
    expect(errors.map((e) => e.error)).toEqual([]);
  });

  it('never sets the timer later than a wake asked for while it ran', async () => {
    const held = nextDueAtHeld(createMemoryStore());
    const { clock, scheduler, errors, placedAt } = schedulerOn(held.store);
    await scheduler.start();
    await scheduler.schedule({ to: to(1), at: new Date(T0 + 1000) });
    await scheduler.schedule({ to: to(3), at: new Date(T0 + 9000) });
    held.hold();
    await clock.advance(1000);
    expect(held.held()).toBe(1); // it will answer T0 + 9000, read before the next call existed
    await scheduler.schedule({ to: to(2), at: new Date(T0 + 1500) });
    held.release();
    await clock.advance(500);
    expect(placedAt()).toEqual([
      [to(1), 1000],
      [to(2), 1500],
    ]);
    await clock.advance(7500);
    expect(placedAt()).toContainEqual([to(3), 9000]);
    await scheduler.stop();
    expect(errors.map((e) => e.error)).toEqual([]);
  });

  it('drops an answer a claim started since has made stale, and re-arms from its own', async () => {
    const held = nextDueAtHeld(createMemoryStore());
    const { clock, scheduler, errors, placedAt, claims } = schedulerOn(held.store);
    await scheduler.start();
    await scheduler.schedule({ to: to(1), at: new Date(T0 + 1000) });
    await scheduler.schedule({ to: to(3), at: new Date(T0 + 4000) });
    // The read after the first claim answers that call's own due time, as if it read the row
    // before the claim's commit.
    held.hold({ stale: T0 + 1000 });
    await clock.advance(1000);
    expect(held.held()).toBe(1);
    await scheduler.schedule({ to: to(2), at: new Date(T0 + 1500) });
    await clock.advance(500); // the second call is claimed: the first read's answer is stale
    expect(held.held()).toBe(2);
    const claimed = claims();
    held.release();
    await clock.advance(0);
    // Applied, the stale answer would have set the timer at a moment gone by, and claimed again
    // for nothing; the second read's answer leaves it for the third call.
    expect(claims()).toBe(claimed);
    await clock.advance(2500);
    expect(placedAt()).toEqual([
      [to(1), 1000],
      [to(2), 1500],
      [to(3), 4000],
    ]);
    expect(claims()).toBe(claimed + 1);
    await scheduler.stop();
    expect(errors.map((e) => e.error)).toEqual([]);
  });

  it('is waited for by stop(), which so leaves no read of a closed store behind', async () => {
    const held = nextDueAtHeld(createMemoryStore());
    const { clock, scheduler, errors } = schedulerOn(held.store);
    await scheduler.start();
    await scheduler.schedule({ to: to(1), at: new Date(T0 + 1000) });
    held.hold();
    await clock.advance(1000); // the call is placed; the read after its claim waits
    expect(held.held()).toBe(1);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await clock.advance(0);
    expect(stopped).toBe(false);
    held.release();
    await stopping;
    expect(stopped).toBe(true);
    expect(errors.map((e) => e.error)).toEqual([]);
  });

  it('is waited for by stop() when a later claim has made it stale', async () => {
    const gates: ReturnType<typeof deferred<void>>[] = [];
    let holding = false;
    const store = withNextDueAt(createMemoryStore(), async (own) => {
      const answer = await own();
      if (!holding) return answer;
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      return answer;
    });
    const { clock, scheduler, errors, placedAt } = schedulerOn(store);
    await scheduler.start();
    await scheduler.schedule({ to: to(1), at: new Date(T0 + 1000) });
    holding = true;
    await clock.advance(1000); // the read after the first claim waits
    await scheduler.schedule({ to: to(2), at: new Date(T0 + 1500) });
    await clock.advance(500); // a second claim makes the first read stale; its own read waits too
    expect(placedAt()).toEqual([
      [to(1), 1000],
      [to(2), 1500],
    ]);
    expect(gates).toHaveLength(2);
    gates[1]!.resolve();
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await clock.advance(0);
    expect(stopped).toBe(false); // the stale read is still on its way
    gates[0]!.resolve();
    await stopping;
    expect(errors.map((e) => e.error)).toEqual([]);
  });

  it('reports a read that fails and tries again a second later', async () => {
    let failures = 1;
    const store = withNextDueAt(createMemoryStore(), async (own) => {
      if (failures === 0) return own();
      failures -= 1;
      throw new Error('connection lost');
    });
    const { clock, scheduler, errors, placedAt } = schedulerOn(store);
    await scheduler.start();
    expect(errors).toEqual([expect.objectContaining({ source: 'store' })]);
    await scheduler.schedule({ to: to(1), at: new Date(T0 + 5000) });
    await clock.advance(5000);
    expect(placedAt()).toEqual([[to(1), 5000]]);
    await scheduler.stop();
  });

  it('that fails does not put off a wake asked for while it ran', async () => {
    const gate = deferred();
    let fail = false;
    const store = withNextDueAt(createMemoryStore(), async (own) => {
      if (!fail) return own();
      fail = false;
      await gate.promise;
      throw new Error('connection lost');
    });
    const { clock, scheduler, errors, placedAt } = schedulerOn(store);
    await scheduler.start();
    await scheduler.schedule({ to: to(1), at: new Date(T0 + 1000) });
    fail = true;
    await clock.advance(1000); // the first call is placed; the read after its claim waits, to fail
    await scheduler.schedule({ to: to(2), at: new Date(T0 + 1200) });
    gate.resolve();
    await clock.advance(0);
    expect(errors).toEqual([expect.objectContaining({ source: 'store' })]);
    // Tried again a second after the failure, the read would have placed the second call late.
    await clock.advance(200);
    expect(placedAt()).toEqual([
      [to(1), 1000],
      [to(2), 1200],
    ]);
    await scheduler.stop();
  });

  it('places every call once, late by no more than a read takes, however reads and wakes meet', async () => {
    const scenario = fc.record({
      // Each call's due time after it is scheduled; when it is scheduled (null: before start).
      calls: fc.array(
        fc.record({
          dueAfterMs: fc.integer({ min: 0, max: 30 }).map((n) => n * 100),
          scheduledAtMs: fc.option(
            fc.integer({ min: 0, max: 30 }).map((n) => n * 100 + 50),
            {
              nil: null,
            },
          ),
        }),
        { minLength: 1, maxLength: 10 },
      ),
      // How long each read of the next wake time takes on the clock, in turn.
      readMs: fc.array(
        fc.integer({ min: 0, max: 6 }).map((n) => n * 50),
        {
          minLength: 1,
          maxLength: 12,
        },
      ),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ calls, readMs }) => {
        const clock = createFakeClock(T0);
        const slowest = Math.max(...readMs);
        const store = slowReads(createMemoryStore(), clock, readMs);
        const { scheduler, errors, provider } = schedulerOn(store, clock);
        const dueOf = new Map<string, number>();
        const schedule = async (i: number) => {
          const call = calls[i]!;
          const at = T0 + (call.scheduledAtMs ?? 0) + call.dueAfterMs;
          dueOf.set(to(i), at);
          await scheduler.schedule({ to: to(i), at: new Date(at) });
        };
        for (const [i, call] of calls.entries()) if (call.scheduledAtMs === null) await schedule(i);
        // Not awaited: it ends with a read of the next wake time, which takes time on the clock.
        const starting = scheduler.start();
        for (const [i, call] of calls.entries()) {
          if (call.scheduledAtMs !== null)
            clock.setTimeout(() => void schedule(i), call.scheduledAtMs);
        }
        await clock.advance(10_000);
        await starting;
        await scheduler.stop();
        expect(errors.map((e) => e.error)).toEqual([]);
        const placed = provider.placed.map((p) => p.to);
        expect([...placed].sort()).toEqual([...dueOf.keys()].sort());
        for (const p of provider.placed) {
          const due = dueOf.get(p.to)!;
          expect(p.at.getTime()).toBeGreaterThanOrEqual(due);
          expect(p.at.getTime()).toBeLessThanOrEqual(due + slowest);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('a claim that fails', () => {
  /** `inner`, whose next claim, once `failNext()` was called, waits for `release()` and fails. */
  function claimFailing(inner: Store) {
    let gate: ReturnType<typeof deferred<void>> | null = null;
    let started = 0;
    /** The claim `run` makes, unless held and failed. */
    const failing =
      <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const held = gate;
        if (held === null) return run(...args);
        gate = null;
        started += 1;
        await held.promise;
        throw new Error('connection lost');
      };
    // Its one claim, whether it marks what it sends at once or not.
    const store: Store = Object.assign(Object.create(inner) as Store, {
      claimDue: failing(inner.claimDue.bind(inner)),
    });
    const failNext = () => {
      const held = deferred();
      gate = held;
      return { release: () => held.resolve(), started: () => started };
    };
    return { store, failNext };
  }

  it('is reported, and claims again a second later', async () => {
    const failing = claimFailing(createMemoryStore());
    const { clock, scheduler, errors, placedAt } = schedulerOn(failing.store);
    await scheduler.start();
    await scheduler.schedule({ to: to(1), at: new Date(T0 + 1000) });
    failing.failNext().release();
    await clock.advance(1000);
    expect(errors).toEqual([expect.objectContaining({ source: 'store' })]);
    await clock.advance(999);
    expect(placedAt()).toEqual([]);
    await clock.advance(1);
    expect(placedAt()).toEqual([[to(1), 2000]]);
    await scheduler.stop();
  });

  it('does not put off a wake asked for while it ran', async () => {
    const failing = claimFailing(createMemoryStore());
    const { clock, scheduler, errors, placedAt } = schedulerOn(failing.store);
    await scheduler.start();
    await scheduler.schedule({ to: to(1), at: new Date(T0 + 1000) });
    const claim = failing.failNext();
    await clock.advance(1000);
    expect(claim.started()).toBe(1); // the claim for the first call is on its way, to fail
    await scheduler.schedule({ to: to(2), at: new Date(T0 + 1200) });
    claim.release();
    await clock.advance(0);
    expect(errors).toEqual([expect.objectContaining({ source: 'store' })]);
    // Claimed again a second after the failure, both calls would have waited until then.
    await clock.advance(200);
    expect(placedAt()).toEqual([
      [to(1), 1200],
      [to(2), 1200],
    ]);
    await scheduler.stop();
  });
});
