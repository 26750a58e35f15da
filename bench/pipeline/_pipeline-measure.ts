/**
 * How `pipeline.ts` measures: CPU time of this process and of the PostgreSQL server, CPU
 * profiles, a loop of placements at a concurrency, interleaved runs, and a row of lags.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { here, profile } from './_pipeline-settings.js';
import { percentile } from '../_stats.js';

/** CPU time of this process over a span, as ms and as % of one core. */
export function cpuMeter() {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const used = process.cpuUsage(cpu);
    const ms = (used.user + used.system) / 1000;
    return { ms, percent: (100 * ms) / (performance.now() - t0) };
  };
}

/**
 * CPU time of the PostgreSQL server's processes on this machine (every process named
 * `postgres`), in ms; `null` where `/proc` cannot tell (another OS, a server elsewhere). Read from
 * the time the kernel's scheduler counted each on a core (`/proc/<pid>/schedstat`, in ns), or,
 * where that file is missing, from its user and system time (`/proc/<pid>/stat`, in clock ticks
 * of 10 ms). A backend that exits between two readings takes its time with it: read it around
 * work whose connections stay open.
 */
function postgresCpuMs(): number | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  let tick: number | undefined;
  let ms = 0;
  let found = false;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
    found = true;
    try {
      ms += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
      continue;
    } catch {
      // No schedstat (a kernel without it): the coarser ticks below.
    }
    try {
      tick ??= 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      return null;
    }
    // Fields after the name: state is the 3rd field of the line, utime the 14th, stime the 15th.
    const fields = stat.slice(close + 2).split(' ');
    ms += (Number(fields[11]) + Number(fields[12])) * tick;
  }
  return found ? ms : null;
}

/**
 * The local PostgreSQL server's CPU over a span (see {@link postgresCpuMs}): call the function it
 * returns at the span's end for the ms spent since, `null` where either reading could not be made.
 */
export function postgresCpuMeter(): () => number | null {
  const from = postgresCpuMs();
  return () => {
    const to = postgresCpuMs();
    return from === null || to === null ? null : to - from;
  };
}

/** The machine's CPU time so far, busy and in all, in ticks (`/proc/stat`); `null` elsewhere. */
function machineTicks(): { busy: number; all: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const ticks = fields.slice(1).map(Number);
    const all = ticks.reduce((a, b) => a + b, 0);
    // idle and iowait are the 4th and 5th numbers.
    return { busy: all - ticks[3]! - ticks[4]!, all };
  } catch {
    return null;
  }
}

/**
 * The load over `ms` from `at` (epoch ms): this process's CPU as % of one core, and how busy the
 * machine's cores were, as % of all of them (`null` where `/proc/stat` cannot tell). Resolves
 * once the window has passed.
 */
export function loadOver(
  at: number,
  ms: number,
): Promise<{ ours: number; machine: number | null }> {
  return new Promise((resolve) => {
    setTimeout(
      () => {
        const cpu = cpuMeter();
        const before = machineTicks();
        setTimeout(() => {
          const after = machineTicks();
          resolve({
            ours: cpu().percent,
            machine:
              before && after
                ? (100 * (after.busy - before.busy)) / (after.all - before.all)
                : null,
          });
        }, ms);
      },
      Math.max(0, at - Date.now()),
    );
  });
}

export async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!profile) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile: data } = await session.post('Profiler.stop');
    const dir = join(here, '..', 'profiles');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `pipeline-${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(data));
    console.log(`  profile: ${file}`);
    session.disconnect();
  }
}

export interface LoopResult {
  perSecond: number;
  p50: number;
  p99: number;
  cpuPerCallUs: number;
}

/** `calls` invocations of `place`, `concurrency` at a time. */
export async function loop(
  place: (i: number) => Promise<unknown>,
  calls: number,
  concurrency: number,
): Promise<LoopResult> {
  const latencies = new Float64Array(calls);
  let next = 0;
  const cpu = cpuMeter();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const i = next++;
        const start = performance.now();
        await place(i);
        latencies[i] = performance.now() - start;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return {
    perSecond: calls / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    cpuPerCallUs: (cpu().ms * 1000) / calls,
  };
}

export const medianBy = <T>(items: T[], key: (item: T) => number): T =>
  [...items].sort((a, b) => key(a) - key(b))[items.length >> 1]!;

/** Runs each way three times, interleaved, and keeps each one's median run by calls/s. */
export async function compare(
  ways: Record<string, (i: number) => Promise<unknown>>,
  calls: number,
  concurrency: number,
) {
  const results: Record<string, LoopResult[]> = {};
  for (const place of Object.values(ways)) await loop(place, 200, concurrency); // warm-up
  for (let run = 0; run < 3; run += 1) {
    for (const [name, place] of Object.entries(ways)) {
      (results[name] ??= []).push(await loop(place, calls, concurrency));
    }
  }
  return Object.fromEntries(
    Object.entries(results).map(([name, list]) => [name, medianBy(list, (r) => r.perSecond)]),
  );
}

export function lagRow(name: string, lags: number[], extra: Record<string, string | number> = {}) {
  const sorted = [...lags].sort((a, b) => a - b);
  return {
    '': name,
    'lag p50 ms': percentile(sorted, 50),
    'lag p99 ms': percentile(sorted, 99),
    'lag max ms': sorted.at(-1) ?? Number.NaN,
    ...extra,
  };
}

/**
 * Counts the statements this process sends to a database from now on: every `query` of a `pg`
 * client (a `BEGIN` and a `COMMIT` each count: each is a round trip) and every `run`, `all`,
 * `get` and `iterate` of a `node:sqlite` statement. `count()` is the number so far.
 */
export async function statementCounter() {
  const pg = (await import('pg')).default;
  const { StatementSync } = await import('node:sqlite');
  let n = 0;
  const wrap = (proto: Record<string, unknown>, method: string) => {
    const original = proto[method] as (...args: unknown[]) => unknown;
    proto[method] = function (this: unknown, ...args: unknown[]) {
      n += 1;
      return original.apply(this, args);
    };
    return () => {
      proto[method] = original;
    };
  };
  const undo = [
    wrap(pg.Client.prototype as unknown as Record<string, unknown>, 'query'),
    ...['run', 'all', 'get', 'iterate'].map((m) =>
      wrap(StatementSync.prototype as unknown as Record<string, unknown>, m),
    ),
  ];
  return {
    count: () => n,
    stop: () => undo.forEach((u) => u()),
  };
}
