/** `GET /api/ops` and `GET /api/ops/events`, end to end against the simulators. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OpsSample } from '../ops.js';
import { api, openEvents, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function scheduleNow(url: string, phone_number: string) {
  const res = await api(`${url}/api/scheduled-calls`, {
    method: 'POST',
    body: { phone_number, scheduled_time: new Date().toISOString() },
  });
  expect(res.status).toBe(201);
}

describe('GET /api/ops', () => {
  it('gives the interval and the samples, which count the calls placed', async () => {
    app = await startTestApp({ opsIntervalMs: 100 });
    await scheduleNow(app.url, '+14155552671');
    await scheduleNow(app.url, '+14155552672');
    // Every sample seen, by the end of its interval: on a slow machine the first placement's
    // sample may leave the kept ones before the second call has ended.
    const seen = new Map<number, OpsSample>();
    await vi.waitFor(
      async () => {
        const { status, json } = await api(`${app!.url}/api/ops`);
        expect(status).toBe(200);
        const { interval_ms, samples: latest } = json as {
          interval_ms: number;
          samples: OpsSample[];
        };
        expect(interval_ms).toBe(100);
        for (const sample of latest) seen.set(sample.t, sample);
        const samples = [...seen.values()];
        // 2 calls placed in 100 ms intervals: 20 calls a second each, wherever they fell.
        const placed = samples.reduce((sum, s) => sum + s.placed_per_s.scheduler * 0.1, 0);
        expect(Math.round(placed)).toBe(2);
        expect(samples.some((s) => s.dispatch_lag_ms.p99 !== null)).toBe(true);
        expect(samples.some((s) => s.provider_ms.p50 !== null)).toBe(true);
        const ended = samples.reduce(
          (sum, s) => sum + Object.values(s.ended).reduce((a, b) => a + b),
          0,
        );
        expect(ended).toBe(2);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('refuses a query string', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/ops?since=0`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('needs the API token when one is set, in the query for the event stream', async () => {
    const token = 'ops-token-0123456789abc';
    app = await startTestApp({ env: { API_TOKEN: token }, opsIntervalMs: 50 });
    expect((await api(`${app.url}/api/ops`)).status).toBe(401);
    expect((await api(`${app.url}/api/ops/events`)).status).toBe(401);
    const ok = await api(`${app.url}/api/ops`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const stream = await openEvents(`${app.url}/api/ops/events?access_token=${token}`);
    await stream.until(() => stream.events.length > 0);
    stream.close();
  });
});

describe('GET /api/ops/events', () => {
  it('sends each new sample, and resumes after the last one seen', async () => {
    app = await startTestApp({ opsIntervalMs: 50 });
    const stream = await openEvents(`${app.url}/api/ops/events`);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await scheduleNow(app.url, '+14155552671');
    await stream.until(() =>
      stream.events.some((e) => (JSON.parse(e.data) as OpsSample).placed_per_s.scheduler > 0),
    );
    stream.close();
    expect(new Set(stream.events.map((e) => e.event))).toEqual(new Set(['ops-sample']));
    const last = stream.events.at(-1)!;
    const sample = JSON.parse(last.data) as OpsSample;
    expect(Object.keys(sample).sort()).toEqual(
      [
        'dispatch_lag_ms',
        'ended',
        'in_flight',
        'placed_per_s',
        'provider_ms',
        't',
        'window',
      ].sort(),
    );
    expect(Object.keys(sample.window).sort()).toEqual(
      ['dispatch_lag_ms', 'ended', 'placed_per_s', 'provider_ms', 'span_s'].sort(),
    );

    const resumed = await openEvents(`${app.url}/api/ops/events`, { 'last-event-id': last.id! });
    await resumed.until(() => resumed.events.length > 0);
    resumed.close();
    // The first event after the resume is the one right after the last seen.
    const [boot, seq] = last.id!.split('-');
    expect(resumed.events[0]!.id).toBe(`${boot}-${Number(seq) + 1}`);
  });

  it('shares SSE_MAX and SSE_MAX_PER_CLIENT with /api/events: one budget of streams', async () => {
    app = await startTestApp({ env: { SSE_MAX: '1', SSE_MAX_PER_CLIENT: '1' } });
    const events = await openEvents(`${app.url}/api/events`);
    const refused = await api(`${app.url}/api/ops/events`);
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ error: { code: 'too_many_streams' } });
    events.close();
    await vi.waitFor(async () => {
      const ops = await openEvents(`${app!.url}/api/ops/events`);
      ops.close();
      expect(ops.response.status).toBe(200);
    });
  });

  it('refuses an unknown query parameter', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/ops/events?from=1`);
    expect(res.status).toBe(400);
  });
});
