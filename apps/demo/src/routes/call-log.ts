import type { CallLogOptions, CallRecord } from '@ringkit/scheduler-core';
import { Router } from 'express';
import { z } from 'zod';
import { csvLine } from '../csv.js';
import { LOG_OUTCOMES } from '../log-outcomes.js';
import type { Runtime } from '../runtime.js';
import { serializeCallRecord } from '../serialize.js';
import { limitParam, route } from '../validate.js';
import { send } from './_results-csv.js';
import { campaignName } from './campaigns.js';

/**
 * The filters of `GET /api/calls` and `/api/calls.csv`. The numbers and the times are the
 * package's to check (`callLog()`, one check for every caller): here they are only text.
 */
const filters = {
  direction: z.enum(['inbound', 'outbound']).optional(),
  outcome: z.enum(Object.keys(LOG_OUTCOMES) as [keyof typeof LOG_OUTCOMES]).optional(),
  since: z.string().max(64).optional(),
  until: z.string().max(64).optional(),
  phone: z.string().max(64).optional(),
  /** A campaign's name, checked as every route that takes one checks it. */
  campaign: campaignName.optional(),
};

type Filters = { [K in keyof typeof filters]?: z.infer<(typeof filters)[K]> };

function optionsOf(query: Filters): CallLogOptions {
  return {
    ...(query.direction ? { direction: query.direction } : {}),
    ...(query.outcome ? { statuses: LOG_OUTCOMES[query.outcome] } : {}),
    ...(query.since ? { since: query.since } : {}),
    ...(query.until ? { until: query.until } : {}),
    ...(query.phone ? { phone: query.phone } : {}),
    ...(query.campaign ? { campaign: query.campaign } : {}),
  };
}

/** The columns of `calls.csv`, one row per call. */
export const LOG_COLUMNS = [
  'started_at',
  'direction',
  'from',
  'to',
  'status',
  'outcome_unknown',
  'answered_at',
  'ended_at',
  'duration',
  'answered_by',
  'recording_url',
  'campaign',
  'id',
];

const iso = (date: Date | null) => (date === null ? '' : date.toISOString());

function logLine(r: CallRecord): string {
  return csvLine([
    iso(r.startedAt),
    r.direction,
    r.from,
    r.to,
    r.status,
    r.outcomeUnknown ? 'true' : 'false',
    iso(r.answeredAt),
    iso(r.endedAt),
    r.durationS,
    r.answeredBy,
    r.recordingUrl,
    r.campaign,
    r.id,
  ]);
}

/**
 * `GET /api/calls`: every call of every number (scheduled, campaign and inbound), newest first,
 * a page at a time, filtered by direction, outcome, time (`since`, `until`), number and campaign;
 * `GET /api/calls.csv`: every call the same filters keep, as CSV, written at the pace the client
 * reads.
 */
export function callLogRouter(runtime: Pick<Runtime, 'callLog'>): Router {
  const router = Router();
  router.get(
    '/calls',
    ...route(
      {
        query: z.strictObject({
          ...filters,
          cursor: z.string().max(500).optional(),
          limit: limitParam(100, 50),
        }),
      },
      async ({ query }, res) => {
        const page = await runtime.callLog({
          ...optionsOf(query),
          cursor: query.cursor ?? null,
          limit: query.limit,
        });
        res.json({ items: page.items.map(serializeCallRecord), next_cursor: page.nextCursor });
      },
    ),
  );
  router.get(
    '/calls.csv',
    ...route({ query: z.strictObject(filters) }, async ({ query }, res) => {
      const options = optionsOf(query);
      // The first page is read before any byte is sent: a bad filter is a JSON 400.
      let page = await runtime.callLog({ ...options, limit: 1000 });
      res.status(200).type('text/csv; charset=utf-8').attachment('calls.csv');
      let open = await send(res, csvLine(LOG_COLUMNS));
      for (;;) {
        for (const record of page.items) {
          if (open) open = await send(res, logLine(record));
        }
        if (!open || page.nextCursor === null) break;
        page = await runtime.callLog({ ...options, cursor: page.nextCursor, limit: 1000 });
      }
      if (open) res.end();
    }),
  );
  return router;
}
