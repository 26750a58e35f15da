/**
 * Ports for the tests' servers that must know their address before they listen, unit and
 * browser tests alike: below the kernel's own range, one slice per test worker, and noted so
 * that two test runs at once never hand out the same port.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The ports {@link freePort} takes from: the test worker's own slice, below the kernel's. */
const PORT_SLICES = 16;
/**
 * The lowest port {@link freePort} takes: above every port `fetch` refuses to connect to (the
 * Fetch standard's "bad ports", the highest of which is 10080).
 */
const PORT_BASE = 10_100;

/** The lowest port the kernel hands out on its own (a listen on port 0, a connection's source). */
let floorRead: Promise<number> | undefined;
const ephemeralFloor = (): Promise<number> => (floorRead ??= readEphemeralFloor());

async function readEphemeralFloor(): Promise<number> {
  try {
    const { readFile } = await import('node:fs/promises');
    const [low] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).split(/\s+/);
    const floor = Number(low);
    return Number.isInteger(floor) && floor > PORT_BASE + 2_000 ? floor : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * Where {@link freePort} notes the ports it handed out, one empty file each, so that a second test
 * run on the machine (`pnpm test` twice at once) never hands out the same one: its workers look
 * in the same slices.
 */
export const PORT_NOTES = join(tmpdir(), 'ringkit-test-ports');
/** How long a port noted by a run stays its own: longer than any one test holds a port. */
const PORT_NOTE_MS = 15 * 60_000;

/**
 * Notes `port` as handed out, atomically (`wx`): `false` when another worker or another run
 * noted it less than {@link PORT_NOTE_MS} ago. An older note is taken over.
 */
export async function notePort(port: number): Promise<boolean> {
  const { mkdir, stat, utimes, writeFile } = await import('node:fs/promises');
  await mkdir(PORT_NOTES, { recursive: true });
  const note = join(PORT_NOTES, String(port));
  try {
    await writeFile(note, '', { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const noted = await stat(note).catch(() => null);
  if (!noted || Date.now() - noted.mtimeMs < PORT_NOTE_MS) return false;
  const now = new Date();
  await utimes(note, now, now);
  return true;
}

/**
 * A port of 127.0.0.1 free now, for a server that must know its address before it listens (its
 * `PUBLIC_URL`, a URL that stays the same across a restart). A port the kernel handed out once
 * and took back would be free too, but the kernel may hand it out again before the server
 * listens: to a simulator listening on port 0, or as an outgoing connection's source port. So
 * the port is taken below the kernel's range, in a slice of its own for each test worker
 * (`VITEST_POOL_ID`), and noted as handed out (`PORT_NOTES`): a second test run at the same time,
 * whose workers look in the same slices, passes over it.
 */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const floor = Math.min(await ephemeralFloor(), 32_768);
  const size = Math.floor((floor - PORT_BASE) / PORT_SLICES);
  const pool = Number(process.env['VITEST_POOL_ID'] ?? 1);
  const slice = Number.isInteger(pool) && pool > 0 ? (pool - 1) % PORT_SLICES : 0;
  const start = PORT_BASE + slice * size;
  for (let tries = 0; ; tries += 1) {
    const port = start + Math.floor(Math.random() * size);
    const probe = createServer();
    const free = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) await new Promise((resolve) => probe.close(resolve));
    if (free && (await notePort(port))) return port;
    if (tries >= 100) throw new Error(`no free port in ${start}–${start + size - 1}`);
  }
}
