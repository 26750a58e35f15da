import { ConflictError, NotFoundError, versionConflict } from '../../errors.js';
import {
  claimedStatus,
  encodeCursor,
  IN_FLIGHT_STATUSES,
  type CampaignClaim,
  type Store,
  type StoredCall,
  type StoredCampaign,
  type StorePage,
} from '../../store.js';
import { callPage, readCursor } from '../_page.js';

const CLAIMED: ReadonlySet<string> = new Set(['queued', ...IN_FLIGHT_STATUSES]);
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One campaign: its row, its entries by position, and what its claims walk. */
interface Campaign {
  row: StoredCampaign;
  entries: StoredCall[];
  /** Positions never claimed start here (every position before it was claimed once). */
  fresh: number;
  /** Positions of `scheduled` rows before `fresh`: retries and deferred entries. */
  waiting: Set<number>;
  /** Positions of rows claimed or in flight. */
  live: Set<number>;
  /** Positions of rows whose placement's outcome is unknown (they may still hold a place). */
  unknown: Set<number>;
}

const isHeldUnknown = (row: StoredCall) =>
  row.status === 'failed' && row.reason === 'outcome_unknown' && row.placingAt !== null;

/**
 * The campaigns of a memory store, beside its table of the scheduler's own calls: each campaign
 * keeps its entries as rows in list order with the sets its claims walk (the live ones, those
 * waiting for a retry, the held ones and where the fresh ones begin), so a claim costs the
 * campaign's calls in hand, not its list. Wraps the store of the scheduler's calls: reads and
 * writes of a campaign row go here, every other one to `inner`.
 */
export function withCampaigns(inner: Store): Store {
  let campaigns: Map<string, Campaign> | null = new Map();
  /** Every campaign row's campaign and position, by id. */
  const rows = new Map<string, { c: Campaign; position: number }>();
  const byProviderId = new Map<string, string>();
  const counts = new Map<string, number>();

  const open = () => {
    if (!campaigns) throw new Error('memoryStore: the store is closed');
    return campaigns;
  };
  const copy = (row: StoredCall): StoredCall => ({
    ...row,
    events: row.events ? row.events.map((e) => ({ ...e })) : null,
  });
  const copyCampaign = (c: StoredCampaign): StoredCampaign => ({
    ...c,
    settings: structuredClone(c.settings),
  });
  const count = (status: string, by: number) => counts.set(status, (counts.get(status) ?? 0) + by);

  /** Writes a row of campaign `c` and keeps the campaign's sets and indexes in step. */
  function put(c: Campaign, next: StoredCall) {
    const position = next.position!;
    const before = c.entries[position];
    if (before) {
      count(before.status, -1);
      if (before.providerCallId !== null && byProviderId.get(before.providerCallId) === before.id) {
        byProviderId.delete(before.providerCallId);
      }
    }
    c.entries[position] = next;
    count(next.status, 1);
    if (next.providerCallId !== null) byProviderId.set(next.providerCallId, next.id);
    c.live.delete(position);
    c.waiting.delete(position);
    c.unknown.delete(position);
    if (CLAIMED.has(next.status)) c.live.add(position);
    else if (next.status === 'scheduled' && position < c.fresh) c.waiting.add(position);
    else if (isHeldUnknown(next)) c.unknown.add(position);
  }

  const campaignOf = (id: string) => {
    const c = open().get(id);
    return c ?? null;
  };

  /** The places taken under the cap: live rows and unknown outcomes still held. */
  const taken = (c: Campaign, now: number, holdMs: number) => {
    let n = c.live.size;
    for (const position of c.unknown) {
      if (c.entries[position]!.placingAt! > now - holdMs) n += 1;
    }
    return n;
  };

  const claim = (row: StoredCall, now: number, workerId: string, leaseUntil: number) => ({
    ...row,
    status: claimedStatus(row.status),
    leaseOwner: workerId,
    leaseUntil,
    updatedAt: now,
    version: row.version + 1,
  });

  return {
    ...inner,
    name: inner.name,
    capabilities: inner.capabilities,

    async get(id) {
      const at = rows.get(id);
      return at ? copy(at.c.entries[at.position]!) : inner.get(id);
    },

    async findByProviderCallId(providerCallId) {
      const id = byProviderId.get(providerCallId);
      if (id !== undefined) {
        const at = rows.get(id)!;
        const row = at.c.entries[at.position]!;
        if (row.providerCallId === providerCallId) return copy(row);
      }
      return inner.findByProviderCallId(providerCallId);
    },

    async update(id, expectedVersion, patch) {
      const at = rows.get(id);
      if (!at) return inner.update(id, expectedVersion, patch);
      const c = at.c;
      const current = c.entries[at.position]!;
      if (current.version !== expectedVersion) {
        throw versionConflict(id, current.status, current.version, expectedVersion);
      }
      const next: StoredCall = {
        ...current,
        ...patch,
        id,
        campaign: current.campaign,
        position: current.position,
        createdAt: current.createdAt,
        version: current.version + 1,
      };
      put(c, next);
      return copy(next);
    },

    async countByStatus(statuses) {
      const result = await inner.countByStatus!(statuses);
      for (const status of statuses) {
        const n = counts.get(status) ?? 0;
        if (n > 0) result[status] = (result[status] ?? 0) + n;
      }
      return result;
    },

    async list(query) {
      if (query.campaign == null) return inner.list(query);
      const c = campaignOf(query.campaign);
      if (!c) return { items: [], nextCursor: null };
      const after = readCursor(query.cursor);
      const statuses = query.status === undefined ? null : [query.status].flat();
      const matching = c.entries
        .filter(
          (r) =>
            (statuses === null || statuses.includes(r.status)) &&
            (query.to === undefined || r.to === query.to) &&
            (after === null ||
              r.createdAt > after[0] ||
              (r.createdAt === after[0] && r.id > after[1])),
        )
        .sort((a, b) => a.createdAt - b.createdAt || byId(a.id, b.id))
        .slice(0, query.limit + 1)
        .map(copy);
      return callPage(matching, query.limit);
    },

    async insertCampaign(campaign, entries) {
      const all = open();
      if (all.has(campaign.id)) {
        throw new ConflictError({
          reason: 'duplicate',
          id: campaign.id,
          message: `Campaign ${campaign.id} already exists`,
        });
      }
      const ids = new Set<string>();
      for (const row of entries) {
        if (ids.has(row.id) || rows.has(row.id) || (await inner.get(row.id))) {
          throw new ConflictError({
            reason: 'duplicate',
            id: row.id,
            message: `Call ${row.id} already exists`,
          });
        }
        ids.add(row.id);
      }
      const c: Campaign = {
        row: copyCampaign(campaign),
        entries: [],
        fresh: 0,
        waiting: new Set(),
        live: new Set(),
        unknown: new Set(),
      };
      // Every entry is fresh (never claimed) at first: `fresh` stays at 0.
      for (const row of entries) {
        put(c, { ...copy(row), campaign: campaign.id });
        rows.set(row.id, { c, position: row.position! });
      }
      all.set(campaign.id, c);
    },

    async getCampaign(id) {
      const c = campaignOf(id);
      return c ? copyCampaign(c.row) : null;
    },

    async listCampaigns(query): Promise<StorePage<StoredCampaign>> {
      const after = readCursor(query.cursor);
      const all = [...open().values()]
        .map((c) => c.row)
        .filter(
          (r) =>
            after === null ||
            r.createdAt < after[0] ||
            (r.createdAt === after[0] && r.id < after[1]),
        )
        .sort((a, b) => b.createdAt - a.createdAt || byId(b.id, a.id));
      const items = all.slice(0, query.limit).map(copyCampaign);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor: all.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
      };
    },

    async updateCampaign(id, expectedVersion, patch) {
      const c = campaignOf(id);
      if (!c) throw new NotFoundError(id, 'campaign');
      if (c.row.version !== expectedVersion) {
        throw new ConflictError({
          reason: 'version_conflict',
          id,
          status: c.row.state,
          message: `Campaign ${id} is at version ${c.row.version}, not ${expectedVersion}`,
        });
      }
      c.row = { ...c.row, ...structuredClone(patch), id, version: c.row.version + 1 };
      return copyCampaign(c.row);
    },

    async claimCampaign(id, now, limit, workerId, leaseUntil, options): Promise<CampaignClaim> {
      const c = campaignOf(id);
      if (!c) return { campaign: null, calls: [], slots: [], taken: 0, nextSlotAt: null };
      const calls: StoredCall[] = [];
      const slots: (number | null)[] = [];
      // 1. Rows whose lease ran out, whatever the campaign's state.
      const expired = [...c.live]
        .map((p) => c.entries[p]!)
        .filter((r) => r.leaseUntil !== null && r.leaseUntil <= now)
        .sort((a, b) => a.leaseUntil! - b.leaseUntil! || byId(a.id, b.id));
      for (const row of expired.slice(0, limit)) {
        const next = claim(row, now, workerId, leaseUntil);
        put(c, next);
        calls.push(copy(next));
        slots.push(null);
      }
      let nextSlotAt: number | null = options.budget ? c.row.nextSlotAt : null;
      if (c.row.state === 'running') {
        let room = Math.min(
          limit - calls.length,
          c.row.concurrency - taken(c, now, options.holdMs),
        );
        const budget = options.budget;
        let slot = budget ? Math.max(c.row.nextSlotAt, now) : 0;
        if (budget) {
          const fit =
            slot > now + budget.horizonMs
              ? 0
              : Math.floor((now + budget.horizonMs - slot) / budget.intervalMs) + 1;
          room = Math.min(room, fit);
        }
        // Due entries in list order: the waiting ones (retries) and the fresh ones merged.
        const waiting = [...c.waiting]
          .filter((p) => c.entries[p]!.dueAt <= now)
          .sort((a, b) => a - b);
        let w = 0;
        while (room > 0) {
          let position: number | undefined;
          const nextWaiting = waiting[w];
          if (nextWaiting !== undefined && nextWaiting < c.fresh) {
            position = nextWaiting;
            w += 1;
          } else {
            while (c.fresh < c.entries.length && c.entries[c.fresh]!.status !== 'scheduled') {
              c.fresh += 1;
            }
            if (c.fresh >= c.entries.length || c.entries[c.fresh]!.dueAt > now) {
              if (nextWaiting === undefined) break;
              position = nextWaiting;
              w += 1;
            } else {
              position = c.fresh;
              c.fresh += 1;
            }
          }
          const next = claim(c.entries[position]!, now, workerId, leaseUntil);
          put(c, next);
          calls.push(copy(next));
          if (budget) {
            slots.push(slot);
            slot += budget.intervalMs;
          } else slots.push(null);
          room -= 1;
        }
        if (budget && slots.some((s) => s !== null)) {
          c.row = {
            ...c.row,
            nextSlotAt: slot,
            updatedAt: now,
            version: c.row.version + 1,
          };
          nextSlotAt = slot;
        }
      }
      return {
        campaign: copyCampaign(c.row),
        calls,
        slots,
        taken: taken(c, now, options.holdMs),
        nextSlotAt,
      };
    },

    async nextCampaignWake(id, now, holdMs) {
      const c = campaignOf(id);
      if (!c) return null;
      let next = Infinity;
      for (const p of c.live) {
        const lease = c.entries[p]!.leaseUntil;
        if (lease !== null) next = Math.min(next, lease);
      }
      for (const p of c.waiting) {
        const due = c.entries[p]!.dueAt;
        if (due > now) next = Math.min(next, due);
      }
      for (let p = c.fresh; p < c.entries.length; p += 1) {
        const row = c.entries[p]!;
        if (row.status === 'scheduled' && row.dueAt > now) {
          next = Math.min(next, row.dueAt);
          break;
        }
        if (row.status === 'scheduled') break;
      }
      for (const p of c.unknown) {
        const end = c.entries[p]!.placingAt! + holdMs;
        if (end > now) next = Math.min(next, end);
      }
      return next === Infinity ? null : next;
    },

    async listCampaignCalls(id, query) {
      const c = campaignOf(id);
      if (!c) return [];
      const from = query.afterPosition == null ? 0 : query.afterPosition + 1;
      const result: StoredCall[] = [];
      if (query.status && query.status.every((s) => CLAIMED.has(s))) {
        // Live rows only: the campaign's live set, not its list.
        const positions = [...c.live].filter((p) => p >= from).sort((a, b) => a - b);
        for (const p of positions) {
          const row = c.entries[p]!;
          if (query.status.includes(row.status)) result.push(copy(row));
          if (result.length >= query.limit) break;
        }
        return result;
      }
      for (let p = Math.max(0, from); p < c.entries.length && result.length < query.limit; p += 1) {
        const row = c.entries[p];
        if (row && (!query.status || query.status.includes(row.status))) result.push(copy(row));
      }
      return result;
    },

    async countCampaign(id) {
      const c = campaignOf(id);
      const result: Record<string, number> = {};
      for (const row of c?.entries ?? []) result[row.status] = (result[row.status] ?? 0) + 1;
      return result;
    },

    async close() {
      campaigns = null;
      rows.clear();
      byProviderId.clear();
      await inner.close();
    },
  };
}
