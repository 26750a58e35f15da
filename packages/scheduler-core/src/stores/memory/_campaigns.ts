import { CallNotFoundError, ConflictError } from '../../errors.js';
import { clonePlain } from './_values.js';
import {
  encodeCursor,
  type StorePage,
  type StoredCall,
  type StoredCampaign,
  type StoredCampaignPatch,
  type StoredSuppression,
} from '../../store.js';
import { readCursor } from '../_page.js';
import type { MemoryBudgets } from './_budgets.js';
import {
  byId,
  CampaignRows,
  copyCampaign,
  duplicate,
  type FinishedRow,
  type Shared,
} from './_campaign-rows.js';
import { ProviderIdIndex } from './_provider-ids.js';

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
  private readonly shared: Shared;
  private readonly chunk: number;

  constructor(chunk: number, suppressions: Map<string, StoredSuppression>, budgets: MemoryBudgets) {
    this.chunk = chunk;
    this.shared = { counts: new Map(), providers: new ProviderIdIndex(), suppressions, budgets };
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

  /**
   * A campaign row whose current attempt has the call id `callId` at `provider` (with `none`, a
   * row that names no provider instead), or `null`.
   */
  findByProviderId(callId: string, provider: string, none: boolean): StoredCall | null {
    const named = none ? null : provider;
    const id = this.shared.providers.find(callId, (rowId) => {
      const at = this.locate(rowId);
      return (
        at !== null &&
        at[0].table.providerCallId(at[1]) === callId &&
        at[0].table.providerOf(at[1]) === named
      );
    });
    const at = id === undefined ? null : this.locate(id);
    return at ? at[0].read(at[1]) : null;
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
  page(query: {
    cursor?: string | null;
    limit: number;
    archived?: boolean;
  }): StorePage<StoredCampaign> {
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
    const { archived } = query;
    const items: StoredCampaign[] = [];
    let more = false;
    for (let i = start; i < newest.length; i += 1) {
      const row = newest[i]!.row;
      if (archived !== undefined && (row.archivedAt !== null) !== archived) continue;
      if (items.length === query.limit) {
        more = true;
        break;
      }
      items.push(copyCampaign(row));
    }
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: more && last !== undefined ? encodeCursor(last.createdAt, last.id) : null,
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
      archivedAt: patch.archivedAt === undefined ? current.archivedAt : patch.archivedAt,
      version: current.version + 1,
    };
    return copyCampaign(c.row);
  }
}
