import { claimedStatus, type StoredCall, type StoredCallPatch } from '../../store.js';
import { SCHEDULED_CALL_STATUSES, type ScheduledCallStatus } from '../../types.js';
import { clonePlain, flatten, Interner } from './_values.js';

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

/** Which rows `list` wants: status codes that pass (all when `null`) and the number's code. */
export interface RowFilter {
  allowed: Uint8Array | null;
  phone: number;
}
const ANY_PHONE = -1;
/** A number no row has: nothing matches. */
const NO_PHONE = -2;

const orNull = (n: number): number | null => (Number.isNaN(n) ? null : n);

/**
 * The calls of a memory store, column by column and numbered by slot (insertion order): ids in an
 * array, numbers in a `Float64Array`, the number called and the status as codes into string
 * tables, and the rarely set fields in a side map. A pending call with default options costs its
 * id (a flat string and a map entry) and 61 bytes of columns; no object per row. Reads build a
 * fresh `StoredCall` (deep copies of `events`, `options` and `call`), so callers never hold stored state.
 */
export class CallTable {
  private readonly ids: string[] = [];
  private readonly slots = new Map<string, number>();
  private nums = new Float64Array(0);
  private phone = new Int32Array(0);
  private state = new Uint8Array(0);
  private readonly rare = new Map<number, Rare>();
  private readonly phones = new Interner();
  private readonly statuses = new Interner([
    'scheduled',
    'queued',
    'initiated',
    'ringing',
    'answered',
    ...SCHEDULED_CALL_STATUSES,
  ]);

  /** How many rows are in each status. */
  countByStatus(): Record<string, number> {
    const byCode = new Uint32Array(256);
    const state = this.state;
    for (let slot = 0; slot < this.ids.length; slot++) byCode[state[slot]!]! += 1;
    const counts: Record<string, number> = {};
    byCode.forEach((n, code) => {
      if (n > 0) counts[this.statuses.value(code)] = n;
    });
    return counts;
  }

  /** The slot of a stored id, or -1. */
  slotOf(id: string): number {
    return this.slots.get(id) ?? -1;
  }

  /** Appends a row (taken as new: the caller checks for duplicates) and returns its slot. */
  add(row: StoredCall): number {
    const slot = this.ids.length;
    if (slot === this.state.length) this.grow();
    const id = flatten(row.id);
    this.ids.push(id);
    this.slots.set(id, slot);
    this.phone[slot] = this.phones.code(row.to);
    this.state[slot] = this.statusCode(row.status);
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
    return slot;
  }

  /**
   * Applies the fields `patch` defines (`undefined` ones are left alone, as are `id`, `version`
   * and `createdAt`) and bumps the version.
   */
  patch(slot: number, patch: StoredCallPatch): void {
    const at = slot * WIDTH;
    const nums = this.nums;
    if (patch.to !== undefined) this.phone[slot] = this.phones.code(patch.to);
    if (patch.status !== undefined) this.state[slot] = this.statusCode(patch.status);
    if (patch.dueAt !== undefined) nums[at + DUE_AT] = patch.dueAt;
    if (patch.updatedAt !== undefined) nums[at + UPDATED_AT] = patch.updatedAt;
    if (patch.attempt !== undefined) nums[at + ATTEMPT] = patch.attempt;
    if (patch.leaseUntil !== undefined) nums[at + LEASE_UNTIL] = patch.leaseUntil ?? NONE;
    if (patch.placingAt !== undefined) nums[at + PLACING_AT] = patch.placingAt ?? NONE;
    nums[at + VERSION] = nums[at + VERSION]! + 1;
    if (RARE_FIELDS.some((field) => patch[field] !== undefined)) {
      this.setRare(slot, patch, this.rare.get(slot) ?? null);
    }
  }

  /**
   * Puts a row under `workerId`'s lease (`queued`, unless it is in flight) and bumps the version.
   */
  claim(slot: number, now: number, workerId: string, leaseUntil: number): void {
    const status = claimedStatus(this.status(slot));
    this.patch(slot, { status, leaseOwner: workerId, leaseUntil, updatedAt: now });
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

  /** A filter for {@link matches}: any of `statuses`, to `to` (`null`: no condition). */
  filter(statuses: readonly string[] | null, to: string | null): RowFilter {
    let allowed: Uint8Array | null = null;
    if (statuses) {
      allowed = new Uint8Array(256);
      for (const status of statuses) {
        const code = this.statuses.find(status);
        if (code >= 0) allowed[code] = 1;
      }
    }
    if (to === null) return { allowed, phone: ANY_PHONE };
    const phone = this.phones.find(to);
    return { allowed, phone: phone < 0 ? NO_PHONE : phone };
  }

  matches(slot: number, filter: RowFilter): boolean {
    if (filter.allowed && filter.allowed[this.state[slot]!] === 0) return false;
    return filter.phone === ANY_PHONE || this.phone[slot] === filter.phone;
  }

  private statusCode(status: string): number {
    const code = this.statuses.code(status);
    if (code > 255) throw new RangeError('memoryStore: more than 256 distinct statuses');
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
