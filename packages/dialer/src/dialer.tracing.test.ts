/** The dialer's span per placement and its `placement` event. */
import { HttpError, InvalidOptionsError, createNumDialerClient } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { attributeText, ownTracer, recordSpans } from '@ringkit/internal/testing';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { manualProvider, flush, T0, settle } from '../test/utils.js';
import { createDialer } from './dialer.js';
import type { DialerPlacementEvent } from './types.js';

const otel = recordSpans();
afterAll(() => otel.close());
beforeEach(() => otel.reset());

const NUMBERS = ['+14155552671', '+13018040009', '+14155550111'];

function httpError(status: number) {
  return new HttpError({
    status,
    request: { method: 'POST', url: 'http://dialer.test/call' },
    body: {},
    headers: new Headers(),
    attempts: 1,
  });
}

describe('the dialer traced', () => {
  it('makes one span per placement, with its outcome, and tells each in a placement event', async () => {
    const provider = manualProvider();
    const clock = createFakeClock(T0);
    const dialer = createDialer({ provider, numbers: NUMBERS, clock, concurrency: 3 });
    const placements: DialerPlacementEvent[] = [];
    dialer.on('placement', (event) => placements.push(event));
    dialer.start();
    await settle(clock);
    await clock.advance(40);
    provider.placed[0]!.answer('a', 'initiated', { providerStatus: 'queued' });
    provider.placed[1]!.fail(httpError(502));
    provider.placed[2]!.fail(httpError(400));
    await flush();

    // The engine's span per placement, as for every scheduled call and campaign entry.
    const spans = otel.named('ringkit.scheduler.place');
    const byOutcome = new Map(
      spans.map((s) => [s.attributes['ringkit.placement.outcome'], s] as const),
    );
    expect([...byOutcome.keys()].sort()).toEqual(['not_placed', 'placed', 'unknown']);
    for (const [outcome, span] of byOutcome) {
      expect(span.attributes).toMatchObject({
        'ringkit.call.attempt': 1,
        'ringkit.provider': 'fake',
        'ringkit.placement.outcome': outcome,
      });
      expect(span.attributes['error.type']).toBe(outcome === 'placed' ? undefined : 'http_error');
      expect(span.status.code).toBe(outcome === 'placed' ? 1 : 2);
    }
    expect(attributeText(otel.spans())).not.toMatch(/555/);

    // Told as each outcome is written, in whatever order the writes end.
    placements.sort((a, b) => a.index - b.index);
    expect(placements.map(({ error: _error, trace: _trace, ...rest }) => rest)).toEqual([
      {
        index: 0,
        phone: NUMBERS[0],
        attempt: 1,
        outcome: 'placed',
        provider: 'fake',
        callId: 'a',
        providerStatus: 'queued',
        sentAt: new Date(T0),
        durationMs: 40,
      },
      {
        index: 1,
        phone: NUMBERS[1],
        attempt: 1,
        outcome: 'unknown',
        provider: 'fake',
        callId: null,
        sentAt: new Date(T0),
        durationMs: 40,
      },
      {
        index: 2,
        phone: NUMBERS[2],
        attempt: 1,
        outcome: 'not_placed',
        provider: 'fake',
        callId: null,
        sentAt: new Date(T0),
        durationMs: 40,
      },
    ]);
    expect(placements.map((p) => p.error === undefined)).toEqual([true, false, false]);
    // Each placement event points at its own span.
    for (const placement of placements) {
      const span = byOutcome.get(placement.outcome)!;
      expect(placement.trace).toEqual({
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
      });
    }
    // The entry's state is what the event followed.
    expect(dialer.snapshot().entries.map((e) => e.status)).toEqual([
      'initiated',
      'failed',
      'failed',
    ]);
  });

  it('makes the client span of the request a child of the placement span', async () => {
    let n = 0;
    const fetch = (() =>
      Promise.resolve(
        new Response(JSON.stringify({ id: ++n }), {
          headers: { 'content-type': 'application/json' },
        }),
      )) as unknown as typeof globalThis.fetch;
    const provider = createNumDialerClient({
      baseUrl: 'http://dialer.test',
      webhookUrl: 'http://app.test/hooks/t',
      fetch,
    });
    const dialer = createDialer({ provider, numbers: NUMBERS.slice(0, 2), concurrency: 2 });
    const placements: DialerPlacementEvent[] = [];
    dialer.on('placement', (event) => placements.push(event));
    dialer.start();
    await flush();
    await vi.waitFor(() => expect(placements).toHaveLength(2));
    dialer.stop();
    await flush();

    const places = otel.named('ringkit.scheduler.place');
    const requests = otel.named('ringkit.place_call');
    expect(requests.map((s) => s.parentSpanContext?.spanId).sort()).toEqual(
      places.map((s) => s.spanContext().spanId).sort(),
    );
    expect(placements.map((p) => p.provider)).toEqual(['num-dialer', 'num-dialer']);
  });

  it('uses a tracer passed in, and refuses one that is not', async () => {
    const own = ownTracer();
    const provider = manualProvider();
    const dialer = createDialer({
      provider,
      numbers: NUMBERS.slice(0, 1),
      tracer: own.tracer,
    });
    dialer.start();
    await flush();
    provider.placed[0]!.answer('a');
    await flush();
    expect(own.spans().map((s) => s.name)).toEqual([
      'ringkit.scheduler.dispatch',
      'ringkit.scheduler.place',
    ]);
    expect(otel.spans()).toHaveLength(0);
    await own.close();

    expect(() =>
      createDialer({ provider, numbers: NUMBERS, tracer: { startSpan: 1 } as never }),
    ).toThrow(InvalidOptionsError);
  });
});
