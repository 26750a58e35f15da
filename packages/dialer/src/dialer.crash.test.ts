/**
 * Durable dialer processes killed with SIGKILL mid-list, against the practice-API simulator run
 * in this process (so calls go on ringing at the provider while a worker dies, and every call it
 * created is known): a SQLite file dialed by one process at a time, killed and resumed a few
 * times (polling flavour: calls a dead worker followed are adopted by the next), and a PostgreSQL
 * campaign worked by three processes, one killed (webhook flavour: each webhook goes to a living
 * worker picked at random). Each run draws its kill points from a seed, printed with any failure;
 * `CRASH_SEED=<n>` replays one.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store, StoredCall } from '@ringkit/scheduler-core';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import { describe, expect, it } from 'vitest';
import {
  descents,
  dropSchema,
  holdSharedDatabaseLock,
  maxOverlap,
  overtaken,
  seeded,
  startLedgerSimulator,
  startWebhookRouter,
  startWorker,
  within,
  type CrashWorker,
  type LedgerCall,
} from '../test/crash-harness.js';
import type { CrashWorkerConfig } from '../test/crash-worker.js';
import { TEST_DATABASE_URL } from '../test/stores.js';

const CAMPAIGN = 'crash';
const TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
const OUTCOMES = { completed: 6, busy: 2, 'no-answer': 1, failed: 1 };
/**
 * Calls last 100–450 ms at the provider (two or three steps), long enough to go on ringing while
 * the next worker starts; a POST is answered 20 ms after its call exists.
 */
const SIMULATOR = {
  stepMs: [50, 150] as [number, number],
  responseDelayMs: 20,
  outcomes: OUTCOMES,
};
/** Far above the longest call: a call never outlives the place it holds under the cap. */
const CALL_TIMEOUT_MS = 5000;
/**
 * Long beside any stall of a living worker (renewed every third of it), short enough for the
 * next worker to take over a dead one's entries soon.
 */
const LEASE_MS = 3000;

const numbersFrom = (first: number, count: number) =>
  Array.from({ length: count }, (_, i) => `+1415555${first + i}`);

const seedOf = () => Number(process.env.CRASH_SEED ?? randomInt(2 ** 31));

async function campaignRows(store: Store): Promise<StoredCall[]> {
  return store.listCampaignCalls!(CAMPAIGN, { limit: 10_000 });
}

/** What a dead worker left in the store: rows it held `queued`, marked (sent?) or not. */
function leftBy(rows: StoredCall[], workerId: string) {
  const held = rows.filter((r) => r.status === 'queued' && r.leaseOwner === workerId);
  return {
    /** The request may have left: the outcome is unknown. */
    marked: held.filter((r) => r.placingAt !== null).map((r) => r.id),
    /** Claimed, never marked: placed by another worker once the lease runs out. */
    unmarked: held.filter((r) => r.placingAt === null).map((r) => r.id),
  };
}

const countBy = (items: string[]) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
};

/** Numbers the provider rang more than once: its calls, who invoked placeCall, the row's steps. */
function rungTwice(calls: LedgerCall[], rows: StoredCall[], workers: CrashWorker[]) {
  const rings = countBy(calls.map((c) => c.phone));
  return [...rings]
    .filter(([, n]) => n > 1)
    .map(([phone]) => ({
      phone,
      calls: calls.filter((c) => c.phone === phone),
      placedBy: workers.flatMap((w) => w.placing.filter((to) => to === phone).map(() => w.id)),
      steps: rows.find((r) => r.to === phone)?.events,
    }));
}

/**
 * Numbers claimed more than once (a lease ran out, and a worker adopted the entry out of turn),
 * as the workers reported their claims, and those a dead worker left claimed, marked or not
 * (`left`, row ids): the next worker adopts them out of turn, and the dead worker's report of
 * its own claim may not have reached the test.
 */
function outOfTurn(workers: CrashWorker[], rows: StoredCall[], left: string[]): Set<string> {
  const claims = countBy(workers.flatMap((w) => w.claimed));
  return new Set([
    ...[...claims].filter(([, n]) => n > 1).map(([to]) => to),
    ...rows.filter((r) => left.includes(r.id)).map((r) => r.to),
  ]);
}

/** Each worker's error events, each message once with how many times it came. */
const errorsOf = (workers: CrashWorker[]) =>
  JSON.stringify(workers.map((w) => [w.id, Object.fromEntries(countBy(w.errors))]));

/** Ends every worker still running (a failed test), and waits for them to exit. */
async function killAll(workers: CrashWorker[]) {
  for (const worker of workers) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.kill();
  }
  await Promise.all(workers.map((w) => w.exited));
}

describe('durable dialer processes killed with SIGKILL', () => {
  it('SQLite, polling provider: killed mid-list three times and resumed on the same file, every number is rung at most once, in order, under the cap', async () => {
    const seed = seedOf();
    const random = seeded(seed);
    const numbers = numbersFrom(1000, 30);
    const position = new Map(numbers.map((n, i) => [n, i]));
    const dir = mkdtempSync(join(tmpdir(), 'ringkit-dialer-crash-'));
    const path = join(dir, 'campaign.db');
    // The test's own view of the file (migrated before any worker opens it).
    const store = createSqliteStore({ path });
    const sim = await startLedgerSimulator({ flavour: 'polling', seed, ...SIMULATOR });
    const workers: CrashWorker[] = [];
    const kills: {
      worker: string;
      mode: string;
      after: number;
      marked: string[];
      unmarked: string[];
      /** The number whose POST reached the provider at the kill (`on-post`). */
      rang: string | null;
    }[] = [];
    const context = () =>
      `seed ${seed}; kills ${JSON.stringify(kills)}; errors ${errorsOf(workers)}`;
    try {
      const base: Omit<CrashWorkerConfig, 'workerId'> = {
        store: { kind: 'sqlite', path },
        flavour: 'polling',
        simulatorUrl: sim.simulator.url,
        campaign: CAMPAIGN,
        concurrency: 3,
        callTimeoutMs: CALL_TIMEOUT_MS,
        leaseMs: LEASE_MS,
        watchIntervalMs: 40,
        refreshIntervalMs: 100,
      };
      // Killed as a POST reaches the provider (its answer not sent yet), as placeCall is invoked
      // (the request leaving, or about to), and at a random moment after a placement.
      const modes = ['on-post', 'on-placing', 'after-post'];
      const shift = random.int(0, modes.length - 1);
      const plan = modes.map((_, i) => modes[(i + shift) % modes.length]!);
      // Every worker loaded up front, each started the moment its predecessor is killed: the
      // dead one's calls still ring while the next one dials. The list is given again by every
      // other worker, left out (joining the campaign as stored) by the rest.
      for (let round = 0; round <= plan.length; round++) {
        workers.push(
          startWorker({
            ...base,
            workerId: `w${round}`,
            ...(round % 2 === 0 ? { numbers } : {}),
            waitForGo: true,
          }),
        );
      }
      await within(
        Promise.all(workers.map((w) => w.loaded)),
        45_000,
        'the workers to load',
        workers,
      );
      workers[0]!.go();
      for (const [round, mode] of plan.entries()) {
        const worker = workers[round]!;
        const successor = workers[round + 1]!;
        const after = random.int(2, 5);
        let rang: string | null = null;
        const killed = new Promise<void>((resolve) => {
          let seen = 0;
          const kill = () => {
            worker.kill();
            successor.go();
            resolve();
          };
          if (mode === 'on-placing') {
            worker.onMessage = (m) => {
              if (m.type === 'placing' && ++seen === after) kill();
            };
            return;
          }
          sim.ledger.onCreated = (call) => {
            if (++seen !== after) return;
            if (mode === 'on-post') {
              rang = call.phone;
              kill();
            } else {
              setTimeout(kill, random.int(0, 250));
            }
          };
        });
        const early = worker.drained.then(() => {
          throw new Error(`worker w${round} drained before its kill`);
        });
        await within(
          Promise.race([killed, early]),
          45_000,
          () => `round ${round}'s kill (${context()})`,
          workers,
        );
        sim.ledger.onCreated = undefined;
        worker.onMessage = undefined;
        await worker.exited;
        // Read before the dead worker's leases run out: what it held is still as it left it.
        kills.push({
          worker: worker.id,
          mode,
          after,
          rang,
          ...leftBy(await campaignRows(store), worker.id),
        });
      }
      const last = workers.at(-1)!;
      await within(last.drained, 45_000, () => `the last worker to drain (${context()})`, workers);
      const entries = await within(last.stop(), 20_000, 'the last worker to stop');
      const rows = await campaignRows(store);
      expect(
        rows.map((r) => r.to),
        context(),
      ).toEqual(numbers);

      // No number rung twice, and only numbers of the list.
      expect(rungTwice(sim.ledger.calls, rows, workers), context()).toEqual([]);
      expect(
        sim.ledger.calls.filter((c) => !position.has(c.phone)),
        context(),
      ).toEqual([]);

      // List order: each process claimed and placed in increasing positions, and so did the next
      // one, except entries claimed again once a lease ran out (those a dead worker left claimed
      // come back to the next one out of turn).
      const again = outOfTurn(
        workers,
        rows,
        kills.flatMap((k) => [...k.marked, ...k.unmarked]),
      );
      for (const seen of ['claimed', 'placing'] as const) {
        const order = workers.flatMap((w) => w[seen]).filter((to) => !again.has(to));
        expect(descents(order.map((to) => position.get(to)!)), `${seen}; ${context()}`).toEqual([]);
      }
      const arrived = sim.ledger.calls.map((c) => position.get(c.phone)!);
      expect(overtaken(arrived).worst, context()).toBeLessThanOrEqual(2);

      // Never more than `concurrency` calls live at the provider, those a dead worker left
      // ringing included.
      const intervals = await sim.intervals();
      expect(maxOverlap(intervals).max, context()).toBeLessThanOrEqual(3);

      // Every entry ended; `outcome_unknown` exactly for the entries whose request may have left
      // from a worker that died before it recorded the answer.
      expect(
        rows.filter((r) => !TERMINAL.has(r.status)),
        context(),
      ).toEqual([]);
      const marked = new Set(kills.flatMap((k) => k.marked));
      const unknown = rows.filter((r) => r.reason === 'outcome_unknown').map((r) => r.id);
      expect(unknown.sort(), context()).toEqual([...marked].sort());
      const calls = new Map(sim.ledger.calls.map((c) => [c.phone, c]));
      for (const row of rows) {
        if (marked.has(row.id)) {
          expect(row.status, context()).toBe('failed');
          expect(row.providerCallId, context()).toBeNull();
          continue;
        }
        // Known outcomes are the provider's own: followed by polling in whichever process.
        const call = calls.get(row.to);
        expect(call, `${row.to} never reached the provider; ${context()}`).toBeDefined();
        expect([row.providerCallId, row.status], `${row.to}; ${context()}`).toEqual([
          call!.id,
          call!.outcome,
        ]);
      }
      // The kill as a POST reached the provider left a call ringing whose outcome is unknown.
      const onPost = kills.find((k) => k.mode === 'on-post')!;
      expect(onPost.rang, context()).not.toBeNull();
      expect(marked.has(rows.find((r) => r.to === onPost.rang)!.id), context()).toBe(true);
      expect(kills).toHaveLength(3);

      // The resumed process's snapshot shows what the store holds.
      expect(
        entries.map((e) => [e.phone, e.status, e.endedAt !== null]),
        context(),
      ).toEqual(rows.map((r) => [r.to, r.status, true]));

      // History: one record per entry (each was placed, or its request may have left).
      for (const row of rows) {
        const history = await store.listCallLog({ phone: row.to, limit: 10 });
        expect(
          history.items.map((h) => [h.status, h.outcomeUnknown === true]),
          `history of ${row.to}; ${context()}`,
        ).toEqual([[row.status, marked.has(row.id)]]);
      }
    } finally {
      await killAll(workers);
      await sim.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  const withDatabase = TEST_DATABASE_URL || process.env.CI ? it : it.skip;
  withDatabase(
    'PostgreSQL, webhook provider: three workers on one campaign, one killed as its POST reaches the provider; the other two finish the list',
    async () => {
      if (!TEST_DATABASE_URL) {
        throw new Error(
          'TEST_DATABASE_URL is required in CI: the PostgreSQL crash test did not run',
        );
      }
      const url = TEST_DATABASE_URL;
      const seed = seedOf();
      const random = seeded(seed);
      const numbers = numbersFrom(2000, 60);
      const position = new Map(numbers.map((n, i) => [n, i]));
      const release = await holdSharedDatabaseLock(url);
      const schema = `dialer_crash_${randomBytes(5).toString('hex')}`;
      const store = createPostgresStore({ connectionString: url, max: 2 }, { schema });
      const workers: CrashWorker[] = [];
      let sim: Awaited<ReturnType<typeof startLedgerSimulator>> | undefined;
      let router: Awaited<ReturnType<typeof startWebhookRouter>> | undefined;
      let victim: CrashWorker | undefined;
      const left = { marked: [] as string[], unmarked: [] as string[] };
      const context = () =>
        `seed ${seed}; victim ${victim?.id}; left ${JSON.stringify(left)}; errors ${errorsOf(workers)}`;
      try {
        await store.ready();
        sim = await startLedgerSimulator({ flavour: 'webhook', seed, ...SIMULATOR });
        router = await startWebhookRouter({ workers: () => workers, random: random.next });
        for (const id of ['a', 'b', 'c']) {
          workers.push(
            startWorker({
              workerId: id,
              store: { kind: 'postgres', url, schema },
              flavour: 'webhook',
              simulatorUrl: sim.simulator.url,
              // The path names the worker that placed the call; the router ignores it.
              webhookUrl: `${router.url}/hooks/${id}`,
              campaign: CAMPAIGN,
              numbers,
              concurrency: 4,
              callTimeoutMs: CALL_TIMEOUT_MS,
              leaseMs: LEASE_MS,
              watchIntervalMs: 40,
              refreshIntervalMs: 100,
            }),
          );
        }
        const after = random.int(15, 30);
        let rang: string | undefined;
        const killed = new Promise<void>((resolve) => {
          let seen = 0;
          sim!.ledger.onCreated = (call) => {
            if (++seen !== after) return;
            victim = workers.find((w) => call.webhookUrl?.endsWith(`/hooks/${w.id}`));
            rang = call.phone;
            victim?.kill();
            resolve();
          };
        });
        await within(
          killed,
          45_000,
          () => `the kill (${sim?.ledger.calls.length} calls; ${context()})`,
          workers,
        );
        sim.ledger.onCreated = undefined;
        expect(victim, context()).toBeDefined();
        await victim!.exited;
        Object.assign(left, leftBy(await campaignRows(store), victim!.id));
        const survivors = workers.filter((w) => w !== victim);
        await within(
          Promise.all(survivors.map((w) => w.drained)),
          45_000,
          () => `the survivors to drain (${context()})`,
          workers,
        );
        const snapshots = await within(
          Promise.all(survivors.map((w) => w.stop())),
          20_000,
          'the survivors to stop',
        );
        const rows = await campaignRows(store);
        expect(
          rows.map((r) => r.to),
          context(),
        ).toEqual(numbers);

        expect(rungTwice(sim.ledger.calls, rows, workers), context()).toEqual([]);
        expect(
          sim.ledger.calls.filter((c) => !position.has(c.phone)),
          context(),
        ).toEqual([]);

        // List order: in each process (entries claimed again once a lease ran out aside), and
        // across them (a lower entry placed after a higher one was claimed, live under the cap,
        // when the higher one was placed).
        const again = outOfTurn(workers, rows, [...left.marked, ...left.unmarked]);
        for (const worker of workers) {
          for (const seen of ['claimed', 'placing'] as const) {
            const order = worker[seen].filter((to) => !again.has(to));
            expect(
              descents(order.map((to) => position.get(to)!)),
              `${worker.id} ${seen}; ${context()}`,
            ).toEqual([]);
          }
        }
        const arrived = sim.ledger.calls.map((c) => position.get(c.phone)!);
        expect(overtaken(arrived).worst, context()).toBeLessThanOrEqual(3);

        // The cap across the three processes and the provider.
        expect(maxOverlap(await sim.intervals()).max, context()).toBeLessThanOrEqual(4);

        expect(
          rows.filter((r) => !TERMINAL.has(r.status)),
          context(),
        ).toEqual([]);
        const marked = new Set(left.marked);
        const unknown = rows.filter((r) => r.reason === 'outcome_unknown').map((r) => r.id);
        expect(unknown.sort(), context()).toEqual([...marked].sort());
        expect(marked.has(rows.find((r) => r.to === rang)!.id), context()).toBe(true);
        // An entry may end `timeout` (at callTimeoutMs) instead of the provider's outcome only
        // when the victim took (answered 200) a status webhook of its call and died before writing
        // it, as any webhook endpoint may.
        const lost = (call: LedgerCall) =>
          router!.log.some((d) => d.callId === call.id && d.taken && d.worker === victim!.id);
        const calls = new Map(sim.ledger.calls.map((c) => [c.phone, c]));
        for (const row of rows) {
          if (marked.has(row.id)) {
            expect([row.status, row.providerCallId], context()).toEqual(['failed', null]);
            continue;
          }
          const call = calls.get(row.to);
          expect(call, `${row.to} never reached the provider; ${context()}`).toBeDefined();
          expect(row.providerCallId, context()).toBe(call!.id);
          if (row.status !== call!.outcome) {
            expect(
              [row.status, row.reason, lost(call!)],
              `${row.to} ended ${row.status} (${row.reason}), the provider said ${call!.outcome}` +
                ` (call ${JSON.stringify(call)}, webhooks ${JSON.stringify(router.log.filter((d) => d.callId === call!.id))},` +
                ` row ${JSON.stringify(row.events)}); ${context()}`,
            ).toEqual(['failed', 'timeout', true]);
          }
        }

        for (const entries of snapshots) {
          expect(
            entries.map((e) => [e.phone, e.status, e.endedAt !== null]),
            context(),
          ).toEqual(rows.map((r) => [r.to, r.status, true]));
        }
        for (const row of rows) {
          const history = await store.listCallLog({ phone: row.to, limit: 10 });
          expect(
            history.items.map((h) => [h.status, h.outcomeUnknown === true]),
            `history of ${row.to}; ${context()}`,
          ).toEqual([[row.status, marked.has(row.id)]]);
        }
      } finally {
        await killAll(workers);
        await router?.close();
        await sim?.close();
        await store.close();
        await dropSchema(url, schema);
        await release();
      }
    },
    120_000,
  );
});
