import type { CallOptionName } from '@ringkit/call-client';
import { Router } from 'express';
import { apiCallOptions } from '../call-options.js';
import type { Runtime } from '../runtime.js';
import { route } from '../validate.js';

/** The answer of `GET /api/capabilities`: the provider, and the API's call options it honours. */
export function serializeCapabilities(provider: string, honoured: readonly CallOptionName[]) {
  return { provider, call_options: apiCallOptions(honoured) };
}

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
