import type { SQLInputValue } from 'node:sqlite';
import { ConflictError, CallNotFoundError } from '../../errors.js';
import {
  archivedFilter,
  campaignFromRow as readCampaign,
  CAMPAIGN_PATCH_COLUMNS,
} from '../_columns.js';
import { readCursor } from '../_page.js';
import type { CampaignMethods } from '../_campaign-methods.js';
import { claimCampaign } from './_campaign-claim.js';
import { insertCampaignInChunks, type SqliteCampaignContext } from './_campaign-create.js';
import { CAMPAIGN_SQL, fromRow, SQLITE_READING, type Row } from './_sql.js';
import { encodeCursor, type StoredCampaignPatch } from '../../store.js';

/**
 * The campaign methods of `createSqliteStore`: the `campaigns` table and the rows of each
 * campaign in `scheduled_calls`, each claim one `BEGIN IMMEDIATE` transaction (so a campaign's
 * cap and order hold across connections and processes).
 */
export function sqliteCampaignMethods(ctx: SqliteCampaignContext): CampaignMethods {
  const { prepare } = ctx;
  const campaignFromRow = (row: Row) => readCampaign(row, SQLITE_READING);
  const getCampaign = (id: string) => {
    const row = prepare(CAMPAIGN_SQL.get).get(id) as Row | undefined;
    return row ? campaignFromRow(row) : null;
  };
  return {
    async insertCampaign(campaign, rows) {
      await insertCampaignInChunks(ctx, campaign, rows);
    },

    async getCampaign(id) {
      return getCampaign(id);
    },

    async listCampaigns(query) {
      const after = readCursor(query.cursor);
      const listSql = (sql: string) => sql.replace('{archived}', archivedFilter(query.archived));
      const rows = (
        after
          ? prepare(listSql(CAMPAIGN_SQL.listAfter)).all(after[0], after[1], query.limit + 1)
          : prepare(listSql(CAMPAIGN_SQL.list)).all(query.limit + 1)
      ) as Row[];
      const items = rows.slice(0, query.limit).map(campaignFromRow);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor:
          rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
      };
    },

    async updateCampaign(id, expectedVersion, patch) {
      const fields = (Object.keys(patch) as (keyof StoredCampaignPatch)[]).filter(
        (f) => f in CAMPAIGN_PATCH_COLUMNS && patch[f] !== undefined,
      );
      const sets = [
        ...fields.map((f) => `${CAMPAIGN_PATCH_COLUMNS[f]} = ?`),
        'version = version + 1',
      ];
      const values = fields.map((f) =>
        f === 'settings' ? JSON.stringify(patch[f]) : (patch[f] as SQLInputValue),
      );
      const row = prepare(
        `UPDATE campaigns SET ${sets.join(', ')} WHERE id = ? AND version = ? AND creating_by IS NULL RETURNING *`,
      ).get(...values, id, expectedVersion) as Row | undefined;
      if (row) return campaignFromRow(row);
      const current = getCampaign(id);
      if (!current) throw new CallNotFoundError(id, 'campaign');
      throw new ConflictError({
        reason: 'version_conflict',
        id,
        status: current.state,
        message: `Campaign ${id} is at version ${current.version}, not ${expectedVersion}`,
      });
    },

    async claimCampaign(id, now, limit, workerId, leaseUntil, options) {
      return claimCampaign(ctx, { getCampaign, campaignFromRow }, [
        id,
        now,
        limit,
        workerId,
        leaseUntil,
        options,
      ]);
    },

    async nextCampaignWake(id, now, holdMs) {
      const at = (sql: string, ...params: SQLInputValue[]) =>
        (prepare(sql).get(...params) as { at: number | null } | undefined)?.at ?? null;
      const lease = at(CAMPAIGN_SQL.nextLease, id);
      const due = at(CAMPAIGN_SQL.nextDue, id, now);
      const held = at(CAMPAIGN_SQL.nextHeld, id, now - holdMs);
      const times = [lease, due, held === null ? null : held + holdMs].filter(
        (t): t is number => t !== null,
      );
      return times.length === 0 ? null : Math.min(...times);
    },

    async listCampaignCalls(id, query) {
      const after = query.afterPosition ?? -1;
      if (!query.status) {
        return (prepare(CAMPAIGN_SQL.calls).all(id, after, query.limit) as Row[]).map(fromRow);
      }
      const rows = [...new Set(query.status)].flatMap((status) =>
        (prepare(CAMPAIGN_SQL.callsOfStatus).all(id, status, after, query.limit) as Row[]).map(
          fromRow,
        ),
      );
      return rows.sort((a, b) => a.position! - b.position!).slice(0, query.limit);
    },

    async countCampaign(id) {
      const rows = prepare(CAMPAIGN_SQL.count).all(id) as { status: string; n: number }[];
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
    },
  };
}
