import { createPacer, type Clock } from '@ringkit/call-client';
import { sleep } from '@ringkit/internal';
import { sharedReserve } from './_reserve.js';
import type { BudgetShare, SendBudget, Store, StoredCall } from '../store.js';

/**
 * How late a send may leave after its slot and still never put `callsPerSecond + 1` sends in one
 * second: slots are `(1000 + PACING_TOLERANCE_MS) / callsPerSecond` ms apart, so `callsPerSecond`
 * slots span `1000 + PACING_TOLERANCE_MS` ms and a send up to that late cannot close the gap.
 */
export const PACING_TOLERANCE_MS = 100;

/**
 * The lateness checked right before `placeCall` (a fresh slot is taken beyond it). The other half
 * of the tolerance is for what happens between that check and the request reaching `fetch` (the
 * client's own preparation).
 */
export const LATE_LIMIT_MS = PACING_TOLERANCE_MS / 2;

/** Whether the turn at `at` has gone by more than {@link LATE_LIMIT_MS}: it is not used then. */
export const goneBy = (clock: Clock, at: number): boolean => clock.now() - at > LATE_LIMIT_MS;

/**
 * {@link Pacing.onTime}: `at` while it has not gone by more than {@link LATE_LIMIT_MS}, else a
 * `fresh()` turn (each waited for), until one has not.
 */
export async function onTimeOf(
  clock: Clock,
  at: number,
  fresh: () => Promise<number>,
): Promise<number> {
  let turn = at;
  while (goneBy(clock, turn)) turn = await fresh();
  return turn;
}

/** How the dispatcher claims and when it sends: at once, or paced (in process or by the store). */
export interface Pacing {
  /** Whether `callsPerSecond` is set (otherwise `turn` and `onTime` need not be called). */
  paced: boolean;
  /**
   * Claims up to `limit` due rows; `retryAt` is set when the budget held the claim back.
   * `marked[i]`: the claim marked `calls[i]` as being placed (see `CampaignClaimOptions.mark`
   * and `Store.claimDue`'s `mark`). `mark`: how many of the first rows the caller sends at once,
   * which an unpaced claim marks where the store can (a paced claim marks none).
   */
  claim(
    now: number,
    limit: number,
    workerId: string,
    leaseUntil: number,
    mark?: number,
  ): Promise<{
    calls: StoredCall[];
    slots: (number | null)[];
    retryAt: number | null;
    marked?: boolean[];
  }>;
  /** Waits for a call's turn (its slot from the claim, or one in process); resolves to it. */
  turn(slot: number | null): Promise<number>;
  /**
   * Right before the request: resolves at once when the turn at `at` has not gone by more than
   * {@link LATE_LIMIT_MS}, else after a fresh turn; resolves to the turn the request may use.
   */
  onTime(at: number): Promise<number>;
}

/**
 * The pacing of `createScheduler({ callsPerSecond })`: with a store that keeps send budgets (one
 * with `reserveSendSlot`: the built-in ones), one budget for every process using the store (its
 * own, or the named one it shares by weight); otherwise call-client's pacer in this process.
 * Claims never take more calls than have a turn within `horizonMs`, so no lease is held long by a
 * call waiting for its turn.
 */
export function createPacing(options: {
  store: Store;
  clock: Clock;
  callsPerSecond: number | undefined;
  leaseMs: number;
  /** The named budget shared by weight (the store must keep budgets: `reserveSendSlot`). */
  share?: BudgetShare | undefined;
  /** The claimant's provider: its claims take that provider's rows (and those of none) only. */
  provider?: string | undefined;
}): Pacing {
  const { store, clock, callsPerSecond, provider } = options;
  if (callsPerSecond === undefined) {
    const marks = store.capabilities.marks === true;
    return {
      paced: false,
      claim: async (now, limit, workerId, leaseUntil, mark = 0) => {
        const ask = { now, limit, workerId, leaseUntil, provider };
        const { calls, marked } = await store.claimDue(marks && mark > 0 ? { ...ask, mark } : ask);
        const slots = calls.map(() => null);
        return marked ? { calls, slots, retryAt: null, marked } : { calls, slots, retryAt: null };
      },
      turn: async () => clock.now(),
      onTime: async (at) => at,
    };
  }
  const intervalMs = (1000 + PACING_TOLERANCE_MS) / callsPerSecond;
  const budget: SendBudget = {
    intervalMs,
    horizonMs: Math.min(1000, options.leaseMs / 3),
    ...(options.share ? { share: options.share } : {}),
  };
  const untilSlot = (slot: number) => sleep(Math.max(0, slot - clock.now()), { clock });

  if (store.reserveSendSlot) {
    // Shared by every engine of this process on the store: one reservation at a time.
    const reserve = sharedReserve(store, clock);
    return {
      paced: true,
      async claim(now, limit, workerId, leaseUntil) {
        const claim = await store.claimDue({ now, limit, workerId, leaseUntil, provider, budget });
        // Nothing can be claimed before the next free slot comes within the horizon.
        const nextSlotAt = claim.nextSlotAt ?? now;
        const full = nextSlotAt > now + budget.horizonMs;
        return {
          calls: claim.calls,
          slots: claim.slots ?? claim.calls.map(() => null),
          retryAt: full ? nextSlotAt - budget.horizonMs : null,
        };
      },
      async turn(slot) {
        const at = slot ?? (await reserve(budget));
        await untilSlot(at);
        return at;
      },
      onTime: (at) =>
        onTimeOf(clock, at, async () => {
          const slot = await reserve(budget);
          await untilSlot(slot);
          return slot;
        }),
    };
  }

  const pacer = createPacer({ callsPerSecond: 1000 / intervalMs, clock });
  const take = () => pacer.run(() => clock.now());
  return {
    paced: true,
    async claim(now, limit, workerId, leaseUntil) {
      const start = Math.max(pacer.freeAt, now);
      const horizon = now + budget.horizonMs;
      const fit = start > horizon ? 0 : Math.floor((horizon - start) / intervalMs) + 1;
      const count = Math.min(limit, fit);
      const calls =
        count > 0
          ? (await store.claimDue({ now, limit: count, workerId, leaseUntil, provider })).calls
          : [];
      // Once these calls take their turns, the next free one:
      const next = start + calls.length * intervalMs;
      return {
        calls,
        slots: calls.map(() => null),
        retryAt: next > horizon ? next - budget.horizonMs : null,
      };
    },
    turn: () => take(),
    onTime: (at) => onTimeOf(clock, at, take),
  };
}
