/**
 * `GET /metrics`: Prometheus metrics with prom-client, in base units, counters ending `_total`,
 * no phone number in any label. Fed by the app's {@link Observer}; the gauges are read from
 * the store when Prometheus scrapes (with several processes on one PostgreSQL store, each
 * reports the same store-wide figure: aggregate them with `max`, not `sum`), the agents' too
 * (agent-metrics.ts). The store is asked
 * for its live calls only (finished ones pile up there until `RETENTION_DAYS` deletes them);
 * ended calls are counted as they end, by `ringkit_calls_ended_total`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LIVE_STATUSES } from '@ringkit/scheduler-core';
import { registerAgentMetrics, type AgentFigures } from './agent-metrics.js';
import { CALL_SOURCES, type Observer } from './observe.js';

/** Seconds from a call's due time to its request: most are milliseconds, a backlog minutes. */
const LAG_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
/** Seconds a provider takes to answer a placement. */
const PLACEMENT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface Metrics {
  readonly registry: Registry;
  /** Stops listening to the observer. */
  close(): void;
}

/**
 * A registry of its own (one per app, so tests can run several) with Node's default metrics;
 * with `agents`, the agents' metrics too (agent-metrics.ts).
 */
export function createMetrics(observer: Observer, agents?: AgentFigures): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const placed = new Counter({
    name: 'ringkit_calls_placed_total',
    help: 'Calls the provider accepted, by provider and by the part of the app that placed them.',
    labelNames: ['provider', 'source'] as const,
    registers,
  });
  const ended = new Counter({
    name: 'ringkit_calls_ended_total',
    help: 'Attempts that reached a terminal status, by status and source.',
    labelNames: ['status', 'source'] as const,
    registers,
  });
  const lag = new Histogram({
    name: 'ringkit_dispatch_lag_seconds',
    help: "Seconds from a scheduled call's due time to its request being sent.",
    buckets: LAG_BUCKETS,
    registers,
  });
  const placement = new Histogram({
    name: 'ringkit_placement_seconds',
    help: "Seconds from a placement request to the provider's answer, by provider, source and outcome (placed, not_placed, unknown).",
    labelNames: ['provider', 'source', 'outcome'] as const,
    buckets: PLACEMENT_BUCKETS,
    registers,
  });
  new Gauge({
    name: 'ringkit_calls_in_flight',
    help: 'Calls from their request to a terminal status, by source (scheduler: claimed, placed or live in the store).',
    labelNames: ['source'] as const,
    registers,
    async collect() {
      const now = await observer.inFlight();
      for (const source of CALL_SOURCES) this.set({ source }, now[source]);
    },
  });
  new Gauge({
    name: 'ringkit_scheduled_calls',
    help: 'Live scheduled calls in the store, by status (scheduled, queued, initiated, ringing, answered); ended calls are counted by ringkit_calls_ended_total.',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const counts = await observer.scheduledCounts();
      for (const status of LIVE_STATUSES) this.set({ status }, counts[status]);
    },
  });

  const stops = [
    observer.onPlacement((p) => {
      if (p.outcome === 'placed') placed.inc({ provider: p.provider, source: p.source });
      placement.observe(
        { provider: p.provider, source: p.source, outcome: p.outcome },
        p.durationMs / 1000,
      );
      if (p.lagMs !== null) lag.observe(p.lagMs / 1000);
    }),
    observer.onEnded((e) => ended.inc({ status: e.status, source: e.source })),
    ...(agents ? [registerAgentMetrics(registry, observer, agents)] : []),
  ];
  return {
    registry,
    close: () => stops.forEach((stop) => stop()),
  };
}
