/**
 * `/api/campaigns/:id/entries` and `/api/campaigns/:id/archive`: one campaign's entries a page at
 * a time, filtered by status, and archiving a campaign that is done (see the README's API table).
 */
import type { ScheduledCallStatus } from '@ringkit/scheduler-core';
import { Router } from 'express';
import { z } from 'zod';
import type { Runtime } from '../runtime.js';
import { serializeCampaign, serializeDialerEntry } from '../serialize.js';
import { limitParam, route } from '../validate.js';
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
    '/:id/archive',
    ...route({ params: idParams }, async ({ params }, res) => {
      res.json(serializeCampaign(await campaigns.archive(params.id)));
    }),
  );

  return router;
}
