/**
 * `GET /metrics` end to end: calls placed through both simulators, the counters checked against
 * what the simulators saw, and each placement's log line tied to its span.
 */
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { SimulatedCall } from '@ringkit/simulator';
import { LIVE_STATUSES } from '@ringkit/scheduler-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The samples of a Prometheus text exposition: `name{labels}` → value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\S+?(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

const TERMINAL = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];

function byOutcome(calls: SimulatedCall[]) {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[call.outcome] = (counts[call.outcome] ?? 0) + 1;
  return counts;
}

describe('GET /metrics', () => {
  it('counts what the simulators saw, and logs each placement with its span', async () => {
    // Kept past the shutdown that flushes them (the SDK's in-memory exporter forgets them then).
    const spans: ReadableSpan[] = [];
    const exporter: SpanExporter = {
      export: (batch, done) => {
        spans.push(...batch);
        done({ code: 0 });
      },
      shutdown: () => Promise.resolve(),
    };
    app = await startTestApp({ spanExporter: exporter });
    const numbers = ['+14155552671', '+14155552672', '+14155552673'];
    const ids: string[] = [];
    for (const phone_number of numbers) {
      const res = await api(`${app.url}/api/scheduled-calls`, {
        method: 'POST',
        body: { phone_number, scheduled_time: new Date().toISOString() },
      });
      expect(res.status).toBe(201);
      ids.push((res.json as { id: string }).id);
    }
    expect((await api(`${app.url}/api/dialer/start`, { method: 'POST', body: {} })).status).toBe(
      202,
    );
    await vi.waitFor(
      async () => {
        for (const id of ids) {
          const call = (await api(`${app!.url}/api/scheduled-calls/${id}`)).json as {
            status: string;
          };
          expect(TERMINAL).toContain(call.status);
        }
        expect((await api(`${app!.url}/api/dialer`)).json).toMatchObject({ state: 'done' });
      },
      { timeout: 15_000, interval: 50 },
    );

    // The gauges follow the calls' events, which may come a moment after the API reads each call
    // ended: the figures are read once they have.
    let text = '';
    await vi.waitFor(
      async () => {
        const res = await fetch(`${app!.url}/metrics`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        text = await res.text();
        const gauges = parse(text);
        expect(gauges.get('ringkit_calls_in_flight{source="scheduler"}')).toBe(0);
        expect(gauges.get('ringkit_calls_in_flight{source="dialer"}')).toBe(0);
      },
      { timeout: 15_000, interval: 50 },
    );
    const m = parse(text);
    const polled = app.polling.calls();
    const dialed = app.webhook.calls();
    expect(polled).toHaveLength(3);
    expect(dialed).toHaveLength(4);

    expect(m.get('ringkit_calls_placed_total{provider="mock-call-api",source="scheduler"}')).toBe(
      polled.length,
    );
    expect(m.get('ringkit_calls_placed_total{provider="num-dialer",source="dialer"}')).toBe(
      dialed.length,
    );
    for (const [source, calls] of [
      ['scheduler', polled],
      ['dialer', dialed],
    ] as const) {
      for (const [status, n] of Object.entries(byOutcome(calls))) {
        expect(m.get(`ringkit_calls_ended_total{status="${status}",source="${source}"}`)).toBe(n);
      }
    }
    expect(m.get('ringkit_dispatch_lag_seconds_count')).toBe(3);
    expect(
      m.get(
        'ringkit_placement_seconds_count{provider="mock-call-api",source="scheduler",outcome="placed"}',
      ),
    ).toBe(3);
    expect(
      m.get(
        'ringkit_placement_seconds_count{provider="num-dialer",source="dialer",outcome="placed"}',
      ),
    ).toBe(4);
    expect(m.get('ringkit_calls_in_flight{source="scheduler"}')).toBe(0);
    expect(m.get('ringkit_calls_in_flight{source="dialer"}')).toBe(0);
    // The store's live calls only, all ended now; the ended ones are in ringkit_calls_ended_total.
    expect([...m].filter(([series]) => series.startsWith('ringkit_scheduled_calls{'))).toEqual(
      LIVE_STATUSES.map((status) => [`ringkit_scheduled_calls{status="${status}"}`, 0]),
    );
    expect(text).toMatch(/^# HELP ringkit_scheduled_calls Live scheduled calls/m);
    // Node's own metrics are there too.
    expect(m.has('process_cpu_user_seconds_total')).toBe(true);
    expect(m.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    // No phone number in any label or value.
    expect(text).not.toMatch(/415555267|301804/);

    const logs = app.logs;
    await app.close();
    app = undefined;
    const lines = logs.filter((line) => String(line['msg']).startsWith('call placement'));
    expect(lines).toHaveLength(7);
    for (const line of lines) {
      expect(line).toMatchObject({ outcome: 'placed', attempt: 1 });
      expect(String(line['to'])).toMatch(/^\*\*\*\d\d$/);
      expect(typeof line['duration_ms']).toBe('number');
      const span = spans.find((s) => s.spanContext().spanId === line['span_id']);
      // The dialer's campaigns place their calls on the scheduler's engine: the same span.
      expect(span?.name).toBe('ringkit.scheduler.place');
      expect(span!.spanContext().traceId).toBe(line['trace_id']);
    }
    const scheduler = lines.filter((line) => line['source'] === 'scheduler');
    expect(scheduler.map((line) => line['call_id']).sort()).toEqual([...ids].sort());
    for (const line of scheduler) expect(typeof line['lag_ms']).toBe('number');
    expect(JSON.stringify(logs)).not.toMatch(/415555267/);
  });

  it('needs the API token when one is set', async () => {
    const token = 'metrics-token-0123456789';
    app = await startTestApp({ env: { API_TOKEN: token } });
    const denied = await fetch(`${app.url}/metrics`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const allowed = await fetch(`${app.url}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/^# HELP /m);
  });

  it('refuses a query string', async () => {
    app = await startTestApp();
    const res = await fetch(`${app.url}/metrics?format=json`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });
});
