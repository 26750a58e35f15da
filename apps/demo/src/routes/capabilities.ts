import type { CallOptionName } from '@ringkit/call-client';
import { MAX_AHEAD_MS } from '@ringkit/scheduler-core';
import { Router } from 'express';
import { CAMPAIGN_BODY_LIMIT_BYTES } from '../body.js';
import { apiCallOptions } from '../call-options.js';
import type { Runtime } from '../runtime.js';
import { route } from '../validate.js';
import { MAX_CAMPAIGN_NUMBERS } from './campaigns.js';

/**
 * The limits the routes apply that a form shows, and checks, before it sends: the numbers of a
 * campaign and the bytes of its list (`POST /api/campaigns`), and how far ahead a call may be
 * scheduled (`POST /api/scheduled-calls`, the scheduler's `MAX_AHEAD_MS`).
 */
export const API_LIMITS = {
  campaign_numbers: MAX_CAMPAIGN_NUMBERS,
  campaign_body_bytes: CAMPAIGN_BODY_LIMIT_BYTES,
  schedule_ahead_ms: MAX_AHEAD_MS,
};

/**
 * The answer of `GET /api/capabilities`: the provider (`CALL_PROVIDER`), the name its scheduled
 * calls store (`provider_name`: a call naming another waits), the API's call options it honours,
 * the limits.
 */
export function serializeCapabilities(
  provider: string,
  honoured: readonly CallOptionName[],
  providerName: string = provider,
) {
  return {
    provider,
    provider_name: providerName,
    call_options: apiCallOptions(honoured),
    limits: { ...API_LIMITS },
  };
}

/**
 * `GET /api/capabilities`: what the configured provider honours among the optional fields of
 * `POST /api/scheduled-calls` (`message`, `machine_detection`) and of a campaign's list (`say`),
 * so a client offers only those, and the limits of the routes ({@link API_LIMITS}). Neither
 * changes while the server runs.
 */
export function capabilitiesRouter(
  runtime: Pick<Runtime, 'config' | 'callOptions' | 'schedulerProvider'>,
): Router {
  const router = Router();
  const body = serializeCapabilities(
    runtime.config.CALL_PROVIDER,
    runtime.callOptions,
    runtime.schedulerProvider,
  );
  router.get(
    '/',
    ...route({}, (_input, res) => {
      res.json(body);
    }),
  );
  return router;
}
