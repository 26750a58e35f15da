/**
 * The way in of a status, on memory, SQLite and PostgreSQL: 2,000 calls in flight (`--quick`:
 * 500), each told `ringing`, `answered` and `completed`, 50 statuses in flight, through:
 * - `scheduler.handleStatus` alone (the floor: a program with scheduled calls only);
 * - the earlier demo's way: `campaigns.handleStatus` (a look-up; not a campaign's call), then
 *   `scheduler.handleStatus`;
 * - `createCallCenter`'s `handleStatus`: one look-up, the owner remembered for the statuses
 *   after it, then the scheduler's;
 * - the same, for calls that center placed itself (their owner and row known: no look-up).
 * Statuses per second and this process's CPU per status: each way once to warm up, then three
 * times, alternated; every call is checked `completed` after its run.
 *
 *   pnpm --filter @ringkit/bench exec node --import tsx scheduler/status-route.ts [--quick]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallProvider, CallStatus, CallStatusEvent } from '@ringkit/call-client';
import * as dialer from '@ringkit/dialer';
import { createScheduler, type Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import { storedCall } from '@ringkit/scheduler-core/testing';
import pg from 'pg';
import { POSTGRES_URL, postgresReachable } from '../_server.js';
import { fmt, quick, table } from '../_stats.js';

const CALLS = quick ? 500 : 2_000;
const IN_FLIGHT = 50;
const ROUNDS = 3;
const STATUSES: CallStatus[] = ['ringing', 'answered', 'completed'];
const CALLER = '+14155550100';

const provider: CallProvider = {
  name: 'bench',
  capabilities: { polling: false, webhooks: true },
  placeCall: async () => {
    throw new Error('nothing is placed here');
  },
};

type Way =
  'scheduler alone' | 'campaigns, then scheduler' | 'call center' | 'call center, calls it placed';
// Code from before the call center runs the first two (the bench is run on both, alternately).
const { createCampaigns } = dialer;
const createCallCenter = (dialer as Partial<typeof dialer>).createCallCenter;
const WAYS: Way[] = createCallCenter
  ? ['scheduler alone', 'campaigns, then scheduler', 'call center', 'call center, calls it placed']
  : ['scheduler alone', 'campaigns, then scheduler'];

/** `CALLS` calls in flight, their provider ids `<tag>-<i>`. */
async function inFlight(store: Store, tag: string) {
  const now = Date.now();
  for (let i = 0; i < CALLS; i += 500) {
    await store.insertMany!(
      Array.from({ length: Math.min(500, CALLS - i) }, (_, j) =>
        storedCall({
          id: `${tag}-${i + j}`,
          to: `+1415555${String(1000 + ((i + j) % 9000)).padStart(4, '0')}`,
          dueAt: now,
          createdAt: now,
          updatedAt: now,
          status: 'initiated',
          attempt: 1,
          provider: 'bench',
          providerCallId: `${tag}-${i + j}`,
          placingAt: now,
        }),
      ),
    );
  }
}

/** Sends every status, `IN_FLIGHT` at a time, each call's in order: statuses/s and CPU µs each. */
async function send(handle: (event: CallStatusEvent) => Promise<unknown>, tag: string) {
  const events: CallStatusEvent[][] = Array.from({ length: CALLS }, (_, i) =>
    STATUSES.map((status) => ({
      callId: `${tag}-${i}`,
      status,
      providerStatus: status,
      at: new Date(),
      provider: 'bench',
    })),
  );
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= CALLS) return;
      for (const event of events[i]!) await handle(event);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const count = CALLS * STATUSES.length;
  return { perS: count / (ms / 1000), cpuUs: (used.user + used.system) / count };
}

/** Every call of `tag` ended `completed`: the statuses were applied, not only read. */
async function checkApplied(store: Store, tag: string) {
  for (let i = 0; i < CALLS; i += Math.max(1, Math.floor(CALLS / 50))) {
    const row = await store.findByProviderCallId('bench', `${tag}-${i}`);
    if (row?.status !== 'completed') throw new Error(`${tag}-${i} is ${row?.status}`);
  }
}

async function run(store: Store, way: Way, tag: string) {
  const result = await runOnce(store, way, tag);
  await checkApplied(store, tag);
  return result;
}

/**
 * `CALLS` calls placed by a call center through a provider that answers `<tag>-<i>` at once;
 * resolves with the center once every one is `initiated` (its statuses are then measured).
 */
async function placedBy(store: Store, tag: string) {
  const ids = new Map<string, string>();
  const placing: CallProvider = {
    ...provider,
    placeCall: async ({ to }) => ({
      id: ids.get(to)!,
      status: 'initiated',
      providerStatus: 'queued',
      raw: {},
    }),
  };
  const center = createCallCenter!({
    store,
    provider: placing,
    callerId: CALLER,
    scheduler: { concurrency: 50 },
  });
  await center.start();
  const at = new Date();
  const inputs = Array.from({ length: CALLS }, (_, i) => {
    const to = `+1415555${String(1000 + i).padStart(4, '0')}`;
    ids.set(to, `${tag}-${i}`);
    return { to, at };
  });
  for (let i = 0; i < CALLS; i += 500) {
    await center.scheduler.scheduleMany(inputs.slice(i, i + 500));
  }
  for (;;) {
    const counts = await center.scheduler.counts();
    if (counts.initiated === CALLS) return center;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function runOnce(store: Store, way: Way, tag: string) {
  if (way === 'call center, calls it placed') {
    const center = await placedBy(store, tag);
    const result = await send((e) => center.handleStatus(e), tag);
    await center.stop();
    return result;
  }
  await inFlight(store, tag);
  if (way === 'scheduler alone') {
    const scheduler = createScheduler({ store, provider, callerId: CALLER });
    const result = await send((e) => scheduler.handleStatus(e), tag);
    await scheduler.stop();
    return result;
  }
  if (way === 'campaigns, then scheduler') {
    const scheduler = createScheduler({ store, provider, callerId: CALLER });
    const campaigns = createCampaigns({ store, provider, callerId: CALLER });
    const result = await send(async (e) => {
      if (!(await campaigns.handleStatus(e))) await scheduler.handleStatus(e);
    }, tag);
    await Promise.all([scheduler.stop(), campaigns.close()]);
    return result;
  }
  const center = createCallCenter!({ store, provider, callerId: CALLER });
  const result = await send((e) => center.handleStatus(e), tag);
  await center.stop();
  return result;
}

const dir = mkdtempSync(join(tmpdir(), 'ringkit-bench-status-'));
const schemas: string[] = [];
const stores: [string, () => Promise<Store>][] = [
  ['memory', async () => createMemoryStore()],
  ['sqlite', async () => createSqliteStore({ path: join(dir, 'status.db') })],
];
if (await postgresReachable(POSTGRES_URL)) {
  stores.push([
    'postgres',
    async () => {
      const schema = `bench_status_${process.pid}`;
      schemas.push(schema);
      const store = createPostgresStore({ connectionString: POSTGRES_URL }, { schema });
      await store.ready();
      return store;
    },
  ]);
} else {
  console.log(`PostgreSQL at ${POSTGRES_URL} cannot be reached: left out`);
}

const rows: Record<string, string>[] = [];
try {
  for (const [name, create] of stores) {
    const store = await create();
    const got = new Map<Way, { perS: number[]; cpuUs: number[] }>();
    for (const way of WAYS) await run(store, way, `warm${WAYS.indexOf(way)}`);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const way of WAYS) {
        const r = await run(store, way, `${WAYS.indexOf(way)}r${round}`);
        const kept = got.get(way) ?? { perS: [], cpuUs: [] };
        kept.perS.push(r.perS);
        kept.cpuUs.push(r.cpuUs);
        got.set(way, kept);
      }
    }
    await store.close();
    const floor = got.get('scheduler alone')!;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const way of WAYS) {
      const r = got.get(way)!;
      rows.push({
        store: name,
        way,
        [`statuses/s (${ROUNDS} runs)`]: r.perS
          .map((x) => Math.round(x).toLocaleString('en'))
          .join(', '),
        'CPU µs/status': r.cpuUs.map((x) => fmt(x, 0)).join(', '),
        'CPU / scheduler alone, medians': `${fmt(median(r.cpuUs) / median(floor.cpuUs))}×`,
      });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (schemas.length > 0) {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

console.log(
  `\n${CALLS.toLocaleString('en')} calls in flight, ${STATUSES.length} statuses each, ${IN_FLIGHT} in flight\n`,
);
table(rows);
