import { createExpressTwilioWebhookHandler } from '@ringkit/call-client/twilio';
import type { RequestHandler } from 'express';
import { BODY_LIMIT_BYTES } from '../body.js';
import type { Runtime } from '../runtime.js';
import { twilioSettings } from '../twilio.js';

/**
 * `POST /webhooks/twilio`: Twilio's status callbacks, form-encoded and signed with the account's
 * auth token over `PUBLIC_URL` + the path (or, with `TRUST_PROXY`, the URL a proxy's
 * `X-Forwarded-Proto`/`X-Forwarded-Host` name). A missing or bad signature, or a callback of
 * another account, is a `403` and changes nothing; a valid event goes to the dialer or the
 * scheduler, whichever placed the call.
 */
export function twilioWebhookHandler(runtime: Runtime): RequestHandler {
  const { accountSid, authToken, publicUrl } = twilioSettings(runtime.config);
  const handler = createExpressTwilioWebhookHandler({
    authToken,
    accountSid,
    publicUrl,
    trustProxy: runtime.config.TRUST_PROXY,
    limitBytes: BODY_LIMIT_BYTES,
    onEvent: (event) => runtime.handleProviderStatus(event),
    onError: (error) => runtime.logger.debug({ err: error }, 'Twilio callback refused'),
  });
  return (req, res, next) => handler(req, res, next);
}
