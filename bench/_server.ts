/**
 * The built demo server and `ringkit-sim`, each in a process of its own as a user runs them, for
 * the scripts that measure the server from outside (stall.ts, soak.ts); and a PostgreSQL
 * database of their own for a run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER = join(ROOT, 'apps/demo/dist/server.js');
/** What `pnpm demo` runs: the simulators in the server's own process, then the server. */
const DEMO = join(ROOT, 'apps/demo/dist/demo.js');
const SIM = join(ROOT, 'packages/simulator/bin/ringkit-sim.js');

/** The PostgreSQL server a run uses: `TEST_DATABASE_URL`, else the local one. */
export const POSTGRES_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Child {
  child: ChildProcess;
  /** What it printed so far, stdout and stderr. */
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Spawns `node …nodeArgs script args`, resolving once `ready` matches what it printed. Only the
 * last 64 KiB printed are kept (a long run prints far more).
 */
function start(
  script: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  nodeArgs: string[] = [],
): Promise<Child & { match: RegExpExecArray }> {
  if (!existsSync(script)) {
    throw new Error(`${script} is missing: run \`pnpm build\` first (pnpm bench does)`);
  }
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let started = false;
    const keep = (chunk: Buffer) => {
      output += chunk.toString();
      if (started && output.length > 65_536) output = output.slice(-65_536);
    };
    const read = (chunk: Buffer) => {
      keep(chunk);
      const match = started ? null : ready.exec(output);
      if (match) {
        started = true;
        resolve({ child, output: () => output, stop, match });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}): ${output}`)));
  });
}

/** `ringkit-sim` on free ports with `args` (its knobs); no event line unless `quiet` is false. */
export async function startSimulator(args: string[] = [], { quiet = true } = {}) {
  const sim = await start(
    SIM,
    ['--polling-port', '0', '--webhook-port', '0', ...(quiet ? ['--quiet'] : []), ...args],
    {},
    /press Ctrl\+C to stop/,
  );
  const url = (flavour: string) => {
    const found = new RegExp(`^${flavour} .* listening on (\\S+)`, 'm').exec(sim.output());
    if (!found) throw new Error(`ringkit-sim printed no ${flavour} URL: ${sim.output()}`);
    return found[1]!;
  };
  return { ...sim, pollingUrl: url('polling'), webhookUrl: url('webhook') };
}

export type Simulator = Awaited<ReturnType<typeof startSimulator>>;

/** The store a server runs on: the embedded SQLite one, or PostgreSQL. */
export type StoreName = 'sqlite' | 'postgres';

/**
 * The built demo on a free port, against `sim`, on a store of its own (a new data directory, or a
 * new database dropped by `stop`), with `env` on top.
 */
export async function startDemo(
  store: StoreName,
  sim: Simulator,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
) {
  return startOnStore(store, (storeEnv) =>
    start(
      SERVER,
      [],
      {
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        CALL_API_URL: sim.pollingUrl,
        DIALER_API_URL: sim.webhookUrl,
        RATE_LIMIT: '100000',
        ...storeEnv,
        ...env,
      },
      /ringkit demo listening on (http:\/\/[^"\s]+)/,
      nodeArgs,
    ),
  );
}

export type Demo = Awaited<ReturnType<typeof startDemo>>;

/**
 * `launch` given the environment of a store of its own (`DATA_DIR`, a new data directory, and
 * for PostgreSQL `DATABASE_URL`, a new database); the server it started, its URL the first group
 * of its ready line, with a `stop` that also removes the store.
 */
async function startOnStore(
  store: StoreName,
  launch: (env: Record<string, string>) => Promise<Child & { match: RegExpExecArray }>,
) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-bench-'));
  const database = store === 'postgres' ? await createDatabase() : undefined;
  const server = await launch({
    DATA_DIR: dataDir,
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  return {
    ...server,
    url: server.match[1]!,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    },
  };
}

/** A port no one listens on now, as the kernel gives one. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The demo as `pnpm demo` runs it (`dist/demo.js`): its two practice simulators in the server's
 * own process, its log at the default level (every request a line), on free ports and a store of
 * its own. `stop` ends it and removes the store.
 */
export async function startShippedDemo(store: StoreName): Promise<Demo> {
  const [port, polling, webhook] = [await freePort(), await freePort(), await freePort()];
  return startOnStore(store, (storeEnv) =>
    start(
      DEMO,
      [],
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        CALL_API_URL: `http://127.0.0.1:${polling}`,
        DIALER_API_URL: `http://127.0.0.1:${webhook}`,
        RATE_LIMIT: '100000',
        ...storeEnv,
      },
      /ringkit demo ready: open (http:\/\/[^"\s]+)/,
    ),
  );
}

/** A new database on the PostgreSQL server, and how to drop it. */
async function createDatabase() {
  const name = `ringkit_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Whether the PostgreSQL server at `url` answers. */
export async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `GET /healthz` every `everyMs` until stopped; each answer's wait, in ms. A probe waits for
 * its answer before the next is due, as a load balancer's health check does.
 */
export function startProbe(url: string, everyMs = 10) {
  const waits: Array<{ at: number; ms: number }> = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      await fetch(`${url}/healthz`).then((res) => res.arrayBuffer());
      const ms = performance.now() - started;
      waits.push({ at: started, ms });
      const rest = everyMs - ms;
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
  })();
  return {
    /** The waits of the probes sent from `from` (a `performance.now()`) on. */
    since: (from: number) => waits.filter((w) => w.at >= from).map((w) => w.ms),
    async stop() {
      running = false;
      await done;
    },
  };
}
