/**
 * A PostgreSQL server of one test's own: a new cluster in a temporary folder, on a free port,
 * that the test may restart without touching the server every other test (and every other test
 * run on the machine) shares.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = '/usr/lib/postgresql';

export interface PrivateServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, trust auth. */
  url: string;
  /** Stops the server (fast: open transactions are aborted) and starts it again. */
  restart(): Promise<void>;
  /** Starts it when it is down; nothing when it is up. */
  start(): Promise<void>;
  /** Stops it and deletes its folder. */
  remove(): Promise<void>;
}

/** A port no one listens on now, as the kernel gives one. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The newest installed server's `bin` folder (Debian's layout), or `null`. */
function binFolder(): string | null {
  if (!existsSync(ROOT)) return null;
  const versions = readdirSync(ROOT)
    .filter((v) => existsSync(join(ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(ROOT, versions[0], 'bin') : null;
}

/**
 * Makes and starts a private server, or resolves to `null` where none can be made here: the
 * server's programs are not installed, or this process is not root (the server runs as the
 * `postgres` user, which root may become).
 */
export async function startPrivateServer(): Promise<PrivateServer | null> {
  const bin = binFolder();
  if (!bin || process.getuid?.() !== 0 || !existsSync('/usr/sbin/runuser')) return null;
  const { stdout } = await run('id', ['-u', 'postgres']).catch(() => ({ stdout: '' }));
  const uid = Number(stdout.trim());
  if (!Number.isInteger(uid) || uid <= 0) return null;
  const { stdout: gidOut } = await run('id', ['-g', 'postgres']);
  const folder = mkdtempSync(join(tmpdir(), 'ringkit-pg-'));
  chownSync(folder, uid, Number(gidOut.trim()));
  const data = join(folder, 'data');
  const port = await freePort();
  const asPostgres = (program: string, args: string[]) =>
    run('/usr/sbin/runuser', ['-u', 'postgres', '--', join(bin, program), ...args]);
  const options = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const ctl = (...args: string[]) =>
    asPostgres('pg_ctl', ['-D', data, '-l', join(folder, 'log'), '-w', '-t', '60', ...args]);
  try {
    await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await ctl('-o', options, 'start');
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  const isUp = () =>
    asPostgres('pg_ctl', ['-D', data, 'status']).then(
      () => true,
      () => false,
    );
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => void (await ctl('-m', 'fast', '-o', options, 'restart')),
    start: async () => {
      if (!(await isUp())) await ctl('-o', options, 'start');
    },
    remove: async () => {
      if (await isUp()) await ctl('-m', 'immediate', 'stop').catch(() => undefined);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
