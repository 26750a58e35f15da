/**
 * Growth: the same work on an empty store and on full ones, side by side in one run, for the
 * memory, SQLite and PostgreSQL stores. A size of 1M is 1,000,000 finished calls (completed, busy,
 * no-answer, failed, canceled; created over the last 60 days), 100,000 pending ones (`scheduled`,
 * due in the next 30 days) and 1,000,000 call records, over 50,000 numbers; 10M is ten times each
 * (500,000 numbers). See `_growth-data.ts` for the rows and `_growth-load.ts` for the loading.
 *
 * Measured per store and size, through `createScheduler` and the store:
 * - 2,000 calls due at one instant (`scheduleMany`, a started scheduler, concurrency 10, a
 *   provider in this process that answers `completed` at once): from the due time to the last
 *   placement, and to the last end; five runs (three with `--quick`) after an untimed one of
 *   200 calls, the median shown;
 * - `scheduler.history(phone)`: p50 and p99 over up to 1,000 random numbers that have history;
 * - `scheduler.callLog()`: its first page of 50, unfiltered, with a filter one record in 20
 *   passes (inbound and canceled), and with one no record passes (inbound and busy: it reads
 *   every record), and of one number (`phone`, p50 and p99 over the numbers `history` reads);
 * - `scheduler.counts()`: median and p99 over up to 50 calls;
 * - `scheduler.list({ status: 'scheduled', limit: 50 })` and its next page through the cursor.
 * Each store and size runs in a child process (`_growth-cell.ts`) with a fresh heap. A measure
 * stops early once its time budget is spent (the number of samples taken is printed).
 *
 *   pnpm --filter @ringkit/scheduler-core build
 *   cd bench && pnpm exec node --expose-gc --import tsx scheduler/growth.ts [--quick]
 *     [--sizes 0,1M,10M] [--stores memory,sqlite,postgres]
 *
 * Full run: sizes 0, 1M and 10M (the memory store at 10M only where the heap it needs, estimated
 * from its 1M column, can be spared: not on a 23 GB machine); `--quick`: 0 and 100k, fewer
 * samples. DATABASE_URL (or TEST_DATABASE_URL) picks the PostgreSQL server (default
 * postgres://postgres@127.0.0.1:5432/test); a server that cannot be reached is left out. Temporary files and schemas are removed at the end,
 * also after an error or Ctrl-C. Nothing here fails on a timing: the goals are printed beside the
 * figures.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DUE_AT_ONCE, type CellResult, type CellTask, type StoreName } from './_growth-cell.js';
import { shapeOf } from './_growth-data.js';
import { fmt, percentile, quick } from '../_stats.js';

const PG_URL =
  process.env.DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const CELL_SCRIPT = fileURLToPath(new URL('./_growth-cell.ts', import.meta.url));
const flag = (name: string) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
};
const parseSize = (text: string) => {
  const match = /^(\d+(?:\.\d+)?)([kM]?)$/.exec(text.trim());
  if (!match) throw new Error(`--sizes: ${JSON.stringify(text)} is not a size like 0, 100k or 1M`);
  return Math.round(Number(match[1]) * (match[2] === 'M' ? 1e6 : match[2] === 'k' ? 1e3 : 1));
};
const SIZES = (flag('--sizes') ?? (quick ? '0,100k' : '0,1M,10M')).split(',').map(parseSize);
if (!SIZES.includes(0)) SIZES.unshift(0);
const ALL_STORES: StoreName[] = ['memory', 'sqlite', 'postgres'];
const STORES = (flag('--stores')?.split(',') ?? ALL_STORES) as StoreName[];
for (const store of STORES) {
  if (!ALL_STORES.includes(store))
    throw new Error(`--stores: one or more of ${ALL_STORES.join(', ')}`);
}
const LABEL: Record<StoreName, string> = {
  memory: 'memory',
  sqlite: 'SQLite',
  postgres: 'PostgreSQL',
};
/** The size the team's goals are stated at. */
const GOAL_SIZE = 1_000_000;
/**
 * The memory store's heap per unit of size (a finished call with its timeline, a tenth of a
 * pending call, a call record), measured at 1M on this machine; replaced by the run's own figure
 * when it has one.
 */
let memoryBytesPerRow = 1_000;

const sizeLabel = (size: number) =>
  size === 0 ? 'empty' : size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`;
const applicationName = `ringkit-growth-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'ringkit-growth-'));
const schemas: string[] = [];
let child: ChildProcess | null = null;

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends the connections a dead cell left and drops its schemas; tries again for half a minute
 * while the server cannot be reached (restarted by another test on a shared server, say).
 */
async function dropSchemas(names: string[]) {
  if (names.length === 0) return;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      for (const schema of names) {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }
      return;
    } catch (error) {
      if (attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  await dropSchemas(schemas).catch((error: unknown) =>
    console.error(`growth: could not drop the schemas ${schemas.join(', ')}:`, error),
  );
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\ngrowth: ${signal}, removing temporary files and schemas`);
    void cleanup().finally(() => process.exit(130));
  });
}

function runCell(task: CellTask, heapMb?: number): Promise<CellResult> {
  const execArgv = ['--expose-gc', '--import', 'tsx'];
  if (heapMb !== undefined) execArgv.push(`--max-old-space-size=${heapMb}`);
  return new Promise((resolve, reject) => {
    let settled = false;
    const cell = fork(CELL_SCRIPT, [JSON.stringify(task)], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = cell;
    cell.on('message', (message: { type: string; result?: CellResult; message?: string }) => {
      settled = true;
      if (message.type === 'result') resolve(message.result!);
      else reject(new Error(message.message));
    });
    cell.on('exit', (code, signal) => {
      child = null;
      if (!settled) reject(new Error(`the cell exited (${signal ?? code}) before its figures`));
    });
  });
}

interface Column {
  store: StoreName;
  size: number;
  result?: CellResult;
  /** Why there are no figures. */
  missing?: string;
}

const firstLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
const seconds = (ms: number) => `${fmt(ms / 1000, 1)} s`;
const millis = (ms: number) => `${fmt(ms, ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`;
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const p = (values: number[], q: number) =>
  percentile(
    [...values].sort((a, b) => a - b),
    q,
  );

async function main() {
  const started = performance.now();
  const stores = [...STORES];
  let note = '';
  if (stores.includes('postgres') && !(await postgresReachable())) {
    stores.splice(stores.indexOf('postgres'), 1);
    note = `PostgreSQL at ${PG_URL} could not be reached: left out.`;
  }
  console.log(
    `# Growth: the same work on an empty store and on full ones${quick ? ' (--quick)' : ''} — node ${process.version}\n`,
  );
  console.log(
    `Sizes: ${SIZES.map(sizeLabel).join(', ')}. A size n: n finished calls, n/10 pending, n call records, over n/20 numbers.`,
  );
  if (note) console.log(note);
  const load = () =>
    loadavg()
      .map((n) => fmt(n, 1))
      .join(' / ');
  console.log(`Load average (1 / 5 / 15 min) at the start: ${load()}.`);
  const columns: Column[] = [];
  for (const store of stores) {
    for (const size of SIZES) {
      const column: Column = { store, size };
      columns.push(column);
      const label = `${LABEL[store]} ${sizeLabel(size)}`;
      let heapMb: number | undefined;
      if (store === 'memory' && size > 1_000_000) {
        // A heap the size needs, with room for a full GC's work, where the machine has it.
        const needMb = Math.ceil((size * memoryBytesPerRow * 1.6) / 2 ** 20) + 1_024;
        const roomMb = Math.floor((Math.min(totalmem() * 0.75, freemem()) - 2 ** 31) / 2 ** 20);
        if (needMb > roomMb) {
          column.missing = `needs a heap of about ${fmt(needMb / 1024, 1)} GB; ${fmt(Math.max(0, roomMb) / 1024, 1)} GB can be spared on this machine (¾ of its memory or what is free, less 2 GB)`;
          console.log(`\n${label}: left out (${column.missing})`);
          continue;
        }
        heapMb = needMb;
      }
      const schema = `growth_${process.pid}_${schemas.length}`;
      if (store === 'postgres') schemas.push(schema);
      const cellDir = join(dir, `${store}-${size}`);
      mkdirSync(cellDir, { recursive: true });
      process.stdout.write(`\n${label}: loading and measuring…`);
      const t = performance.now();
      const task = { store, size, quick, dir: cellDir, url: PG_URL, schema, applicationName };
      try {
        let result: CellResult;
        try {
          result = await runCell(task, heapMb);
        } catch (error) {
          // Once more, from the start: a shared server may have been restarted under the load.
          console.log(` failed (${firstLine(error)}); once more…`);
          rmSync(cellDir, { recursive: true, force: true });
          mkdirSync(cellDir, { recursive: true });
          if (store === 'postgres') await dropSchemas([schema]);
          result = await runCell(task, heapMb);
        }
        column.result = result;
        if (store === 'memory' && size >= 1_000_000) memoryBytesPerRow = result.heapBytes / size;
        const phases = Object.entries(result.phases)
          .map(([name, ms]) => `${name} ${seconds(ms)}`)
          .join(', ');
        console.log(
          ` loaded in ${seconds(result.loadMs)} (${phases}), all in ${seconds(performance.now() - t)}; heap ${fmt(result.heapBytes / 2 ** 20, 0)} MB`,
        );
      } catch (error) {
        column.missing = `failed twice: ${firstLine(error)}`;
        process.exitCode = 1;
        console.log(` failed again:\n${error instanceof Error ? error.message : String(error)}`);
      } finally {
        rmSync(cellDir, { recursive: true, force: true });
        if (store === 'postgres') await dropSchemas([schema]).catch(() => {});
      }
    }
  }
  printTables(columns);
  console.log(
    `\nLoad average at the end: ${load()}. Total ${seconds(performance.now() - started)}.`,
  );
}

function printTables(columns: Column[]) {
  const emptyOf = (c: Column) =>
    columns.find((other) => other.store === c.store && other.size === 0)?.result;
  /** A column without figures says why once, in a note under the table. */
  const notes: string[] = [];
  const noteOf = new Map<Column, string>();
  for (const c of columns) {
    if (c.result || !c.missing) continue;
    notes.push(`${LABEL[c.store]} ${sizeLabel(c.size)}: ${c.missing}`);
    noteOf.set(c, `see note ${notes.length}`);
  }
  const missing = (c: Column, first: boolean) => (first ? (noteOf.get(c) ?? '') : '—');
  const header = columns.map((c) => `${LABEL[c.store]} ${sizeLabel(c.size)}`);
  /** A row: the figure of each column, with its ratio to the same store's empty one. */
  const row = (
    measure: string,
    value: (r: CellResult) => number | undefined,
    show: (v: number) => string = millis,
    ratio = true,
  ) => [
    measure,
    ...columns.map((c) => {
      if (!c.result) return missing(c, false);
      const v = value(c.result);
      if (v === undefined || !Number.isFinite(v)) return '—';
      const base = emptyOf(c);
      const b = base && ratio && c.size > 0 ? value(base) : undefined;
      return b !== undefined && b > 0 ? `${show(v)} (${fmt(v / b, 2)}×)` : show(v);
    }),
  ];
  const text = (measure: string, value: (c: Column) => string, first = false) => [
    measure,
    ...columns.map((c) => (c.result ? value(c) : missing(c, first))),
  ];
  const rows = [
    text(
      'rows (calls + pending, records)',
      (c) => {
        const s = shapeOf(c.size);
        return c.size === 0
          ? '0'
          : `${sizeLabel(s.finished)} + ${sizeLabel(s.pending)}, ${sizeLabel(s.records)}`;
      },
      true,
    ),
    text('load (open, bulk insert, indexes, analyze, reopen)', (c) =>
      c.size === 0 ? '—' : seconds(c.result!.loadMs),
    ),
    row(`${fmt(DUE_AT_ONCE, 0)} due at once: all placed (median)`, (r) => median(r.placedMs)),
    text(
      '  each run: placed',
      (c) => c.result!.placedMs.map((ms) => fmt(ms, 0)).join(' / ') + ' ms',
    ),
    row(`${fmt(DUE_AT_ONCE, 0)} due at once: all ended (median)`, (r) => median(r.endedMs)),
    row(`scheduleMany(${fmt(DUE_AT_ONCE, 0)}) (median)`, (r) => median(r.scheduleManyMs)),
    row('scheduler.start() (median)', (r) => median(r.startMs)),
    row('history(phone) p50', (r) => p(r.history, 50)),
    row('history(phone) p99', (r) => p(r.history, 99)),
    row('callLog({ limit: 50 }) p50', (r) => p(r.callLog, 50)),
    row('callLog p99', (r) => p(r.callLog, 99)),
    row('callLog, inbound and canceled (1 in 20) p50', (r) => p(r.callLogRare, 50)),
    row('callLog, inbound and canceled p99', (r) => p(r.callLogRare, 99)),
    row('callLog, a filter nothing passes: median', (r) => p(r.callLogNone, 50)),
    row('callLog({ phone }) p50', (r) => p(r.callLogPhone, 50)),
    row('callLog({ phone }) p99', (r) => p(r.callLogPhone, 99)),
    row('counts() median', (r) => p(r.counts, 50)),
    row('counts() p99', (r) => p(r.counts, 99)),
    row("list({ status: 'scheduled', limit: 50 }) p50", (r) => p(r.listFirst, 50)),
    row('list, first page p99', (r) => p(r.listFirst, 99)),
    row('list, next page (cursor) p50', (r) => p(r.listNext, 50)),
    row('list, next page p99', (r) => p(r.listNext, 99)),
    text('samples: history / counts / list', (c) => {
      const r = c.result!;
      return `${r.history.length} / ${r.counts.length} / ${r.listFirst.length}`;
    }),
    text('reads saw: history entries / scheduled / pages', (c) => {
      const s = c.result!.seen;
      return `${fmt(s.historyItems, 1)} / ${fmt(s.scheduled, 0)} / ${s.firstPage}+${s.nextPage}`;
    }),
    text('heap after load', (c) => `${fmt(c.result!.heapBytes / 2 ** 20, 0)} MB`),
  ];
  console.log('\n## Figures (× = this store empty, same run)\n');
  markdown(['measure', ...header], rows);
  console.log(
    `\nThe ${fmt(DUE_AT_ONCE, 0)} due at once are timed from their due time, or from the end of start() where that came later.`,
  );
  notes.forEach((note, i) => console.log(`Note ${i + 1}. ${note}.`));

  const goalColumns = columns.filter((c) => c.store !== 'memory' && c.size > 0);
  if (goalColumns.length === 0) return;
  const verdict = (ok: boolean) => (ok ? 'met' : 'not met');
  const goal = (name: string, check: (r: CellResult, empty: CellResult) => string) => [
    name,
    ...goalColumns.map((c) => {
      const empty = emptyOf(c);
      return c.result && empty ? check(c.result, empty) : c.result ? 'no empty run' : 'no figures';
    }),
  ];
  const sized = SIZES.includes(GOAL_SIZE)
    ? 'other sizes for reference'
    : `this run has no ${sizeLabel(GOAL_SIZE)} column: every figure for reference`;
  console.log(
    `\n## Goals at ${sizeLabel(GOAL_SIZE)} rows, PostgreSQL and SQLite (${sized}; never gated)\n`,
  );
  markdown(
    ['goal', ...goalColumns.map((c) => `${LABEL[c.store]} ${sizeLabel(c.size)}`)],
    [
      goal('counts() ≤ 20 ms (median)', (r) => {
        const v = p(r.counts, 50);
        return `${millis(v)}: ${verdict(v <= 20)}`;
      }),
      goal('list p99 ≤ 20 ms (first and next page)', (r) => {
        const v = Math.max(p(r.listFirst, 99), r.listNext.length > 0 ? p(r.listNext, 99) : 0);
        return `${millis(v)}: ${verdict(v <= 20)}`;
      }),
      goal('history p99 ≤ 5 ms', (r) => {
        const v = p(r.history, 99);
        return `${millis(v)}: ${verdict(v <= 5)}`;
      }),
      goal(`${fmt(DUE_AT_ONCE, 0)} due, all placed ≤ 1.3× empty`, (r, empty) => {
        const v = median(r.placedMs) / median(empty.placedMs);
        return `${fmt(v, 2)}×: ${verdict(v <= 1.3)}`;
      }),
    ],
  );
}

function markdown(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

try {
  await main();
} finally {
  await cleanup();
}
