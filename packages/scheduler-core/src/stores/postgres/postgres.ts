/**
 * `createPostgresStore()`: every method of the store contract in one place, over the SQL in `_sql.ts`.
 * Its length is the contract's (a dozen methods, each a statement and its mapping); batching,
 * LISTEN/NOTIFY, migrations and retries are in the files beside it.
 */
import { createHash } from 'node:crypto';
import { MAX_TIMER_MS } from '@ringkit/internal';
import { Client, Pool, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';
import { z } from 'zod';
import { ConflictError, invalidOptions, CallNotFoundError, versionConflict } from '../../errors.js';
import { recordValues } from '../_columns.js';
import { callPage, historyPage, readCursor } from '../_page.js';
import { createUpdateMany } from './_batch.js';
import { createCombiner } from './_combine.js';
import { createWakeSubscriptions } from './_listen.js';
import { migrate } from './_migrate.js';
import {
  createRetrier,
  describeError,
  type PostgresStoreLogger,
  guardCheckedOut,
  inTransaction,
} from './_retry.js';
import {
  callFromRow,
  campaignStatementsFor,
  channelOf,
  FIELDS,
  listStatement,
  matchesPatch,
  normalise,
  PG_READING,
  SCHEMA_PATTERN,
  statementsFor,
  toParam,
  updateCampaignStatement,
  updateStatement,
} from './_sql.js';
import {
  campaignFromRow,
  campaignValues,
  CAMPAIGN_PATCH_COLUMNS,
  patchFields,
  recordFromRow,
} from '../_columns.js';
import {
  encodeCursor,
  LIVE_STATUSES,
  type CampaignClaim,
  type Store,
  type StoredCall,
  type StoredCallPatch,
  type StoredCampaign,
  type StoredCampaignPatch,
  wakeTime,
} from '../../store.js';
import { SCHEDULED_CALL_STATUSES } from '../../types.js';
import { createWakeKnowledge, lowestWake } from './_wake.js';

export type { PostgresStoreLogger } from './_retry.js';

/** Where the store connects: a connection string (and any other `pg.Pool` option), or your pool. */
export type PostgresConnection =
  | (PoolConfig & { connectionString: string; pool?: never })
  | { pool: Pool; connectionString?: never };

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /**
   * The schema that holds the store's tables, created when missing. A lowercase identifier
   * (`a-z`, `0-9`, `_`, at most 58 characters). Its NOTIFY channel is `<schema>_wake`.
   * @default 'ringkit'
   */
  schema?: string;
  /**
   * Reports a lost connection (and the retries that follow) and its recovery, for the database
   * and for the LISTEN connection. Nothing is logged without one.
   * @default undefined
   * @example logger: console
   */
  logger?: PostgresStoreLogger;
  /**
   * How long a statement that failed because the connection was lost (or the server was
   * restarting) is retried before its error is thrown, in ms.
   * @default 60000
   */
  reconnectTimeoutMs?: number;
}

/** A PostgreSQL `Store`, with the schema it uses and a way to apply its migrations up front. */
export interface PostgresStore extends Store {
  readonly schema: string;
  /** The pool it queries through (yours, or the one it made). */
  readonly pool: Pool;
  /** Applies pending migrations now; every other method also does so first. */
  ready(): Promise<void>;
}

const optionsSchema = z.strictObject({
  schema: z
    .string()
    .regex(SCHEMA_PATTERN, 'not a lowercase identifier of at most 58 characters')
    .optional(),
  logger: z
    .custom<PostgresStoreLogger>(
      (v) => typeof v === 'object' && v !== null,
      'expected a logger ({ warn, info })',
    )
    .optional(),
  reconnectTimeoutMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
});

const INSERT_BATCH = 1000;
/**
 * A campaign of at least this many entries is followed by an `ANALYZE` of the calls: until the
 * planner's statistics know of its rows, it takes them for one (statistics from before the first
 * campaign say that every row is outside one) and may read a campaign's statements through any
 * index of campaign rows. Autovacuum would only analyse the table once a tenth of it changed.
 */
const ANALYZE_ENTRIES = 1000;
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

/**
 * A store in PostgreSQL through `pg`, for many scheduler processes on many machines. Its tables
 * live in their own schema, migrated on first use under an advisory lock. Claims are one
 * `UPDATE` over `SELECT … FOR UPDATE SKIP LOCKED`, so workers never wait on each other or take
 * the same call. `updateMany` writes a batch of rows and their call records in one statement. A
 * trigger NOTIFYs every LISTENing worker of a new or earlier wake time, so the scheduler's poll
 * only needs to be a slow safety net. Statements cut off by a lost connection or a restarting
 * server are retried until it is back (see `reconnectTimeoutMs`).
 *
 * @example
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL! }, { logger: console });
 */
export function createPostgresStore(
  connection: PostgresConnection,
  options: PostgresStoreOptions = {},
): PostgresStore {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('createPostgresStore', parsed.error.issues);
  const schema = options.schema ?? 'ringkit';
  const s = `"${schema}"`;
  const sql = statementsFor(s);
  const campaignSql = campaignStatementsFor(s);
  const label = `createPostgresStore(${schema})`;
  const ownsPool = connection.pool === undefined;
  const pool =
    connection.pool ??
    new Pool({
      application_name: 'ringkit-scheduler',
      // Notice dead connections (and servers that stopped answering) instead of hanging on them.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      ...(connection as PoolConfig),
    });
  const logger = options.logger;
  let closed = false;
  const retrier = createRetrier({
    label,
    timeoutMs: options.reconnectTimeoutMs ?? 60_000,
    logger,
    isClosed: () => closed,
  });
  // An idle pooled connection that dies (a restart, pg_terminate_backend) is dropped by the pool;
  // without a listener the pool would throw it at the process.
  if (ownsPool) pool.on('error', (error) => retrier.idleLost(error));

  const names = new Map<string, string>();
  /** Runs one statement, prepared once per connection under a name derived from its text. */
  const query = async <R extends QueryResultRow = Record<string, unknown>>(
    text: string,
    values: unknown[] = [],
    client: Pool | PoolClient = pool,
  ) => {
    let name = names.get(text);
    if (name === undefined) {
      name = `rk_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, name);
    }
    return (await client.query<R>({ name, text, values })).rows;
  };

  let migrated = false;
  let migrating: Promise<void> | null = null;
  const ready = (): Promise<void> => {
    if (migrated) return Promise.resolve();
    if (closed) return Promise.reject(new Error(`${label}: the store is closed`));
    migrating ??= retrier
      .run(() => migrate(pool, schema))
      .then(
        () => {
          migrated = true;
        },
        (error: unknown) => {
          migrating = null;
          throw error;
        },
      );
    return migrating;
  };

  /** Runs `fn` once the schema is ready, retrying it across a lost connection. */
  const run = async <T>(fn: (maybeDone: boolean) => Promise<T>): Promise<T> => {
    if (!migrated) await ready();
    return retrier.run(fn);
  };

  const getRow = async (id: string) => {
    const [row] = await query(sql.get, [id]);
    return row ? callFromRow(row) : null;
  };
  /** One batch of rows as `unnest` columns. */
  const insertBatch = (client: PoolClient, rows: StoredCall[]) =>
    query(
      sql.insertBatch,
      FIELDS.map((f) => rows.map((row) => toParam(f, row[f]))),
      client,
    );
  /** `UPDATE` statements by the fields they set, built once each. */
  const updates = new Map<string, string>();
  const updateSql = (fields: (keyof StoredCall)[]) => {
    const key = fields.join(',');
    let text = updates.get(key);
    if (text === undefined) updates.set(key, (text = updateStatement(sql.calls, fields)));
    return text;
  };

  /** Runs `fn` in a transaction of its own connection, committed when it resolves. */
  const transaction = <T>(fn: (client: PoolClient) => Promise<T>): Promise<T> =>
    inTransaction(pool, fn);

  /** `UPDATE` statements of a campaign by the fields they set, built once each. */
  const campaignUpdates = new Map<string, string>();
  const updateCampaignSql = (fields: (keyof StoredCampaignPatch)[]) => {
    const key = fields.join(',');
    let text = campaignUpdates.get(key);
    if (text === undefined) {
      text = updateCampaignStatement(`${s}.campaigns`, fields);
      campaignUpdates.set(key, text);
    }
    return text;
  };
  const getCampaignRow = async (id: string) => {
    const [row] = await query(campaignSql.get, [id]);
    return row ? campaignFromRow(row, PG_READING) : null;
  };

  const updateMany = createUpdateMany({ schema: s, pool, query, byIds: sql.byIds });

  /**
   * What this store knows of the wake times between its statements, to spare round trips and
   * index pages (see `createWakeKnowledge`): the answer a claim gives for the `nextDueAt` that
   * follows it, and a floor below which no row wakes.
   */
  const knowledge = createWakeKnowledge();
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

  const wakes = createWakeSubscriptions({
    label,
    channel: channelOf(schema),
    // The LISTEN connection is made from the pool's own settings (pg keeps them, password
    // included, on `pool.options`) but outside it, so it never takes one of its slots.
    connect: () => new Client(pool.options),
    onListening: (listening) => knowledge.listening(listening),
    observe: (wakeAt) => knowledge.lower(wakeAt ?? -Infinity),
    logger,
    timeoutMs: options.reconnectTimeoutMs ?? 60_000,
  });

  return {
    name: 'postgres',
    capabilities: { shared: true, durable: true },
    schema,
    pool,
    ready,

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
            const existing = maybeDone ? await getRow(row.id) : null;
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

    async get(id) {
      return run(() => getRow(id));
    },

    async findByIdempotencyKey(key) {
      return run(async () => {
        const [row] = await query(sql.byKey, [key]);
        return row ? callFromRow(row) : null;
      });
    },

    async findByProviderCallId(providerCallId) {
      return run(async () => {
        const [row] = await query(sql.byProviderCallId, [providerCallId]);
        return row ? callFromRow(row) : null;
      });
    },

    async update(id, expectedVersion, patch: StoredCallPatch) {
      const fields = patchFields(patch);
      const text = updateSql(fields);
      const values = [
        id,
        expectedVersion,
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
          const current = await getRow(id);
          if (!current) throw new CallNotFoundError(id);
          // An earlier try whose answer was lost may have made this very change.
          if (
            maybeDone &&
            current.version === expectedVersion + 1 &&
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

    async claimDue(now, limit, workerId, leaseUntil) {
      if (limit <= 0) return [];
      const watch = knowledge.watch();
      try {
        return await run(async (maybeDone) => {
          // An earlier try whose answer was lost may have claimed rows: hand those out first.
          const held = maybeDone
            ? (await query(sql.held, [workerId, leaseUntil, now, limit])).map(callFromRow)
            : [];
          if (held.length >= limit) return held;
          const rows = await query(sql.claim, [
            now,
            limit - held.length,
            workerId,
            leaseUntil,
            watch.floor,
          ]);
          const next = rows[0]!.next_wake === null ? null : Number(rows[0]!.next_wake);
          if (!maybeDone) knowledge.read(watch, next, now, true);
          const claimed = rows.filter((row) => row.id !== null).map(callFromRow);
          return held.length > 0 ? [...held, ...claimed] : claimed;
        });
      } finally {
        knowledge.unwatch(watch);
      }
    },

    async claimDueBudgeted(now, limit, workerId, leaseUntil, budget) {
      const { intervalMs, horizonMs } = budget;
      return run(async (maybeDone) => {
        // An earlier try whose answer was lost may have claimed rows: hand those out first, with
        // fresh slots (the ones it reserved are lost with its answer, and stay unused).
        const held = maybeDone
          ? (await query(sql.held, [workerId, leaseUntil, now, limit])).map(callFromRow)
          : [];
        const heldSlots: (number | null)[] = [];
        for (const row of held) {
          heldSlots.push(
            row.status === 'queued' && row.placingAt === null
              ? Number((await query(sql.reserveSlot, [now, intervalMs]))[0]!.slot)
              : null,
          );
        }
        const rest = Math.max(0, limit - held.length);
        const rows = await query(sql.budgetedClaim, [
          now,
          rest,
          workerId,
          leaseUntil,
          intervalMs,
          horizonMs,
          now,
        ]);
        const start = Number(rows[0]!.budget_start);
        const claimed = rows.filter((row) => row.id !== null);
        const slots = claimed.map((row) =>
          row.slot_index === null ? null : start + Number(row.slot_index) * intervalMs,
        );
        const sent = slots.filter((slot) => slot !== null).length;
        return {
          calls: [...held, ...claimed.map(callFromRow)],
          slots: [...heldSlots, ...slots],
          nextSlotAt: sent > 0 ? start + sent * intervalMs : start,
        };
      });
    },

    async reserveSendSlot(now, budget) {
      return run(async () => {
        const [row] = await query<{ slot: number }>(sql.reserveSlot, [now, budget.intervalMs]);
        return Number(row!.slot);
      });
    },

    async nextDueAt() {
      const known = knowledge.next();
      if (known !== undefined && !closed) return known;
      const watch = knowledge.watch();
      try {
        return await run(async () => {
          const [row] = await query<{ wake_at: string }>(sql.nextDueAt, [watch.floor]);
          const next = row ? Number(row.wake_at) : null;
          knowledge.read(watch, next, Date.now(), false);
          return next;
        });
      } finally {
        knowledge.unwatch(watch);
      }
    },

    async countByStatus(statuses) {
      const live = statuses.every((status) =>
        (LIVE_STATUSES as readonly string[]).includes(status),
      );
      const rows = await run(() =>
        query<{ status: string; n: number }>(live ? sql.countLive : sql.countByStatus, [
          [...statuses],
        ]),
      );
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
    },

    async list(q) {
      const after = readCursor(q.cursor);
      const campaign = q.campaign ?? null;
      // A campaign's page is read status by status (see `listStatement`): all of them if none.
      const statuses =
        q.status !== undefined
          ? [...new Set([q.status].flat())]
          : campaign !== null && q.to === undefined
            ? [...SCHEDULED_CALL_STATUSES]
            : null;
      const params: unknown[] = [q.limit + 1];
      if (after) params.push(after[0], after[1]);
      if (q.to !== undefined) params.push(q.to);
      if (campaign !== null) params.push(campaign);
      if (statuses) params.push(statuses);
      const text = listStatement(sql.calls, {
        after: after !== null,
        to: q.to !== undefined,
        statuses: statuses !== null,
        campaign: campaign !== null,
      });
      const rows = (await run(() => query(text, params))).map(callFromRow);
      return callPage(rows, q.limit);
    },

    async saveCallRecord(record) {
      await run(() => query(sql.saveRecord, [...recordValues(record)]));
    },

    async listHistory(phone, q) {
      const before = readCursor(q.cursor);
      const rows = (
        await run(() =>
          query(before ? sql.historyAfter : sql.history, [phone, q.limit + 1, ...(before ?? [])]),
        )
      ).map((row) => recordFromRow(row, PG_READING));
      return historyPage(rows, q.limit);
    },

    async deleteFinished(before, limit) {
      const [row] = await run(() => query<{ n: number }>(sql.deleteFinished, [before, limit]));
      return Number(row!.n);
    },

    async deleteCallRecords(before, limit) {
      const [row] = await run(() => query<{ n: number }>(sql.deleteRecords, [before, limit]));
      return Number(row!.n);
    },

    async acquireLease(name, workerId, now, until) {
      const rows = await run(() => query(sql.acquireLease, [name, workerId, until, now]));
      return rows.length > 0;
    },

    async insertCampaign(campaign, rows) {
      const entries = rows.map((row) => ({ ...row, campaign: campaign.id }));
      await run(async (maybeDone) => {
        try {
          await transaction(async (client) => {
            await query(campaignSql.insert, [...campaignValues(campaign)], client);
            for (let i = 0; i < entries.length; i += INSERT_BATCH) {
              await insertBatch(client, entries.slice(i, i + INSERT_BATCH));
            }
          });
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          if (maybeDone) {
            // An earlier try whose answer was lost may have stored this very campaign.
            const stored = await getCampaignRow(campaign.id);
            const [found] = await query<{ n: number }>(campaignSql.countRows, [campaign.id]);
            if (
              stored?.fingerprint === campaign.fingerprint &&
              stored.createdAt === campaign.createdAt &&
              found?.n === entries.length
            ) {
              return;
            }
          }
          throw new ConflictError({
            reason: 'duplicate',
            id: campaign.id,
            message: `Campaign ${campaign.id} (or one of its calls) already exists`,
          });
        }
      });
      if (entries.length >= ANALYZE_ENTRIES) {
        try {
          await run(() => pool.query(`ANALYZE ${sql.calls}`));
        } catch (error) {
          // The campaign is stored: only its plans wait for autovacuum.
          logger?.warn(
            `${label}: could not analyse ${sql.calls} after storing campaign ${campaign.id} ` +
              `(${describeError(error)}); its statements are planned from older statistics`,
          );
        }
      }
    },

    async getCampaign(id) {
      return run(() => getCampaignRow(id));
    },

    async listCampaigns(q) {
      const before = readCursor(q.cursor);
      const rows = await run(() =>
        query(before ? campaignSql.listAfter : campaignSql.list, [q.limit + 1, ...(before ?? [])]),
      );
      const items = rows.slice(0, q.limit).map((row) => campaignFromRow(row, PG_READING));
      const last = items[items.length - 1];
      return {
        items,
        nextCursor:
          rows.length > q.limit && last !== undefined
            ? encodeCursor(last.createdAt, last.id)
            : null,
      };
    },

    async updateCampaign(id, expectedVersion, patch) {
      const fields = (Object.keys(patch) as (keyof StoredCampaignPatch)[]).filter(
        (f) => f in CAMPAIGN_PATCH_COLUMNS && patch[f] !== undefined,
      );
      const values = [
        id,
        expectedVersion,
        ...fields.map((f) => (f === 'settings' ? JSON.stringify(patch[f]) : patch[f])),
      ];
      return run(async (maybeDone) => {
        const [row] = await query(updateCampaignSql(fields), values);
        if (row) return campaignFromRow(row, PG_READING);
        const current = await getCampaignRow(id);
        if (!current) throw new CallNotFoundError(id, 'campaign');
        // An earlier try whose answer was lost may have made this very change.
        if (
          maybeDone &&
          current.version === expectedVersion + 1 &&
          fields.every((f) =>
            f === 'settings'
              ? JSON.stringify(normalise(current.settings)) === JSON.stringify(normalise(patch[f]))
              : current[f] === patch[f],
          )
        ) {
          return current;
        }
        throw new ConflictError({
          reason: 'version_conflict',
          id,
          status: current.state,
          message: `Campaign ${id} is at version ${current.version}, not ${expectedVersion}`,
        });
      });
    },

    async claimCampaign(id, now, limit, workerId, leaseUntil, { holdMs, budget }) {
      return run((maybeDone) =>
        transaction(async (client): Promise<CampaignClaim> => {
          const [locked] = await query(campaignSql.lock, [id], client);
          if (!locked) return { campaign: null, calls: [], slots: [], taken: 0, nextSlotAt: null };
          let campaign: StoredCampaign = campaignFromRow(locked, PG_READING);
          // An earlier try whose answer was lost may have claimed rows: hand those out first
          // (without a slot: the ones it took are lost with its answer).
          const mine =
            maybeDone && limit > 0
              ? (await query(campaignSql.mine, [id, workerId, leaseUntil, now, limit], client)).map(
                  callFromRow,
                )
              : [];
          const rest = Math.max(0, limit - mine.length);
          const start = budget ? Math.max(campaign.nextSlotAt, now) : 0;
          const horizon = budget ? now + budget.horizonMs : 0;
          const fit = !budget
            ? rest
            : start > horizon
              ? 0
              : Math.min(rest, Math.floor((horizon - start) / budget.intervalMs) + 1);
          const rows = await query(
            campaignSql.claim,
            [
              id,
              now,
              rest,
              workerId,
              leaseUntil,
              Math.floor(now - holdMs),
              fit,
              campaign.state === 'running' ? campaign.concurrency : 0,
              budget !== undefined,
              start,
              budget?.intervalMs ?? 0,
            ],
            client,
          );
          const claimed = rows.filter((row) => row.id !== null);
          const calls = [...mine, ...claimed.map(callFromRow)];
          const slots: (number | null)[] = mine.map(() => null);
          let sent = 0;
          for (const row of claimed) {
            const sends = budget !== undefined && row.claim_kind === 1 && row.placing_at === null;
            slots.push(sends ? start + sent++ * budget.intervalMs : null);
          }
          const fresh = claimed.filter((row) => row.claim_kind === 1).length;
          if (sent > 0) {
            // The claim moved the campaign's next free slot on (its row is locked: as written).
            campaign = {
              ...campaign,
              nextSlotAt: start + sent * budget!.intervalMs,
              updatedAt: now,
              version: campaign.version + 1,
            };
          }
          return {
            campaign,
            calls,
            slots,
            taken: Number(rows[0]!.taken) + fresh,
            nextSlotAt: budget ? start + sent * budget.intervalMs : null,
          };
        }),
      );
    },

    async nextCampaignWake(id, now, holdMs) {
      const [row] = await run(() =>
        query(campaignSql.nextWake, [id, now, holdMs, Math.floor(now - holdMs)]),
      );
      return row?.wake == null ? null : Number(row.wake);
    },

    async listCampaignCalls(id, q) {
      const after = q.afterPosition ?? -1;
      const statuses = q.status === undefined ? null : [...new Set(q.status)];
      if (statuses?.length === 0) return [];
      const rows = await run(() =>
        statuses
          ? query(campaignSql.callsByStatus, [id, after, q.limit, statuses])
          : query(campaignSql.calls, [id, after, q.limit]),
      );
      return rows.map(callFromRow);
    },

    async countCampaign(id) {
      const rows = await run(() => query<{ status: string; n: number }>(campaignSql.count, [id]));
      return Object.fromEntries(
        rows.filter((row) => Number(row.n) > 0).map((row) => [row.status, Number(row.n)]),
      );
    },

    subscribe: (onWake) => wakes.subscribe(onWake),

    async close() {
      if (closed) return;
      closed = true;
      await wakes.close();
      if (ownsPool) await pool.end();
    },
  };
}
