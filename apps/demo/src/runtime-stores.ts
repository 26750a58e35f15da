/**
 * The stores the configuration names, and what is kept beside them: PostgreSQL schemas with
 * `DATABASE_URL`, else SQLite files in `DATA_DIR`; the webhook token kept across restarts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createWebhookToken } from '@ringkit/call-client';
import type { Store } from '@ringkit/scheduler-core';
import type * as PostgresAdapterModule from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import type { Logger } from 'pino';
import type { Config } from './config.js';

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

/** The PostgreSQL schema of the scheduler's store. */
const schemaOf = (options: StoreOptions) => options.postgresSchema ?? 'ringkit';

/** The store the configuration asks for: PostgreSQL with `DATABASE_URL`, else SQLite in `DATA_DIR`. */
export async function openStore(config: Config, options: StoreOptions): Promise<Store> {
  if (config.DATABASE_URL) {
    return openPostgres(config.DATABASE_URL, schemaOf(options), options.logger);
  }
  return createSqliteStore({ path: join(dataDir(config), 'ringkit.db') });
}

/**
 * The campaigns' store: beside the scheduler's, never the same one. With the mock provider the
 * two practice APIs hand out ids of their own, and the same id can name a scheduled call and a
 * campaign's call: in one store, a webhook of one could be matched to the other's call. So a
 * SQLite file of its own in `DATA_DIR`, or another schema of the same PostgreSQL database.
 */
export async function openCampaignStore(config: Config, options: StoreOptions): Promise<Store> {
  if (config.DATABASE_URL) {
    return openPostgres(config.DATABASE_URL, `${schemaOf(options)}_campaigns`, options.logger);
  }
  return createSqliteStore({ path: join(dataDir(config), 'campaigns.db') });
}

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
