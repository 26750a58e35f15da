/** Small helpers shared by the benchmark scripts. */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** The middle value of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Prints rows as an aligned table. */
export function table(rows: Array<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0]!);
  const cells = rows.map((row) =>
    headers.map((h) => (typeof row[h] === 'number' ? fmt(row[h] as number) : String(row[h]))),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(line(headers));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of cells) console.log(line(row));
}

export const quick = process.argv.includes('--quick');

/**
 * Starts watching this process's event loop and GC; `stop()` gives the longest stall of the loop
 * and the longest GC pause since, in ms: both are part of any lag tail of work in this process.
 */
export function pauseMeter() {
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  let gcMs = 0;
  const pauses = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs = Math.max(gcMs, entry.duration);
  });
  stalls.enable();
  pauses.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      stalls.disable();
      pauses.disconnect();
      return { stallMs: stalls.max / 1e6, gcMs };
    },
  };
}
