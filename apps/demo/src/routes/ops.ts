import { Router } from 'express';
import { z } from 'zod';
import type { Runtime } from '../runtime.js';
import { route } from '../validate.js';

/**
 * The operator's page's data: `GET /api/ops` (the samples of the last five minutes) and
 * `GET /api/ops/events` (each new sample, live, as Server-Sent Events; `Last-Event-ID` resumes).
 */
export function opsRouter(runtime: Runtime): Router {
  const router = Router();
  const { ops } = runtime;
  router.get(
    '/',
    ...route({}, (_input, res) => {
      res.json({ interval_ms: ops.intervalMs, samples: ops.samples() });
    }),
  );
  const lastEventId = z.string().max(100).optional();
  router.get(
    '/events',
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
        ops.serve(req, res, (header.success ? header.data : undefined) ?? query.last_event_id);
      },
    ),
  );
  return router;
}
