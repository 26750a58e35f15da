import type { PoolClient } from 'pg';
import { CallNotFoundError, ConflictError, versionConflict } from '../../errors.js';
import { patchFields } from '../_columns.js';
import { type Store, type StoredCall, type StoredCallPatch, wakeTime } from '../../store.js';
import { createUpdateMany } from './_batch.js';
import { callById } from './_call-reads.js';
import { createCombiner } from './_combine.js';
import type { MethodsContext } from './_connection.js';
import { guardCheckedOut } from './_retry.js';
import { callFromRow, FIELDS, matchesPatch, toParam, updateStatement } from './_sql.js';
import { lowestWake } from './_wake.js';

/** Rows in one `INSERT` (and calls in one combined `updateMany` statement), at most. */
export const INSERT_BATCH = 1000;
/** `updateMany` statements at a time; the batches asked for meanwhile go together after. */
const UPDATES_IN_FLIGHT = 2;

const isUniqueViolation = (error: unknown) =>
  error instanceof Error && (error as { code?: unknown }).code === '23505';

function duplicate(id: string): ConflictError {
  return new ConflictError({
    reason: 'duplicate',
    id,
    message: `Call ${id} or its idempotency key already exists`,
  });
}

/** Inserts one batch of rows, as `unnest` columns, in a transaction's client. */
export function batchInserter(
  ctx: Pick<MethodsContext, 'db' | 'sql'>,
): (client: PoolClient, rows: StoredCall[]) => Promise<unknown> {
  const { db, sql } = ctx;
  return (client, rows) =>
    db.query(
      sql.insertBatch,
      FIELDS.map((f) => rows.map((row) => toParam(f, row[f]))),
      client,
    );
}

type CallWrites = Required<Pick<Store, 'insert' | 'insertMany' | 'update' | 'updateMany'>>;

/**
 * The writes of calls of `createPostgresStore`. Each lowers the floor of the wake times the
 * store knows of to the earliest its rows may get (see `createWakeKnowledge`), before it is sent
 * and once it is answered. `updateMany` writes a batch of rows and their call records in one
 * statement, and batches asked for while others are answered go together. A retry whose earlier
 * try may have been applied checks the row before it reports a conflict.
 */
export function postgresCallWrites(
  ctx: MethodsContext,
  insertBatch: (client: PoolClient, rows: StoredCall[]) => Promise<unknown>,
): CallWrites {
  const { db, sql, knowledge } = ctx;
  const { query, run, pool } = db;

  /** `UPDATE` statements by the fields they set, built once each. */
  const updates = new Map<string, string>();
  const updateSql = (fields: (keyof StoredCall)[]) => {
    const key = fields.join(',');
    let text = updates.get(key);
    if (text === undefined) updates.set(key, (text = updateStatement(sql.calls, fields)));
    return text;
  };

  const updateMany = createUpdateMany({ schema: db.quoted, pool, query, byIds: sql.byIds });

  /** Runs a write that may give rows the wake time `lowest` or later. */
  const moving = async <T>(lowest: number, write: () => Promise<T>): Promise<T> => {
    if (lowest === Infinity) return write();
    knowledge.lower(lowest);
    try {
      return await write();
    } finally {
      // A claim that read the rows before this write committed may have raised the floor.
      knowledge.lower(lowest);
    }
  };

  /** `updateMany` of the store: batches asked for while others are answered go together. */
  const combined = createCombiner({
    maxInFlight: UPDATES_IN_FLIGHT,
    maxRows: INSERT_BATCH,
    run: (batch) => {
      let lowest = Infinity;
      for (const update of batch) lowest = Math.min(lowest, lowestWake(update.patch));
      return moving(lowest, () => run((maybeDone) => updateMany(batch, maybeDone)));
    },
  });

  return {
    async insert(row) {
      return moving(wakeTime(row) ?? Infinity, () =>
        run(async (maybeDone) => {
          try {
            const [stored] = await query(
              sql.insert,
              FIELDS.map((f) => toParam(f, row[f])),
            );
            return callFromRow(stored!);
          } catch (error) {
            if (!isUniqueViolation(error)) throw error;
            // An earlier try whose answer was lost may have stored this very row.
            const existing = maybeDone ? await callById(ctx, row.id) : null;
            if (existing && matchesPatch(existing, row)) return existing;
            throw duplicate(row.id);
          }
        }),
      );
    },

    async insertMany(rows) {
      if (rows.length === 0) return;
      let lowest = Infinity;
      for (const row of rows) lowest = Math.min(lowest, wakeTime(row) ?? Infinity);
      await moving(lowest, () =>
        run(async (maybeDone) => {
          const client = await pool.connect();
          const unguard = guardCheckedOut(client);
          let broken = false;
          try {
            await client.query('BEGIN');
            for (let i = 0; i < rows.length; i += INSERT_BATCH) {
              await insertBatch(client, rows.slice(i, i + INSERT_BATCH));
            }
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => {
              broken = true;
            });
            if (!isUniqueViolation(error)) throw error;
            if (maybeDone) {
              const [found] = await query<{ n: number }>(sql.countIds, [rows.map((r) => r.id)]);
              if (found?.n === rows.length) return; // the earlier try committed
            }
            throw duplicate(rows[0]!.id);
          } finally {
            client.release(unguard() || broken);
          }
        }),
      );
    },

    async update(id, expectedVersion, patch: StoredCallPatch, steps = 1) {
      const fields = patchFields(patch);
      const text = updateSql(fields);
      const values = [
        id,
        expectedVersion,
        steps,
        ...fields.map((f) => toParam(f, patch[f as keyof StoredCallPatch])),
      ];
      return moving(lowestWake(patch), () =>
        run(async (maybeDone) => {
          let row: Record<string, unknown> | undefined;
          try {
            [row] = await query(text, values);
          } catch (error) {
            if (!isUniqueViolation(error)) throw error;
            throw new ConflictError({
              reason: 'duplicate',
              id,
              message: 'An idempotency key cannot be reused',
            });
          }
          if (row) return callFromRow(row);
          const current = await callById(ctx, id);
          if (!current) throw new CallNotFoundError(id);
          // An earlier try whose answer was lost may have made this very change.
          if (
            maybeDone &&
            current.version === expectedVersion + steps &&
            matchesPatch(current, patch)
          ) {
            return current;
          }
          throw versionConflict(id, current.status, current.version, expectedVersion);
        }),
      );
    },

    async updateMany(batch) {
      if (batch.length === 0) return [];
      return combined(batch);
    },
  };
}
