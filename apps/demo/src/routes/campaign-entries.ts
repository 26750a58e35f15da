/**
 * `/api/campaigns/:id/entries`, `/api/campaigns/:id/archive` and `/api/campaigns/:id/again`: one
 * campaign's entries a page at a time, filtered by status; archiving a campaign that is done;
 * dialing its missed numbers again as a new campaign (see the API table in `docs/demo/http-api.md`).
 */
import type { ScheduledCallStatus } from '@ringkit/scheduler-core';
import { Router } from 'express';
import { z } from 'zod';
import type { Runtime } from '../runtime.js';
import { serializeCampaign, serializeDialerEntry } from '../serialize.js';
import { limitParam, route } from '../validate.js';
import { CAMPAIGN_NAME_MAX } from '../campaign-name.js';
import { isDialerRun, refuseDialerRunName } from '../campaigns.js';
import { ApiError } from '../http-errors.js';
import { campaignName } from './campaigns.js';

/**
 * The entry statuses a page may be filtered by, each with the stored statuses of its rows:
 * `idle` is an entry not dialed yet or waiting for its next attempt, `live` one whose call is
 * under way; the others are how the entry ended.
 */
export const ENTRY_FILTERS = {
  idle: ['scheduled'],
  live: ['queued', 'initiated', 'ringing', 'answered'],
  completed: ['completed'],
  busy: ['busy'],
  'no-answer': ['no-answer'],
  failed: ['failed'],
  canceled: ['canceled'],
  suppressed: ['suppressed'],
} as const satisfies Record<string, readonly ScheduledCallStatus[]>;

const idParams = z.strictObject({ id: campaignName });

const againBody = z.strictObject({
  /** The new campaign's name; by default the first free of `<id>-again`, `<id>-again-2`… */
  name: campaignName.optional(),
  /** Whose numbers: `missed` (busy, no answer, failed), `unknown` (they may have rung); both by default. */
  outcomes: z
    .array(z.enum(['missed', 'unknown']))
    .min(1)
    .optional(),
});

/** The name a campaign dialed again gets when none is given: the first free `<id>-again[-n]`. */
async function againName(campaigns: Runtime['campaigns'], id: string): Promise<string> {
  const base = `${id.slice(0, CAMPAIGN_NAME_MAX - 9)}-again`;
  for (let n = 1; n < 100; n += 1) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!isDialerRun(name) && !(await campaigns.exists(name))) return name;
  }
  throw new ApiError(
    409,
    'campaign_exists',
    `Campaign "${id}" has been dialed again 99 times: name the next one`,
  );
}

const entriesQuery = z.strictObject({
  status: z
    .enum(
      Object.keys(ENTRY_FILTERS) as [keyof typeof ENTRY_FILTERS, ...(keyof typeof ENTRY_FILTERS)[]],
    )
    .optional(),
  cursor: z
    .string()
    .regex(/^[0-9]{1,7}$/, 'not a cursor from next_cursor')
    .transform(Number)
    .optional(),
  limit: limitParam(500, 50),
});

export function campaignEntriesRouter(runtime: Pick<Runtime, 'campaigns'>): Router {
  const { campaigns } = runtime;
  const router = Router();

  router.get(
    '/:id/entries',
    ...route({ params: idParams, query: entriesQuery }, async ({ params, query }, res) => {
      const page = await campaigns.entries(params.id, {
        ...(query.status ? { status: ENTRY_FILTERS[query.status] } : {}),
        after: query.cursor ?? null,
        limit: query.limit,
      });
      res.json({
        items: page.items.map(serializeDialerEntry),
        next_cursor: page.nextCursor === null ? null : String(page.nextCursor),
      });
    }),
  );

  router.post(
    '/:id/again',
    ...route(
      { params: idParams, body: againBody.optional() },
      async ({ params, body = {} }, res) => {
        const name = body.name ?? (await againName(campaigns, params.id));
        refuseDialerRunName(name);
        const view = await campaigns.dialAgain(params.id, name, body.outcomes);
        res
          .status(201)
          .location(`/api/campaigns/${encodeURIComponent(view.campaign.id)}`)
          .json(serializeCampaign(view));
      },
    ),
  );

  router.post(
    '/:id/archive',
    ...route({ params: idParams }, async ({ params }, res) => {
      res.json(serializeCampaign(await campaigns.archive(params.id)));
    }),
  );

  return router;
}
