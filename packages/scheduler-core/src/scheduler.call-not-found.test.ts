/**
 * A call its provider no longer knows (`404` to a status poll, e.g. after the provider
 * restarted) ends at once, `failed` with reason `watch_failed`, instead of staying `answered`
 * until `callTimeoutMs`. On the MSW-mocked polling simulator, on the memory store and on SQLite.
 */
import { createMockCallApiClient, isHttpError } from '@ringkit/call-client';
import { createCallApiMock } from '@ringkit/simulator/msw';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SchedulerEvents } from './events.js';
import { createScheduler } from './scheduler.js';
import type { Store } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSqliteStore } from './stores/sqlite/sqlite.js';

const ME = '+14155550100';
const BOB = '+14155552671';
const HOUR = 3_600_000;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const STORES: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['sqlite', () => createSqliteStore({ path: ':memory:' })],
];

/** The polling simulator behind MSW, its calls answered and talking for an hour. */
function setup(createStore: () => Store) {
  const mock = createCallApiMock({ flavour: 'polling', stepMs: 10, talkMs: HOUR, seed: 3 });
  /** The status every status request is answered with from now on; `null`: the simulator's. */
  let lost: number | null = null;
  server.use(
    http.get(`${mock.baseUrl}/api/call/:id`, () =>
      lost === null ? undefined : HttpResponse.json({ error: 'call not found' }, { status: lost }),
    ),
    ...mock.handlers,
  );
  const forget = (status = 404) => {
    lost = status;
  };
  const store = createStore();
  const scheduler = createScheduler({
    store,
    provider: createMockCallApiClient({ baseUrl: mock.baseUrl, retry: 0 }),
    callerId: ME,
    watchIntervalMs: 10,
  });
  const seen: string[] = [];
  const failed: SchedulerEvents['failed'][] = [];
  const errors: SchedulerEvents['error'][] = [];
  scheduler.on('status', (e) => seen.push(`${e.previous}>${e.status}`));
  scheduler.on('failed', (e) => failed.push(e));
  scheduler.on('error', (e) => errors.push(e));
  const close = async () => {
    await scheduler.stop();
    await store.close();
    mock.close();
  };
  return { mock, forget, scheduler, seen, failed, errors, close };
}

describe.each(STORES)('a call its provider no longer knows (%s store)', (_, createStore) => {
  it('ends failed with reason watch_failed at once, recorded and announced, never retried', async () => {
    const { mock, forget, scheduler, seen, failed, errors, close } = setup(createStore);
    try {
      await scheduler.start();
      const { id } = await scheduler.schedule({
        to: BOB,
        at: new Date(Date.now() + 20),
        maxAttempts: 3,
      });
      await expect.poll(async () => (await scheduler.get(id)).status).toBe('answered');
      forget();
      await expect.poll(async () => (await scheduler.get(id)).status).toBe('failed');

      const call = await scheduler.get(id);
      expect(call).toMatchObject({ status: 'failed', reason: 'watch_failed', attempt: 1 });
      expect(call.events.at(-1)).toMatchObject({
        status: 'failed',
        attempt: 1,
        reason: 'watch_failed',
      });
      expect(seen.at(-1)).toBe('answered>failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ reason: 'watch_failed', call: { id, status: 'failed' } });
      const error = failed[0]!.error;
      expect(isHttpError(error) && error.status).toBe(404);
      expect(errors).toEqual([{ error, source: 'watch', callId: id }]);
      // The attempt's record ends with it: answered, so a completed call in history.
      const history = await scheduler.history(BOB);
      expect(history.items).toEqual([
        expect.objectContaining({ id: `${id}-1`, counterparty: ME, type: 'Completed Inbound' }),
      ]);
      // Never placed again, whatever maxAttempts: the call was placed, and answered.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(mock.calls()).toHaveLength(1);
      expect((await scheduler.get(id)).status).toBe('failed');
    } finally {
      await close();
    }
  });

  it('keeps following a call through other errors: a 500 is not a lost call', async () => {
    const { forget, scheduler, failed, errors, close } = setup(createStore);
    try {
      await scheduler.start();
      const { id } = await scheduler.schedule({ to: BOB, at: new Date(Date.now() + 20) });
      await expect.poll(async () => (await scheduler.get(id)).status).toBe('answered');
      forget(500);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await scheduler.get(id)).status).toBe('answered');
      forget(404);
      await expect.poll(async () => (await scheduler.get(id)).status).toBe('failed');
      // The 500s were backed off and retried, never reported: only the 404 ended the call.
      expect(errors.map((e) => isHttpError(e.error) && e.error.status)).toEqual([404]);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.reason).toBe('watch_failed');
    } finally {
      await close();
    }
  });
});
