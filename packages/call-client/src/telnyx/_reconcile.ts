import { sleep, type Clock } from '@ringkit/internal';
import { z } from 'zod';
import { callControlIdSchema } from './_ids.js';
import { decodeClientState } from './_state.js';

/** How a dial of unknown outcome is looked up among the connection's active calls. */
export interface TelnyxReconcileOptions {
  /**
   * Look-ups before giving up: Telnyx may list a call a moment after creating it.
   * @default 3
   */
  attempts?: number;
  /**
   * Milliseconds between two look-ups.
   * @default 1000
   */
  delayMs?: number;
}

export const TELNYX_RECONCILE_DEFAULTS: Required<TelnyxReconcileOptions> = {
  attempts: 3,
  delayMs: 1000,
};

/** The pages read per look-up, at most (250 calls each: 5,000 active calls). */
const MAX_PAGES = 20;
const PAGE_SIZE = 250;

export const activeCallsSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      call_control_id: callControlIdSchema,
      client_state: z.string().nullish(),
      call_duration: z.number().nullish(),
    }),
  ),
  meta: z.looseObject({ total_pages: z.number().int().nullish() }).nullish(),
});

export type ActiveCallsPage = z.infer<typeof activeCallsSchema>;
export type ActiveCall = ActiveCallsPage['data'][number];

/**
 * Finds the call a dial of unknown outcome made: the active call of the connection whose
 * `client_state` carries this placement's id. That id is drawn anew for every placement, so a
 * call found is surely this placement's (no time window or number is guessed at). Lists up to
 * `attempts` times, `delayMs` apart; `undefined` when the call is not among the active calls
 * (never made, or already ended: its outcome stays unknown).
 */
export async function findDialledCall(input: {
  placementId: string;
  options: Required<TelnyxReconcileOptions>;
  list: (page: number, size: number) => Promise<ActiveCallsPage>;
  clock: Clock;
  signal?: AbortSignal | undefined;
}): Promise<ActiveCall | undefined> {
  const { placementId, options, list, clock, signal } = input;
  for (let attempt = 0; attempt < options.attempts; attempt += 1) {
    if (attempt > 0) await sleep(options.delayMs, { clock, ...(signal && { signal }) });
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const { data, meta } = await list(page, PAGE_SIZE);
      const found = data.find(
        (c) => decodeClientState(c.client_state)?.placementId === placementId,
      );
      if (found) return found;
      const pages = meta?.total_pages ?? (data.length < PAGE_SIZE ? page : page + 1);
      if (page >= pages || data.length === 0) break;
    }
  }
  return undefined;
}
