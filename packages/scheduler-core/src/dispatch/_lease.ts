import { type Clock } from '@ringkit/call-client';
import { clampTimerMs } from '@ringkit/internal';
import type { StoredCall } from '../store.js';
import type { Mutate } from './_writes.js';

/**
 * Whether `workerId` still holds `row` as it claimed (or marked) it as `claim`: `queued`, under
 * the same lease, with the same `placingAt`.
 */
export const holds = (row: StoredCall, claim: StoredCall, workerId: string): boolean =>
  row.status === 'queued' &&
  row.leaseOwner === workerId &&
  row.leaseUntil === claim.leaseUntil &&
  row.placingAt === claim.placingAt;

export interface LeaseContext {
  clock: Clock;
  mutate: Mutate;
  leaseMs: number;
  reportError: (error: unknown, source: 'store', callId?: string) => void;
  /** Whether the row is still held as `claim` (see {@link holds}). */
  held: (row: StoredCall, claim: StoredCall) => boolean;
}

/**
 * Keeps a placement's lease while the provider answers: renewed every `leaseMs / 3`, for as long
 * as the row is still held. A renewal in progress is awaited by `stop()` before the answer is
 * recorded, so the record never races a renewal and no renewal outlives the call. `stop()`
 * resolves to the row as last written.
 */
export function createLeaseKeeper(ctx: LeaseContext) {
  const { clock, mutate } = ctx;
  return function keepLease(first: StoredCall) {
    let lease = first;
    let renewing = true;
    let timer: unknown = null;
    let pending: Promise<void> | null = null;
    const renew = () => {
      timer = clock.setTimeout(
        () => {
          timer = null;
          const at = clock.now();
          const renewed = (r: StoredCall) =>
            ctx.held(r, lease) ? { leaseUntil: at + ctx.leaseMs } : null;
          pending = mutate(lease.id, renewed, { fresh: lease })
            .then(({ row, changed }) => {
              if (changed) lease = row;
              if (changed && renewing) renew();
            })
            .catch((error: unknown) => ctx.reportError(error, 'store', lease.id))
            .finally(() => {
              pending = null;
            });
        },
        clampTimerMs(Math.max(1, Math.floor(ctx.leaseMs / 3))),
      );
    };
    renew();
    return {
      stop(): StoredCall | Promise<StoredCall> {
        renewing = false;
        if (timer !== null) clock.clearTimeout(timer);
        timer = null;
        return pending === null ? lease : pending.then(() => lease);
      },
    };
  };
}
