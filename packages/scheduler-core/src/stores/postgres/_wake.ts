import { IN_FLIGHT_STATUSES, type StoredCallPatch } from '../../store.js';

/** A claim's lower bound when none is known: every row. */
export const NO_FLOOR = Number.MIN_SAFE_INTEGER;

/**
 * How long a floor is trusted before a claim reads every row again: a safety net for a
 * notification that never came (a LISTEN connection that broke unnoticed, a row changed by hand).
 */
export const FLOOR_TTL_MS = 10_000;

/**
 * The lowest wake time a write with `patch` may give its row, whatever the row was: `Infinity`
 * when it gives none (or leaves it as it was), `-Infinity` when it cannot be told from the patch
 * (a row back to `scheduled` wakes at a due time the patch does not carry).
 */
export function lowestWake(patch: StoredCallPatch): number {
  const { status, dueAt, leaseUntil } = patch;
  if (status === undefined) {
    // The status stays: the wake time moves only with the field the status reads.
    return Math.min(dueAt ?? Infinity, leaseUntil ?? Infinity);
  }
  if (status === 'scheduled') return dueAt ?? -Infinity;
  if (status === 'queued' || IN_FLIGHT_STATUSES.includes(status)) {
    return leaseUntil === undefined ? -Infinity : (leaseUntil ?? Infinity);
  }
  return Infinity;
}

/**
 * How long after a claim that found a due row held by another transaction (nearly always a
 * claim in progress, which will lease it) the claimant looks again, instead of at once: at once,
 * it would read the row as due, claim nothing, and read it again, until that claim commits.
 */
export const HELD_RECHECK_MS = 2;

/** One statement that reads wake times: what it may rely on, and what happened while it ran. */
export interface WakeWatch {
  /** The claim's lower bound (`NO_FLOOR`: every row). */
  readonly floor: number;
  /** The lowest wake time given or announced while it ran (`-Infinity`: unknown). */
  low: number;
  readonly listening: boolean;
  readonly epoch: number;
}

/**
 * What one store knows of the wake times in the table between its statements:
 *
 * - the floor, a wake time no row has an earlier one than. Claims and `nextDueAt` start their
 *   index scan there instead of at the first entry: the entries of rows already woken up stay in
 *   the index, dead, until a vacuum removes them, and an index scan from the start walks them
 *   all again, a claim after a claim. A claim raises the floor to the earliest wake time it read.
 *   Every change that gives a row an earlier wake time is NOTIFYed (the trigger of migration 1),
 *   and lowers it, so it is trusted only while the LISTEN connection is up, as it was when the
 *   claim began; a write of this store lowers it before it is sent and once it is answered;
 *   a statement that ran meanwhile raises it no higher than those. It is read again from the
 *   start every `FLOOR_TTL_MS`;
 * - the answer of the last claim for the `nextDueAt` that follows it at once (the scheduler
 *   re-arms its timer right after a claim): one round trip instead of two, for every worker
 *   woken up by a due call. It answers in the claim's turn of the event loop only, unless a wake
 *   time it did not see was given or announced meanwhile.
 */
export function createWakeKnowledge(now: () => number = Date.now) {
  let floor: number | null = null;
  let floorAt = 0;
  let listening = false;
  let epoch = 0;
  let hint: { at: number | null } | null = null;
  const watches = new Set<WakeWatch>();

  const usableFloor = () =>
    listening && floor !== null && now() - floorAt < FLOOR_TTL_MS ? floor : NO_FLOOR;

  return {
    /** The LISTEN connection came up or went down: what was announced meanwhile is unknown. */
    listening(up: boolean) {
      listening = up;
      epoch += 1;
      floor = null;
    },

    /** A row may now wake at `at` (`-Infinity`: at a time not known). */
    lower(at: number) {
      if (floor !== null) floor = at === -Infinity ? null : Math.min(floor, at);
      if (hint !== null && (hint.at === null || at < hint.at)) hint = null;
      for (const watch of watches) watch.low = Math.min(watch.low, at);
    },

    /** Starts a statement that reads wake times. */
    watch(): WakeWatch {
      const watch = { floor: usableFloor(), low: Infinity, listening, epoch };
      watches.add(watch);
      return watch;
    },

    unwatch(watch: WakeWatch) {
      watches.delete(watch);
    },

    /**
     * A statement found `next` the earliest wake time from its floor on (`null`: none), at
     * `time` by the caller's clock; `claim`: a claim, whose answer serves the next `nextDueAt`;
     * `short`: the claim took fewer rows than it asked for (so none it left was due and free).
     */
    read(watch: WakeWatch, next: number | null, time: number, claim: boolean, short = false) {
      const low = Math.min(next ?? Infinity, watch.low);
      // A wake time come already, left by a claim that took fewer rows than it could, is a row
      // another transaction held: a claim in progress, a write. Whether it is still due is read
      // again `HELD_RECHECK_MS` later, unless a wake time was given or announced meanwhile (that
      // one is due, or earlier). Left by a claim that took all it asked for, it is due now.
      const held = claim && short && next !== null && next <= time && watch.low > time;
      if (claim && (low > time || held) && watch.low !== -Infinity) {
        const at = held ? Math.min(time + HELD_RECHECK_MS, watch.low) : low;
        const answer = { at: at === Infinity ? null : at };
        hint = answer;
        setImmediate(() => {
          if (hint === answer) hint = null;
        });
      }
      if (!watch.listening || !listening || watch.epoch !== epoch || low === -Infinity) return;
      // No row woke before `low` when it read them, and none was given an earlier time since.
      const raised = low === Infinity ? (claim ? time : null) : low;
      if (raised === null) return;
      if (watch.floor === NO_FLOOR) {
        floor = raised;
        floorAt = now();
      } else if (floor !== null) {
        floor = Math.max(floor, raised);
      }
    },

    /** The answer of the claim just made, once (`undefined`: ask the database). */
    next(): number | null | undefined {
      const answer = hint;
      hint = null;
      return answer === null ? undefined : answer.at;
    },
  };
}

/**
 * What one store knows of the wake times, kept apart for each provider its claims name (none is
 * one more): a claim of one provider reads only its rows, so the floor it raises says nothing of
 * another's. A wake time given or announced lowers them all; the LISTEN connection's state is
 * theirs alike.
 */
export function createProviderWakeKnowledge(now: () => number = Date.now) {
  const byProvider = new Map<string, ReturnType<typeof createWakeKnowledge>>();
  let up = false;
  return {
    /** What is known of the rows a claim naming `provider` reads. */
    of(provider: string | undefined) {
      const key = provider === undefined ? '' : `:${provider}`;
      let knowledge = byProvider.get(key);
      if (!knowledge) {
        knowledge = createWakeKnowledge(now);
        if (up) knowledge.listening(true);
        byProvider.set(key, knowledge);
      }
      return knowledge;
    },
    /** The LISTEN connection came up or went down. */
    listening(listening: boolean) {
      up = listening;
      for (const knowledge of byProvider.values()) knowledge.listening(listening);
    },
    /** A row may now wake at `at` (`-Infinity`: at a time not known). */
    lower(at: number) {
      for (const knowledge of byProvider.values()) knowledge.lower(at);
    },
  };
}
