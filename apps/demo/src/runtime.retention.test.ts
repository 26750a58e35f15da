/**
 * `RETENTION_DAYS` from the environment to the scheduler's `retention`, and what it deletes in the
 * demo's own store (SQLite in `DATA_DIR`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as SchedulerCore from '@ringkit/scheduler-core';
import { createScheduler, type StoredCall } from '@ringkit/scheduler-core';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from './_test-utils.js';

// The real scheduler, watched: the test reads the options the runtime gives it.
vi.mock('@ringkit/scheduler-core', async (importOriginal) => {
  const actual = await importOriginal<typeof SchedulerCore>();
  return { ...actual, createScheduler: vi.fn(actual.createScheduler) };
});

const DAY_MS = 86_400_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.mocked(createScheduler).mockClear();
});

async function testApp(options: Parameters<typeof startTestApp>[0]): Promise<TestApp> {
  const app = await startTestApp(options);
  cleanups.push(() => app.close());
  return app;
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ringkit-retention-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A call that completed at `endedAt`, as the scheduler would have left it in the store. */
function completedCall(id: string, endedAt: number): StoredCall {
  return {
    id,
    to: '+14155552671',
    status: 'completed',
    dueAt: endedAt - 60_000,
    createdAt: endedAt - 120_000,
    updatedAt: endedAt,
    version: 3,
    attempt: 1,
    leaseOwner: null,
    leaseUntil: null,
    placingAt: null,
    providerCallId: `provider-${id}`,
    reason: null,
    idempotencyKey: null,
    events: null,
    options: null,
    call: null,
  };
}

describe('RETENTION_DAYS', () => {
  it('gives the scheduler its number of days for both finished calls and call records', async () => {
    await testApp({ configuredStore: true, env: { RETENTION_DAYS: '0.5' } });
    // One scheduler over the one store: its retention prunes everything the store holds.
    expect(createScheduler).toHaveBeenCalledTimes(1);
    expect(vi.mocked(createScheduler).mock.calls[0]![0].retention).toEqual({
      finishedAfterDays: 0.5,
      historyAfterDays: 0.5,
    });
  });

  it('leaves the scheduler without retention when empty (unset), so nothing is deleted', async () => {
    await testApp({ configuredStore: true, env: { RETENTION_DAYS: '' } });
    expect(createScheduler).toHaveBeenCalledTimes(1);
    for (const [options] of vi.mocked(createScheduler).mock.calls) {
      expect(options).not.toHaveProperty('retention');
    }
  });

  it('deletes finished calls and call records older than it on start, and logs one line', async () => {
    const dir = dataDir();
    const now = Date.now();
    {
      const store = createSqliteStore({ path: join(dir, 'ringkit.db') });
      await store.insert(completedCall('ended-long-ago', now - 10 * DAY_MS));
      await store.insert(completedCall('ended-yesterday', now - DAY_MS));
      await store.close();
    }
    // 300 demo records over the last 30 days, seeded before the scheduler starts.
    const app = await testApp({
      configuredStore: true,
      env: { DATA_DIR: dir, DEMO_HISTORY: '1', RETENTION_DAYS: '7' },
    });
    const line = await eventually(() =>
      app.logs.find((l) => l['msg'] === 'pruned finished calls and call records'),
    );
    expect(line).toMatchObject({ level: 30, calls: 1, older_than_days: 7 });
    expect(line?.['records']).toBeGreaterThan(0);

    expect((await api(`${app.url}/api/scheduled-calls/ended-long-ago`)).status).toBe(404);
    const kept = await api(`${app.url}/api/scheduled-calls/ended-yesterday`);
    expect(kept.json).toMatchObject({ status: 'completed' });
    const times: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { items: { created_at: string }[]; next_cursor: string | null } } =
        await api(
          `${app.url}/api/calls/+14155550100?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        );
      times.push(...page.json.items.map((item) => Date.parse(item.created_at)));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(times.length).toBeGreaterThan(0);
    expect(Math.min(...times)).toBeGreaterThan(now - 7 * DAY_MS - 60_000);
  });
});
