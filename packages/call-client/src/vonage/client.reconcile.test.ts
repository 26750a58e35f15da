import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { Voice } from '@vonage/voice';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRequestTimeoutError } from '../errors/errors.js';
import { isAmbiguousPlacement } from '../errors/placement.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createVonageClient } from './client.js';
import type { VonageClientOptions } from './client-options.js';
import { parseVonageTime } from './_reconcile.js';
import { APPLICATION_KEYS } from '../../test/vonage-fixtures.js';

const BASE = 'https://api.nexmo.test';
const CALLS = `${BASE}/v1/calls`;
const { privateKey } = APPLICATION_KEYS;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const vonage = (overrides: Partial<VonageClientOptions> = {}) =>
  createVonageClient({
    applicationId: 'app-1',
    privateKey,
    from: '+14155550100',
    baseUrl: BASE,
    retry: { limit: 2, baseDelayMs: 0 },
    reconcile: { attempts: 1, delayMs: 0 },
    ...overrides,
  });

const listed = (uuid: string, extra: object = {}) => ({
  uuid,
  conversation_uuid: `CON-${uuid}`,
  to: { type: 'phone', number: '14155552671' },
  from: { type: 'phone', number: '14155550100' },
  status: 'ringing',
  direction: 'outbound',
  ...extra,
});

function serveList(calls: () => object[]) {
  let lists = 0;
  server.use(
    http.get(CALLS, () => {
      lists += 1;
      return HttpResponse.json({
        count: 1,
        page_size: 100,
        record_index: 0,
        _embedded: { calls: calls() },
      });
    }),
  );
  return () => lists;
}

describe('Vonage placements of unknown outcome', () => {
  it('never sends again a create that timed out, and adopts its call from the list', async () => {
    let creates = 0;
    server.use(
      http.post(CALLS, async () => {
        creates += 1;
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    const lists = serveList(() => [listed('mine')]);
    const call = await vonage({ timeoutMs: 100 }).placeCall({ to: '+14155552671' });
    expect(call).toMatchObject({ id: 'mine', status: 'ringing', reconciled: true });
    expect(creates).toBe(1);
    expect(lists()).toBe(1);
  });

  it('fails a create that timed out as of unknown outcome when nothing is listed', async () => {
    server.use(http.post(CALLS, () => delay('infinite').then(() => HttpResponse.json({}))));
    serveList(() => []);
    const error = await vonage({ timeoutMs: 100 })
      .placeCall({ to: '+14155552671' })
      .catch((e: unknown) => e);
    expect(isRequestTimeoutError(error)).toBe(true);
    expect(isAmbiguousPlacement(error)).toBe(true);
  });

  it('adopts nothing when two placements to the same number are both of unknown outcome', async () => {
    server.use(
      http.post(CALLS, () => HttpResponse.json({ title: 'Bad Gateway' }, { status: 502 })),
    );
    serveList(() => [listed('one-of-them')]);
    const client = vonage();
    const errors = await Promise.all(
      [1, 2].map(() => client.placeCall({ to: '+14155552671' }).catch((e: unknown) => e)),
    );
    for (const error of errors) expect(isAmbiguousPlacement(error)).toBe(true);
  });

  it('takes no call another placement of the client returned for its own', async () => {
    let creates = 0;
    server.use(
      http.post(CALLS, () =>
        ++creates === 1
          ? HttpResponse.json({ uuid: 'placed', status: 'started' }, { status: 201 })
          : HttpResponse.json({ title: 'Internal Error' }, { status: 500 }),
      ),
    );
    serveList(() => [listed('placed'), listed('lost')]);
    const client = vonage();
    expect(await client.placeCall({ to: '+14155552671' })).toMatchObject({ id: 'placed' });
    expect(await client.placeCall({ to: '+14155552671' })).toMatchObject({
      id: 'lost',
      reconciled: true,
    });
  });

  it('dates listed calls by start_time, in Vonage’s own form or ISO 8601', async () => {
    const clock = createFakeClock(Date.UTC(2026, 5, 1, 12, 0, 0));
    server.use(http.post(CALLS, () => HttpResponse.json({ title: 'Error' }, { status: 500 })));
    const client = vonage({ clock });
    serveList(() => [
      listed('before', { start_time: '2026-06-01T11:59:00.000Z' }),
      listed('after', { start_time: '2026-06-01T12:00:01Z' }),
    ]);
    expect(await client.placeCall({ to: '+14155552671' })).toMatchObject({ id: 'after' });
  });

  it('reads Vonage’s times in both of their forms, and nothing else', () => {
    expect(parseVonageTime('2020-01-01 12:00:00')).toBe(Date.UTC(2020, 0, 1, 12));
    expect(parseVonageTime('2020-01-01T12:00:00.000Z')).toBe(Date.UTC(2020, 0, 1, 12));
    expect(parseVonageTime('2020-01-01 12:00:00.250')).toBe(Date.UTC(2020, 0, 1, 12, 0, 0, 250));
    for (const bad of ['', 'soon', null, undefined]) expect(parseVonageTime(bad)).toBeNull();
  });

  it('lists calls with the query the official getCallsPage sends for the same filters', async () => {
    const clock = createFakeClock(Date.UTC(2026, 5, 1, 12, 0, 0, 700));
    const queries: URLSearchParams[] = [];
    server.use(
      http.post(CALLS, () => HttpResponse.json({ title: 'Error' }, { status: 500 })),
      http.get(CALLS, ({ request }) => {
        queries.push(new URL(request.url).searchParams);
        return HttpResponse.json({
          count: 0,
          page_size: 100,
          record_index: 0,
          _embedded: { calls: [] },
        });
      }),
    );
    await vonage({ clock })
      .placeCall({ to: '+14155552671' })
      .catch(() => undefined);
    const official = new Voice({ applicationId: 'app-1', privateKey }, { apiHost: BASE });
    await official.getCallsPage({
      dateStart: '2026-06-01T11:59:58Z',
      pageSize: 100,
      recordIndex: 0,
      order: 'desc',
    });
    const [ours, theirs] = queries.map((q) => Object.fromEntries(q));
    expect(ours).toEqual(theirs);
    expect(ours).toMatchObject({ date_start: '2026-06-01T11:59:58Z' });
  });

  it('looks nothing up for a placement its caller aborted', async () => {
    const controller = new AbortController();
    server.use(
      http.post(CALLS, async () => {
        controller.abort(new Error('stop'));
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    const lists = serveList(() => [listed('mine')]);
    const error = await vonage()
      .placeCall({ to: '+14155552671', signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(lists()).toBe(0);
  });
});
