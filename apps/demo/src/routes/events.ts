import { Router } from 'express';
import { z } from 'zod';
import type { Runtime } from '../runtime.js';
import { route } from '../validate.js';

/** `GET /api/events`: Server-Sent Events; `Last-Event-ID` (header or query) resumes. */
export function eventsRouter(runtime: Runtime): Router {
  const router = Router();
  const lastEventId = z.string().max(100).optional();
  router.get(
    '/',
    ...route(
      {
        query: z.strictObject({
          last_event_id: lastEventId,
          // API_TOKEN for browsers' EventSource, which cannot send headers (see security.ts).
          access_token: z.string().max(200).optional(),
        }),
      },
      ({ query }, res, req) => {
        const header = lastEventId.safeParse(req.get('last-event-id'));
        runtime.hub.serve(
          req,
          res,
          (header.success ? header.data : undefined) ?? query.last_event_id,
        );
      },
    ),
  );
  return router;
}
