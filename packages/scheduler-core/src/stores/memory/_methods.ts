import { ConflictError, CallNotFoundError, versionConflict } from '../../errors.js';
import { historyOnly } from '../_call-log.js';
import { callPage, historyPage, readCursor } from '../_page.js';
import { slotsFrom } from '../../store/_shares.js';
import type { Store, StoreListQuery, StorePage, StoredCall, StoredCallPatch } from '../../store.js';
import type { MemoryRows } from './_rows.js';
import type { MemoryState, MemoryTuning } from './_state.js';

/** The calls' reads and writes: campaigns' rows found beside the scheduler's own. */
export function memoryCallMethods(open: () => MemoryState, rows: MemoryRows) {
  const { insertOne, index } = rows;
  return {
    async insert(input) {
      const { table } = open();
      return table.read(insertOne(input));
    },

    async insertMany(input) {
      const { table, byKey, campaigns } = open();
      const ids = new Set<string>();
      const keys = new Set<string>();
      for (const row of input) {
        const key = row.idempotencyKey ?? null;
        if (
          table.slotOf(row.id) >= 0 ||
          campaigns.hasId(row.id) ||
          ids.has(row.id) ||
          (key !== null && (byKey.has(key) || campaigns.hasKey(key) || keys.has(key)))
        ) {
          throw new ConflictError({
            reason: 'duplicate',
            id: row.id,
            message: `Call ${row.id} or its idempotency key already exists`,
          });
        }
        ids.add(row.id);
        if (key !== null) keys.add(key);
      }
      for (const row of input) insertOne(row);
    },

    async get(id) {
      const { table, campaigns } = open();
      const slot = table.slotOf(id);
      if (slot >= 0) return table.read(slot);
      const at = campaigns.locate(id);
      return at ? at[0].read(at[1]) : null;
    },

    async findByIdempotencyKey(key) {
      const { table, byKey, campaigns } = open();
      const slot = byKey.get(key);
      return slot === undefined ? campaigns.findByKey(key) : table.read(slot);
    },

    async findByProviderCallId(provider, providerCallId) {
      const { table, byProviderId, campaigns } = open();
      // This provider's row first, then a row of none (stored before rows named their provider).
      const wanted = table.findProvider(provider);
      const ofCode = (code: number) => (s: number) =>
        table.providerCodeAt(s) === code && table.providerCallId(s) === providerCallId;
      for (const none of [false, true]) {
        const slot = byProviderId.find(providerCallId, ofCode(none ? 0 : wanted));
        if (slot !== undefined) return table.read(slot);
        const row = campaigns.findByProviderId(providerCallId, provider, none);
        if (row) return row;
      }
      return null;
    },

    async update(id, expectedVersion, patch: StoredCallPatch, steps = 1) {
      const { table, campaigns } = open();
      const slot = table.slotOf(id);
      if (slot < 0) {
        const at = campaigns.locate(id);
        if (!at) throw new CallNotFoundError(id);
        return at[0].update(at[1], expectedVersion, patch, steps);
      }
      const version = table.version(slot);
      if (version !== expectedVersion) {
        throw versionConflict(id, table.status(slot), version, expectedVersion);
      }
      if (
        patch.idempotencyKey !== undefined &&
        patch.idempotencyKey !== table.idempotencyKey(slot)
      ) {
        throw new ConflictError({
          reason: 'duplicate',
          id,
          message: 'An idempotency key cannot change',
        });
      }
      const wake = table.wake(slot);
      const providerId = table.providerCallId(slot);
      table.patch(slot, patch, steps);
      index(slot, wake, providerId);
      return table.read(slot);
    },

    async countByStatus(statuses) {
      const { table, campaigns } = open();
      const counts: Record<string, number> = {};
      for (const status of statuses) {
        const n = table.count(status) + campaigns.count(status);
        if (n > 0) counts[status] = n;
      }
      return counts;
    },

    async list(query: StoreListQuery): Promise<StorePage<StoredCall>> {
      const { table, campaigns } = open();
      const after = readCursor(query.cursor);
      if (query.campaign != null) {
        const campaign = campaigns.campaign(query.campaign);
        return campaign ? campaign.list(query, after) : { items: [], nextCursor: null };
      }
      const statuses = query.status === undefined ? null : [query.status].flat();
      const slots = table.list(statuses, query.to ?? null, after, query.limit + 1);
      return callPage(
        slots.map((slot) => table.read(slot)),
        query.limit,
      );
    },
  } satisfies Partial<Store>;
}

/** The scheduler-wide claims, the send budgets and the next wake time. */
export function memoryClaimMethods(open: () => MemoryState, rows: MemoryRows) {
  const { claimRows, asideOthers } = rows;
  return {
    async claimDue({ now, limit, workerId, leaseUntil, provider, mark = 0, budget }) {
      if (!budget) return claimRows(now, limit, workerId, leaseUntil, mark, provider);
      const { budgets, heap } = open();
      const turn = budgets.turn(now, limit, budget);
      const calls =
        turn.most > 0 ? claimRows(now, turn.most, workerId, leaseUntil, 0, provider).calls : [];
      const sends = (c: StoredCall) => c.status === 'queued' && c.placingAt === null;
      const { slots, sent } = slotsFrom(calls, sends, turn.start, budget.intervalMs);
      // It waits in the others' sums only while a due row is left that it had room for.
      let more = false;
      if (limit > turn.most) {
        const others = asideOthers(provider);
        more = others.top() !== undefined && heap.peekKey()! <= now;
        others.restore();
      }
      const want = sent + (more ? 1 : 0);
      return { calls, slots, nextSlotAt: budgets.settle(turn, sent, now, want, budget) };
    },

    async reserveSendSlot(now, budget, count = 1) {
      return open().budgets.reserve(now, budget, count);
    },

    async nextDueAt(provider) {
      const { heap } = open();
      const others = asideOthers(provider);
      const next = others.top() === undefined ? null : heap.peekKey()!;
      others.restore();
      return next;
    },
  } satisfies Partial<Store>;
}

/** Call records, the deletes of retention, and named leases. */
export function memoryRecordMethods(
  open: () => MemoryState,
  rows: MemoryRows,
  tuning: MemoryTuning,
) {
  const { remove, rebuild } = rows;
  return {
    async saveCallRecord(record) {
      open().records.save(record);
    },

    async mergeCallRecord(record, merge) {
      // Read, merge and write in one synchronous step: nothing runs in between.
      const { records } = open();
      const stored = records.get(record.id);
      records.save(stored ? merge(stored, record) : record);
      return records.get(record.id)!;
    },

    async listCallLog(query) {
      const { records } = open();
      const before = readCursor(query.cursor);
      const want = query.limit + 1;
      // A number's history alone: its own records, with no filter to pass.
      const items = historyOnly(query)
        ? records.page(query.phone, before, want)
        : records.log(query, before, want);
      return historyPage(items, query.limit);
    },

    async deleteFinished(before, limit) {
      const { table, heap, campaigns } = open();
      // The oldest of the scheduler's own finished rows and of the campaigns', merged.
      const own = table.finishedBefore(before, limit);
      const theirs = campaigns.finishedBefore(before, limit);
      let i = 0;
      let j = 0;
      while (i + j < limit && (i < own.length || j < theirs.length)) {
        const mine = own[i];
        const other = theirs[j];
        if (
          mine !== undefined &&
          (other === undefined ||
            table.updatedAt(mine) < other.updatedAt ||
            (table.updatedAt(mine) === other.updatedAt && table.id(mine) < other.id))
        ) {
          remove(mine);
          i++;
        } else {
          campaigns.delete(other!);
          j++;
        }
      }
      // Free the deleted rows' slots (and ids) once enough wait that a rebuild is cheap per row.
      if (table.deleted >= Math.max(tuning.recycleAt, heap.size >> 1)) rebuild();
      return i + j;
    },

    async deleteCallRecords(before, limit) {
      return open().records.deleteBefore(before, limit);
    },

    async acquireLease(name, workerId, now, until) {
      const { leases } = open();
      const held = leases.get(name);
      if (held && held.owner !== workerId && held.until > now) return false;
      leases.set(name, { owner: workerId, until });
      return true;
    },
  } satisfies Partial<Store>;
}

/** The campaigns, each with its entries in its own table (`_campaigns.ts`). */
export function memoryCampaignMethods(open: () => MemoryState) {
  return {
    async insertCampaign(campaign, rows) {
      const { table, byKey, campaigns } = open();
      campaigns.insert(campaign, rows, {
        id: (id) => table.slotOf(id) >= 0,
        key: (key) => byKey.has(key),
      });
    },

    async getCampaign(id) {
      return open().campaigns.get(id);
    },

    async listCampaigns(query) {
      return open().campaigns.page(query);
    },

    async updateCampaign(id, expectedVersion, patch) {
      return open().campaigns.update(id, expectedVersion, patch);
    },

    async claimCampaign(id, now, limit, workerId, leaseUntil, options) {
      const campaign = open().campaigns.campaign(id);
      return campaign
        ? campaign.claim(now, limit, workerId, leaseUntil, options)
        : { campaign: null, calls: [], slots: [], taken: 0, nextSlotAt: null };
    },

    async nextCampaignWake(id, now, holdMs) {
      return open().campaigns.campaign(id)?.nextWake(now, holdMs) ?? null;
    },

    async listCampaignCalls(id, query) {
      return open().campaigns.campaign(id)?.calls(query) ?? [];
    },

    async countCampaign(id) {
      return open().campaigns.campaign(id)?.counts() ?? {};
    },
  } satisfies Partial<Store>;
}
