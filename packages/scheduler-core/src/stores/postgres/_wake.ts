import { IN_FLIGHT_STATUSES, type StoredCallPatch } from '../../store.js';

/** A claim's lower bound when none is known: every row. */
export const NO_FLOOR = Number.MIN_SAFE_INTEGER;

/** The least id, below every row's (ids are non-empty): a floor that leaves no row of its time out. */
export const NO_ID = '';

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
  /**
   * The id the lower bound starts at among rows that wake at `floor` (`NO_ID`: all of them): the
   * bound is the pair `(wake_at, id)`, the wake index's own order.
   */
  readonly floorId: string;
  /** The lowest wake time given or announced while it ran (`-Infinity`: unknown). */
  low: number;
  readonly listening: boolean;
  readonly epoch: number;
}

/**
 * What one store knows of the wake times in the table between its statements:
 *
 * - the floor, a place in the wake index's order `(wake_at, id)` that no row due and free comes
 *   before. Claims and `nextDueAt` start their index scan there instead of at the first entry:
 *   the entries of rows already woken up stay in the index, dead, until a vacuum removes them,
 *   and an index scan from the start walks them all again, a claim after a claim. A backlog due
 *   at one instant shares one wake time, so a floor of wake times alone would leave every claim
 *   walking the entries of all the rows claimed before it: the floor carries the id too. A claim
 *   raises it to the first row it read and did not take (a row that another claim held, which
 *   may yet give it back, is such a row).
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
  let floorId = NO_ID;
  let floorAt = 0;
  let listening = false;
  let epoch = 0;
  let hint: { at: number | null } | null = null;
  const watches = new Set<WakeWatch>();

  const usable = () => listening && floor !== null && now() - floorAt < FLOOR_TTL_MS;

  return {
    /** The LISTEN connection came up or went down: what was announced meanwhile is unknown. */
    listening(up: boolean) {
      listening = up;
      epoch += 1;
      floor = null;
      floorId = NO_ID;
    },

    /** A row may now wake at `at` (`-Infinity`: at a time not known). */
    lower(at: number) {
      if (floor !== null) {
        // A row at the floor's own time may come before its id: the floor starts that time anew.
        if (at <= floor) floorId = NO_ID;
        floor = at === -Infinity ? null : Math.min(floor, at);
      }
      if (hint !== null && (hint.at === null || at < hint.at)) hint = null;
      for (const watch of watches) watch.low = Math.min(watch.low, at);
    },

    /** Starts a statement that reads wake times. */
    watch(): WakeWatch {
      const watch = usable()
        ? { floor: floor!, floorId, low: Infinity, listening, epoch }
        : { floor: NO_FLOOR, floorId: NO_ID, low: Infinity, listening, epoch };
      watches.add(watch);
      return watch;
    },

    unwatch(watch: WakeWatch) {
      watches.delete(watch);
    },

    /**
     * A statement found `next` the earliest wake time from its floor on (`null`: none), the
     * row's id `nextId`, at `time` by the caller's clock; `claim`: a claim, whose answer serves
     * the next `nextDueAt`; `short`: the claim took fewer rows than it asked for (so none it left
     * was due and free).
     */
    read(
      watch: WakeWatch,
      next: number | null,
      nextId: string,
      time: number,
      claim: boolean,
      short = false,
    ) {
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
      // The row read starts the floor's time only where nothing was given that time or earlier.
      const raisedId = next !== null && next < watch.low ? nextId : NO_ID;
      if (watch.floor === NO_FLOOR) {
        floor = raised;
        floorId = raisedId;
        floorAt = now();
      } else if (floor !== null) {
        if (raised > floor) {
          floor = raised;
          floorId = raisedId;
        } else if (raised === floor && raisedId > floorId) {
          floorId = raisedId;
        }
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
