/**
 * The rules checked at the instant a call is placed: whatever waited between its claim and its
 * request (a pacing slot, a budget's turn, a place under the cap, the client's own pacer, a
 * retry's delay), the calling window and the do-not-call list are checked again as the last step
 * before the request leaves.
 */
import type { Clock } from '@ringkit/call-client';
import { suppresses, type Store, type StoredCall, type StoredSuppression } from '../store.js';
import { deferralOf, inCallingWindow } from '../_window.js';

/**
 * How long a check of the do-not-call list stays fresh, in ms: a request that leaves later than
 * this after the list was read (by the claim's own transaction, or by an earlier check) reads it
 * again first. The same bound as a paced request's lateness (`LATE_LIMIT_MS`).
 */
export const LIST_FRESH_MS = 50;

/**
 * How long the calling window must stay open after the request leaves, in ms: a call is not
 * started in the last second of its window, so that it reaches the provider, and rings, while
 * the window is still open.
 */
export const WINDOW_MARGIN_MS = 1000;

/**
 * Why a call may not leave now: its number is listed, its window is (nearly) closed, or this
 * process paused or stopped its campaign after it was claimed.
 */
export type Withheld =
  | { kind: 'suppressed'; suppression: StoredSuppression }
  | { kind: 'window'; opening: number }
  | { kind: 'halted'; state: 'paused' | 'stopped' };

/** What `beforeSend` throws when the last check refuses the call (see `PlaceCallRequest`). */
export class WithheldError extends Error {
  override name = 'WithheldError';
  readonly withheld: Withheld;

  constructor(withheld: Withheld) {
    super(
      withheld.kind === 'suppressed'
        ? 'the number is on the do-not-call list'
        : withheld.kind === 'window'
          ? 'the calling window is closed'
          : `the campaign was ${withheld.state}`,
    );
    this.withheld = withheld;
  }
}

/** What the last check reads: the clock, and the store whose do-not-call list calls obey. */
export interface LastCheckContext {
  clock: Clock;
  /** The store of the list (`null`: no list to read). */
  list: Pick<Store, 'getSuppression'> | null;
  /**
   * Whether the claims read that same list in their own transactions: then a claim's check is
   * fresh for {@link LIST_FRESH_MS}; otherwise the list is read before every request.
   */
  claimsReadList: boolean;
  /**
   * Whether this process paused or stopped the engine's campaign after `claimedAt` (and has
   * not resumed it since): a claim taken before is not sent, whatever the store says yet.
   */
  halted?: ((claimedAt: number) => 'paused' | 'stopped' | null) | undefined;
  /**
   * A rule of the engine's campaign that keeps a number from being called for a while (a
   * campaign with agents: a number it abandoned), read once per claim after any wait, and told
   * as a suppression of its own: the call ends `suppressed` with its reason.
   */
  rested?: ((claim: StoredCall) => Promise<StoredSuppression | null>) | undefined;
}

/**
 * Whether this process paused or stopped the campaign of `claim` (claimed at `claimedAt`) since:
 * checked before the call is told as being placed, after any wait for its place or its turn. A
 * call told as being placed goes on.
 */
export function haltOf(ctx: LastCheckContext, claimedAt: number): Withheld | null {
  const state = ctx.halted?.(claimedAt);
  return state ? { kind: 'halted', state } : null;
}

/** The last check of one claimed call, run as often as its request is about to leave. */
export interface LastCheck {
  /**
   * The window alone, as {@link check} reads it (open at least {@link WINDOW_MARGIN_MS} more):
   * why the call may not leave now, or `null`. Read once per instant.
   */
  window(): Withheld | null;
  /**
   * Why the call may not leave now, or `null` when it may: at once when the list's last reading
   * is still fresh, else once it is read again.
   */
  check(): Withheld | null | Promise<Withheld | null>;
  /**
   * {@link check}, throwing a {@link WithheldError}: the `beforeSend` of its request (returns at
   * once, sending nothing to the store, while the list's last reading is fresh).
   */
  beforeSend(): void | Promise<void>;
}

/**
 * The last check of `claim`, whose claim read the list at `claimedAt`. The list is read again
 * when its last reading is older than {@link LIST_FRESH_MS}; the window is checked every time,
 * last (it reads no store).
 */
export function createLastCheck(
  ctx: LastCheckContext,
  claim: StoredCall,
  claimedAt: number,
): LastCheck {
  const { clock, list } = ctx;
  let listReadAt = ctx.claimsReadList ? claimedAt : Number.NEGATIVE_INFINITY;

  /** The instant the window was last read at, and what it said then. */
  let windowReadAt = Number.NaN;
  let windowSaid: Withheld | null = null;
  function windowCheck(): Withheld | null {
    const window = claim.options?.window;
    if (!window) return null;
    const now = clock.now();
    // The engine's check and the client's right after it come at one instant: one reading.
    if (now === windowReadAt) return windowSaid;
    const margin = now + WINDOW_MARGIN_MS;
    windowReadAt = now;
    windowSaid =
      inCallingWindow(window, now) && inCallingWindow(window, margin)
        ? null
        : { kind: 'window', opening: deferralOf(window, margin) };
    return windowSaid;
  }

  async function readList(): Promise<Withheld | null> {
    const readAt = clock.now();
    const entry = await list!.getSuppression!(claim.to);
    if (entry && suppresses(entry, clock.now())) return { kind: 'suppressed', suppression: entry };
    listReadAt = readAt;
    return windowCheck();
  }

  /**
   * The campaign's own rule, read once for this claim (it is about the campaign's past): `null`
   * when it lets the call go, `undefined` until read.
   */
  let rest: StoredSuppression | null | undefined = ctx.rested === undefined ? null : undefined;

  function check(): Withheld | null | Promise<Withheld | null> {
    if (rest === undefined) {
      return ctx.rested!(claim).then((found) => {
        rest = found;
        return check();
      });
    }
    if (rest) return { kind: 'suppressed', suppression: rest };
    if (list?.getSuppression && clock.now() - listReadAt > LIST_FRESH_MS) return readList();
    return windowCheck();
  }

  const refuse = (withheld: Withheld | null) => {
    if (withheld) throw new WithheldError(withheld);
  };
  return {
    window: windowCheck,
    check,
    beforeSend() {
      const withheld = check();
      return withheld instanceof Promise ? withheld.then(refuse) : refuse(withheld);
    },
  };
}
