/**
 * The stores the configuration names, and what is kept beside them: PostgreSQL schemas with
 * `DATABASE_URL`, else SQLite files in `DATA_DIR`; the webhook token kept across restarts.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createWebhookToken } from '@ringkit/call-client';
import type { Store } from '@ringkit/scheduler-core';
import type * as PostgresAdapterModule from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { takeOver, type TakeoverCounts, type TakeoverProviders } from './takeover.js';

type PostgresAdapter = typeof PostgresAdapterModule;

/** Where the runtime's stores are: a PostgreSQL schema of tests' own, and the logger. */
export interface StoreOptions {
  postgresSchema?: string | undefined;
  logger: Logger;
}

/** Opens the PostgreSQL store; fails in one line when it cannot be loaded or reached. */
async function openPostgres(url: string, schema: string | undefined, logger: Logger) {
  // Loaded only when DATABASE_URL asks for it: a SQLite deployment never loads `pg`.
  let adapter: PostgresAdapter;
  try {
    adapter = await import('@ringkit/scheduler-core/postgres');
  } catch (error) {
    throw new Error(`DATABASE_URL: cannot load the PostgreSQL store: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const store = adapter.createPostgresStore(
    { connectionString: url, connectionTimeoutMillis: 5_000 },
    {
      ...(schema ? { schema } : {}),
      logger: {
        warn: (message: unknown) => logger.warn(String(message)),
        info: (message: unknown) => logger.info(String(message)),
      },
    },
  );
  {
    // Migrations now, so a wrong URL stops the server at start rather than at the first request.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('no answer within 15 s')), 15_000);
    });
    try {
      // One plain query first: a refused connection fails at once rather than being retried.
      await Promise.race([store.pool.query('SELECT 1'), timeout]);
      await Promise.race([store.ready(), timeout]);
    } catch (error) {
      await store.close().catch(() => {});
      throw new Error(`DATABASE_URL: cannot use PostgreSQL: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
  return store;
}

/** `DATA_DIR`, created when missing. */
function dataDir(config: Config): string {
  const dir = resolve(config.DATA_DIR);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new Error(`DATA_DIR: cannot create ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return dir;
}

/** The PostgreSQL schema of the one store. */
const schemaOf = (options: StoreOptions) => options.postgresSchema ?? 'ringkit';

/** The store the configuration asks for: PostgreSQL with `DATABASE_URL`, else SQLite in `DATA_DIR`. */
export async function openStore(config: Config, options: StoreOptions): Promise<Store> {
  if (config.DATABASE_URL) {
    return openPostgres(config.DATABASE_URL, schemaOf(options), options.logger);
  }
  return createSqliteStore({ path: join(dataDir(config), 'ringkit.db') });
}

/**
 * Takes over what earlier versions kept beside the one store (`takeOver`): the campaigns'
 * SQLite file `DATA_DIR/campaigns.db`, or the schema `<schema>_campaigns`. Once everything is
 * moved, the old store is put aside under a new name (`campaigns.db.taken-over-<time>`, or
 * the schema `<schema>_campaigns_old<time>`), kept for the operator to delete. Workers starting
 * together on PostgreSQL take turns on an advisory lock: the first moves, the others find the
 * schema gone.
 */
export async function takeOverOldLayout(
  config: Config,
  store: Store,
  options: StoreOptions,
  providers: TakeoverProviders,
): Promise<TakeoverCounts | null> {
  if (config.DATABASE_URL) {
    const pool = (store as Store & { pool?: PgPool }).pool;
    if (!pool) return null;
    return takeOverSchema(config.DATABASE_URL, pool, `${schemaOf(options)}_campaigns`, {
      store,
      options,
      providers,
    });
  }
  const path = join(dataDir(config), 'campaigns.db');
  if (!existsSync(path)) return null;
  const old = createSqliteStore({ path });
  let counts: TakeoverCounts;
  try {
    counts = await takeOver(store, old, providers, options.logger);
  } finally {
    await old.close();
  }
  const aside = `${path}.taken-over-${stamp()}`;
  renameSync(path, aside);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  options.logger.info({ kept_at: aside }, 'the old campaigns’ store is put aside');
  return counts;
}

/** The part of a `pg` pool the takeover uses. */
interface PgPool {
  connect(): Promise<{
    query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
    release(): void;
  }>;
}

/** {@link takeOverOldLayout} on PostgreSQL: the old schema, under an advisory lock. */
async function takeOverSchema(
  url: string,
  pool: PgPool,
  schema: string,
  {
    store,
    options,
    providers,
  }: { store: Store; options: StoreOptions; providers: TakeoverProviders },
): Promise<TakeoverCounts | null> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`ringkit-takeover:${schema}`]);
    try {
      const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (found.rows.length === 0) return null;
      const old = await openPostgres(url, schema, options.logger);
      let counts: TakeoverCounts;
      try {
        counts = await takeOver(store, old, providers, options.logger);
      } finally {
        await old.close();
      }
      const aside = `${schema}_old${stamp()}`.slice(0, 63);
      await client.query(`ALTER SCHEMA "${schema}" RENAME TO "${aside}"`);
      options.logger.info({ kept_as: aside }, 'the old campaigns’ schema is put aside');
      return counts;
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`ringkit-takeover:${schema}`]);
    }
  } finally {
    client.release();
  }
}

/** The time as `20261127t161502`: part of the name an old store is put aside under. */
const stamp = () =>
  new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').toLowerCase();

/**
 * The webhook-flavour API's token: `WEBHOOK_TOKEN`, else one kept in `DATA_DIR/webhook-token`
 * (made on first start), so that a campaign's calls placed before a restart still reach the
 * next process; with other stores than the configured SQLite ones, a new one per start.
 */
export function webhookToken(config: Config, configuredStores: boolean): string {
  if (config.WEBHOOK_TOKEN) return config.WEBHOOK_TOKEN;
  if (!configuredStores || config.DATABASE_URL) return createWebhookToken();
  const file = join(dataDir(config), 'webhook-token');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{16,200}$/.test(kept)) return kept;
  } catch {
    // not made yet
  }
  const token = createWebhookToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
