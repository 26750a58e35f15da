import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { CallProvider } from '@ringkit/call-client';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from './postgres.js';
import {
  describeWithDatabase,
  dropSchemas,
  holdDatabaseLock,
  randomSchema,
  terminateConnections,
} from '../../../test/pg-testing.js';
import { startPrivateServer } from '../../../test/pg-private.js';
import { createScheduler } from '../../scheduler.js';
import type { ScheduleInput } from '../../types.js';

const run = promisify(execFile);
const ME = '+14155550100';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An in-process provider that answers `completed` at once and remembers every placement. */
function countingProvider() {
  const placed = new Map<string, number[]>();
  const provider: CallProvider = {
    name: 'counting',
    capabilities: { polling: false, webhooks: false },
    async placeCall({ to }) {
      placed.set(to, [...(placed.get(to) ?? []), Date.now()]);
      return { id: randomUUID(), status: 'completed', providerStatus: 'completed', raw: {} };
    },
  };
  const total = () => [...placed.values()].reduce((n, times) => n + times.length, 0);
  return { provider, placed, total };
}

/** What the store logs when a statement in flight lost its connection. */
const lostConnection = /lost the connection to PostgreSQL/;

function recordingLogger() {
  const lines: string[] = [];
  return {
    lines,
    info: (message: string) => lines.push(message),
    warn: (message: string) => lines.push(message),
  };
}

const waitFor = async (check: () => boolean | Promise<boolean>, ms: number, what: string) => {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};

const calls = (n: number, from: number, spreadMs: number, prefix = 2): ScheduleInput[] =>
  Array.from({ length: n }, (_, i) => ({
    to: `+1415${prefix}${String(i).padStart(6, '0')}`,
    at: new Date(from + Math.floor((i * spreadMs) / n)),
  }));

async function isUp(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describeWithDatabase('PostgreSQL store faults', (url) => {
  const schemas: string[] = [];
  const open: PostgresStore[] = [];
  /** The server the stores connect to: the shared one, then the one the restart test restarts. */
  let serverUrl = url;
  let release: (() => Promise<void>) | undefined;
  const store = (
    config: { max?: number; app?: string },
    logger?: ReturnType<typeof recordingLogger>,
  ) => {
    const schema = schemas.at(-1)!;
    const created = createPostgresStore(
      {
        connectionString: serverUrl,
        max: config.max ?? 10,
        application_name: config.app ?? 'rk-faults',
      },
      { schema, ...(logger ? { logger } : {}) },
    );
    open.push(created);
    return created;
  };
  afterAll(async () => {
    await release?.();
    for (const s of open) await s.close();
    await dropSchemas(url, schemas);
  });

  /** Schedules `inputs` through a second store (another process would), then waits for the end. */
  async function runAll(options: {
    worker: PostgresStore;
    inputs: ScheduleInput[];
    concurrency: number;
    during?: (placed: () => number) => Promise<void>;
  }) {
    const counting = countingProvider();
    const scheduler = createScheduler({
      store: options.worker,
      provider: counting.provider,
      callerId: ME,
      concurrency: options.concurrency,
      // No safety poll: the worker only learns of others' calls through LISTEN/NOTIFY.
      recheckIntervalMs: 0,
    });
    const failures: string[] = [];
    scheduler.on('failed', (e) => failures.push(`${e.call.to}:${e.reason}`));
    await scheduler.start();
    const writer = store({ max: 2, app: 'rk-faults-writer' });
    const stored = await createScheduler({
      store: writer,
      provider: counting.provider,
      callerId: ME,
    }).scheduleMany(options.inputs);
    await options.during?.(counting.total);
    await waitFor(
      async () =>
        (
          await writer.list({
            status: ['scheduled', 'queued', 'initiated'],
            limit: 1,
          })
        ).items.length === 0,
      60_000,
      'every call to end',
    );
    const rows = (await writer.list({ limit: options.inputs.length + 1 })).items;
    return { scheduler, writer, counting, failures, stored, rows };
  }

  function expectEachPlacedOnceOnTime(result: Awaited<ReturnType<typeof runAll>>) {
    const { rows, counting, stored, failures } = result;
    expect(failures).toEqual([]);
    expect(rows.filter((r) => r.status !== 'completed')).toEqual([]);
    expect(rows).toHaveLength(stored.length);
    for (const call of stored) {
      const times = counting.placed.get(call.to) ?? [];
      expect(times, call.to).toHaveLength(1);
      expect(times[0]!).toBeGreaterThanOrEqual(call.dueAt.getTime());
    }
  }

  it('completes every call through a pool of one connection and 10 placements at a time', async () => {
    release = await holdDatabaseLock(url, 'shared');
    schemas.push(randomSchema());
    const worker = store({ max: 1 });
    const result = await runAll({
      worker,
      inputs: calls(300, Date.now() + 1000, 1000),
      concurrency: 10,
    });
    expectEachPlacedOnceOnTime(result);
    expect(worker.pool.totalCount).toBeLessThanOrEqual(1);
    await result.scheduler.stop();
    await release();
    release = undefined;
  }, 60_000);

  it('reconnects after its connections are killed mid-run, loses nothing and logs it', async () => {
    release = await holdDatabaseLock(url, 'shared');
    schemas.push(randomSchema());
    const app = `rk-faults-${randomBytes(4).toString('hex')}`;
    const logger = recordingLogger();
    const worker = store({ app }, logger);
    const result = await runAll({
      worker,
      inputs: calls(1500, Date.now() + 1000, 3000),
      concurrency: 10,
      async during(placed) {
        // Twice at least. A kill that finds every connection idle is logged as such, and costs
        // no statement: the kills go on, 100 placements apart, until one has cut a statement
        // in flight (four kills 300 apart all missed in one run of the whole suite).
        for (let after = 300; after <= 1400; after += 100) {
          if (after > 400 && logger.lines.some((l) => lostConnection.test(l))) break;
          await waitFor(() => placed() >= after, 30_000, `${after} placements`);
          expect(await terminateConnections(url, app)).toBeGreaterThan(0);
        }
      },
    });
    expectEachPlacedOnceOnTime(result);
    expect(logger.lines.some((l) => lostConnection.test(l))).toBe(true);
    expect(logger.lines.some((l) => /reconnected to PostgreSQL after \d+ ms/.test(l))).toBe(true);
    expect(logger.lines.some((l) => /LISTEN connection restored/.test(l))).toBe(true);
    // LISTEN works again: a call stored elsewhere wakes the worker, which has no poll at all.
    const [late] = await createScheduler({
      store: result.writer,
      provider: result.counting.provider,
      callerId: ME,
    }).scheduleMany(calls(1, Date.now() + 300, 0, 3));
    await waitFor(() => result.counting.placed.has(late!.to), 10_000, 'the late call');
    await result.scheduler.stop();
    await release();
    release = undefined;
  }, 90_000);

  describe('restart', () => {
    /**
     * The server restarted: one of this test's own where this machine can make one (root, and
     * Debian's server installed), so no other test, nor another test run beside this one, loses
     * its server; else the shared one, by `TEST_DATABASE_RESTART_COMMAND`, once every other
     * test file of this run is done with it (and holding them off).
     */
    let server: { url: string; restart(): Promise<void>; start(): Promise<void> } | null = null;
    let remove: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      await release?.(); // a shared lock left by a failed test above would block ours forever
      release = undefined;
      const command = process.env.TEST_DATABASE_RESTART_COMMAND;
      if (command) {
        release = await holdDatabaseLock(url, 'exclusive');
        server = {
          url,
          restart: async () => void (await run('sh', ['-c', command])),
          start: async () => {
            if (!(await isUp(url))) await run('sh', ['-c', command.replace(/restart$/, 'start')]);
          },
        };
      } else {
        const own = await startPrivateServer();
        if (own) {
          server = own;
          remove = () => own.remove();
        }
      }
      if (server) serverUrl = server.url;
    }, 600_000);
    afterAll(async () => {
      await remove?.();
    });

    it('rides out a database restart mid-run, loses nothing and logs it', async (context) => {
      if (!server) {
        context.skip(
          "no server to restart here: run as root beside Debian's PostgreSQL, or set TEST_DATABASE_RESTART_COMMAND",
        );
        return;
      }
      const restarted = server;
      schemas.push(randomSchema());
      const logger = recordingLogger();
      const worker = store({ app: 'rk-faults-restart' }, logger);
      try {
        const result = await runAll({
          worker,
          inputs: calls(1500, Date.now() + 1000, 3000),
          concurrency: 10,
          async during(placed) {
            await waitFor(() => placed() >= 300, 30_000, '300 placements');
            await restarted.restart();
          },
        });
        expectEachPlacedOnceOnTime(result);
        expect(logger.lines.some((l) => /lost the connection to PostgreSQL/.test(l))).toBe(true);
        expect(logger.lines.some((l) => /reconnected to PostgreSQL after \d+ ms/.test(l))).toBe(
          true,
        );
        expect(logger.lines.some((l) => /LISTEN connection restored/.test(l))).toBe(true);
        const [late] = await createScheduler({
          store: result.writer,
          provider: result.counting.provider,
          callerId: ME,
        }).scheduleMany(calls(1, Date.now() + 300, 0, 3));
        await waitFor(() => result.counting.placed.has(late!.to), 10_000, 'the late call');
        await result.scheduler.stop();
      } finally {
        // Whatever happened, leave the server running.
        await restarted.start();
        await waitFor(() => isUp(restarted.url), 30_000, 'the server to be up');
      }
    }, 120_000);
  });
});
