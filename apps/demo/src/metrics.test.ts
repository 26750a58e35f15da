import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { LiveStatus } from '@ringkit/scheduler-core';
import { createMetrics } from './metrics.js';
import { createObserver } from './observe.js';

const counts = {
  scheduled: 5,
  queued: 1,
  initiated: 0,
  ringing: 2,
  answered: 0,
} satisfies Record<LiveStatus, number>;

function setup() {
  const observer = createObserver({
    counts: () => Promise.resolve(counts),
    dialerInFlight: () => 3,
    onListenerError: (error) => {
      throw error;
    },
  });
  const metrics = createMetrics(observer);
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const metric = await metrics.registry.getSingleMetric(name)!.get();
    const found = metric.values.find((v) =>
      Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l),
    );
    return found?.value;
  };
  return { observer, metrics, value };
}

describe('createMetrics', () => {
  it('counts only accepted placements as placed, and times every one by outcome', async () => {
    const { observer, value } = setup();
    const base = { provider: 'twilio', durationMs: 250, at: 0 };
    observer.placement({ ...base, source: 'scheduler', outcome: 'placed', lagMs: 40 });
    observer.placement({ ...base, source: 'scheduler', outcome: 'unknown', lagMs: 10 });
    observer.placement({ ...base, source: 'dialer', outcome: 'not_placed', lagMs: null });
    expect(await value('ringkit_calls_placed_total', { source: 'scheduler' })).toBe(1);
    expect(await value('ringkit_calls_placed_total', { source: 'dialer' })).toBeUndefined();
    expect(await value('ringkit_placement_seconds', { outcome: 'unknown', le: '0.25' })).toBe(1);
    expect(await value('ringkit_placement_seconds', { outcome: 'not_placed', le: '0.1' })).toBe(0);
    // The dialer has no due time: two lags, both the scheduler's, in seconds.
    expect(await value('ringkit_dispatch_lag_seconds', { le: '0.01' })).toBe(1);
    expect(await value('ringkit_dispatch_lag_seconds', { le: '0.05' })).toBe(2);
  });

  it('counts ends by status and source, and reads the gauges when scraped', async () => {
    const { observer, metrics, value } = setup();
    observer.ended({ source: 'dialer', status: 'no-answer', at: 0 });
    observer.ended({ source: 'dialer', status: 'no-answer', at: 0 });
    expect(
      await value('ringkit_calls_ended_total', { status: 'no-answer', source: 'dialer' }),
    ).toBe(2);
    expect(await value('ringkit_calls_in_flight', { source: 'scheduler' })).toBe(3);
    expect(await value('ringkit_calls_in_flight', { source: 'dialer' })).toBe(3);
    expect(await value('ringkit_scheduled_calls', { status: 'scheduled' })).toBe(5);
    expect(await value('ringkit_scheduled_calls', { status: 'answered' })).toBe(0);
    // Each app has a registry of its own: prom-client's global one stays empty.
    expect(await register.getMetricsAsJSON()).toEqual([]);
    metrics.close();
    observer.ended({ source: 'dialer', status: 'no-answer', at: 0 });
    expect(
      await value('ringkit_calls_ended_total', { status: 'no-answer', source: 'dialer' }),
    ).toBe(2);
  });

  it('reports the live statuses of scheduled calls, and no ended one', async () => {
    const { metrics } = setup();
    const gauge = await metrics.registry.getSingleMetric('ringkit_scheduled_calls')!.get();
    expect(gauge.help).toMatch(/^Live scheduled calls/);
    expect(Object.fromEntries(gauge.values.map((v) => [v.labels['status'], v.value]))).toEqual(
      counts,
    );
  });
});
