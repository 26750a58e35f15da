/** Helpers of the PostgreSQL tests (not part of the package). */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Pool } from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Store } from '../src/store.js';
import { createPostgresStore, type PostgresStore } from '../src/stores/postgres/postgres.js';
import { storedCampaign } from '../src/testing/store-contract/_fixtures.js';
import { entries } from '../src/testing/store-contract/_campaign-fixtures.js';

/** The test server's URL, or `undefined` when the PostgreSQL tests cannot run here. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

/**
 * `describe` when `TEST_DATABASE_URL` is set. Without it the block is skipped with a message
 * saying why, except in CI (`CI=true`), where a failing test stands in for it: CI must never
 * pass without having tested against PostgreSQL.
 */
export function describeWithDatabase(name: string, body: (url: string) => void): void {
  if (TEST_DATABASE_URL) {
    describe(name, () => body(TEST_DATABASE_URL));
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('runs against a real PostgreSQL server in CI', () => {
        throw new Error('TEST_DATABASE_URL is required in CI: the PostgreSQL tests did not run');
      });
    });
  } else {
    describe.skip(`${name} (skipped: set TEST_DATABASE_URL=postgres://… to run it)`, () => {
      it('needs a PostgreSQL server', () => undefined);
    });
  }
}

/** A random schema name for one test run; drop it with {@link dropSchemas}. */
export function randomSchema(): string {
  return `rk_test_${randomBytes(6).toString('hex')}`;
}

/**
 * How long a test file's teardown may take to drop its schemas. A file that made a hundred of
 * them drops them in about a second on an idle machine, and took over ten (vitest's default hook
 * timeout) while the other packages' tests ran beside it.
 */
export const TEARDOWN_TIMEOUT_MS = 120_000;

/**
 * Drops `schemas`, eight to a statement: one commit for eight, where one for each was most of
 * the time on a busy server; eight schemas' tables stay well within the server's lock table.
 */
export async function dropSchemas(url: string, schemas: Iterable<string>): Promise<void> {
  const all = [...schemas];
  if (all.length === 0) return;
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    for (let i = 0; i < all.length; i += 8) {
      const names = all.slice(i, i + 8).map((schema) => `"${schema}"`);
      await pool.query(`DROP SCHEMA IF EXISTS ${names.join(', ')} CASCADE`);
    }
  } finally {
    await pool.end();
  }
}

/** Ends every server connection opened under `applicationName`; resolves to how many. */
export async function terminateConnections(url: string, applicationName: string): Promise<number> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    const { rows } = await pool.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return rows.length;
  } finally {
    await pool.end();
  }
}

export interface Placement {
  /** The first segment of the request path: which worker sent it. */
  worker: string;
  phone: string;
  at: number;
}

/**
 * A minimal polling-flavour Call API that counts: `POST /<worker>/api/call` records who asked
 * for which number when, and answers at once with a `completed` call (so no call needs
 * following). `hold(worker)` leaves that worker's later POSTs unanswered (recorded, in flight).
 */
export async function startCountingCallApi() {
  const placements: Placement[] = [];
  const held = new Set<string>();
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const match = /^\/([^/]+)\/api\/call(?:\/([^/]+))?$/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const worker = match[1]!;
    if (req.method === 'GET' && match[2]) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: match[2], status: 'completed' }));
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const at = Date.now();
      const phone = (JSON.parse(body) as { phone_number: string }).phone_number;
      placements.push({ worker, phone, at });
      if (held.has(worker)) {
        hanging.push(res);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: randomUUID(), status: 'completed', phone_number: phone }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    placements,
    hold: (worker: string) => held.add(worker),
    /** How many POSTs are being held unanswered. */
    hanging: () => hanging.length,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const LOCK_KEY = 0x52494e48;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Holds a session advisory lock on the test database until the returned function is called:
 * `shared` for a test file that uses the database, `exclusive` for the test that restarts the
 * server, which so waits for files running in parallel to finish (and they wait for it). A lock
 * cut off by that restart is taken again once the server is back.
 */
export async function holdDatabaseLock(
  url: string,
  mode: 'shared' | 'exclusive',
): Promise<() => Promise<void>> {
  for (;;) {
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(
        mode === 'shared' ? 'SELECT pg_advisory_lock_shared($1)' : 'SELECT pg_advisory_lock($1)',
        [LOCK_KEY],
      );
      return async () => {
        await client.end().catch(() => undefined);
      };
    } catch {
      await client.end().catch(() => undefined);
      await sleep(250);
    }
  }
}

/** What {@link campaignSchema} sets up: the schema (quoted in `s`), its store, a client. */
export interface CampaignSchema {
  schema: string;
  s: string;
  store: PostgresStore;
  client: Client;
}

/**
 * A schema of its own for the tests of one `describe` block, under the shared database lock: a
 * store on it with a pool of `max` connections, holding campaign `campaign` (`total` entries
 * under a cap of `concurrency`), and a connected client of the tests' own. Set up before the
 * block's tests, the schema dropped after them.
 */
export function campaignSchema(
  url: string,
  options: {
    campaign: string;
    concurrency: number;
    total: number;
    max: number;
    /** Each entry's number, by its position (default: the same number for every entry). */
    to?: (position: number) => string;
  },
): CampaignSchema {
  const schema = randomSchema();
  const fixture = {
    schema,
    s: `"${schema}"`,
    client: new Client({ connectionString: url }),
  } as CampaignSchema;
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    release = await holdDatabaseLock(url, 'shared');
    fixture.store = createPostgresStore({ connectionString: url, max: options.max }, { schema });
    const { campaign, concurrency, total, to } = options;
    const rows = entries(campaign, total);
    await fixture.store.insertCampaign!(
      storedCampaign({ id: campaign, concurrency, total }),
      to ? rows.map((row) => ({ ...row, to: to(row.position!) })) : rows,
    );
    await fixture.client.connect();
  }, 180_000);
  afterAll(async () => {
    await fixture.client.end();
    await fixture.store?.close();
    await dropSchemas(url, [schema]);
    await release?.();
  }, TEARDOWN_TIMEOUT_MS);
  return fixture;
}

/**
 * Runs a `pg.Client` query (`original`, the unpatched `query`, with `args` as the caller gave
 * them), then gives its caller a connection reset (`ECONNRESET`) instead of the answer: the
 * statement ran, and committed if it commits, as when the connection drops just after the
 * server answered. Works for a caller that passes a callback (`pool.query`) and for one that
 * awaits the promise (a transaction's client). `note` goes into the error's message.
 */
export function runThenLoseAnswer(
  original: (...args: unknown[]) => unknown,
  client: Client,
  args: unknown[],
  note: string,
): unknown {
  const lost = () =>
    Object.assign(new Error(`read ECONNRESET (${note})`), {
      code: 'ECONNRESET',
    });
  const callback = args.at(-1);
  if (typeof callback === 'function') {
    return original.apply(client, [
      ...args.slice(0, -1),
      (error: unknown) => (callback as (e: unknown) => void)(error ?? lost()),
    ]);
  }
  return (original.apply(client, args) as Promise<unknown>).then(() => {
    throw lost();
  });
}

/**
 * The stores of a suite that runs on PostgreSQL as on the other stores: `open()` makes a store in
 * a schema of its own, `again(store)` a second one on the same schema (a restarted process). The
 * suite holds the shared database lock while it runs and drops its schemas at the end.
 */
export function postgresSuiteStores(url: string): {
  open: () => Store;
  again: (store: Store) => Store;
} {
  let release: (() => Promise<void>) | undefined;
  const schemas: string[] = [];
  beforeAll(async () => {
    release = await holdDatabaseLock(url, 'shared');
  }, 180_000);
  afterAll(async () => {
    await dropSchemas(url, schemas);
    await release?.();
  }, TEARDOWN_TIMEOUT_MS);
  return {
    open: () => {
      const schema = randomSchema();
      schemas.push(schema);
      return createPostgresStore({ connectionString: url, max: 4 }, { schema });
    },
    again: (store) =>
      createPostgresStore(
        { connectionString: url, max: 4 },
        { schema: (store as PostgresStore).schema },
      ),
  };
}
