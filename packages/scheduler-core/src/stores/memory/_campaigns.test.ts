import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  claimedStatus,
  IN_FLIGHT_STATUSES,
  type CampaignClaim,
  type CampaignState,
  type SendBudget,
  type StoredCall,
  type StoredCallPatch,
  type StoredCampaign,
} from '../../store.js';
import { storedCall, storedCampaign, testStore } from '../../testing/store-contract.js';
import { SCHEDULED_CALL_STATUSES, type ScheduledCallStatus } from '../../types.js';
import { createTunedMemoryStore, DEFAULT_TUNING, type MemoryTuning } from './_store.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const LEASE = 30_000;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const TAKING: readonly ScheduledCallStatus[] = ['queued', ...IN_FLIGHT_STATUSES];

// Tiny chunks reach every split and merge of the campaign's orders.
testStore({
  name: 'memory (tiny chunks)',
  create: () => createTunedMemoryStore({ chunk: 2, recycleAt: 1, heapSlack: 2 }),
});

/**
 * The rules of the campaign methods, read straight from the `Store` contract over a plain array
 * of rows: what the memory store's orders must answer, whatever their state.
 */
class Model {
  rows: StoredCall[];
  campaign: StoredCampaign;

  constructor(campaign: StoredCampaign, rows: StoredCall[]) {
    this.campaign = { ...campaign };
    this.rows = rows.map((row) => ({ ...row }));
  }

  private held(row: StoredCall, now: number, holdMs: number) {
    return (
      row.status === 'failed' &&
      row.reason === 'outcome_unknown' &&
      row.placingAt !== null &&
      row.placingAt > now - holdMs
    );
  }

  taken(now: number, holdMs: number): number {
    return this.rows.filter((r) => TAKING.includes(r.status) || this.held(r, now, holdMs)).length;
  }

  claim(
    now: number,
    limit: number,
    worker: string,
    holdMs: number,
    budget: SendBudget | undefined,
  ): CampaignClaim {
    const claim = (row: StoredCall) => {
      Object.assign(row, {
        status: claimedStatus(row.status),
        leaseOwner: worker,
        leaseUntil: now + LEASE,
        updatedAt: now,
        version: row.version + 1,
      });
      return { ...row };
    };
    const adopted = this.rows
      .filter((r) => TAKING.includes(r.status) && r.leaseUntil !== null && r.leaseUntil <= now)
      .sort((a, b) => a.leaseUntil! - b.leaseUntil! || cmp(a.id, b.id))
      .slice(0, Math.max(0, limit));
    const calls = adopted.map(claim);
    const slots: (number | null)[] = calls.map(() => null);
    const start = budget ? Math.max(this.campaign.nextSlotAt, now) : 0;
    let sent = 0;
    if (this.campaign.state === 'running') {
      let room = Math.min(
        limit - calls.length,
        this.campaign.concurrency - this.taken(now, holdMs),
      );
      if (budget) {
        const horizon = now + budget.horizonMs;
        room = Math.min(
          room,
          start > horizon ? 0 : Math.floor((horizon - start) / budget.intervalMs) + 1,
        );
      }
      const fresh = this.rows
        .filter((r) => r.status === 'scheduled' && r.dueAt <= now)
        .sort((a, b) => a.position! - b.position!)
        .slice(0, Math.max(0, room));
      for (const row of fresh) {
        const sends = budget !== undefined && row.placingAt === null;
        calls.push(claim(row));
        slots.push(sends ? start + sent++ * budget.intervalMs : null);
      }
      if (budget && sent > 0) {
        this.campaign = {
          ...this.campaign,
          nextSlotAt: start + sent * budget.intervalMs,
          updatedAt: now,
          version: this.campaign.version + 1,
        };
      }
    }
    return {
      campaign: { ...this.campaign },
      calls,
      slots,
      taken: this.taken(now, holdMs),
      nextSlotAt: budget ? start + sent * budget.intervalMs : null,
    };
  }

  nextWake(now: number, holdMs: number): number | null {
    const times = this.rows.flatMap((r) => {
      if (TAKING.includes(r.status) && r.leaseUntil !== null) return [r.leaseUntil];
      if (r.status === 'scheduled' && r.dueAt > now) return [r.dueAt];
      if (this.held(r, now, holdMs)) return [r.placingAt! + holdMs];
      return [];
    });
    return times.length === 0 ? null : Math.min(...times);
  }

  calls(statuses: ScheduledCallStatus[] | undefined, after: number | null): StoredCall[] {
    return this.rows
      .filter(
        (r) =>
          (statuses === undefined || statuses.includes(r.status)) && r.position! > (after ?? -1),
      )
      .sort((a, b) => a.position! - b.position!);
  }

  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of this.rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
    return counts;
  }
}

const status = fc.constantFrom(...SCHEDULED_CALL_STATUSES);
/** An entry as stored at first: its status, due time, lease and placement, in ms from T0. */
const initial = fc.record({
  status: fc.oneof(
    { weight: 3, arbitrary: fc.constant('scheduled' as const) },
    { weight: 2, arbitrary: status },
  ),
  due: fc.integer({ min: -1000, max: 20_000 }),
  lease: fc.option(fc.integer({ min: -1000, max: 40_000 }), { nil: null }),
  placing: fc.option(fc.integer({ min: -20_000, max: 0 }), { nil: null }),
  unknown: fc.boolean(),
  created: fc.integer({ min: 0, max: 3 }),
});
const budget = fc.option(
  fc.record({
    intervalMs: fc.integer({ min: 1, max: 800 }),
    horizonMs: fc.integer({ min: 0, max: 3000 }),
  }),
  { nil: undefined },
);
const op = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      limit: fc.integer({ min: 0, max: 5 }),
      budget,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      index: fc.nat(),
      change: fc.constantFrom('complete', 'retry', 'unknown', 'ring', 'unfollow', 'renew'),
      delay: fc.integer({ min: 0, max: 15_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('campaign' as const),
      state: fc.constantFrom<CampaignState>('running', 'paused', 'stopped'),
      concurrency: fc.integer({ min: 0, max: 6 }),
    }),
  },
);
/** Time between two steps; now and then backwards (another clock, a fake one rewound). */
const step = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 6000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -3000, max: 0 }) },
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
type Initial = typeof initial extends fc.Arbitrary<infer T> ? T : never;

/** The write a step makes to a row, from what it is (`null`: none fits). */
function writeOf(
  row: StoredCall,
  change: string,
  now: number,
  delay: number,
): StoredCallPatch | null {
  const leased = TAKING.includes(row.status);
  switch (change) {
    case 'complete':
      return { status: 'completed', leaseOwner: null, leaseUntil: null, updatedAt: now };
    case 'retry':
      return {
        status: 'scheduled',
        dueAt: now + delay,
        attempt: row.attempt + 1,
        leaseOwner: null,
        leaseUntil: null,
        placingAt: null,
      };
    case 'unknown':
      return leased
        ? {
            status: 'failed',
            reason: 'outcome_unknown',
            placingAt: now - delay,
            leaseOwner: null,
            leaseUntil: null,
          }
        : null;
    case 'ring':
      return leased
        ? { status: 'ringing', placingAt: row.placingAt ?? now, leaseUntil: now + delay }
        : null;
    case 'unfollow':
      return leased ? { leaseOwner: null, leaseUntil: null } : null;
    default:
      return leased ? { leaseUntil: now + delay } : null;
  }
}

async function run(
  tuning: MemoryTuning,
  entries: Initial[],
  concurrency: number,
  holdMs: number,
  steps: [Op, number][],
) {
  const store = createTunedMemoryStore(tuning);
  const rows = entries.map((e, position) => {
    const leased = TAKING.includes(e.status);
    return storedCall({
      // Ids in another order than the list's.
      id: `e${(position * 7) % 17}`,
      campaign: 'c',
      position,
      status: e.status,
      dueAt: T0 + e.due,
      createdAt: T0 + e.created,
      leaseOwner: leased && e.lease !== null ? 'w0' : null,
      leaseUntil: leased && e.lease !== null ? T0 + e.lease : null,
      placingAt: e.placing === null ? null : T0 + e.placing,
      reason: e.status === 'failed' && e.unknown ? 'outcome_unknown' : null,
    });
  });
  const campaign = storedCampaign({ id: 'c', concurrency, total: rows.length });
  await store.insertCampaign!(campaign, [...rows].reverse());
  // The scheduler's own row and another campaign's: never in this campaign's answers.
  await store.insert(storedCall({ id: 'own', dueAt: T0 - 5000 }));
  await store.insertCampaign!(storedCampaign({ id: 'd', concurrency: 9, total: 1 }), [
    storedCall({ id: 'd0', campaign: 'd', position: 0, dueAt: T0 - 5000 }),
  ]);
  const model = new Model(campaign, rows);
  let now = T0;
  for (const [[o, dt], i] of steps.map((s, i) => [s, i] as const)) {
    now += dt;
    if (o.kind === 'claim') {
      const options = { holdMs, ...(o.budget ? { budget: o.budget } : {}) };
      const got = await store.claimCampaign!('c', now, o.limit, `w${i}`, now + LEASE, options);
      expect(got).toEqual(model.claim(now, o.limit, `w${i}`, holdMs, o.budget));
    } else if (o.kind === 'write') {
      if (rows.length === 0) continue;
      const row = model.rows[o.index % rows.length]!;
      const patch = writeOf(row, o.change, now, o.delay);
      if (!patch) continue;
      const written = await store.update(row.id, row.version, patch);
      Object.assign(row, patch, { version: row.version + 1 });
      expect(written).toEqual(row);
    } else {
      const patch = { state: o.state, concurrency: o.concurrency };
      const written = await store.updateCampaign!('c', model.campaign.version, patch);
      model.campaign = { ...model.campaign, ...patch, version: model.campaign.version + 1 };
      expect(written).toEqual(model.campaign);
    }
    expect(await store.nextCampaignWake!('c', now, holdMs)).toBe(model.nextWake(now, holdMs));
    const asked =
      i % 3 === 0 ? undefined : SCHEDULED_CALL_STATUSES.filter((_, k) => (k + i) % 3 !== 0);
    const after = i % 4 === 0 || rows.length === 0 ? null : (i % rows.length) - 1;
    const query = { afterPosition: after, limit: 3, ...(asked ? { status: asked } : {}) };
    expect(await store.listCampaignCalls!('c', query)).toEqual(
      model.calls(asked, after).slice(0, 3),
    );
    expect(await store.countCampaign!('c')).toEqual(model.counts());
  }
  expect((await store.list({ campaign: 'c', limit: 100 })).items).toEqual(
    [...model.rows].sort((a, b) => a.createdAt - b.createdAt || cmp(a.id, b.id)),
  );
  expect(await store.get('own')).toMatchObject({ status: 'scheduled', version: 1 });
  expect(await store.get('d0')).toMatchObject({ status: 'scheduled', version: 1 });
  await store.close();
}

describe('memory store campaigns (property)', () => {
  const tunings: [string, MemoryTuning][] = [
    ['tiny chunks', { chunk: 2, recycleAt: 1, heapSlack: 2 }],
    ['default sizes', DEFAULT_TUNING],
  ];
  for (const [name, tuning] of tunings) {
    it(`claims, wakes, pages and counts as the contract's rules over plain rows (${name})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(initial, { maxLength: 14 }),
          fc.integer({ min: 0, max: 5 }),
          fc.integer({ min: 0, max: 12_000 }),
          fc.array(fc.tuple(op, step), { maxLength: 40, size: 'max' }),
          (entries, concurrency, holdMs, steps) => run(tuning, entries, concurrency, holdMs, steps),
        ),
        { numRuns: 150 },
      );
    });
  }
});
