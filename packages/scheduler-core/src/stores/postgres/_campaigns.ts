import { ConflictError, CallNotFoundError } from '../../errors.js';
import type { CampaignMethods } from '../_campaign-methods.js';
import {
  archivedFilter,
  campaignFromRow,
  campaignValues,
  CAMPAIGN_PATCH_COLUMNS,
} from '../_columns.js';
import { readCursor } from '../_page.js';
import { encodeCursor, type StoredCampaignPatch } from '../../store.js';
import { campaignClaims } from './_campaign-claim.js';
import { postgresCampaignReads } from './_campaign-reads.js';
import type { PostgresCampaignContext } from './_campaign-context.js';
import { describeError } from './_retry.js';
import { normalise, PG_READING, unmatchable, updateCampaignStatement } from './_sql.js';

/**
 * A campaign of at least this many entries is followed by an `ANALYZE` of the calls: until the
 * planner's statistics know of its rows, it takes them for one (statistics from before the first
 * campaign say that every row is outside one) and may read a campaign's statements through any
 * index of campaign rows. Autovacuum would only analyse the table once a tenth of it changed.
 */
const ANALYZE_ENTRIES = 1000;

const isUniqueViolation = (error: unknown) =>
  error instanceof Error && (error as { code?: unknown }).code === '23505';

/**
 * The campaign methods of `createPostgresStore`: the `campaigns` table and each campaign's rows
 * among the calls; a claim is one transaction that locks the campaign's row, so its cap, order
 * and send budget hold across every worker.
 */
export function postgresCampaignMethods(ctx: PostgresCampaignContext): CampaignMethods {
  const { schema: s, statements: campaignSql, query, run, transaction, insertBatch, pool } = ctx;
  const { label, logger } = ctx;
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
  const getCampaignRow = async (id: string) => {
    if (unmatchable(id)) return null;
    const [row] = await query(campaignSql.get, [id]);
    return row ? campaignFromRow(row, PG_READING) : null;
  };
  return {
    ...postgresCampaignReads(ctx),

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

    claimCampaign: campaignClaims(ctx).claimCampaign,

    async nextCampaignWake(id, now, holdMs) {
      const [row] = await run(() =>
        query(campaignSql.nextWake, [id, now, holdMs, Math.floor(now - holdMs)]),
      );
      return row?.wake == null ? null : Number(row.wake);
    },

    async countCampaign(id) {
      const rows = await run(() => query<{ status: string; n: number }>(campaignSql.count, [id]));
      return Object.fromEntries(
        rows.filter((row) => Number(row.n) > 0).map((row) => [row.status, Number(row.n)]),
      );
    },
  };
}
