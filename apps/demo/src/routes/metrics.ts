import { Router } from 'express';
import type { Runtime } from '../runtime.js';
import { route } from '../validate.js';

/**
 * `GET /metrics`: the Prometheus text format (see metrics.ts). Needs the API token when one is
 * set (Prometheus: `authorization: { credentials: <API_TOKEN> }` in the scrape config).
 */
export function metricsRouter(runtime: Pick<Runtime, 'metrics'>): Router {
  const router = Router();
  const { registry } = runtime.metrics;
  router.get(
    '/',
    ...route({}, async (_input, res) => {
      const text = await registry.metrics();
      res.set('Cache-Control', 'no-store').type(registry.contentType).send(text);
    }),
  );
  return router;
}
