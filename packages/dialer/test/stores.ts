import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createPostgresStore } from '@ringkit/scheduler-core/postgres';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import pg from 'pg';

/** The PostgreSQL server of the tests; CI sets it, and fails when its tests were skipped. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

/** One kind of store the durable dialer runs on, with a way to open it again (a restart). */
export interface StoreKind {
  name: 'memory' | 'sqlite' | 'postgres';
  /** A fresh, empty place; `open()` connects to it (again), `dispose()` removes it. */
  create(): Promise<{
    open(): Store;
    url?: string;
    path?: string;
    schema?: string;
    dispose(): Promise<void>;
  }>;
}

export const memoryKind: StoreKind = {
  name: 'memory',
  async create() {
    const store = createMemoryStore();
    return { open: () => store, dispose: async () => {} };
  },
};

export const sqliteKind: StoreKind = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'ringkit-dialer-'));
    const path = join(dir, 'campaigns.db');
    return {
      path,
      open: () => createSqliteStore({ path }),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

export const postgresKind: StoreKind = {
  name: 'postgres',
  async create() {
    const url = TEST_DATABASE_URL!;
    const schema = `dialer_${Math.random().toString(36).slice(2, 10)}`;
    return {
      url,
      schema,
      open: () => createPostgresStore({ connectionString: url }, { schema }),
      async dispose() {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  },
};

/**
 * Every store kind to run against. Without `TEST_DATABASE_URL` PostgreSQL is left out (and CI,
 * which sets it, would notice: `assertPostgresRan`).
 */
export function storeKinds(): StoreKind[] {
  if (!TEST_DATABASE_URL && process.env.CI) {
    throw new Error('TEST_DATABASE_URL is required in CI: the PostgreSQL tests would not run');
  }
  return TEST_DATABASE_URL ? [memoryKind, sqliteKind, postgresKind] : [memoryKind, sqliteKind];
}
