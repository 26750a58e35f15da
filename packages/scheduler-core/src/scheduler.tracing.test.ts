/**
 * The scheduler's spans and its `placement` event: one span per claim that found calls, one per
 * placement under it, and the provider client's own span under that.
 */
import { InvalidOptionsError, createMockCallApiClient } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { attributeText, ownTracer, recordSpans } from '@ringkit/internal/testing';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PlacementEvent } from './events.js';
import { createScheduler } from './scheduler.js';
import { createMemoryStore } from './stores/memory/memory.js';
import type { SchedulerOptions } from './options.js';

const otel = recordSpans();
afterAll(() => otel.close());
beforeEach(() => otel.reset());

const T0 = Date.parse('2026-06-01T12:00:00Z');
const ME = '+14155550100';
const NUMBERS = ['+14155552671', '+14155552672', '+14155552673'];

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A scheduler on the real polling client, whose `fetch` answers with `answer(n)`. */
function setup(answer: (n: number) => Response, options: Partial<SchedulerOptions> = {}) {
  const clock = createFakeClock(T0);
  let n = 0;
  const fetch = (() => Promise.resolve(answer(n++))) as unknown as typeof globalThis.fetch;
  const provider = createMockCallApiClient({ baseUrl: 'http://calls.test', fetch, retry: 0 });
  const scheduler = createScheduler({
    store: createMemoryStore(),
    provider,
    clock,
    callerId: ME,
    recheckIntervalMs: 0,
    watchIntervalMs: 3_600_000,
    ...options,
  });
  const placements: PlacementEvent[] = [];
  scheduler.on('placement', (event) => placements.push(event));
  return { clock, scheduler, placements };
}

describe('the scheduler traced', () => {
  it('makes one span for a claim and one per placement under it, never with a number', async () => {
    const { clock, scheduler, placements } = setup((n) =>
      json(201, { id: `c${n}`, status: 'initiated' }),
    );
    const ids: string[] = [];
    for (const to of NUMBERS) {
      ids.push((await scheduler.schedule({ to, at: new Date(T0 + 1_000) })).id);
    }
    // Due at T0 + 1 s, claimed at T0 + 1.5 s: 500 ms late.
    await clock.advanceTo(T0 + 1_500);
    await scheduler.start();
    await vi.waitFor(() => expect(placements).toHaveLength(3));
    await scheduler.stop();

    const [batch, ...batches] = otel.named('ringkit.scheduler.dispatch');
    expect(batches).toHaveLength(0);
    expect(batch!.attributes).toMatchObject({
      'ringkit.dispatch.claimed': 3,
      // What the claim asked for: the ten places of concurrency 10 (a claim that marks takes
      // nothing ahead).
      'ringkit.dispatch.free_slots': 10,
    });
    const places = otel.named('ringkit.scheduler.place');
    expect(places.map((s) => s.attributes['ringkit.call.id']).sort()).toEqual([...ids].sort());
    for (const place of places) {
      expect(place.parentSpanContext?.spanId).toBe(batch!.spanContext().spanId);
      expect(place.spanContext().traceId).toBe(batch!.spanContext().traceId);
      expect(place.attributes).toMatchObject({
        'ringkit.call.attempt': 1,
        'ringkit.provider': 'mock-call-api',
        'ringkit.placement.outcome': 'placed',
        'ringkit.dispatch.lag_ms': 500,
        'ringkit.call.status': 'initiated',
      });
    }
    // The client's request span is the child of its placement's.
    const requests = otel.named('ringkit.place_call');
    expect(requests.map((s) => s.parentSpanContext?.spanId).sort()).toEqual(
      places.map((s) => s.spanContext().spanId).sort(),
    );
    expect(attributeText(otel.spans())).not.toMatch(/415555267/);

    for (const event of placements) {
      const span = places.find((s) => s.attributes['ringkit.call.id'] === event.call.id)!;
      expect(event).toMatchObject({
        outcome: 'placed',
        provider: 'mock-call-api',
        providerStatus: 'initiated',
        lagMs: 500,
        durationMs: 0,
        sentAt: new Date(T0 + 1_500),
        trace: { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId },
      });
      expect(event.call.status).toBe('initiated');
      expect(event.error).toBeUndefined();
    }
  });

  it('calls a 502 unknown and a 400 not_placed, on the span and in the event', async () => {
    const { clock, scheduler, placements } = setup((n) =>
      n === 0 ? json(502, {}) : json(400, { error: 'no' }),
    );
    const first = await scheduler.schedule({ to: NUMBERS[0]!, at: new Date(T0) });
    await scheduler.start();
    await vi.waitFor(() => expect(placements).toHaveLength(1));
    const second = await scheduler.schedule({ to: NUMBERS[1]!, at: new Date(T0 + 10) });
    await clock.advance(10);
    await vi.waitFor(() => expect(placements).toHaveLength(2));
    await scheduler.stop();

    expect(placements[0]).toMatchObject({ outcome: 'unknown', call: { id: first.id } });
    expect(placements[0]!.call).toMatchObject({ status: 'failed', reason: 'outcome_unknown' });
    expect(placements[1]).toMatchObject({ outcome: 'not_placed', call: { id: second.id } });
    expect(placements[1]!.call).toMatchObject({ status: 'failed', reason: 'placement_failed' });
    for (const event of placements) expect(event.error).toBeInstanceOf(Error);

    const outcomes = otel
      .named('ringkit.scheduler.place')
      .map((s) => [s.attributes['ringkit.placement.outcome'], s.status.code]);
    expect(outcomes).toEqual([
      ['unknown', 2],
      ['not_placed', 2],
    ]);
  });

  it('ends the placement span and tells the placement even when its answer cannot be written', async () => {
    const store = createMemoryStore();
    const failing: typeof store = {
      ...store,
      update: (id, version, patch) =>
        patch.providerCallId
          ? Promise.reject(new Error('disk full'))
          : store.update(id, version, patch),
    };
    const { scheduler, placements } = setup(() => json(201, { id: 'p1', status: 'initiated' }), {
      store: failing,
    });
    const errors: unknown[] = [];
    scheduler.on('error', ({ error }) => errors.push(error));
    const call = await scheduler.schedule({ to: NUMBERS[0]!, at: new Date(T0) });
    await scheduler.start();
    await vi.waitFor(() => expect(placements).toHaveLength(1));
    await vi.waitFor(() => expect(errors).toContainEqual(new Error('disk full')));
    await scheduler.stop();
    expect(placements[0]).toMatchObject({ outcome: 'placed', call: { id: call.id } });
    const [place] = otel.named('ringkit.scheduler.place');
    expect(place!.attributes['ringkit.placement.outcome']).toBe('placed');
  });

  it('makes no span for a claim that finds nothing', async () => {
    const { clock, scheduler } = setup(() => json(201, { id: 'x', status: 'initiated' }), {
      recheckIntervalMs: 1_000,
    });
    await scheduler.start();
    await clock.advance(5_000);
    await scheduler.stop();
    expect(otel.spans()).toHaveLength(0);
  });

  it('uses a tracer passed in, and refuses one that is not', async () => {
    const own = ownTracer();
    const { scheduler, placements } = setup(() => json(201, { id: 'x', status: 'initiated' }), {
      tracer: own.tracer,
    });
    await scheduler.schedule({ to: NUMBERS[0]!, at: new Date(T0) });
    await scheduler.start();
    await vi.waitFor(() => expect(placements).toHaveLength(1));
    await scheduler.stop();
    expect(own.spans().map((s) => s.name)).toEqual([
      'ringkit.scheduler.dispatch',
      'ringkit.scheduler.place',
    ]);
    // The client was not given the tracer: its span goes to the global provider, still a child.
    const [request] = otel.named('ringkit.place_call');
    expect(request!.parentSpanContext?.spanId).toBe(own.spans()[1]!.spanContext().spanId);
    await own.close();

    expect(() =>
      createScheduler({
        store: createMemoryStore(),
        provider: createMockCallApiClient(),
        callerId: ME,
        tracer: { startSpan: 'no' } as never,
      }),
    ).toThrow(InvalidOptionsError);
  });
});
