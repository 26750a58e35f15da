import {
  createExpressTwilioVoiceHandler,
  createExpressTwilioWebhookHandler,
  inboundUpdateOf,
} from '@ringkit/call-client/twilio';
import type { RequestHandler } from 'express';
import { BODY_LIMIT_BYTES } from '../body.js';
import { inboundPolicy } from '../inbound.js';
import type { Runtime } from '../runtime.js';
import { TWILIO_VOICE_PATH, twilioSettings } from '../twilio.js';

/**
 * `POST /webhooks/twilio`: Twilio's status callbacks, form-encoded and signed with the account's
 * auth token over `PUBLIC_URL` + the path (or, with `TRUST_PROXY`, the URL a proxy's
 * `X-Forwarded-Proto`/`X-Forwarded-Host` name). A missing or bad signature, or a callback of
 * another account, is a `403` and changes nothing. A valid event of a call the app placed goes
 * to the dialer or the scheduler, whichever placed it; the end of a call to the app's number
 * (`Direction=inbound`, the number's "Call status changes" URL) is recorded in the history, and
 * its other callbacks change nothing.
 */
export function twilioWebhookHandler(
  runtime: Pick<Runtime, 'config' | 'handleProviderStatus' | 'recordInbound' | 'logger'>,
): RequestHandler {
  const { accountSid, authToken, publicUrl } = twilioSettings(runtime.config);
  const handler = createExpressTwilioWebhookHandler({
    authToken,
    accountSid,
    publicUrl,
    trustProxy: runtime.config.TRUST_PROXY,
    limitBytes: BODY_LIMIT_BYTES,
    onEvent: async (event) => {
      const inbound = inboundUpdateOf(event);
      if (inbound) await runtime.recordInbound(inbound);
      else if (event.direction !== 'inbound') await runtime.handleProviderStatus(event);
    },
    onError: (error) => runtime.logger.debug({ err: error }, 'Twilio callback refused'),
  });
  return (req, res, next) => handler(req, res, next);
}

/**
 * `POST /webhooks/twilio/voice`: Twilio's voice webhook for a call to the app's number, and the
 * steps of the TwiML it answers (`?step=dial`, `?step=voicemail`: the same URL as `actionUrl`),
 * signed as the status callbacks are (`403` before anything is recorded). It answers by the
 * INBOUND_* variables ({@link inboundPolicy}) and records what each request tells of the call.
 * A failure to record is logged, never played to the caller: the call is still answered.
 */
export function twilioVoiceHandler(
  runtime: Pick<Runtime, 'config' | 'recordInbound' | 'logger'>,
): RequestHandler {
  const { accountSid, authToken, publicUrl } = twilioSettings(runtime.config);
  const handler = createExpressTwilioVoiceHandler({
    authToken,
    accountSid,
    publicUrl,
    trustProxy: runtime.config.TRUST_PROXY,
    limitBytes: BODY_LIMIT_BYTES,
    policy: inboundPolicy(runtime.config),
    actionUrl: `${publicUrl}${TWILIO_VOICE_PATH}`,
    onUpdate: async (update) => {
      try {
        await runtime.recordInbound(update);
      } catch (error) {
        runtime.logger.error(
          { err: error, provider: 'twilio', call_id: update.callId },
          'inbound call not recorded',
        );
      }
    },
    onError: (error) => runtime.logger.debug({ err: error }, 'Twilio voice webhook refused'),
  });
  return (req, res, next) => handler(req, res, next);
}
