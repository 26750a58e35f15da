import {
  claimedStatus,
  FINISHED_STATUSES,
  placingMark,
  suppressedPatch,
  suppresses,
  suppressible,
  type StoredCall,
  type StoredCallPatch,
  type StoredSuppression,
} from '../../store.js';
import { CallColumns } from './_call-columns.js';
import { CHUNK, SortedSlots, type SlotReader } from './_order.js';

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The calls of a memory store: their fields in {@link CallColumns} (a pending call with default
 * options costs its id, a flat string and a map entry, and 61 bytes of columns), and the orders
 * they are read in, an entry of about 4 bytes in each of its two orders; no object per row.
 *
 * Every row is in two orders by (`createdAt`, `id`), each in chunks of `Int32Array`: its status's
 * (whose size is also the count of that status) and its number's (all numbers in one order,
 * number first); a row in a finished status is also in the order of finished rows by
 * (`updatedAt`, `id`), which `deleteFinished` reads. A page of `list` reads the orders of the
 * statuses it wants, merged, or its number's order, whichever holds fewer rows.
 *
 * A deleted row's slot is kept aside (its id too) until {@link recycle}: the store's heap may still
 * hold entries for it, ordered by its id; once the heap is rebuilt without them, the slot is
 * reused by the next row added.
 */
export class CallTable extends CallColumns {
  /** Per status code: which codes are finished (`FINISHED_STATUSES`). */
  private readonly finishedCode = new Uint8Array(256);
  /** Per status code, its rows by (`createdAt`, `id`); created on first use. */
  private readonly byStatus: (SortedSlots | undefined)[] = [];
  /** Every row by (number, `createdAt`, `id`). */
  private readonly byPhone: SortedSlots;
  /** The rows in a finished status by (`updatedAt`, `id`). */
  private readonly finished: SortedSlots;
  /** Slots free for the next rows. */
  private readonly free: number[] = [];
  /** Slots of deleted rows, free once {@link recycle}d. */
  private quarantine: number[] = [];
  /** Entries per chunk of the orders. */
  private readonly chunk: number;
  private readonly byCreation: (a: number, b: number) => number;

  constructor(chunk = CHUNK) {
    super();
    this.chunk = chunk;
    for (const status of FINISHED_STATUSES) this.finishedCode[this.statuses.code(status)] = 1;
    const ids = this.ids;
    this.byCreation = (a, b) => this.createdAt(a) - this.createdAt(b) || byId(ids[a]!, ids[b]!);
    this.byPhone = new SortedSlots(
      (a, b) => this.phone[a]! - this.phone[b]! || this.byCreation(a, b),
      chunk,
    );
    this.finished = new SortedSlots(
      (a, b) => this.updatedAt(a) - this.updatedAt(b) || byId(ids[a]!, ids[b]!),
      chunk,
    );
  }

  /** How many rows are in `status`. */
  count(status: string): number {
    const code = this.statuses.find(status);
    return code < 0 ? 0 : (this.byStatus[code]?.size ?? 0);
  }

  /** How many rows are in a status that has a wake time (`scheduled`, `queued`, in flight). */
  waking(): number {
    let n = 0;
    for (let code = 0; code <= 4; code++) n += this.byStatus[code]?.size ?? 0;
    return n;
  }

  /** Calls `fn` with each row that has a wake time, and that time. */
  forEachWake(fn: (wake: number, slot: number) => void): void {
    for (let code = 0; code <= 4; code++) {
      const order = this.byStatus[code];
      if (!order) continue;
      for (const reader = order.all(); reader.slot >= 0; reader.next()) {
        const wake = this.wake(reader.slot);
        if (wake !== null) fn(wake, reader.slot);
      }
    }
  }

  /** Appends a row (taken as new: the caller checks for duplicates) and returns its slot. */
  add(row: StoredCall): number {
    const slot = this.free.pop() ?? this.nextSlot();
    const code = this.write(slot, row);
    this.statusOrder(code).add(slot);
    this.byPhone.add(slot);
    if (this.finishedCode[code] === 1) this.finished.add(slot);
    return slot;
  }

  /**
   * Applies the fields `patch` defines (`undefined` ones are left alone, as are `id`, `version`
   * and `createdAt`) and moves the version on by `steps`. The orders whose keys change take the
   * row out before and put it back after.
   */
  patch(slot: number, patch: StoredCallPatch, steps = 1): void {
    const was = this.state[slot]!;
    const code = patch.status === undefined ? was : this.statusCode(patch.status);
    const moves = code !== was;
    const phone = patch.to === undefined ? -1 : this.phones.acquire(patch.to);
    const rephone = phone >= 0 && phone !== this.phone[slot]!;
    const finished = this.finishedCode[was] === 1 || this.finishedCode[code] === 1;
    const refinish =
      finished &&
      (moves || (patch.updatedAt !== undefined && patch.updatedAt !== this.updatedAt(slot)));
    if (moves) this.take(this.byStatus[was], slot);
    if (rephone) this.take(this.byPhone, slot);
    if (refinish && this.finishedCode[was] === 1) this.take(this.finished, slot);

    this.rewrite(slot, patch, code, phone, steps);

    if (moves) this.statusOrder(code).add(slot);
    if (rephone) this.byPhone.add(slot);
    if (refinish && this.finishedCode[code] === 1) this.finished.add(slot);
  }

  /**
   * Puts a row under `workerId`'s lease (`queued`, unless it is in flight) and bumps the version.
   */
  claim(slot: number, now: number, workerId: string, leaseUntil: number): void {
    const status = claimedStatus(this.status(slot));
    this.patch(slot, { status, leaseOwner: workerId, leaseUntil, updatedAt: now });
  }

  /**
   * A claim checked against the do-not-call list (`suppressionOf` reads it): a row not sent
   * yet whose number is suppressed at `now` ends `suppressed` instead of being leased. Resolves
   * to `true` when the row was leased.
   */
  claimUnlessSuppressed(
    slot: number,
    now: number,
    workerId: string,
    leaseUntil: number,
    suppressionOf: (phone: string) => StoredSuppression | undefined,
  ): boolean {
    if (suppressible({ status: this.status(slot), placingAt: this.placingAt(slot) })) {
      // The number alone is read for the check; the whole row only for a call it ends.
      const suppression = suppressionOf(this.to(slot));
      if (suppresses(suppression, now)) {
        this.patch(slot, suppressedPatch(this.read(slot), suppression!, now));
        return false;
      }
    }
    this.claim(slot, now, workerId, leaseUntil);
    return true;
  }

  /**
   * {@link claimUnlessSuppressed}, and, when `mark` holds, the mark of a row it leases afresh
   * (`queued` now, no `placingAt` before): `placingMark` at `now`, with the claim's version.
   */
  claimMarking(
    slot: number,
    now: number,
    workerId: string,
    leaseUntil: number,
    suppressionOf: (phone: string) => StoredSuppression | undefined,
    mark: boolean,
  ): { leased: boolean; marked: boolean } {
    const unmarked = this.placingAt(slot) === null;
    const leased = this.claimUnlessSuppressed(slot, now, workerId, leaseUntil, suppressionOf);
    const marked = mark && leased && unmarked && this.status(slot) === 'queued';
    if (marked) this.patch(slot, placingMark(this.read(slot), now), 0);
    return { leased, marked };
  }

  /**
   * Deletes a row: it leaves every order and count, its id may be added again at once, and its
   * slot is kept aside until {@link recycle}.
   */
  delete(slot: number): void {
    const code = this.state[slot]!;
    this.take(this.byStatus[code], slot);
    this.take(this.byPhone, slot);
    if (this.finishedCode[code] === 1) this.take(this.finished, slot);
    this.clear(slot);
    this.quarantine.push(slot);
  }

  /** How many deleted rows' slots wait for {@link recycle}. */
  get deleted(): number {
    return this.quarantine.length;
  }

  /** How many slots are free for the next rows. */
  get spare(): number {
    return this.free.length;
  }

  /** Frees the slots of deleted rows (the caller holds no reference to them any more). */
  recycle(): void {
    for (const slot of this.quarantine) {
      this.ids[slot] = '';
      this.free.push(slot);
    }
    this.quarantine = [];
  }

  /**
   * Up to `want` slots of rows in `statuses` (all when `null`) to `to` (any number when `null`)
   * after the position `after` (from the start when `null`), in (`createdAt`, `id`) order.
   */
  list(
    statuses: readonly string[] | null,
    to: string | null,
    after: readonly [number, string] | null,
    want: number,
  ): number[] {
    const out: number[] = [];
    const codes: number[] = [];
    let rows = 0;
    for (const status of statuses ?? this.statuses.all()) {
      const code = this.statuses.find(status);
      const n = code < 0 ? 0 : (this.byStatus[code]?.size ?? 0);
      if (n > 0 && !codes.includes(code)) {
        codes.push(code);
        rows += n;
      }
    }
    if (codes.length === 0 || want <= 0) return out;
    const isAfter = after ? this.after(after) : () => true;
    let phone = -1;
    if (to !== null) {
      phone = this.phones.find(to);
      if (phone < 0) return out;
      if (this.phones.count(phone) <= rows) {
        // The number's own rows are fewer: read them, keeping those in the statuses asked for.
        const wanted = new Uint8Array(256);
        for (const code of codes) wanted[code] = 1;
        const reader = this.byPhone.from(
          (s) => this.phone[s]! > phone || (this.phone[s] === phone && isAfter(s)),
        );
        for (; reader.slot >= 0 && out.length < want; reader.next()) {
          const slot = reader.slot;
          if (this.phone[slot] !== phone) break;
          if (wanted[this.state[slot]!] === 1) out.push(slot);
        }
        return out;
      }
    }
    // The statuses' orders, merged (a handful at most).
    const readers = codes.map((code) => this.byStatus[code]!.from(isAfter));
    while (out.length < want) {
      let best: SlotReader | null = null;
      for (const reader of readers) {
        if (reader.slot >= 0 && (best === null || this.byCreation(reader.slot, best.slot) < 0)) {
          best = reader;
        }
      }
      if (best === null) break;
      const slot = best.slot;
      best.next();
      if (phone < 0 || this.phone[slot] === phone) out.push(slot);
    }
    return out;
  }

  /** Up to `limit` slots of finished rows updated before `before`, oldest first (ties by id). */
  finishedBefore(before: number, limit: number): number[] {
    const out: number[] = [];
    for (
      const reader = this.finished.all();
      reader.slot >= 0 && out.length < limit;
      reader.next()
    ) {
      if (!(this.updatedAt(reader.slot) < before)) break;
      out.push(reader.slot);
    }
    return out;
  }

  /** Whether a slot sorts after the position `[createdAt, id]`. */
  private after([createdAt, id]: readonly [number, string]): (slot: number) => boolean {
    return (slot) => {
      const at = this.createdAt(slot);
      return at > createdAt || (at === createdAt && this.ids[slot]! > id);
    };
  }

  private statusOrder(code: number): SortedSlots {
    let order = this.byStatus[code];
    if (!order) {
      order = new SortedSlots(this.byCreation, this.chunk);
      this.byStatus[code] = order;
    }
    return order;
  }

  /** Takes a slot out of an order it must be in. */
  private take(order: SortedSlots | undefined, slot: number): void {
    if (!order?.delete(slot)) {
      throw new Error(`createMemoryStore: row ${this.ids[slot]} is missing from an index`);
    }
  }
}
