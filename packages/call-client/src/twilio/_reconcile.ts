import { sleep, type Clock } from '@ringkit/internal';

/** How a placement of unknown outcome is looked up. */
export interface ReconcileOptions {
  /**
   * Look-ups before giving up: Twilio may list a call a moment after creating it.
   * @default 3
   */
  attempts?: number;
  /**
   * Milliseconds between two look-ups.
   * @default 1000
   */
  delayMs?: number;
  /**
   * How much earlier than the request's start a found call's `date_created` may be and still be
   * taken for it (Twilio's clock against ours, and its whole-second times).
   * @default 2000
   */
  skewMs?: number;
}

export const RECONCILE_DEFAULTS: Required<ReconcileOptions> = {
  attempts: 3,
  delayMs: 1000,
  skewMs: 2000,
};

/** One `placeCall` of this client, from the request's start until its answer. */
export interface Placement {
  to: string;
  startedAt: number;
  endedAt: number | null;
  /** `ambiguous`: the request left and no clear answer came back. */
  outcome: 'pending' | 'placed' | 'refused' | 'ambiguous';
  settled: Promise<void>;
  settle(outcome: Placement['outcome']): void;
}

/** A call as a look-up lists it. */
export interface ListedCall<T> {
  sid: string;
  /** `date_created` in ms since the epoch; `null` when missing or unreadable. */
  createdAt: number | null;
  call: T;
}

/** How many of the calls it returned a client remembers, to never adopt one of them. */
export const CLAIMS_KEPT = 10_000;

/**
 * Remembers this client's placements, so a look-up after an ambiguous one adopts a call only when
 * no other placement of this client can own it.
 */
export function createPlacementLedger(options: { now: () => number; keepMs: number }) {
  /** SIDs this client returned (the newest {@link CLAIMS_KEPT}). */
  const claimed = new Set<string>();
  /**
   * The same SIDs in a ring, oldest at `oldest` once it is full: the one to forget is found in
   * constant time (a `Set`'s first value is not, once many were deleted before it).
   */
  const order: string[] = [];
  let oldest = 0;
  /**
   * Placements by number, in the order they began: those in flight, and those of unknown outcome
   * kept `keepMs` after they end. One that ends placed or refused leaves at once: no look-up can
   * take its call for another's (a placed one's SID is claimed, a refused one made none), and a
   * look-up waits only for placements still in flight and is stopped only by those of unknown
   * outcome.
   */
  const recent = new Map<string, Placement[]>();

  function prune(to: string) {
    const list = recent.get(to);
    if (!list) return;
    const cutoff = options.now() - options.keepMs;
    const kept = list.filter((p) => p.endedAt === null || p.endedAt >= cutoff);
    if (kept.length === 0) recent.delete(to);
    else if (kept.length !== list.length) recent.set(to, kept);
  }

  function forget(placement: Placement) {
    const list = recent.get(placement.to);
    const index = list ? list.indexOf(placement) : -1;
    if (index < 0) return;
    if (list!.length === 1) recent.delete(placement.to);
    else list!.splice(index, 1);
  }

  return {
    claim(sid: string) {
      if (claimed.has(sid)) return;
      if (order.length < CLAIMS_KEPT) {
        order.push(sid);
      } else {
        claimed.delete(order[oldest]!);
        order[oldest] = sid;
        oldest = (oldest + 1) % CLAIMS_KEPT;
      }
      claimed.add(sid);
    },
    isClaimed: (sid: string) => claimed.has(sid),
    begin(to: string): Placement {
      prune(to);
      let resolve!: () => void;
      const placement: Placement = {
        to,
        startedAt: options.now(),
        endedAt: null,
        outcome: 'pending',
        settled: new Promise<void>((r) => (resolve = r)),
        settle(outcome) {
          placement.outcome = outcome;
          placement.endedAt = options.now();
          if (outcome !== 'ambiguous') forget(placement);
          resolve();
        },
      };
      const list = recent.get(to);
      if (list) list.push(placement);
      else recent.set(to, [placement]);
      return placement;
    },
    /**
     * The other placements to the same number whose calls could be taken for `self`'s: those
     * in flight at some moment between `self`'s start (less `skewMs`) and now.
     */
    overlapping(self: Placement, skewMs: number): Placement[] {
      const from = self.startedAt - skewMs;
      return (recent.get(self.to) ?? []).filter(
        (p) => p !== self && (p.endedAt === null || p.endedAt >= from),
      );
    },
  };
}

export type PlacementLedger = ReturnType<typeof createPlacementLedger>;

/**
 * Finds the call an ambiguous placement made. Before each look-up it waits for every overlapping
 * placement of this client to the same number to settle (those begun since too); if one of them is of unknown outcome too, the calls
 * cannot be told apart and nothing is adopted. Otherwise it lists the calls and takes the one
 * created since the placement started (less the skew) that no placement of this client returned.
 * Returns it, or `undefined` when there is none after every look-up, or more than one.
 */
export async function findPlacedCall<T>(input: {
  placement: Placement;
  options: Required<ReconcileOptions>;
  ledger: PlacementLedger;
  list: () => Promise<ListedCall<T>[]>;
  signal?: AbortSignal | undefined;
  /** The clock the look-ups are spaced on. */
  clock?: Clock | undefined;
}): Promise<ListedCall<T> | undefined> {
  const { placement, options, ledger, list, signal, clock } = input;
  const since = Math.floor((placement.startedAt - options.skewMs) / 1000) * 1000;
  for (let attempt = 0; attempt < options.attempts; attempt += 1) {
    if (attempt > 0)
      await sleep(options.delayMs, { ...(clock && { clock }), ...(signal && { signal }) });
    // Asked again before every look-up: a placement begun meanwhile may have made a call whose
    // SID is not known yet, and would otherwise pass for this one's.
    const others = ledger.overlapping(placement, options.skewMs);
    await Promise.all(others.map((p) => p.settled));
    if (others.some((p) => p.outcome === 'ambiguous')) return undefined;
    const found = new Map<string, ListedCall<T>>();
    for (const call of await list()) {
      if (call.createdAt !== null && call.createdAt >= since && !ledger.isClaimed(call.sid))
        found.set(call.sid, call);
    }
    if (found.size > 1) return undefined;
    const [only] = found.values();
    if (only) return only;
  }
  return undefined;
}

/** Twilio's RFC 2822 times (`Tue, 31 Aug 2010 20:36:28 +0000`), in ms; `null` when unreadable. */
export function parseDate(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}
