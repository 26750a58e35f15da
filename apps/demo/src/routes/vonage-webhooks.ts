import {
  createExpressVonageAnswerHandler,
  createExpressVonageWebhookHandler,
} from '@ringkit/call-client/vonage';
import type { RequestHandler } from 'express';
import { BODY_LIMIT_BYTES } from '../body.js';
import { inboundPolicy } from '../inbound.js';
import type { Runtime } from '../runtime.js';
import { VONAGE_ANSWER_PATH, vonageSettings } from '../vonage.js';

/**
 * `POST /webhooks/vonage`: Vonage's call events, JSON signed with a JWT (HS256 with
 * `VONAGE_SIGNATURE_SECRET`) whose `payload_hash` is the body's SHA-256. A missing, forged or
 * stale token, or a body other than the one signed, is a `401` with a JSON body and changes
 * nothing. A valid event of a call the app placed goes to the campaign or the scheduler,
 * whichever placed it; the events of a call to the app's number (its caller leg, `direction:
 * 'inbound'`, or one to `CALLER_ID` that names no direction) record how it ended in the history.
 */
export function vonageWebhookHandler(
  runtime: Pick<Runtime, 'config' | 'handleProviderStatus' | 'recordInbound' | 'logger'>,
): RequestHandler {
  const { signatureSecret } = vonageSettings(runtime.config);
  const handler = createExpressVonageWebhookHandler({
    signatureSecret,
    limitBytes: BODY_LIMIT_BYTES,
    onEvent: (event) => runtime.handleProviderStatus(event),
    onInbound: (update) => runtime.recordInbound(update),
    appNumbers: [runtime.config.CALLER_ID],
    onError: (error) => runtime.logger.debug({ err: error }, 'Vonage event refused'),
  });
  return (req, res, next) => handler(req, res, next);
}

/**
 * `GET`/`POST /webhooks/vonage/answer`: the application's answer URL for a call to the app's
 * number, and the events of the `record` and `connect` its NCCO answers with (the same URL as
 * their `eventUrl`), signed as the events are (`401` before anything is recorded; `403` for
 * another application's, or an event URL the app did not write). It answers by the INBOUND_*
 * variables ({@link inboundPolicy}) and records what each request tells of the call. A failure
 * to record is logged, never played to the caller: the call is still answered.
 */
export function vonageAnswerHandler(
  runtime: Pick<Runtime, 'config' | 'recordInbound' | 'logger'>,
): RequestHandler {
  const { applicationId, signatureSecret, publicUrl } = vonageSettings(runtime.config);
  const handler = createExpressVonageAnswerHandler({
    signatureSecret,
    applicationId,
    limitBytes: BODY_LIMIT_BYTES,
    policy: inboundPolicy(runtime.config),
    eventUrl: `${publicUrl}${VONAGE_ANSWER_PATH}`,
    onUpdate: async (update) => {
      try {
        await runtime.recordInbound(update);
      } catch (error) {
        runtime.logger.error(
          { err: error, provider: 'vonage', call_id: update.callId },
          'inbound call not recorded',
        );
      }
    },
    onError: (error) => runtime.logger.debug({ err: error }, 'Vonage answer webhook refused'),
  });
  return (req, res, next) => handler(req, res, next);
}
