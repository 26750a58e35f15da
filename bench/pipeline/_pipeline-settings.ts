/** The command line of `pipeline.ts`, its sizes, and the numbers it calls. */
import { fileURLToPath } from 'node:url';
import { quick } from '../_stats.js';

export const here = fileURLToPath(new URL('.', import.meta.url));
const argv = process.argv.slice(2);
export const profile = argv.includes('--profile');
/** One unmeasured scheduler run on memory before the end-to-end rows. */
export const warmUp = argv.includes('--warm-up');
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set(argv[onlyAt + 1]!.split(',')) : null;
export const runs = (section: string) => only === null || only.has(section);
export const PG_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
export const PG_SCHEMA = `bench_pipeline_${process.pid}`;

export const PLACE_CALLS = quick ? 1_000 : 3_000;
export const DUE_AT_ONCE = quick ? 1_000 : 2_000;
export const BURST = 500;
export const BURST_RUNS = 3;
export const E2E_RUNS = 3;
export const PG_WORKERS = 4;
export const DIALER_CALLS = quick ? 300 : 1_000;
export const CONCURRENCY = 10;
export const CALLER = '+14155550100';
export const NO_STEPS = 3_600_000; // calls that never move: placement alone
export const FOLLOWED: [number, number] = [500, 1_500]; // calls that ring, answer and end while followed
/** The scheduler's watch interval (`watchIntervalMs`, its default), and the following floor's. */
export const WATCH_MS = 1_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const numberOf = (i: number) => `+1415${String(2_000_000 + i)}`;
