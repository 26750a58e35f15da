import { ConflictError, CallNotFoundError, versionConflict } from '../../errors.js';
import {
  encodeCursor,
  IN_FLIGHT_STATUSES,
  type CampaignCallsQuery,
  type CampaignClaim,
  type CampaignClaimOptions,
  type StoreListQuery,
  type StorePage,
  type StoredCall,
  type StoredCallPatch,
  type StoredCampaign,
  type StoredCampaignPatch,
} from '../../store.js';
import { callPage, readCursor } from '../_page.js';
import { SortedSlots, type SlotReader } from './_order.js';
import { CallTable } from './_table.js';
import { clonePlain } from './_values.js';

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
interface Shared {
  /** Rows by status (the store's `countByStatus` counts every row). */
  counts: Map<string, number>;
  /** Row ids by the provider id of their current attempt. */
  providers: Map<string, string>;
}

/** A finished campaign row, as retention reads it. */
interface FinishedRow {
  c: CampaignRows;
  slot: number;
  updatedAt: number;
  id: string;
}

const duplicate = (id: string, message: string) =>
  new ConflictError({ reason: 'duplicate', id, message });

const copyCampaign = (campaign: StoredCampaign): StoredCampaign => ({
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
    if (provider !== null) this.shared.providers.set(provider, this.table.id(slot));
    return slot;
  }

  /** A fresh copy of the row. */
  read(slot: number): StoredCall {
    return { ...this.table.read(slot), campaign: this.row.id, position: this.positions[slot]! };
  }

  /** `update` of a row of this campaign. */
  update(slot: number, expectedVersion: number, patch: StoredCallPatch): StoredCall {
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
    this.write(slot, () => table.patch(slot, patch));
    return this.read(slot);
  }

  /** `claimCampaign` of this campaign. */
  claim(
    now: number,
    limit: number,
    workerId: string,
    leaseUntil: number,
    { holdMs, budget }: CampaignClaimOptions,
  ): CampaignClaim {
    const table = this.table;
    const calls: StoredCall[] = [];
    const slots: (number | null)[] = [];
    const claim = (slot: number, sendAt: number | null) => {
      this.write(slot, () => table.claim(slot, now, workerId, leaseUntil));
      calls.push(this.read(slot));
      slots.push(sendAt);
    };
    // 1. The rows whose lease ran out, whatever the campaign's state.
    for (const slot of this.expired(now, limit)) claim(slot, null);
    // 2. New entries in list order, under the cap and within the budget's horizon.
    const start = budget ? Math.max(this.row.nextSlotAt, now) : 0;
    let sent = 0;
    if (this.row.state === 'running') {
      let room = Math.min(limit - calls.length, this.row.concurrency - this.taken(now, holdMs));
      if (budget) {
        const horizon = now + budget.horizonMs;
        const fit = start > horizon ? 0 : Math.floor((horizon - start) / budget.intervalMs) + 1;
        room = Math.min(room, fit);
      }
      for (const slot of this.due(now, room)) {
        // A row whose request may have left is not sent again: no slot.
        const sends = budget !== undefined && table.placingAt(slot) === null;
        claim(slot, sends ? start + sent++ * budget.intervalMs : null);
      }
      if (budget && sent > 0) {
        this.row = {
          ...this.row,
          nextSlotAt: start + sent * budget.intervalMs,
          updatedAt: now,
          version: this.row.version + 1,
        };
      }
    }
    return {
      campaign: copyCampaign(this.row),
      calls,
      slots,
      taken: this.taken(now, holdMs),
      nextSlotAt: budget ? start + sent * budget.intervalMs : null,
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
    const providers = this.shared.providers;
    if (provider !== null && providers.get(provider) === table.id(slot)) {
      providers.delete(provider);
    }
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
    if (provider !== null && provider !== current && providers.get(provider) === id) {
      providers.delete(provider);
    }
    if (current !== null) providers.set(current, id);
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
    const after = now - holdMs;
    for (
      const reader = this.held.from((slot) => table.placingAt(slot)! > after);
      reader.slot >= 0;
      reader.next()
    ) {
      taken++;
    }
    return taken;
  }

  /** Up to `want` `scheduled` rows due by `now`, lowest position first. */
  private due(now: number, want: number): number[] {
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
    for (const reader = this.ready.all(); reader.slot >= 0 && out.length < want; reader.next()) {
      // Due by the latest claim's time, and at this one's unless the clock went back.
      if (table.dueAt(reader.slot) <= now) out.push(reader.slot);
    }
    return out;
  }
}

/**
 * The campaigns of a memory store, beside its table of the scheduler's own calls (whose claims,
 * wake times and list never see them): each campaign's entries in a {@link CampaignRows}, the
 * campaigns newest first, and the ids, idempotency keys and provider ids of their rows, so that
 * the store has one space of ids and keys.
 */
export class Campaigns {
  private readonly byName = new Map<string, CampaignRows>();
  /** Newest first: `createdAt` descending, then id descending. */
  private readonly newest: CampaignRows[] = [];
  /** The campaign of each campaign row, by row id. */
  private readonly owners = new Map<string, CampaignRows>();
  /** Row ids by idempotency key. */
  private readonly keys = new Map<string, string>();
  private readonly shared: Shared = { counts: new Map(), providers: new Map() };
  private readonly chunk: number;

  constructor(chunk: number) {
    this.chunk = chunk;
  }

  /** Whether a campaign row has this id. */
  hasId(id: string): boolean {
    return this.owners.has(id);
  }

  /** Whether a campaign row has this idempotency key. */
  hasKey(key: string): boolean {
    return this.keys.has(key);
  }

  /** `getCampaign`: a copy of the campaign's row, or `null`. */
  get(id: string): StoredCampaign | null {
    const c = this.byName.get(id);
    return c ? copyCampaign(c.row) : null;
  }

  /** The campaign, or `undefined`. */
  campaign(id: string): CampaignRows | undefined {
    return this.byName.get(id);
  }

  /**
   * `insertCampaign`: all or nothing. `own` tells whether the scheduler's own rows hold an id or
   * an idempotency key.
   */
  insert(
    campaign: StoredCampaign,
    rows: readonly StoredCall[],
    own: { id: (id: string) => boolean; key: (key: string) => boolean },
  ): void {
    if (this.byName.has(campaign.id)) {
      throw duplicate(campaign.id, `Campaign ${campaign.id} already exists`);
    }
    const ids = new Set<string>();
    const keys = new Set<string>();
    const positions = new Set<number>();
    for (const row of rows) {
      const position = row.position;
      if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
        throw new RangeError(`createMemoryStore: campaign row ${row.id} has no position`);
      }
      if (ids.has(row.id) || this.owners.has(row.id) || own.id(row.id)) {
        throw duplicate(row.id, `Call ${row.id} already exists`);
      }
      const key = row.idempotencyKey ?? null;
      if (key !== null && (keys.has(key) || this.keys.has(key) || own.key(key))) {
        throw duplicate(row.id, `Idempotency key ${JSON.stringify(key)} is already used`);
      }
      if (positions.has(position)) {
        throw duplicate(row.id, `Position ${position} of campaign ${campaign.id} is taken twice`);
      }
      ids.add(row.id);
      if (key !== null) keys.add(key);
      positions.add(position);
    }
    const c = new CampaignRows(campaign, this.chunk, this.shared);
    for (const row of rows) {
      const id = c.table.id(c.add({ ...row, campaign: campaign.id }));
      this.owners.set(id, c);
      if (row.idempotencyKey != null) this.keys.set(row.idempotencyKey, id);
    }
    this.byName.set(campaign.id, c);
    const newer = (a: StoredCampaign, b: StoredCampaign) =>
      a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
    let lo = 0;
    let hi = this.newest.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newer(this.newest[mid]!.row, campaign)) lo = mid + 1;
      else hi = mid;
    }
    this.newest.splice(lo, 0, c);
  }

  /** The campaign and slot of a campaign row, or `null`. */
  locate(id: string): [CampaignRows, number] | null {
    const c = this.owners.get(id);
    return c ? [c, c.table.slotOf(id)] : null;
  }

  /** A campaign row by idempotency key, or `null`. */
  findByKey(key: string): StoredCall | null {
    const id = this.keys.get(key);
    const at = id === undefined ? null : this.locate(id);
    return at ? at[0].read(at[1]) : null;
  }

  /** A campaign row by the provider id of its current attempt, or `null`. */
  findByProviderId(providerCallId: string): StoredCall | null {
    const id = this.shared.providers.get(providerCallId);
    const at = id === undefined ? null : this.locate(id);
    return at && at[0].table.providerCallId(at[1]) === providerCallId ? at[0].read(at[1]) : null;
  }

  /**
   * Up to `limit` finished campaign rows updated before `before`, oldest first (ties by id), over
   * every campaign: each campaign's oldest, merged.
   */
  finishedBefore(before: number, limit: number): FinishedRow[] {
    const rows: FinishedRow[] = [];
    for (const c of this.byName.values()) {
      for (const slot of c.table.finishedBefore(before, limit)) {
        rows.push({ c, slot, updatedAt: c.table.updatedAt(slot), id: c.table.id(slot) });
      }
    }
    return rows.sort((a, b) => a.updatedAt - b.updatedAt || byId(a.id, b.id)).slice(0, limit);
  }

  /** Deletes a finished row that {@link finishedBefore} gave. */
  delete({ c, slot, id }: FinishedRow): void {
    const key = c.table.idempotencyKey(slot);
    if (key !== null && this.keys.get(key) === id) this.keys.delete(key);
    this.owners.delete(id);
    c.remove(slot);
  }

  /** How many campaign rows are in `status`. */
  count(status: string): number {
    return this.shared.counts.get(status) ?? 0;
  }

  /** `listCampaigns`: a page of the campaigns newest first. */
  page(query: { cursor?: string | null; limit: number }): StorePage<StoredCampaign> {
    const after = readCursor(query.cursor);
    const newest = this.newest;
    let start = 0;
    if (after) {
      // The first campaign older than the cursor's.
      let hi = newest.length;
      while (start < hi) {
        const mid = (start + hi) >> 1;
        const { createdAt, id } = newest[mid]!.row;
        if (createdAt < after[0] || (createdAt === after[0] && id < after[1])) hi = mid;
        else start = mid + 1;
      }
    }
    const items = newest.slice(start, start + query.limit).map((c) => copyCampaign(c.row));
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        start + query.limit < newest.length && last !== undefined
          ? encodeCursor(last.createdAt, last.id)
          : null,
    };
  }

  /** `updateCampaign`. */
  update(id: string, expectedVersion: number, patch: StoredCampaignPatch): StoredCampaign {
    const c = this.byName.get(id);
    if (!c) throw new CallNotFoundError(id, 'campaign');
    const current = c.row;
    if (current.version !== expectedVersion) {
      throw new ConflictError({
        reason: 'version_conflict',
        id,
        status: current.state,
        message: `Campaign ${id} is at version ${current.version}, not ${expectedVersion}`,
      });
    }
    c.row = {
      ...current,
      state: patch.state ?? current.state,
      concurrency: patch.concurrency ?? current.concurrency,
      settings: patch.settings === undefined ? current.settings : clonePlain(patch.settings),
      nextSlotAt: patch.nextSlotAt ?? current.nextSlotAt,
      updatedAt: patch.updatedAt ?? current.updatedAt,
      version: current.version + 1,
    };
    return copyCampaign(c.row);
  }
}
