/**
 * `/api/campaigns/:id/abandons` and `/api/campaigns/:id/compliance.csv`: a campaign's standing
 * under the abandon rule, and the lines of its compliance report (see the API table in
 * `docs/demo/http-api.md`). Both are read from the store, so they count every worker's calls.
 */
import type { AnsweredCall } from '@ringkit/scheduler-core';
import { Router } from 'express';
import { z } from 'zod';
import { csvLine } from '../csv.js';
import type { Runtime } from '../runtime.js';
import { route } from '../validate.js';
import { sendCsv } from './_results-csv.js';
import { serializeMode } from './campaign-mode.js';
import { campaignName } from './campaigns.js';

const idParams = z.strictObject({ id: campaignName });

/** The columns of `compliance.csv`, one row per person who answered. */
export const COMPLIANCE_COLUMNS = [
  'position',
  'phone',
  'attempt',
  'provider_call_id',
  'at',
  'agent',
  'wait_ms',
  'abandoned',
  'reason',
];

/** One person's row of `compliance.csv`. */
export function complianceLine(call: AnsweredCall): string {
  return csvLine([
    call.position,
    call.to,
    call.attempt,
    call.providerCallId,
    call.at.toISOString(),
    call.agent,
    call.waitMs,
    call.abandoned ? 'true' : 'false',
    call.reason,
  ]);
}

/** A campaign's standing as `GET /api/campaigns/:id/abandons` answers it. */
export function serializeAbandons(
  id: string,
  { standing, ...settings }: Awaited<ReturnType<Runtime['campaigns']['abandons']>>,
) {
  const { mode, agents } = serializeMode(settings);
  return {
    campaign: id,
    mode,
    answered: standing.answered,
    abandoned: standing.abandoned,
    /** `abandoned / answered`; `null` while no one answered. */
    rate: standing.rate,
    abandon_cap: agents?.abandon_cap ?? null,
    since: standing.since.toISOString(),
    until: standing.until.toISOString(),
  };
}

/**
 * `GET /:id/abandons`: the people who answered its calls in the 30 days up to now, those of them
 * no agent reached within 2 s, their rate (`null` while no one answered) against its
 * `abandon_cap` (`null` for a power campaign, whose figures are zeros: nobody is behind its
 * calls). `GET /:id/compliance.csv`: every person who answered, in list order, with the agent
 * who took the call, the wait and whether it was abandoned. `404` for an unknown campaign.
 */
export function campaignFiguresRouter(runtime: Pick<Runtime, 'campaigns'>): Router {
  const { campaigns } = runtime;
  const router = Router();

  router.get(
    '/:id/abandons',
    ...route({ params: idParams }, async ({ params }, res) => {
      const figures = await campaigns.abandons(params.id);
      res.set('Cache-Control', 'no-store').json(serializeAbandons(params.id, figures));
    }),
  );

  router.get(
    '/:id/compliance.csv',
    ...route({ params: idParams }, async ({ params }, res) => {
      await sendCsv(res, {
        filename: `${params.id}-compliance.csv`,
        columns: COMPLIANCE_COLUMNS,
        rows: await campaigns.answered(params.id),
        line: complianceLine,
      });
    }),
  );

  return router;
}
