import { decodeCursor } from '@ringkit/scheduler-core';
import { Router } from 'express';
import { z } from 'zod';
import type { Runtime } from '../runtime.js';
import { serializeHistoryEntry } from '../serialize.js';
import { limitParam, phoneParam, route } from '../validate.js';

/**
 * `GET /api/calls/:phone`: the history of one number, newest first, and `app_number`, the app's
 * own number (`CALLER_ID`), which each item's `counterparty_is_app` compares with.
 */
export function callsRouter(runtime: Pick<Runtime, 'config' | 'history'>): Router {
  const router = Router();
  router.get(
    '/:phone',
    ...route(
      {
        params: z.strictObject({ phone: phoneParam }),
        query: z.strictObject({
          cursor: z
            .string()
            .max(500)
            .refine((c) => decodeCursor(c) !== null, 'not a cursor from next_cursor')
            .optional(),
          limit: limitParam(100, 20),
        }),
      },
      async ({ params, query }, res) => {
        const page = await runtime.history(params.phone, {
          cursor: query.cursor ?? null,
          limit: query.limit,
        });
        const appNumber = runtime.config.CALLER_ID;
        res.json({
          app_number: appNumber,
          items: page.items.map((entry) => serializeHistoryEntry(entry, appNumber)),
          next_cursor: page.nextCursor,
        });
      },
    ),
  );
  return router;
}
