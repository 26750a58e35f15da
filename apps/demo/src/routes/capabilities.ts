import { Router } from 'express';
import type { Runtime } from '../runtime.js';
import { serializeCapabilities } from '../serialize.js';
import { route } from '../validate.js';

/**
 * `GET /api/capabilities`: what the configured provider honours among the optional fields of
 * `POST /api/scheduled-calls` (`message`, `machine_detection`), so a client offers only those.
 * The provider does not change while the server runs.
 */
export function capabilitiesRouter(runtime: Runtime): Router {
  const router = Router();
  const body = serializeCapabilities(runtime.config.CALL_PROVIDER, runtime.callOptions);
  router.get(
    '/',
    ...route({}, (_input, res) => {
      res.json(body);
    }),
  );
  return router;
}
