import { Router } from 'express';
import type { Runtime } from '../runtime.js';
import { route } from '../validate.js';
import { eventStream } from './events.js';

/**
 * The operator's page's data: `GET /api/ops` (the samples of the last five minutes) and
 * `GET /api/ops/events` (each new sample, live, as Server-Sent Events; `Last-Event-ID` resumes).
 */
export function opsRouter(runtime: Pick<Runtime, 'ops'>): Router {
  const router = Router();
  const { ops } = runtime;
  router.get(
    '/',
    ...route({}, (_input, res) => {
      res.json({ interval_ms: ops.intervalMs, samples: ops.samples() });
    }),
  );
  router.get(
    '/events',
    ...eventStream((req, res, lastEventId) => ops.serve(req, res, lastEventId)),
  );
  return router;
}
