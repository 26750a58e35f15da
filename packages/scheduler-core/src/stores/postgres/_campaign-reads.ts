/**
 * The reads of campaigns that the workers of a process make on their beat (each campaign's row,
 * its live rows, the rows past its frontier): asked together, they go to PostgreSQL as one
 * statement per kind (`createBatches`), so N campaigns cost one round trip a beat, not N.
 */
import { createBatches } from '@ringkit/internal';
import type { CampaignCallsQuery, StoredCall, StoredCampaign } from '../../store.js';
import type { PostgresCampaignContext } from './_campaign-context.js';
import { campaignFromRow } from '../_columns.js';
import { callFromRow, PG_READING, unmatchable } from './_sql.js';

/** A page asked of `listCampaignCalls`. */
interface PageAsk {
  id: string;
  after: number;
  limit: number;
  /** The statuses asked for, without repeats (`null`: every status). */
  statuses: string[] | null;
}

/** A value an `integer` parameter takes. */
const fitsInteger = (n: number) => Number.isInteger(n) && Math.abs(n) <= 2_147_483_647;

/** `getCampaign` and `listCampaignCalls` of `createPostgresStore`, batched. */
export function postgresCampaignReads(
  ctx: Pick<PostgresCampaignContext, 'statements' | 'query' | 'run'>,
) {
  const { statements: sql, query, run } = ctx;

  const campaigns = createBatches<string, StoredCampaign | null>(async (ids) => {
    const rows = await run(() =>
      ids.length === 1 ? query(sql.get, [ids[0]]) : query(sql.getMany, [[...new Set(ids)]]),
    );
    const found = new Map(rows.map((row) => [row.id as string, row]));
    // Each ask its own object, where two asked for one campaign.
    return ids.map((id) => {
      const row = found.get(id);
      return row ? campaignFromRow(row, PG_READING) : null;
    });
  });

  async function sendPages(asks: PageAsk[]): Promise<StoredCall[][]> {
    const statuses = asks[0]!.statuses;
    if (asks.length === 1) {
      const { id, after, limit } = asks[0]!;
      const rows = await run(() =>
        statuses
          ? query(sql.callsByStatus, [id, after, limit, statuses])
          : query(sql.calls, [id, after, limit]),
      );
      return [rows.map(callFromRow)];
    }
    const args = [asks.map((a) => a.id), asks.map((a) => a.after), asks.map((a) => a.limit)];
    const rows = await run(() =>
      statuses ? query(sql.callsByStatusMany, [...args, statuses]) : query(sql.callsMany, args),
    );
    const answers: StoredCall[][] = asks.map(() => []);
    for (const row of rows) answers[Number(row.batch_index) - 1]!.push(callFromRow(row));
    return answers;
  }
  const pages = createBatches<PageAsk, StoredCall[]>(
    sendPages,
    // One statement reads one set of statuses.
    (ask) => (ask.statuses === null ? '*' : ask.statuses.join(',')),
  );

  return {
    async getCampaign(id: string): Promise<StoredCampaign | null> {
      if (unmatchable(id)) return null;
      return campaigns.ask(id);
    },

    async listCampaignCalls(id: string, q: CampaignCallsQuery): Promise<StoredCall[]> {
      const statuses = q.status === undefined ? null : [...new Set(q.status)].sort();
      if (statuses?.length === 0 || unmatchable(id)) return [];
      const ask = { id, after: q.afterPosition ?? -1, limit: q.limit, statuses };
      // A value PostgreSQL would refuse is asked alone: it fails no other campaign's read.
      if (!fitsInteger(ask.after) || !fitsInteger(ask.limit)) return (await sendPages([ask]))[0]!;
      return pages.ask(ask);
    },
  };
}
