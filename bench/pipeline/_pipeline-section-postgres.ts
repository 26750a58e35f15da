/** Section 4 of `pipeline.ts`: PostgreSQL with several scheduler workers, beside as many fetch processes. */
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { createMockCallApiClient } from '@ringkit/call-client';
import { createScheduler } from '@ringkit/scheduler-core';
import { startSim, startWorker } from './_pipeline-children.js';
import { dropFloor, floorSchema, setUpFloor } from './_pipeline-floor.js';
import { lagRow, postgresCpuMeter } from './_pipeline-measure.js';
import { collect, dueTimes, openStore } from './_pipeline-section-scheduler.js';
import {
  CALLER,
  CONCURRENCY,
  DUE_AT_ONCE,
  FOLLOWED,
  NO_STEPS,
  PG_SCHEMA,
  PG_URL,
  PG_WORKERS,
  sleep,
  WATCH_MS,
} from './_pipeline-settings.js';
import { table } from '../_stats.js';

export async function postgresWorkers() {
  const calls = DUE_AT_ONCE * 2;
  console.log(
    `\n# PostgreSQL, ${PG_WORKERS} worker processes: ${calls} calls due at one instant, concurrency ${CONCURRENCY} each, beside ${PG_WORKERS} plain-fetch processes\n`,
  );
  // The floor: the same POSTs from as many processes.
  const floorSim = await startSim({ flavour: 'polling', stepMs: NO_STEPS });
  const loops = await Promise.all(
    Array.from({ length: PG_WORKERS }, (_, w) =>
      startWorker({
        mode: 'fetch',
        url: floorSim.url,
        calls: calls / PG_WORKERS,
        concurrency: CONCURRENCY,
        offset: w * calls,
      }),
    ),
  );
  const t0 = performance.now();
  for (const w of loops) w.child.send({ type: 'go' });
  await Promise.all(loops.map((w) => w.next()));
  const fetchPerSecond = calls / ((performance.now() - t0) / 1000);
  for (const w of loops) w.child.kill();
  await floorSim.close();

  const floor = await floorProcesses(calls);
  const following = await floorProcesses(calls, WATCH_MS);

  const sim = await startSim({ flavour: 'polling', stepMs: FOLLOWED });
  const { store, dispose } = await openStore('postgres');
  const workers = await Promise.all(
    Array.from({ length: PG_WORKERS }, () =>
      startWorker({
        mode: 'scheduler',
        url: sim.url,
        connectionString: PG_URL!,
        schema: PG_SCHEMA,
        concurrency: CONCURRENCY,
      }),
    ),
  );
  const scheduling = createScheduler({
    store,
    provider: createMockCallApiClient({ baseUrl: sim.url }),
    callerId: CALLER,
  });
  const start = Date.now() + 2_000;
  const due = dueTimes(calls, start, 0);
  await scheduling.scheduleMany([...due].map(([to, at]) => ({ to, at: new Date(at) })));
  await sleep(start - Date.now());
  const serverCpu = postgresCpuMeter();
  const { lags, last, simCpu, changes } = await collect(sim, due, calls);
  const serverMs = serverCpu();
  for (const w of workers) w.child.send({ type: 'stop' });
  const done = await Promise.all(workers.map((w) => w.next()));
  const cpu = done.map((m) => m.cpu ?? 0);
  const gets = done.reduce((sum, m) => sum + (m.gets ?? 0), 0);
  const unchanged = done.reduce((sum, m) => sum + (m.unchanged ?? 0), 0);
  await store.close();
  await sim.close();
  await dispose();
  const perSecond = (1000 * lags.length) / (last - start);
  const span = Date.now() - start;
  const server = serverMs === null ? 'n/a' : Math.round((100 * serverMs) / span);
  const blank = { 'lag p50 ms': '', 'lag p99 ms': '', 'lag max ms': '' };
  table([
    {
      '': `${PG_WORKERS} fetch processes`,
      ...blank,
      'calls/s': Math.round(fetchPerSecond),
      '× fetch': 1,
      'worker CPU %': '',
      'CPU µs/call': '',
      'statements/call': '',
      'PostgreSQL CPU %': '',
      'simulator CPU %': '',
      'GETs/call': 0,
      'GETs that saw no change': '',
      'status changes/call': '',
      placed: calls,
    },
    ...[
      [`${PG_WORKERS} floor processes`, floor] as const,
      [`${PG_WORKERS} floor processes, following`, following] as const,
    ].map(([name, f]) => ({
      '': name,
      ...blank,
      'calls/s': Math.round(f.perSecond),
      '× fetch': f.perSecond / fetchPerSecond,
      'worker CPU %': Math.round((100 * f.cpuMs) / f.spanMs),
      'CPU µs/call': Math.round((1000 * f.cpuMs) / calls),
      'statements/call': (f.statements / calls).toFixed(2),
      'PostgreSQL CPU %': '',
      'simulator CPU %': '',
      'GETs/call': (f.gets / calls).toFixed(2),
      'GETs that saw no change': '',
      'status changes/call': f === floor ? '' : (f.changes / calls).toFixed(2),
      placed: calls,
    })),
    lagRow(`${PG_WORKERS} scheduler workers`, lags, {
      'calls/s': Math.round(perSecond),
      '× fetch': perSecond / fetchPerSecond,
      'worker CPU %': Math.round((100 * cpu.reduce((a, b) => a + b, 0)) / (last - start)),
      'CPU µs/call': Math.round((1000 * cpu.reduce((a, b) => a + b, 0)) / lags.length),
      'statements/call': '',
      'PostgreSQL CPU %': server,
      'simulator CPU %': Math.round((100 * simCpu) / span),
      'GETs/call': (gets / lags.length).toFixed(2),
      'GETs that saw no change': gets === 0 ? '' : `${((100 * unchanged) / gets).toFixed(1)} %`,
      'status changes/call': (changes / lags.length).toFixed(2),
      placed: lags.length,
    }),
  ]);
  console.log(
    `(CPU % of one core, over the ${(span / 1000).toFixed(1)} s from the due time until the last call was seen; this machine has ${availableParallelism()} cores.`,
  );
  console.log(
    ` The floor processes: bare pg and fetch, claim ahead, mark, request, answer with its record (_pipeline-floor.ts); following: each call also polled every ${WATCH_MS / 1000} s until it ends,\n` +
      ` each new status written with its record, as the scheduler must on a provider that can only be polled. Goals: ≥ 0.5× fetch, ≤ 1.2 GETs/call)`,
  );
  console.log(
    `(status changes/call: the new statuses the simulator's calls reached until the last call was placed, the fewest GETs that see each;\n` +
      ` the scheduler's GETs/call ÷ that: ${(gets / Math.max(1, changes)).toFixed(2)}. Both grow with the time the calls are followed: one GET per call per watch interval, ${WATCH_MS / 1000} s)`,
  );
}

/**
 * The floor of bare `pg` and `fetch` (`_pipeline-floor.ts`) in `PG_WORKERS` processes sharing
 * one table of `calls` calls due now, against a simulator of its own whose calls move as the
 * scheduler's do. CPU is the processes' together.
 */
async function floorProcesses(calls: number, followMs?: number) {
  const schema = floorSchema(`${process.pid}_workers`);
  await setUpFloor(PG_URL!, schema, calls);
  const sim = await startSim({ flavour: 'polling', stepMs: FOLLOWED });
  try {
    const workers = await Promise.all(
      Array.from({ length: PG_WORKERS }, () =>
        startWorker({
          mode: 'floor',
          url: sim.url,
          connectionString: PG_URL!,
          schema,
          concurrency: CONCURRENCY,
          followMs,
        }),
      ),
    );
    const t0 = performance.now();
    for (const w of workers) w.child.send({ type: 'go' });
    const done = await Promise.all(workers.map((w) => w.next()));
    const spanMs = performance.now() - t0;
    const { changes } = await sim.take();
    for (const w of workers) w.child.send({ type: 'stop' });
    await Promise.all(workers.map((w) => once(w.child, 'exit')));
    const placed = done.reduce((sum, m) => sum + (m.placed ?? 0), 0);
    if (placed !== calls) throw new Error(`the floor placed ${placed} calls of ${calls}`);
    return {
      perSecond: calls / (spanMs / 1000),
      spanMs,
      cpuMs: done.reduce((sum, m) => sum + (m.cpu ?? 0), 0),
      statements: done.reduce((sum, m) => sum + (m.statements ?? 0), 0),
      gets: done.reduce((sum, m) => sum + (m.gets ?? 0), 0),
      changes,
    };
  } finally {
    await sim.close();
    await dropFloor(PG_URL!, schema);
  }
}
