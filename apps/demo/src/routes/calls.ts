import { decodeCursor } from '@ringkit/scheduler-core';
import { Router } from 'express';
import { z } from 'zod';
import type { Runtime } from '../runtime.js';
import { serializeHistoryEntry } from '../serialize.js';
import { limitParam, phoneParam, route } from '../validate.js';

/** `GET /api/calls/:phone`: the history of one number, newest first. */
export function callsRouter(runtime: Runtime): Router {
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
        res.json({ items: page.items.map(serializeHistoryEntry), next_cursor: page.nextCursor });
      },
    ),
  );
  return router;
}
