import { expect, it } from 'vitest';
import { createFakeProvider } from '@ringkit/simulator';
import {
  describeWithDatabase,
  startCountingCallApi,
  type Placement,
} from '../../../test/pg-testing.js';
import { startWorker, workerSuite } from '../../../test/pg-workers.js';
import { createScheduler } from '../../scheduler.js';
import { systemClock } from '@ringkit/call-client';

const CALLS = 20_000;
const SPREAD_MS = 5_000;
const WORKERS = 4;
const LEASE_MS = 3_000;
/** The victim is killed once the server has seen this many of its POSTs. */
const KILL_AFTER = 1_000;

const waitFor = async (
  check: () => Promise<boolean>,
  ms: number,
  what: string | (() => string),
) => {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** 20 000 distinct valid numbers: +1 415 2xx xxxx. */
const phoneOf = (i: number) => `+1415${2_000_000 + i}`;

describeWithDatabase('PostgreSQL store shared by 4 worker processes', (url) => {
  const { schema, workers, openStore } = workerSuite(url);

  it('places 20 000 calls exactly once and never early, and recovers a killed worker’s calls', async () => {
    const api = await startCountingCallApi();
    try {
      const store = await openStore();
      const deadlocks = async () =>
        Number(
          (
            await store.pool.query<{ n: string }>(
              'SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()',
            )
          ).rows[0]!.n,
        );
      const deadlocksBefore = await deadlocks();
      const started = await Promise.all(
        Array.from({ length: WORKERS }, (_, n) =>
          startWorker({
            url,
            schema,
            workerId: `w${n}`,
            baseUrl: `${api.url}/w${n}/`,
            concurrency: 32,
            leaseMs: LEASE_MS,
            // The victim may die between recording a call as placed and applying the provider's
            // answer: the others' sweep of in-flight calls (every callTimeoutMs) ends those.
            callTimeoutMs: 5_000,
            poolSize: 8,
          }),
        ),
      );
      workers.push(...started);

      // Another process schedules them: only NOTIFY tells the idle workers (their poll is 10 min).
      const scheduler = createScheduler({
        store,
        // The workers' provider: a call is placed only through the provider it was made for.
        provider: createFakeProvider({ clock: systemClock, name: 'mock-call-api' }),
        callerId: '+14155550100',
      });
      const base = Date.now() + 2_000;
      const scheduled = await scheduler.scheduleMany(
        Array.from({ length: CALLS }, (_, i) => ({
          to: phoneOf(i),
          at: new Date(base + Math.floor((i * SPREAD_MS) / CALLS)),
        })),
      );
      const dueOf = new Map(scheduled.map((call) => [call.to, call.dueAt.getTime()]));

      const victim = workers[0]!;
      const fromVictim = () => api.placements.filter((p) => p.worker === victim.id).length;
      // Bounds on liveness, not timings (as below): a busy machine slows every worker.
      await waitFor(async () => fromVictim() >= KILL_AFTER, 120_000, 'the victim to place calls');
      // Its next POSTs reach the provider but never get an answer: they are in flight when it dies.
      api.hold(victim.id);
      await waitFor(async () => api.hanging() >= 5, 60_000, 'calls in flight on the victim');
      victim.child.kill('SIGKILL');
      await victim.exited;
      const left = (
        await store.pool.query<{ to_phone: string; placing_at: string | null }>(
          `SELECT to_phone, placing_at FROM "${schema}".scheduled_calls
           WHERE status = 'queued' AND lease_owner = $1`,
          [victim.id],
        )
      ).rows;
      const midPlacement = new Set(
        left.filter((r) => r.placing_at !== null).map((r) => r.to_phone),
      );
      const merelyClaimed = new Set(
        left.filter((r) => r.placing_at === null).map((r) => r.to_phone),
      );

      let statuses = '';
      await waitFor(
        async () => {
          const { rows } = await store.pool.query<{ status: string; n: number }>(
            `SELECT status, count(*)::int AS n FROM "${schema}".scheduled_calls GROUP BY status`,
          );
          statuses = rows.map((r) => `${r.status} ${r.n}`).join(', ');
          return rows.every((r) => r.status === 'completed' || r.status === 'failed');
        },
        // A bound on liveness, not a timing: the survivors take the dead worker's leases when
        // they run out, beside the rest of the suite on a busy machine.
        240_000,
        () => `every call to end (now: ${statuses}; ${api.placements.length} POSTs)`,
      );
      const survivors = workers.slice(1);
      for (const worker of survivors) worker.child.send('stop');
      await Promise.all(survivors.map((w) => w.exited));

      const rows = (
        await store.pool.query<{ to_phone: string; status: string; reason: string | null }>(
          `SELECT to_phone, status, reason FROM "${schema}".scheduled_calls`,
        )
      ).rows;
      const byPhone = new Map<string, Placement[]>();
      for (const placement of api.placements) {
        byPhone.set(placement.phone, [...(byPhone.get(placement.phone) ?? []), placement]);
      }

      expect(rows).toHaveLength(CALLS);
      // Never placed twice, never early.
      expect([...byPhone.values()].filter((p) => p.length > 1)).toEqual([]);
      expect(api.placements.filter((p) => p.at < dueOf.get(p.phone)!)).toEqual([]);
      // Every call completed once, except those the victim was placing: their outcome is unknown.
      const interrupted = rows.filter((r) => r.status === 'failed');
      expect(interrupted.every((r) => r.reason === 'outcome_unknown')).toBe(true);
      expect(new Set(interrupted.map((r) => r.to_phone))).toEqual(midPlacement);
      expect(midPlacement.size).toBeGreaterThanOrEqual(5);
      for (const row of rows.filter((r) => r.status === 'completed')) {
        expect(byPhone.get(row.to_phone)).toHaveLength(1);
      }
      expect(rows.filter((r) => r.status === 'completed')).toHaveLength(CALLS - midPlacement.size);
      // Calls the victim had claimed but not started were placed by the others once its lease ran out.
      for (const phone of merelyClaimed) {
        expect(byPhone.get(phone)?.map((p) => p.worker)).not.toContain(victim.id);
      }
      for (const worker of survivors) {
        expect(worker.messages.at(-1)).toMatchObject({ type: 'stopped' });
      }
      // The workers' batches lock their rows in one order: no deadlock, in the server's count
      // (flushed as each worker's connections closed) or in any worker's log.
      expect(await deadlocks()).toBe(deadlocksBefore);
      const logged = workers.flatMap((w) => w.messages.filter((m) => m.type === 'log'));
      expect(logged.filter((m) => /conflicted|deadlock/i.test(m.message))).toEqual([]);
    } finally {
      await api.close();
    }
  }, 600_000);
});
