import { isCallStatus, type CallStatusEvent, type Clock } from '@ringkit/call-client';
import type { Store, StoredCall } from '@ringkit/scheduler-core';
import { z } from 'zod';
import { invalidOptions } from '../errors.js';

/** Whose call a status is: a scheduled call's, or an entry of the named campaign. */
export type CallOwner = { kind: 'scheduled' } | { kind: 'campaign'; campaign: string };

/**
 * Where a status event went:
 * - `scheduled`, `campaign`: to the scheduled call or the campaign entry whose call it is;
 * - `waiting`: no call carries its id yet (the request that placed it may not have been
 *   answered, or its answer not written): it is held and looked for again, and goes to its
 *   call once found (or is given up, as `unmatched`, after {@link LOOK_AGAIN_MS});
 * - `other-provider`: it names a provider this one does not place calls through.
 */
export type StatusRoute =
  | { to: 'scheduled' }
  | { to: 'campaign'; campaign: string }
  | { to: 'waiting' }
  | { to: 'other-provider' };

/** The waits before looking again for the call of a status no row carries yet (ms). */
export const LOOK_AGAIN_MS: readonly number[] = [50, 200, 1000, 5000, 30_000];

/** Statuses held at most, across every id; the oldest id's go first (as `unmatched`). */
export const MAX_WAITING = 10_000;

/** Owners remembered by provider id: one look-up per call, not one per status. */
const OWNERS_KEPT = 10_000;

export interface StatusRouterOptions {
  store: Pick<Store, 'findByProviderCallId'>;
  /** The names of the providers whose statuses are routed; an event naming none is the first's. */
  providers: readonly [string, ...string[]];
  clock: Clock;
  /**
   * Gives a status (its `provider` set) to the owner of its call, with the call's row when the
   * router just looked it up (the owner then needs no look-up of its own).
   */
  deliver(owner: CallOwner, event: CallStatusEvent, row?: StoredCall): Promise<unknown>;
  /** Statuses held until given up: no call carried their id. */
  onUnmatched(events: CallStatusEvent[]): void;
  /** A held status that could not be looked for or given to its call. */
  onError(error: unknown): void;
  /** What a status routed after `close()` is refused with (the provider sends it again). */
  closedError(): Error;
}

const eventSchema = z
  .object({
    callId: z.union([z.string().min(1), z.number().int().nonnegative()]),
    status: z.string().refine(isCallStatus, 'not a call status'),
    provider: z.string().min(1).optional(),
  })
  .loose();

/** The owner of a stored call. */
export const ownerOf = (row: StoredCall): CallOwner =>
  row.campaign ? { kind: 'campaign', campaign: row.campaign } : { kind: 'scheduled' };

const routeOf = (owner: CallOwner): StatusRoute =>
  owner.kind === 'campaign' ? { to: 'campaign', campaign: owner.campaign } : { to: 'scheduled' };

/**
 * Routes each provider status to the one owner of its call, found by one indexed look-up of
 * `(provider, provider call id)` in the one store (and remembered for the statuses after it).
 * The statuses of one call are routed one after the other, in the order they came. A status no
 * row carries yet is held, once for the whole process, and looked for again a few times, further
 * apart each time: nothing is offered to every campaign.
 */
export function createStatusRouter(options: StatusRouterOptions) {
  const { store, providers, clock, deliver } = options;
  const owners = new Map<string, CallOwner>();
  const chains = new Map<string, Promise<unknown>>();
  const waiting = new Map<string, { events: CallStatusEvent[]; tries: number }>();
  const timers = new Set<unknown>();
  let held = 0;
  let closed = false;

  const remember = (key: string, owner: CallOwner) => {
    owners.delete(key);
    owners.set(key, owner);
    if (owners.size > OWNERS_KEPT) owners.delete(owners.keys().next().value!);
  };

  /** Runs `step` after every step of `key` before it. */
  function enqueue<T>(key: string, step: () => Promise<T>): Promise<T> {
    const before = chains.get(key) ?? Promise.resolve();
    const next = before.then(step, step);
    chains.set(key, next);
    const done = () => {
      if (chains.get(key) === next) chains.delete(key);
    };
    next.then(done, done);
    return next;
  }

  /** The owner of the call, and its row when it had to be looked up; `null` when none is stored. */
  async function ownerNow(
    key: string,
    provider: string,
    id: string,
  ): Promise<{ owner: CallOwner; row?: StoredCall } | null> {
    const known = owners.get(key);
    if (known) return { owner: known };
    const row = await store.findByProviderCallId(provider, id);
    if (!row) return null;
    const owner = ownerOf(row);
    remember(key, owner);
    return { owner, row };
  }

  function hold(key: string, event: CallStatusEvent) {
    const entry = waiting.get(key);
    if (entry) entry.events.push(event);
    else {
      waiting.set(key, { events: [event], tries: 0 });
      later(key, event.provider!, String(event.callId));
    }
    held += 1;
    while (held > MAX_WAITING) giveUp(waiting.keys().next().value!);
  }

  function giveUp(key: string) {
    const entry = waiting.get(key);
    if (!entry) return;
    waiting.delete(key);
    held -= entry.events.length;
    options.onUnmatched(entry.events);
  }

  function later(key: string, provider: string, id: string) {
    const entry = waiting.get(key);
    if (!entry || closed) return;
    const timer = clock.setTimeout(() => {
      timers.delete(timer);
      void enqueue(key, () => lookAgain(key, provider, id)).catch(options.onError);
    }, LOOK_AGAIN_MS[entry.tries]!);
    timers.add(timer);
  }

  async function lookAgain(key: string, provider: string, id: string) {
    const entry = waiting.get(key);
    if (!entry || closed) return;
    const found = await ownerNow(key, provider, id);
    if (!found) {
      entry.tries += 1;
      if (entry.tries >= LOOK_AGAIN_MS.length) giveUp(key);
      else later(key, provider, id);
      return;
    }
    waiting.delete(key);
    held -= entry.events.length;
    for (const [n, event] of entry.events.entries()) {
      try {
        // The row as looked up goes with the first status; the owner keeps what it leaves.
        await deliver(found.owner, event, n === 0 ? found.row : undefined);
      } catch (error) {
        options.onError(error);
      }
    }
  }

  return {
    /**
     * Routes one status. Rejects with an `InvalidOptionsError` for an event that is no
     * `CallStatusEvent`, and with what the owner's handling or the look-up rejected with (the
     * provider may send it again).
     */
    route(event: CallStatusEvent): Promise<StatusRoute> {
      const parsed = eventSchema.safeParse(event);
      if (!parsed.success)
        return Promise.reject(invalidOptions('handleStatus', parsed.error.issues));
      const provider = event.provider ?? providers[0];
      if (!providers.includes(provider)) return Promise.resolve({ to: 'other-provider' });
      const id = String(event.callId);
      const named: CallStatusEvent = { ...event, callId: id, provider };
      const key = `${provider}\u0000${id}`;
      return enqueue(key, async (): Promise<StatusRoute> => {
        if (closed) throw options.closedError();
        if (waiting.has(key)) {
          hold(key, named);
          return { to: 'waiting' };
        }
        const found = await ownerNow(key, provider, id);
        if (!found) {
          hold(key, named);
          return { to: 'waiting' };
        }
        await deliver(found.owner, named, found.row);
        return routeOf(found.owner);
      });
    },
    /**
     * Remembers the owner of a call this process placed (its placement's answer is written), so
     * its statuses need no look-up.
     */
    learn(provider: string, providerCallId: string, owner: CallOwner) {
      remember(`${provider}\u0000${providerCallId}`, owner);
    },
    /** Statuses held now. */
    waiting: () => held,
    /** Stops looking: statuses held are dropped (the provider's next one finds the call). */
    close() {
      closed = true;
      for (const timer of timers) clock.clearTimeout(timer);
      timers.clear();
      waiting.clear();
      held = 0;
    },
  };
}

export type StatusRouter = ReturnType<typeof createStatusRouter>;
