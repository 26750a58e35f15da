import {
  clockSchema,
  createSharedTimers,
  strictObject,
  systemClock,
  type Clock,
} from '@ringkit/internal';
import { z } from 'zod';
import { invalidOptions } from '../errors.js';
import type { Store } from '../store.js';

/**
 * The dispatch loop of a process over one store: what every engine working that store here (a
 * scheduler, and a campaign runner per campaign) shares, so that N campaigns are not N loops.
 * - **One timer.** Every wait of every engine on it (wake times, the re-check, lease renewals,
 *   status polls, retries of a failed read) is a timer of {@link DispatchLoop.clock}, and all of
 *   them wait on ONE timer of the clock the loop was made with, set for the earliest.
 * - **One sweep** of the calls in flight, on one cadence, going through each engine's calls in
 *   turn (each ends its own by its own `callTimeoutMs`).
 * - **One wake-up channel:** one subscription to the store's wakes (PostgreSQL's `LISTEN`),
 *   handed to every engine that listens.
 *
 * Each engine keeps its own claims (its order, its cap, its share of the budget): the store
 * takes the claims asked together in one batch where it can (PostgreSQL's campaign claims).
 * `createCallCenter` of `@ringkit/dialer` makes one for all its parts; a scheduler or a
 * campaign runner made alone makes its own.
 *
 * @example
 * const loop = createDispatchLoop({ store });
 * const scheduler = createScheduler({ store, provider, callerId, loop });
 * const spring = createCampaignRunner({ store, provider, callerId, campaign: 'spring', entries, loop });
 */
export interface DispatchLoop {
  readonly store: Store;
  /** The clock of every engine on the loop: its timers share one timer of the loop's clock. */
  readonly clock: Clock;
  /** The engines working on it now (started and not stopped). */
  readonly engines: number;
  /** The timers set on {@link DispatchLoop.clock} and not yet run or cleared. */
  readonly timers: number;
}

/** Options of {@link createDispatchLoop}. */
export interface DispatchLoopOptions {
  /** The store its engines work. */
  store: Store;
  /** @default systemClock */
  clock?: Clock;
}

/** A sweep of the calls in flight of one engine, on the loop's cadence. */
export interface LoopSweeper {
  /** The longest wait between two sweeps this engine takes. */
  cadenceMs: number;
  /** One pass over its calls in flight (it reports its own errors). */
  sweep(): Promise<void>;
}

/** What the engines use of a loop, kept off its public face. */
export interface LoopParts {
  /** The clock the loop was made with. */
  base: Clock;
  /** Counts an engine in until the function it returns is called. */
  join(): () => void;
  /** Subscribes to the store's wakes through the loop's one subscription. */
  subscribe(onWake: (wakeAt: number | null) => void): Promise<() => Promise<void>>;
  /** Adds a sweep to the loop's one sweep, until the function it returns is called. */
  sweep(sweeper: LoopSweeper): () => void;
}

const parts = new WeakMap<object, LoopParts>();

/** Whether `value` was made by {@link createDispatchLoop}. */
export const isDispatchLoop = (value: unknown): value is DispatchLoop =>
  typeof value === 'object' && value !== null && parts.has(value);

/** The `loop` option of the scheduler and the campaign runner. */
export const dispatchLoopSchema = z.custom<DispatchLoop>(
  isDispatchLoop,
  'a DispatchLoop made by createDispatchLoop',
);

/** The parts of `loop`. */
export function loopParts(loop: DispatchLoop): LoopParts {
  const found = parts.get(loop);
  if (!found) throw new TypeError('not a DispatchLoop made by createDispatchLoop');
  return found;
}

const loopOptionsSchema = strictObject({
  store: z.custom<Store>((v) => typeof v === 'object' && v !== null, 'a Store is required'),
  clock: clockSchema.optional(),
});

/** Creates the dispatch loop of a process over `store`: see {@link DispatchLoop}. */
export function createDispatchLoop(options: DispatchLoopOptions): DispatchLoop {
  const parsed = loopOptionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('createDispatchLoop', parsed.error.issues);
  const base = options.clock ?? systemClock;
  const timers = createSharedTimers(base);
  let engines = 0;

  const loop: DispatchLoop = {
    store: options.store,
    clock: timers,
    get engines() {
      return engines;
    },
    get timers() {
      return timers.pending;
    },
  };
  parts.set(loop, {
    base,
    join() {
      engines += 1;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        engines -= 1;
      };
    },
    subscribe: createWakeFanOut(options.store),
    sweep: createSweeps(timers),
  });
  return loop;
}

/**
 * The store's wakes handed to every subscriber through one subscription, made for the first
 * and ended with the last.
 */
function createWakeFanOut(store: Store): LoopParts['subscribe'] {
  const subscribers = new Set<(wakeAt: number | null) => void>();
  /** The store's subscription while there are subscribers (its end, once made). */
  let subscription: Promise<() => Promise<void>> | null = null;
  const fanOut = (wakeAt: number | null) => {
    for (const onWake of [...subscribers]) onWake(wakeAt);
  };

  return async (onWake) => {
    const subscribe = store.subscribe?.bind(store);
    if (!subscribe) return () => Promise.resolve();
    subscribers.add(onWake);
    const made = (subscription ??= subscribe(fanOut));
    try {
      await made;
    } catch (error) {
      subscribers.delete(onWake);
      if (subscription === made) subscription = null;
      throw error;
    }
    let ended = false;
    return async () => {
      if (ended) return;
      ended = true;
      subscribers.delete(onWake);
      if (subscribers.size > 0 || subscription !== made) return;
      subscription = null;
      await (
        await made
      )();
    };
  };
}

/**
 * The loop's one sweep: a timer on the shortest cadence of the sweeps added, whose pass runs
 * each of them in turn, then sets itself again.
 */
function createSweeps(timers: Clock): LoopParts['sweep'] {
  const sweepers = new Set<LoopSweeper>();
  let timer: unknown = null;
  let timerAt = Number.POSITIVE_INFINITY;
  let passing = false;

  function clear() {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    timerAt = Number.POSITIVE_INFINITY;
  }

  /** Sets the timer for the shortest cadence from now, unless it is set sooner. */
  function arm() {
    if (passing) return;
    if (sweepers.size === 0) return clear();
    const cadence = Math.min(...[...sweepers].map((s) => s.cadenceMs));
    const at = timers.now() + cadence;
    if (timer !== null && timerAt <= at) return;
    clear();
    timerAt = at;
    timer = timers.setTimeout(() => {
      timer = null;
      timerAt = Number.POSITIVE_INFINITY;
      void pass();
    }, cadence);
  }

  async function pass() {
    passing = true;
    try {
      for (const sweeper of [...sweepers]) {
        if (sweepers.has(sweeper)) await sweeper.sweep();
      }
    } finally {
      passing = false;
      arm();
    }
  }

  return (sweeper) => {
    sweepers.add(sweeper);
    arm();
    return () => {
      if (sweepers.delete(sweeper) && sweepers.size === 0) clear();
    };
  };
}
