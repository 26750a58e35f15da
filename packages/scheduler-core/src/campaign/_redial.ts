import type { StoredCall } from '../store.js';
import { withEvent } from '../_rows.js';
import type { CampaignContext } from './_context.js';

/**
 * Dials again the entries whose placement's outcome is unknown (`failed`, reason
 * `outcome_unknown`: they may have rung), each as its next attempt, due at once: only on the
 * operator's explicit word. Resolves to how many.
 */
export async function redialUnknown(
  ctx: Pick<CampaignContext, 'store' | 'id' | 'clock' | 'mutate' | 'engine'>,
): Promise<number> {
  const { store, id, clock, mutate } = ctx;
  let after: number | null = null;
  let count = 0;
  for (;;) {
    const page: StoredCall[] = await store.listCampaignCalls(id, {
      status: ['failed'],
      afterPosition: after,
      limit: 500,
    });
    if (page.length === 0) break;
    for (const row of page) {
      after = row.position ?? after;
      if (row.reason !== 'outcome_unknown') continue;
      const now = clock.now();
      const { row: written, changed } = await mutate(
        row.id,
        (r) =>
          r.status === 'failed' && r.reason === 'outcome_unknown'
            ? {
                status: 'scheduled',
                dueAt: now,
                attempt: r.attempt + 1,
                leaseOwner: null,
                leaseUntil: null,
                placingAt: null,
                providerCallId: null,
                reason: null,
                events: withEvent(r, {
                  status: 'scheduled',
                  at: now,
                  attempt: r.attempt + 1,
                  reason: 'redial',
                }),
              }
            : null,
        { fresh: row },
      );
      if (changed) {
        count += 1;
        ctx.engine()?.outcomes.emitStatus(written, 'failed');
      }
    }
  }
  ctx.engine()?.poke();
  return count;
}
