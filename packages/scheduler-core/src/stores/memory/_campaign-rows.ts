import { ConflictError, versionConflict } from '../../errors.js';
import {
  IN_FLIGHT_STATUSES,
  suppresses,
  type CampaignCallsQuery,
  type CampaignClaim,
  type CampaignClaimOptions,
  type StoreListQuery,
  type StorePage,
  type StoredCall,
  type StoredCallPatch,
  type StoredCampaign,
  type StoredSuppression,
} from '../../store.js';
import { callPage } from '../_page.js';
import { SortedSlots, type SlotReader } from './_order.js';
import { CallTable } from './_table.js';
import { clonePlain } from './_values.js';
import type { MemoryBudgets } from './_budgets.js';
import { slotsWithin } from '../../store/_shares.js';
import { capOf } from '../../store/_stored-campaign.js';
import type { ProviderIdIndex } from './_provider-ids.js';

export const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The statuses of a row that takes a place under its campaign's cap (beside the held ones). */
const TAKING: ReadonlySet<string> = new Set(['queued', ...IN_FLIGHT_STATUSES]);

// Where a row stands in its campaign's claim orders.
/** Ended, or failed with no hold: in none. */
const NOWHERE = 0;
/** `scheduled`, not due by the campaign's clock: in `pending`. */
const PENDING = 1;
/** `scheduled`, due by the campaign's clock: in `ready`. */
const READY = 2;
/** `queued` or in flight: counted in `live`, and in `leases` when it has a lease. */
const LIVE = 3;
/** `failed`, its placement's outcome unknown: in `held`. */
const HELD = 4;

/** What the campaigns of a store keep over all their rows. */
export interface Shared {
  /** Rows by status (the store's `countByStatus` counts every row). */
  counts: Map<string, number>;
  /** Row ids by the provider id of their current attempt (the providers told apart on lookup). */
  providers: ProviderIdIndex<string>;
  /** The store's do-not-call list, by number (claims check it). */
  suppressions: Map<string, StoredSuppression>;
  /** The store's send budgets: a campaign's named budget is one of them. */
  budgets: MemoryBudgets;
}

/** A finished campaign row, as retention reads it. */
export interface FinishedRow {
  c: CampaignRows;
  slot: number;
  updatedAt: number;
  id: string;
}

export const duplicate = (id: string, message: string) =>
  new ConflictError({ reason: 'duplicate', id, message });

export const copyCampaign = (campaign: StoredCampaign): StoredCampaign => ({
  ...campaign,
  settings: clonePlain(campaign.settings),
});

/** Takes a slot out of an order it must be in. */
function take(order: SortedSlots | undefined, slot: number): void {
  if (!order?.delete(slot))
    throw new Error('createMemoryStore: a campaign row is missing from an index');
}

/**
 * The entries of one campaign: rows of a `CallTable` of their own (so `list({ campaign })` and
 * the campaign's counts read its rows alone), their positions, and the orders its claims and
 * pages walk, each holding only the rows it concerns:
 * - `ready`, by position: the `scheduled` rows due by `clock` (the latest claim's `now`), which a
 *   claim takes from the start; `pending`, by (`dueAt`, position): the other `scheduled` rows (a
 *   retry's backoff, a window's opening), moved to `ready` once a claim's time reaches them;
 * - `leases`, by (`leaseUntil`, id): the rows that take a place and hold a lease, whose expired
 *   head a claim adopts; `live` counts every row that takes a place;
 * - `held`, by (`placingAt`, position): the rows whose placement's outcome is unknown, whose
 *   tail after `now - holdMs` still takes places;
 * - per status, by position: the pages of `listCampaignCalls` and `countCampaign`.
 *
 * A claim costs the rows it adopts, claims, counts as held and moves to `ready`, not the list; a
 * write costs a few binary searches.
 */
export class CampaignRows {
  row: StoredCampaign;
  readonly table: CallTable;
  private readonly positions: number[] = [];
  private readonly places: number[] = [];
  private readonly byStatus = new Map<string, SortedSlots>();
  private readonly ready: SortedSlots;
  private readonly pending: SortedSlots;
  private readonly leases: SortedSlots;
  private readonly held: SortedSlots;
  private live = 0;
  /** The latest `now` of a claim: the rows in `ready` are due by it, those in `pending` after it. */
  private clock: number;
  private readonly chunk: number;
  private readonly shared: Shared;

  constructor(row: StoredCampaign, chunk: number, shared: Shared) {
    this.row = copyCampaign(row);
    this.clock = row.createdAt;
    this.chunk = chunk;
    this.shared = shared;
    const table = new CallTable(chunk);
    this.table = table;
    const positions = this.positions;
    const byPosition = (a: number, b: number) => positions[a]! - positions[b]!;
    this.ready = new SortedSlots(byPosition, chunk);
    this.pending = new SortedSlots(
      (a, b) => table.dueAt(a) - table.dueAt(b) || byPosition(a, b),
      chunk,
    );
    this.leases = new SortedSlots(
      (a, b) => table.leaseUntil(a)! - table.leaseUntil(b)! || byId(table.id(a), table.id(b)),
      chunk,
    );
    this.held = new SortedSlots(
      (a, b) => table.placingAt(a)! - table.placingAt(b)! || byPosition(a, b),
      chunk,
    );
  }

  /** Adds an entry (checked by the caller) and returns its slot. */
  add(row: StoredCall): number {
    const slot = this.table.add(row);
    this.positions[slot] = row.position!;
    this.attach(slot);
    const provider = this.table.providerCallId(slot);
    if (provider !== null) this.shared.providers.add(provider, this.table.id(slot));
    return slot;
  }

  /** A fresh copy of the row. */
  read(slot: number): StoredCall {
    return { ...this.table.read(slot), campaign: this.row.id, position: this.positions[slot]! };
  }

  /** `update` of a row of this campaign. */
  update(slot: number, expectedVersion: number, patch: StoredCallPatch, steps = 1): StoredCall {
    const table = this.table;
    const id = table.id(slot);
    const version = table.version(slot);
    if (version !== expectedVersion) {
      throw versionConflict(id, table.status(slot), version, expectedVersion);
    }
    if (patch.idempotencyKey !== undefined && patch.idempotencyKey !== table.idempotencyKey(slot)) {
      throw duplicate(id, 'An idempotency key cannot change');
    }
    // `campaign` and `position` are the table's to ignore: a row never leaves its place.
    this.write(slot, () => table.patch(slot, patch, steps));
    return this.read(slot);
  }

  /** `claimCampaign` of this campaign. */
  claim(
    now: number,
    limit: number,
    workerId: string,
    leaseUntil: number,
    { holdMs, budget, mark = false, cap }: CampaignClaimOptions,
  ): CampaignClaim {
    const table = this.table;
    const calls: StoredCall[] = [];
    const slots: (number | null)[] = [];
    const marked: boolean[] = [];
    const suppressions = this.shared.suppressions;
    const suppressionOf = (phone: string) => suppressions.get(phone);
    /** Leases the row (or ends it `suppressed`), and marks a fresh one if asked; `true`: leased. */
    const claim = (slot: number, sendAt: () => number | null, fresh: boolean) => {
      let claimed = { leased: false, marked: false };
      this.write(slot, () => {
        // Marked once, with the claim's version.
        claimed = table.claimMarking(slot, now, workerId, leaseUntil, suppressionOf, mark && fresh);
      });
      calls.push(this.read(slot));
      slots.push(claimed.leased ? sendAt() : null);
      marked.push(claimed.marked);
      return claimed.leased;
    };
    // 1. The rows whose lease ran out, whatever the campaign's state.
    for (const slot of this.expired(now, limit)) claim(slot, () => null, false);
    // 2. New entries in list order, under the cap and within the budget's horizon. A named
    // budget is the store's (shared by weight), otherwise the campaign row keeps its own.
    const shared = budget?.share ? this.shared.budgets : undefined;
    const rest = limit - calls.length;
    const turn = shared ? shared.turn(now, rest, budget!) : undefined;
    const start = turn ? turn.start : budget ? Math.max(this.row.nextSlotAt, now) : 0;
    let [sent, nextSlotAt, more] = [0, null as number | null, false];
    if (this.row.state === 'running') {
      const capRoom = Math.min(rest, capOf(this.row, cap) - this.taken(now, holdMs));
      let room = capRoom;
      if (turn) room = Math.min(room, turn.most);
      else if (budget) room = Math.min(room, slotsWithin(start, now, budget));
      // Suppressed entries met on the way end (without a place), within the rest of `limit`.
      const suppressed = (slot: number) => suppresses(suppressions.get(table.to(slot)), now);
      const fit = Math.max(0, room);
      // Under a shared turn, one entry past it too: whether its part held the claim back.
      const found = this.due(now, fit + (turn && capRoom > fit ? 1 : 0), rest, suppressed);
      let leased = 0;
      for (const slot of found) {
        more ||= leased === fit && !suppressed(slot);
        if (leased === fit) continue;
        if (!suppressed(slot)) leased += 1;
        // A row whose request may have left is not sent again: no slot.
        const sends = budget !== undefined && table.placingAt(slot) === null;
        claim(slot, () => (sends ? start + sent++ * budget.intervalMs : null), true);
      }
      if (budget && !turn && sent > 0) {
        this.row = {
          ...this.row,
          nextSlotAt: start + sent * budget.intervalMs,
          updatedAt: now,
          version: this.row.version + 1,
        };
      }
    }
    // It waits in the others' sums only while it wanted more than its part gave.
    if (turn) nextSlotAt = shared!.settle(turn, sent, now, sent + (more ? 1 : 0), budget!);
    else if (budget) nextSlotAt = start + sent * budget.intervalMs;
    return {
      campaign: copyCampaign(this.row),
      calls,
      slots,
      ...(mark ? { marked } : {}),
      taken: this.taken(now, holdMs),
      nextSlotAt,
      ...(turn ? { heldBack: more } : {}),
    };
  }

  /** `nextCampaignWake` of this campaign. */
  nextWake(now: number, holdMs: number): number | null {
    const table = this.table;
    let next = Infinity;
    const lease = this.leases.all().slot;
    if (lease >= 0) next = table.leaseUntil(lease)!;
    const due = this.pending.from((slot) => table.dueAt(slot) > now).slot;
    if (due >= 0) next = Math.min(next, table.dueAt(due));
    if (now < this.clock) {
      // A clock that went back: a row due by the latest claim's time may not be due at `now`.
      for (const reader = this.ready.all(); reader.slot >= 0; reader.next()) {
        const dueAt = table.dueAt(reader.slot);
        if (dueAt > now) next = Math.min(next, dueAt);
      }
    }
    const held = this.held.from((slot) => table.placingAt(slot)! > now - holdMs).slot;
    if (held >= 0) next = Math.min(next, table.placingAt(held)! + holdMs);
    return next === Infinity ? null : next;
  }

  /** `listCampaignCalls` of this campaign: the orders of the statuses asked for, merged. */
  calls(query: CampaignCallsQuery): StoredCall[] {
    const positions = this.positions;
    const after = query.afterPosition ?? -Infinity;
    const statuses = query.status ? new Set(query.status) : this.byStatus.keys();
    const readers: SlotReader[] = [];
    for (const status of statuses) {
      const order = this.byStatus.get(status);
      if (order && order.size > 0) readers.push(order.from((slot) => positions[slot]! > after));
    }
    const out: StoredCall[] = [];
    while (out.length < query.limit) {
      let best: SlotReader | null = null;
      for (const reader of readers) {
        if (
          reader.slot >= 0 &&
          (best === null || positions[reader.slot]! < positions[best.slot]!)
        ) {
          best = reader;
        }
      }
      if (best === null) break;
      out.push(this.read(best.slot));
      best.next();
    }
    return out;
  }

  /** `countCampaign` of this campaign. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [status, order] of this.byStatus) if (order.size > 0) counts[status] = order.size;
    return counts;
  }

  /** `list({ campaign })` of this campaign: its table's orders, as the store's own list reads them. */
  list(query: StoreListQuery, after: [number, string] | null): StorePage<StoredCall> {
    const statuses = query.status === undefined ? null : [query.status].flat();
    const slots = this.table.list(statuses, query.to ?? null, after, query.limit + 1);
    return callPage(
      slots.map((slot) => this.read(slot)),
      query.limit,
    );
  }

  /** Deletes a row (retention's `deleteFinished`): it leaves every order, its id may come back. */
  remove(slot: number): void {
    const table = this.table;
    const provider = table.providerCallId(slot);
    if (provider !== null) this.shared.providers.remove(provider, table.id(slot));
    this.detach(slot);
    table.delete(slot);
    // No heap refers to a campaign's slots: they are free at once.
    table.recycle();
  }

  /** Applies a write to a row, its orders kept in step (taken out before, put back after). */
  private write(slot: number, change: () => void): void {
    const table = this.table;
    const provider = table.providerCallId(slot);
    this.detach(slot);
    change();
    this.attach(slot);
    const current = table.providerCallId(slot);
    const id = table.id(slot);
    const providers = this.shared.providers;
    if (provider !== null && provider !== current) providers.remove(provider, id);
    if (current !== null) providers.add(current, id);
  }

  private detach(slot: number): void {
    const table = this.table;
    const status = table.status(slot);
    take(this.byStatus.get(status), slot);
    this.count(status, -1);
    switch (this.places[slot]) {
      case PENDING:
        take(this.pending, slot);
        break;
      case READY:
        take(this.ready, slot);
        break;
      case LIVE:
        this.live--;
        if (table.leaseUntil(slot) !== null) take(this.leases, slot);
        break;
      case HELD:
        take(this.held, slot);
        break;
    }
    this.places[slot] = NOWHERE;
  }

  private attach(slot: number): void {
    const table = this.table;
    const status = table.status(slot);
    let order = this.byStatus.get(status);
    if (!order) {
      const positions = this.positions;
      order = new SortedSlots((a, b) => positions[a]! - positions[b]!, this.chunk);
      this.byStatus.set(status, order);
    }
    order.add(slot);
    this.count(status, 1);
    let place = NOWHERE;
    if (status === 'scheduled') {
      place = table.dueAt(slot) <= this.clock ? READY : PENDING;
      (place === READY ? this.ready : this.pending).add(slot);
    } else if (TAKING.has(status)) {
      place = LIVE;
      this.live++;
      if (table.leaseUntil(slot) !== null) this.leases.add(slot);
    } else if (
      status === 'failed' &&
      table.reason(slot) === 'outcome_unknown' &&
      table.placingAt(slot) !== null
    ) {
      place = HELD;
      this.held.add(slot);
    }
    this.places[slot] = place;
  }

  private count(status: string, by: number): void {
    const counts = this.shared.counts;
    counts.set(status, (counts.get(status) ?? 0) + by);
  }

  /** Up to `limit` rows whose lease ran out by `now`, earliest first (ties by id). */
  private expired(now: number, limit: number): number[] {
    const out: number[] = [];
    for (const reader = this.leases.all(); reader.slot >= 0 && out.length < limit; reader.next()) {
      if (this.table.leaseUntil(reader.slot)! > now) break;
      out.push(reader.slot);
    }
    return out;
  }

  /** The places taken at `now`: live rows, and unknown outcomes placed after `now - holdMs`. */
  private taken(now: number, holdMs: number): number {
    const table = this.table;
    let taken = this.live;
    const reader = this.held.from((slot) => table.placingAt(slot)! > now - holdMs);
    for (; reader.slot >= 0; reader.next()) taken++;
    return taken;
  }

  /**
   * The due entries in list order, until `want` of them are not `suppressed` or `most` are
   * found in all (the suppressed ones among them, which the claim ends).
   */
  private due(
    now: number,
    want: number,
    most: number,
    suppressed: (slot: number) => boolean,
  ): number[] {
    if (want <= 0) return [];
    const table = this.table;
    if (now > this.clock) {
      this.clock = now;
      const moving: number[] = [];
      for (
        const reader = this.pending.all();
        reader.slot >= 0 && table.dueAt(reader.slot) <= now;
        reader.next()
      ) {
        moving.push(reader.slot);
      }
      for (const slot of moving) {
        take(this.pending, slot);
        this.ready.add(slot);
        this.places[slot] = READY;
      }
    }
    const out: number[] = [];
    let leased = 0;
    for (
      const reader = this.ready.all();
      reader.slot >= 0 && leased < want && out.length < most;
      reader.next()
    ) {
      // Due by the latest claim's time, and at this one's unless the clock went back.
      if (table.dueAt(reader.slot) > now) continue;
      out.push(reader.slot);
      if (!suppressed(reader.slot)) leased += 1;
    }
    return out;
  }
}
