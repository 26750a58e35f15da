import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Runtime } from '../runtime.js';
import { route } from '../validate.js';

/**
 * A Server-Sent Events route: `Last-Event-ID` (the header, or `?last_event_id=` for a client that
 * cannot send it) resumes, and `?access_token=` carries API_TOKEN for browsers' EventSource,
 * which cannot send headers (see security.ts).
 */
export function eventStream(
  serve: (req: Request, res: Response, lastEventId: string | undefined) => void,
): RequestHandler[] {
  const lastEventId = z.string().max(100).optional();
  return route(
    {
      query: z.strictObject({
        last_event_id: lastEventId,
        access_token: z.string().max(200).optional(),
      }),
    },
    ({ query }, res, req) => {
      const header = lastEventId.safeParse(req.get('last-event-id'));
      serve(req, res, (header.success ? header.data : undefined) ?? query.last_event_id);
    },
  );
}

/** `GET /api/events`: every status change, as Server-Sent Events. */
export function eventsRouter(runtime: Pick<Runtime, 'hub'>): Router {
  const router = Router();
  router.get(
    '/',
    ...eventStream((req, res, lastEventId) => runtime.hub.serve(req, res, lastEventId)),
  );
  return router;
}
