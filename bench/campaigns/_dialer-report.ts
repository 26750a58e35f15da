/** How `dialer.ts` computes and prints its figures: percentiles, percentages, ratios, tables. */
import type { Bench } from './_dialer-provider.js';

export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

export function pct(value: number) {
  return `${(value * 100).toFixed(3)} %`;
}
export function ratio(a: number, b: number) {
  return b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–';
}
export function bytes(value: number) {
  return `${Math.round(value)} B`;
}

/** Prints `rows` as a Markdown table, the first row its head, every column as wide as its widest cell. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(rows[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
}

/** A finished run's slot use, and its refill latency's p50 and p99 in µs, as `bench` saw them. */
export function refillOf(bench: Bench): { slotUse: number; p50: number; p99: number } {
  const latencies = bench.latencies().map((ms) => ms * 1000);
  return {
    slotUse: bench.slotUse(),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}
