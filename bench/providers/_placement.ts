/**
 * What `call-client.ts` and `telnyx.ts` share to set `placeCall` beside plain `fetch`: a run of
 * placements at a given concurrency (calls/s, latency, CPU per call), a simulator in a process of
 * its own, and the alternated rounds that make a table of medians with ratios.
 */
import { closeChild, forkReady, SIMULATOR_SCRIPT } from '../_child.js';
import { summarize } from '../_stats.js';
import type { SimulatorFlavour } from '@ringkit/simulator';

export type Place = () => Promise<unknown>;

export interface Run {
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU of this process per call, µs. */
  cpuUs: number;
}

/** `calls` placements, `concurrency` at a time. */
export async function run(place: Place, calls: number, concurrency: number): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        next += 1;
        const t0 = performance.now();
        await place();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    ...summarize(latencies),
    perSecond: calls / seconds,
    cpuUs: (used.user + used.system) / calls,
  };
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A simulator of `flavour` in a process of its own; its steps are too slow to matter here. */
export async function startSimulator(flavour: SimulatorFlavour) {
  const { child, ready } = await forkReady(SIMULATOR_SCRIPT, [
    JSON.stringify({ flavour, stepMs: 600_000 }),
  ]);
  // The simulator keeps the numbers it was called with until asked: take them now and then.
  const drain = setInterval(() => child.send({ type: 'take' }), 1_000);
  child.on('message', () => undefined);
  return {
    url: ready.url,
    async close() {
      clearInterval(drain);
      await closeChild(child);
    },
  };
}

/**
 * Plain fetch: the request the client sends, its answer read as JSON, nothing else. A `body`
 * function is called for each request (a dial with an id of its own each time).
 */
export function plainFetch(
  url: string,
  headers: Record<string, string>,
  body: string | (() => string),
): Place {
  return async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : body(),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  };
}

/** A ratio row: `runner` against `to`, each round against the same round, then the median. */
export interface Ratio {
  label: string;
  runner: string;
  to: string;
}

/**
 * For each concurrency, the runners alternate (in reverse order every other round) over
 * `rounds` rounds of `calls` placements; a row per runner gives its median round, then a row per
 * ratio (calls/s and CPU per call, each round's runner against the same round's `to`).
 */
export async function compareRunners(
  runners: Record<string, Place>,
  options: {
    calls: number;
    rounds: number;
    concurrency: readonly number[];
    ratios?: readonly Ratio[];
  },
): Promise<Array<Record<string, string | number>>> {
  const ratios = options.ratios ?? [
    { label: 'placeCall / fetch', runner: 'ringkit placeCall', to: 'plain fetch' },
  ];
  const rows: Array<Record<string, string | number>> = [];
  for (const concurrency of options.concurrency) {
    const rounds: Record<string, Run[]> = {};
    for (let round = 0; round < options.rounds; round += 1) {
      // Alternate the order so no runner always goes first.
      const names = Object.keys(runners);
      if (round % 2 === 1) names.reverse();
      for (const name of names)
        (rounds[name] ??= []).push(await run(runners[name]!, options.calls, concurrency));
    }
    const med = (name: string, key: keyof Run) => median(rounds[name]!.map((r) => r[key]));
    for (const name of Object.keys(runners)) {
      rows.push({
        concurrency,
        runner: name,
        'calls/s': med(name, 'perSecond'),
        'p50 ms': med(name, 'p50'),
        'p99 ms': med(name, 'p99'),
        'CPU µs/call': med(name, 'cpuUs'),
      });
    }
    for (const { label, runner, to } of ratios) {
      const of = (key: 'perSecond' | 'cpuUs') =>
        median(rounds[runner]!.map((r, i) => r[key] / rounds[to]![i]![key]));
      rows.push({
        concurrency,
        runner: label,
        'calls/s': of('perSecond'),
        'p50 ms': '',
        'p99 ms': '',
        'CPU µs/call': of('cpuUs'),
      });
    }
  }
  return rows;
}
