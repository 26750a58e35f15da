import { createExpressVonageWebhookHandler } from '@ringkit/call-client/vonage';
import type { RequestHandler } from 'express';
import { BODY_LIMIT_BYTES } from '../body.js';
import type { Runtime } from '../runtime.js';
import { vonageSettings } from '../vonage.js';

/**
 * `POST /webhooks/vonage`: Vonage's call events, JSON signed with a JWT (HS256 with
 * `VONAGE_SIGNATURE_SECRET`) whose `payload_hash` is the body's SHA-256. A missing, forged or
 * stale token, or a body other than the one signed, is a `401` with a JSON body and changes
 * nothing. A valid event of a call the app placed goes to the campaign or the scheduler,
 * whichever placed it.
 */
export function vonageWebhookHandler(
  runtime: Pick<Runtime, 'config' | 'handleProviderStatus' | 'recordInbound' | 'logger'>,
): RequestHandler {
  const { signatureSecret } = vonageSettings(runtime.config);
  const handler = createExpressVonageWebhookHandler({
    signatureSecret,
    limitBytes: BODY_LIMIT_BYTES,
    onEvent: async (event) => {
      if (event.direction !== 'inbound') await runtime.handleProviderStatus(event);
    },
    onError: (error) => runtime.logger.debug({ err: error }, 'Vonage event refused'),
  });
  return (req, res, next) => handler(req, res, next);
}
