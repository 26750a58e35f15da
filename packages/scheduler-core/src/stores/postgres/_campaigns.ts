import pg, { type Pool, type PoolClient, type QueryResult, type QueryResultRow } from 'pg';
import { ConflictError, CallNotFoundError } from '../../errors.js';
import {
  archivedFilter,
  campaignFromRow,
  campaignValues,
  CAMPAIGN_PATCH_COLUMNS,
} from '../_columns.js';
import { readCursor } from '../_page.js';
import type { PostgresBudgets } from './_budgets.js';
import type { PostgresDb } from './_connection.js';
import { slotsWithin } from '../../store/_shares.js';
import { describeError, type PostgresStoreLogger } from './_retry.js';
import {
  callFromRow,
  CLAIM_SETTINGS,
  type campaignStatementsFor,
  normalise,
  preparedClaim,
  withLiterals,
  PG_READING,
  unmatchable,
  updateCampaignStatement,
} from './_sql.js';
import {
  encodeCursor,
  type CampaignClaim,
  type Store,
  type StoredCall,
  type StoredCampaign,
  type StoredCampaignPatch,
} from '../../store.js';

/**
 * A campaign of at least this many entries is followed by an `ANALYZE` of the calls: until the
 * planner's statistics know of its rows, it takes them for one (statistics from before the first
 * campaign say that every row is outside one) and may read a campaign's statements through any
 * index of campaign rows. Autovacuum would only analyse the table once a tenth of it changed.
 */
const ANALYZE_ENTRIES = 1000;

const { escapeLiteral } = pg;

/** The claim of a campaign that does not exist: nothing claimed (a fresh object each time). */
const noCampaign = (): CampaignClaim => ({
  campaign: null,
  calls: [],
  slots: [],
  taken: 0,
  nextSlotAt: null,
});

/**
 * The rows a campaign claim statement answered, without the empty row it answers when it claims
 * nothing, how many of them it took fresh (`queued` by this claim, not ended by it), and which
 * of them it marked.
 */
function claimedOf<Row extends Record<string, unknown>>(rows: Row[]) {
  const claimed = rows.filter((row) => row.id !== null);
  const fresh = claimed.filter((row) => row.claim_kind === 1 && row.status === 'queued').length;
  const marked = claimed.map((row) => row.claim_marked === true);
  return { claimed, fresh, marked };
}

/** A short stable hash of `text` (FNV-1a), in base 36: names unique to a schema. */
function hashOf(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

const isUniqueViolation = (error: unknown) =>
  error instanceof Error && (error as { code?: unknown }).code === '23505';

type Query = <R extends QueryResultRow = Record<string, unknown>>(
  text: string,
  values?: unknown[],
  client?: Pool | PoolClient,
) => Promise<R[]>;

/** What the campaign methods use of the PostgreSQL store they are part of. */
export interface PostgresCampaignContext {
  /** The quoted schema. */
  schema: string;
  statements: ReturnType<typeof campaignStatementsFor>;
  /** The quoted table of calls. */
  calls: string;
  /** A named (prepared) statement, on the pool or a transaction's client. */
  query: Query;
  /** Runs `fn` with the store's retries; `maybeDone` when an earlier try may have applied. */
  run<T>(fn: (maybeDone: boolean) => Promise<T>): Promise<T>;
  transaction: PostgresDb['transaction'];
  insertBatch(client: PoolClient, rows: StoredCall[]): Promise<unknown>;
  insertBatchSize: number;
  pool: Pool;
  label: string;
  logger: PostgresStoreLogger | undefined;
  /** The store's named send budgets: a campaign's named budget is one of them. */
  budgets: PostgresBudgets;
}

type CampaignMethods = Required<
  Pick<
    Store,
    | 'insertCampaign'
    | 'getCampaign'
    | 'listCampaigns'
    | 'updateCampaign'
    | 'claimCampaign'
    | 'nextCampaignWake'
    | 'listCampaignCalls'
    | 'countCampaign'
  >
>;

/**
 * The campaign methods of `createPostgresStore`: the `campaigns` table and each campaign's rows
 * among the calls; a claim is one transaction that locks the campaign's row, so its cap, order
 * and send budget hold across every worker.
 */
export function postgresCampaignMethods(ctx: PostgresCampaignContext): CampaignMethods {
  const { schema: s, statements: campaignSql, query, run, transaction, insertBatch, pool } = ctx;
  const { label, logger, budgets } = ctx;
  const INSERT_BATCH = ctx.insertBatchSize;
  const sql = { calls: ctx.calls };
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
  const prepared = preparedClaim(campaignSql, s, `ringkit_${hashOf(s)}`);
  /** The pool's connections on which `prepared` is prepared. */
  const preparedOn = new WeakSet<PoolClient>();
  /**
   * {@link preparedClaim}: the campaign as locked, the rows claimed and the next wake. On a
   * connection of the pool's own, where its statements are prepared the first time. Any error
   * gives the connection up (the pool opens another, which prepares them again).
   */
  const claimInOneTrip = async (
    id: string,
    now: number,
    limit: number,
    workerId: string,
    leaseUntil: number,
    holdMs: number,
    mark: boolean,
  ): Promise<CampaignClaim> => {
    const text = withLiterals(
      prepared.execute,
      [id, now, limit, workerId, leaseUntil, Math.floor(now - holdMs), holdMs, mark],
      escapeLiteral,
    );
    const client = await pool.connect();
    let results: QueryResult[];
    try {
      if (!preparedOn.has(client)) {
        await client.query(prepared.prepare);
        preparedOn.add(client);
      }
      results = (await client.query(text)) as unknown as QueryResult[];
    } catch (error) {
      // The connection may be broken: the pool drops it, and its prepared statements with it.
      client.release(error as Error);
      throw error;
    }
    client.release();
    const [locked, , claim, wake] = results;
    const campaign = locked!.rows[0];
    if (!campaign) return noCampaign();
    const { claimed: rows, fresh, marked } = claimedOf(claim!.rows);
    const next = wake!.rows[0]?.wake;
    return {
      campaign: campaignFromRow(campaign, PG_READING),
      calls: rows.map(callFromRow),
      slots: rows.map(() => null),
      ...(mark ? { marked } : {}),
      taken: Number(claim!.rows[0]!.taken) + fresh,
      nextSlotAt: null,
      nextWake: next == null ? null : Number(next),
    };
  };
  const getCampaignRow = async (id: string) => {
    if (unmatchable(id)) return null;
    const [row] = await query(campaignSql.get, [id]);
    return row ? campaignFromRow(row, PG_READING) : null;
  };
  return {
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
        query(
          (before ? campaignSql.listAfter : campaignSql.list).replace(
            '{archived}',
            archivedFilter(q.archived),
          ),
          [q.limit + 1, ...(before ?? [])],
        ),
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

    async claimCampaign(id, now, limit, workerId, leaseUntil, { holdMs, budget, mark = false }) {
      return run((maybeDone) =>
        // Without a budget, and unless an earlier try may have claimed rows, one round trip;
        // otherwise a transaction of its own, planned under the same settings.
        !budget && !maybeDone
          ? claimInOneTrip(id, now, limit, workerId, leaseUntil, holdMs, mark)
          : transaction(async (client): Promise<CampaignClaim> => {
              const [locked] = await query(campaignSql.lock, [id], client);
              if (!locked) return noCampaign();
              let campaign: StoredCampaign = campaignFromRow(locked, PG_READING);
              // An earlier try whose answer was lost may have claimed rows: hand those out first
              // (without a slot: the ones it took are lost with its answer).
              const mine =
                maybeDone && limit > 0
                  ? (
                      await query(campaignSql.mine, [id, workerId, leaseUntil, now, limit], client)
                    ).map(callFromRow)
                  : [];
              const rest = Math.max(0, limit - mine.length);
              // A named budget is the store's (shared by weight); otherwise the campaign row keeps its own.
              const shared = budget?.share
                ? await budgets.turn(client, now, rest, budget)
                : undefined;
              const own = budget && !shared ? budget : undefined;
              const start = shared
                ? shared.turn.start
                : own
                  ? Math.max(campaign.nextSlotAt, now)
                  : 0;
              const fit = shared
                ? Math.min(rest, shared.turn.most)
                : own
                  ? Math.min(rest, slotsWithin(start, now, own))
                  : rest;
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
                  own !== undefined,
                  start,
                  own?.intervalMs ?? 0,
                  mark,
                ],
                client,
              );
              const { claimed, fresh, marked } = claimedOf(rows);
              const calls = [...mine, ...claimed.map(callFromRow)];
              const slots: (number | null)[] = mine.map(() => null);
              let sent = 0;
              for (const row of claimed) {
                // A row the claim ended (its number suppressed) is not sent, and takes no place.
                const sends =
                  budget !== undefined &&
                  row.claim_kind === 1 &&
                  row.placing_at === null &&
                  row.status === 'queued';
                slots.push(sends ? start + sent++ * budget.intervalMs : null);
              }
              if (own && sent > 0) {
                // The claim moved the campaign's next free slot on (its row is locked: as written).
                campaign = {
                  ...campaign,
                  nextSlotAt: start + sent * own.intervalMs,
                  updatedAt: now,
                  version: campaign.version + 1,
                };
              }
              const nextSlotAt = shared
                ? await budgets.settle(client, shared, sent, now, rest, budget!)
                : own
                  ? start + sent * own.intervalMs
                  : null;
              return {
                campaign,
                calls,
                slots,
                // The rows an earlier try marked are not among `mine` (see the store contract).
                ...(mark ? { marked: [...mine.map(() => false), ...marked] } : {}),
                taken: Number(rows[0]!.taken) + fresh,
                nextSlotAt,
              };
            }, CLAIM_SETTINGS),
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
  };
}
