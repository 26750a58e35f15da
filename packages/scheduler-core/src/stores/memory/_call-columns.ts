import type { StoredCall, StoredCallPatch } from '../../store.js';
import { SCHEDULED_CALL_STATUSES, type ScheduledCallStatus } from '../../types.js';
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

/** The status code of a slot that holds no row. */
const FREE = 255;

/**
 * The fields of a memory store's calls, column by column and numbered by slot: ids in an array,
 * numbers in a `Float64Array`, the number called and the status as codes into string tables, and
 * the rarely set fields in a side map; no object per row. Reads build a fresh `StoredCall` (deep
 * copies of `events`, `options` and `call`), so callers never hold stored state.
 *
 * Which slot a row takes, and the orders it is in, are the {@link CallTable}'s.
 */
export class CallColumns {
  protected readonly ids: string[] = [];
  private readonly slots = new Map<string, number>();
  private nums = new Float64Array(0);
  protected phone = new Int32Array(0);
  protected state = new Uint8Array(0);
  /** The code of each row's provider in {@link providerNames} (0: none). */
  private provider = new Uint16Array(0);
  private readonly providerNames = new Interner(['']);
  private readonly rare = new Map<number, Rare>();
  protected readonly phones = new SharedStrings();
  protected readonly statuses = new Interner([
    'scheduled',
    'queued',
    'initiated',
    'ringing',
    'answered',
    ...SCHEDULED_CALL_STATUSES,
  ]);

  /** How many rows it holds. */
  get size(): number {
    return this.slots.size;
  }

  /** The slot of a stored id, or -1. */
  slotOf(id: string): number {
    return this.slots.get(id) ?? -1;
  }

  /** A fresh copy of the row. */
  read(slot: number): StoredCall {
    const at = slot * WIDTH;
    const nums = this.nums;
    const rare = this.rare.get(slot);
    const row: StoredCall = {
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
    // Set, not spread: a spread in this literal costs every read its fast path.
    const provider = this.provider[slot]!;
    if (provider !== 0) row.provider = this.providerNames.value(provider);
    return row;
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

  /** The row's number (`to`). */
  to(slot: number): string {
    return this.phones.value(this.phone[slot]!);
  }

  status(slot: number): ScheduledCallStatus {
    return this.statuses.value(this.state[slot]!) as ScheduledCallStatus;
  }

  providerCallId(slot: number): string | null {
    return this.rare.get(slot)?.providerCallId ?? null;
  }

  /** The row's provider (`null`: none, any provider's). */
  providerOf(slot: number): string | null {
    const code = this.provider[slot]!;
    return code === 0 ? null : this.providerNames.value(code);
  }

  /** The code of the row's provider (0: none, any provider's). */
  providerCodeAt(slot: number): number {
    return this.provider[slot]!;
  }

  /** The code of a provider's name, or -1 when no row ever named it. */
  findProvider(name: string): number {
    return this.providerNames.find(name);
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

  /** The slot after the last one used, the columns grown to hold it. */
  protected nextSlot(): number {
    const slot = this.ids.length;
    if (slot === this.state.length) this.grow();
    return slot;
  }

  /** Writes a new row into `slot` and returns its status code. */
  protected write(slot: number, row: StoredCall): number {
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
    this.provider[slot] = row.provider == null ? 0 : this.providerCode(row.provider);
    this.setRare(slot, row, null);
    return code;
  }

  /**
   * Writes the fields `patch` defines (`undefined` ones are left alone, as are `id`, `version` and
   * `createdAt`) with the status `code` and the number `phone` (-1: unchanged), and moves the
   * version on by `steps`.
   */
  protected rewrite(
    slot: number,
    patch: StoredCallPatch,
    code: number,
    phone: number,
    steps: number,
  ): void {
    const at = slot * WIDTH;
    const nums = this.nums;
    if (phone >= 0) {
      const oldPhone = this.phone[slot]!;
      this.phone[slot] = phone;
      this.phones.release(oldPhone);
    }
    this.state[slot] = code;
    if (patch.dueAt !== undefined) nums[at + DUE_AT] = patch.dueAt;
    if (patch.updatedAt !== undefined) nums[at + UPDATED_AT] = patch.updatedAt;
    if (patch.attempt !== undefined) nums[at + ATTEMPT] = patch.attempt;
    if (patch.leaseUntil !== undefined) nums[at + LEASE_UNTIL] = patch.leaseUntil ?? NONE;
    if (patch.placingAt !== undefined) nums[at + PLACING_AT] = patch.placingAt ?? NONE;
    if (patch.provider !== undefined) {
      this.provider[slot] = patch.provider === null ? 0 : this.providerCode(patch.provider);
    }
    nums[at + VERSION] = nums[at + VERSION]! + steps;
    if (RARE_FIELDS.some((field) => patch[field] !== undefined)) {
      this.setRare(slot, patch, this.rare.get(slot) ?? null);
    }
  }

  /** Empties `slot`: its number released, its id free to be added again, its status `FREE`. */
  protected clear(slot: number): void {
    this.phones.release(this.phone[slot]!);
    this.slots.delete(this.ids[slot]!);
    this.rare.delete(slot);
    this.state[slot] = FREE;
    this.phone[slot] = -1;
    this.provider[slot] = 0;
  }

  /** The code of a provider's name. */
  private providerCode(name: string): number {
    const code = this.providerNames.code(name);
    if (code > 0xffff) throw new RangeError('createMemoryStore: more than 65,535 providers');
    return code;
  }

  /** The code of `status`, which a slot's column holds. */
  protected statusCode(status: string): number {
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
    const provider = new Uint16Array(capacity);
    provider.set(this.provider);
    this.provider = provider;
  }
}
