import { mostInOneSecond } from '@ringkit/internal/testing';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InvalidOptionsError, RequestTimeoutError } from '../errors/errors.js';
import { createFakeClock, type FakeClock } from '../testing/fake-clock.js';
import { createMockCallApiClient } from './mock-call-api.js';
import { createNumDialerClient } from './num-dialer.js';

const POLLING = 'http://localhost:5000';
const WEBHOOK = 'http://localhost:4830';
const webhookUrl = 'http://localhost:4000/webhooks/dialer/x';
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/**
 * A fake clock for the pacer and a `fetch` option that records, on that clock, the moment each
 * request is handed to it.
 */
function recordingFetch() {
  const clock = createFakeClock(0);
  const sent: { method: string; at: number }[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    sent.push({ method: (input as Request).method, at: clock.now() });
    return globalThis.fetch(input, init);
  };
  return { sent, fetch, clock };
}

/**
 * Lets `count` requests through: waits for each to reach `fetch`, then moves `clock` on one turn
 * (`stepMs`, the pacer's gap rounded up to its timer's whole milliseconds), so each is recorded at
 * the moment of its turn.
 */
async function runTurns(clock: FakeClock, sent: unknown[], count: number, stepMs: number) {
  for (let k = 1; k <= count; k++) {
    await vi.waitFor(() => expect(sent.length).toBeGreaterThanOrEqual(k));
    if (k < count) await clock.advance(stepMs);
  }
}

let nextId = 0;
const created = () =>
  HttpResponse.json({ id: `c-${++nextId}`, status: 'initiated' }, { status: 201 });

describe('callsPerSecond', () => {
  it.each([
    [
      'createMockCallApiClient',
      (callsPerSecond: unknown) => createMockCallApiClient({ callsPerSecond } as never),
    ],
    [
      'createNumDialerClient',
      (callsPerSecond: unknown) => createNumDialerClient({ webhookUrl, callsPerSecond } as never),
    ],
  ])(
    '%s refuses 0, a negative, NaN, Infinity or a non-number with InvalidOptionsError',
    (what, create) => {
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5', null]) {
        expect(() => create(bad), String(bad)).toThrow(InvalidOptionsError);
        expect(() => create(bad)).toThrow(new RegExp(`Invalid ${what} options: .*callsPerSecond`));
      }
      expect(() => create(0.5)).not.toThrow();
      expect(() => create(undefined)).not.toThrow();
    },
  );

  it('spreads a burst of placements at the rate, as handed to fetch', async () => {
    server.use(http.post(`${POLLING}/api/call`, created));
    const { sent, fetch, clock } = recordingFetch();
    const client = createMockCallApiClient({ callsPerSecond: 10, fetch, clock });
    const placed = Promise.all(
      Array.from({ length: 21 }, () => client.placeCall({ to: '+14155552671' })),
    );
    await runTurns(clock, sent, 21, 101);
    const calls = await placed;
    expect(new Set(calls.map((c) => c.id)).size).toBe(21);
    const moments = sent.map((s) => s.at);
    expect(mostInOneSecond(moments)).toBeLessThanOrEqual(10);
    for (let i = 1; i < moments.length; i++) {
      expect(moments[i]! - moments[i - 1]!).toBeGreaterThanOrEqual(100);
    }
    // Derived from the pacing: 21 sends 100 ms apart span at least 2 s.
    expect(moments.at(-1)! - moments[0]!).toBeGreaterThanOrEqual(2000);
  });

  it('paces the retries of a placement too (429 and 503 are retried only through the pacer)', async () => {
    let posts = 0;
    server.use(
      http.post(`${WEBHOOK}/call`, () => {
        posts += 1;
        if (posts <= 2) return new HttpResponse(null, { status: posts === 1 ? 429 : 503 });
        return HttpResponse.json({ id: 'n-1', status: 'initiated' }, { status: 201 });
      }),
    );
    const { sent, fetch, clock } = recordingFetch();
    const client = createNumDialerClient({
      webhookUrl,
      callsPerSecond: 4,
      fetch,
      clock,
      retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const placed = client.placeCall({ to: '+14155552671' });
    await runTurns(clock, sent, 3, 251);
    await expect(placed).resolves.toMatchObject({ id: 'n-1' });
    expect(posts).toBe(3);
    expect(sent).toHaveLength(3);
    // Without the pacer the retries would follow 1–2 ms apart.
    for (let i = 1; i < sent.length; i++) {
      expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(250);
    }
  });

  it('does not pace reads', async () => {
    server.use(
      http.get(`${POLLING}/api/call/:id`, ({ params }) =>
        HttpResponse.json({ id: params.id, status: 'ringing' }),
      ),
    );
    const { sent, fetch, clock } = recordingFetch();
    const client = createMockCallApiClient({ callsPerSecond: 1, fetch, clock });
    // The clock never moves: a read that waited for a turn would never be sent.
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => client.getCall(id)));
    expect(sent).toHaveLength(4);
    expect(sent.every((s) => s.at === 0)).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('does not count the wait for a turn against timeoutMs or totalTimeoutMs', async () => {
    server.use(http.post(`${POLLING}/api/call`, created));
    const client = createMockCallApiClient({
      callsPerSecond: 5,
      timeoutMs: 150,
      totalTimeoutMs: 300,
    });
    // The last of six waits a second for its turn, far longer than either timeout.
    const calls = await Promise.all(
      Array.from({ length: 6 }, () => client.placeCall({ to: '+14155552671' })),
    );
    expect(calls).toHaveLength(6);
  });

  it('still times a paced attempt out from the moment it was sent, without retrying it', async () => {
    let posts = 0;
    server.use(
      http.post(`${POLLING}/api/call`, async () => {
        posts += 1;
        await delay(2_000);
        return created();
      }),
    );
    const client = createMockCallApiClient({ callsPerSecond: 20, timeoutMs: 50, retry: 2 });
    const error = await client.placeCall({ to: '+14155552671' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 50, request: { method: 'POST' } });
    expect(posts).toBe(1);
  });

  it('a placement aborted while it waits for its turn rejects with the reason and never reaches fetch', async () => {
    server.use(http.post(`${POLLING}/api/call`, created));
    const { sent, fetch, clock } = recordingFetch();
    const client = createMockCallApiClient({ callsPerSecond: 2, fetch, clock });
    const first = client.placeCall({ to: '+14155552671' });
    const controller = new AbortController();
    const second = client.placeCall({ to: '+14155552672', signal: controller.signal });
    const third = client.placeCall({ to: '+14155552673' });
    await expect.poll(() => sent.length).toBe(1);
    controller.abort(new Error('not any more'));
    await expect(second).rejects.toThrow('not any more');
    await runTurns(clock, sent, 2, 501);
    await Promise.all([first, third]);
    expect(sent).toHaveLength(2);
    // The aborted one's turn passed to the third: the second turn, not a third one.
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(500);
    expect(sent[1]!.at - sent[0]!.at).toBeLessThan(1000);
  });
});
