import {
  claimedStatus,
  FINISHED_STATUSES,
  type StoredCall,
  type StoredCallPatch,
} from '../../store.js';
import { SCHEDULED_CALL_STATUSES, type ScheduledCallStatus } from '../../types.js';
import { CHUNK, SortedSlots, type SlotReader } from './_order.js';
import { clonePlain, flatten, Interner, SharedStrings } from './_values.js';

// The numbers of a row, side by side in one Float64Array (`nums[slot * WIDTH + field]`).
const WIDTH = 7;
const DUE_AT = 0;
const CREATED_AT = 1;
const UPDATED_AT = 2;
const VERSION = 3;
const ATTEMPT = 4;
const LEASE_UNTIL = 5;
const PLACING_AT = 6;
/** The numbers a row may leave `null` hold NaN instead (a NaN time reads back as `null`). */
const NONE = NaN;

// Codes of the statuses that have a wake time (the interner is seeded in this order): `scheduled`
// wakes at its due time, the others at their lease's end.
const SCHEDULED = 0;
const LEASED = new Uint8Array(256);
for (const code of [1, 2, 3, 4]) LEASED[code] = 1; // queued, initiated, ringing, answered

/** The fields most rows leave `null`, kept aside for the rows that set any. */
interface Rare {
  leaseOwner: string | null;
  providerCallId: string | null;
  reason: string | null;
  idempotencyKey: string | null;
  events: StoredCall['events'];
  options: StoredCall['options'];
  call: StoredCall['call'];
}
const RARE_FIELDS = [
  'leaseOwner',
  'providerCallId',
  'reason',
  'idempotencyKey',
  'events',
  'options',
  'call',
] as const;

const orNull = (n: number): number | null => (Number.isNaN(n) ? null : n);

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The status code of a slot that holds no row. */
const FREE = 255;

/**
 * The calls of a memory store, column by column and numbered by slot: ids in an array, numbers in
 * a `Float64Array`, the number called and the status as codes into string tables, and the rarely
 * set fields in a side map. A pending call with default options costs its id (a flat string and a
 * map entry), 61 bytes of columns and an entry of about 4 bytes in each of its two orders; no
 * object per row.
 * Reads build a fresh `StoredCall` (deep copies of `events`, `options` and `call`), so callers
 * never hold stored state.
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
export class CallTable {
  private readonly ids: string[] = [];
  private readonly slots = new Map<string, number>();
  private nums = new Float64Array(0);
  private phone = new Int32Array(0);
  private state = new Uint8Array(0);
  private readonly rare = new Map<number, Rare>();
  private readonly phones = new SharedStrings();
  private readonly statuses = new Interner([
    'scheduled',
    'queued',
    'initiated',
    'ringing',
    'answered',
    ...SCHEDULED_CALL_STATUSES,
  ]);
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

  /** How many rows it holds. */
  get size(): number {
    return this.slots.size;
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

  /** The slot of a stored id, or -1. */
  slotOf(id: string): number {
    return this.slots.get(id) ?? -1;
  }

  /** Appends a row (taken as new: the caller checks for duplicates) and returns its slot. */
  add(row: StoredCall): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.ids.length;
      if (slot === this.state.length) this.grow();
    }
    const id = flatten(row.id);
    this.ids[slot] = id;
    this.slots.set(id, slot);
    this.phone[slot] = this.phones.acquire(row.to);
    const code = this.statusCode(row.status);
    this.state[slot] = code;
    const at = slot * WIDTH;
    const nums = this.nums;
    nums[at + DUE_AT] = row.dueAt;
    nums[at + CREATED_AT] = row.createdAt;
    nums[at + UPDATED_AT] = row.updatedAt;
    nums[at + VERSION] = row.version;
    nums[at + ATTEMPT] = row.attempt;
    nums[at + LEASE_UNTIL] = row.leaseUntil ?? NONE;
    nums[at + PLACING_AT] = row.placingAt ?? NONE;
    this.setRare(slot, row, null);
    this.statusOrder(code).add(slot);
    this.byPhone.add(slot);
    if (this.finishedCode[code] === 1) this.finished.add(slot);
    return slot;
  }

  /**
   * Applies the fields `patch` defines (`undefined` ones are left alone, as are `id`, `version`
   * and `createdAt`) and bumps the version. The orders whose keys change take the row out before
   * and put it back after.
   */
  patch(slot: number, patch: StoredCallPatch): void {
    const at = slot * WIDTH;
    const nums = this.nums;
    const was = this.state[slot]!;
    const code = patch.status === undefined ? was : this.statusCode(patch.status);
    const moves = code !== was;
    const phone = patch.to === undefined ? -1 : this.phones.acquire(patch.to);
    const oldPhone = this.phone[slot]!;
    const rephone = phone >= 0 && phone !== oldPhone;
    const finished = this.finishedCode[was] === 1 || this.finishedCode[code] === 1;
    const refinish =
      finished &&
      (moves || (patch.updatedAt !== undefined && patch.updatedAt !== nums[at + UPDATED_AT]));
    if (moves) this.take(this.byStatus[was], slot);
    if (rephone) this.take(this.byPhone, slot);
    if (refinish && this.finishedCode[was] === 1) this.take(this.finished, slot);

    if (phone >= 0) {
      this.phone[slot] = phone;
      this.phones.release(oldPhone);
    }
    this.state[slot] = code;
    if (patch.dueAt !== undefined) nums[at + DUE_AT] = patch.dueAt;
    if (patch.updatedAt !== undefined) nums[at + UPDATED_AT] = patch.updatedAt;
    if (patch.attempt !== undefined) nums[at + ATTEMPT] = patch.attempt;
    if (patch.leaseUntil !== undefined) nums[at + LEASE_UNTIL] = patch.leaseUntil ?? NONE;
    if (patch.placingAt !== undefined) nums[at + PLACING_AT] = patch.placingAt ?? NONE;
    nums[at + VERSION] = nums[at + VERSION]! + 1;
    if (RARE_FIELDS.some((field) => patch[field] !== undefined)) {
      this.setRare(slot, patch, this.rare.get(slot) ?? null);
    }

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
   * Deletes a row: it leaves every order and count, its id may be added again at once, and its
   * slot is kept aside until {@link recycle}.
   */
  delete(slot: number): void {
    const code = this.state[slot]!;
    this.take(this.byStatus[code], slot);
    this.take(this.byPhone, slot);
    if (this.finishedCode[code] === 1) this.take(this.finished, slot);
    this.phones.release(this.phone[slot]!);
    this.slots.delete(this.ids[slot]!);
    this.rare.delete(slot);
    this.state[slot] = FREE;
    this.phone[slot] = -1;
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

  /** A fresh copy of the row. */
  read(slot: number): StoredCall {
    const at = slot * WIDTH;
    const nums = this.nums;
    const rare = this.rare.get(slot);
    return {
      id: this.ids[slot]!,
      to: this.phones.value(this.phone[slot]!),
      status: this.statuses.value(this.state[slot]!) as ScheduledCallStatus,
      dueAt: nums[at + DUE_AT]!,
      createdAt: nums[at + CREATED_AT]!,
      updatedAt: nums[at + UPDATED_AT]!,
      version: nums[at + VERSION]!,
      attempt: nums[at + ATTEMPT]!,
      leaseOwner: rare?.leaseOwner ?? null,
      leaseUntil: orNull(nums[at + LEASE_UNTIL]!),
      placingAt: orNull(nums[at + PLACING_AT]!),
      providerCallId: rare?.providerCallId ?? null,
      reason: rare?.reason ?? null,
      idempotencyKey: rare?.idempotencyKey ?? null,
      events: rare?.events ? clonePlain(rare.events) : null,
      options: rare?.options ? clonePlain(rare.options) : null,
      call: rare?.call ? clonePlain(rare.call) : null,
    };
  }

  id(slot: number): string {
    return this.ids[slot]!;
  }

  createdAt(slot: number): number {
    return this.nums[slot * WIDTH + CREATED_AT]!;
  }

  version(slot: number): number {
    return this.nums[slot * WIDTH + VERSION]!;
  }

  status(slot: number): ScheduledCallStatus {
    return this.statuses.value(this.state[slot]!) as ScheduledCallStatus;
  }

  providerCallId(slot: number): string | null {
    return this.rare.get(slot)?.providerCallId ?? null;
  }

  idempotencyKey(slot: number): string | null {
    return this.rare.get(slot)?.idempotencyKey ?? null;
  }

  /** `dueAt` when `scheduled`, `leaseUntil` when `queued` or in flight (see `wakeTime`). */
  wake(slot: number): number | null {
    const status = this.state[slot]!;
    if (status === SCHEDULED) return this.nums[slot * WIDTH + DUE_AT]!;
    if (LEASED[status] === 1) return orNull(this.nums[slot * WIDTH + LEASE_UNTIL]!);
    return null;
  }

  updatedAt(slot: number): number {
    return this.nums[slot * WIDTH + UPDATED_AT]!;
  }

  dueAt(slot: number): number {
    return this.nums[slot * WIDTH + DUE_AT]!;
  }

  leaseUntil(slot: number): number | null {
    return orNull(this.nums[slot * WIDTH + LEASE_UNTIL]!);
  }

  placingAt(slot: number): number | null {
    return orNull(this.nums[slot * WIDTH + PLACING_AT]!);
  }

  reason(slot: number): string | null {
    return this.rare.get(slot)?.reason ?? null;
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

  private statusCode(status: string): number {
    const code = this.statuses.code(status);
    if (code >= FREE) throw new RangeError('createMemoryStore: more than 255 distinct statuses');
    return code;
  }

  /** Sets the rare fields `from` defines over `current`; a row with none set has no entry. */
  private setRare(slot: number, from: Partial<Rare>, current: Rare | null): void {
    const next: Rare = current ?? {
      leaseOwner: null,
      providerCallId: null,
      reason: null,
      idempotencyKey: null,
      events: null,
      options: null,
      call: null,
    };
    if (from.leaseOwner !== undefined) next.leaseOwner = from.leaseOwner;
    if (from.providerCallId !== undefined) next.providerCallId = from.providerCallId;
    if (from.reason !== undefined) next.reason = from.reason;
    if (from.idempotencyKey !== undefined) next.idempotencyKey = from.idempotencyKey;
    if (from.events !== undefined) next.events = from.events && clonePlain(from.events);
    if (from.options !== undefined) next.options = from.options && clonePlain(from.options);
    if (from.call !== undefined) next.call = from.call && clonePlain(from.call);
    if (RARE_FIELDS.some((field) => next[field] !== null)) this.rare.set(slot, next);
    else this.rare.delete(slot);
  }

  /** Doubles every column (amortised O(1) per row). */
  private grow(): void {
    const capacity = Math.max(1024, this.state.length * 2);
    const nums = new Float64Array(capacity * WIDTH);
    nums.set(this.nums);
    this.nums = nums;
    const phone = new Int32Array(capacity);
    phone.set(this.phone);
    this.phone = phone;
    const state = new Uint8Array(capacity);
    state.set(this.state);
    this.state = state;
  }
}
