import {
  createExpressSignalWireVoiceHandler,
  createExpressSignalWireWebhookHandler,
  inboundUpdateOf,
} from '@ringkit/call-client/signalwire';
import type { RequestHandler } from 'express';
import { BODY_LIMIT_BYTES } from '../body.js';
import { inboundPolicy } from '../inbound.js';
import type { Runtime } from '../runtime.js';
import { SIGNALWIRE_VOICE_PATH, signalWireSettings } from '../signalwire.js';

/**
 * `POST /webhooks/signalwire`: SignalWire's status callbacks, form-encoded and signed with the
 * project's signing key (`X-SignalWire-Signature`) over `PUBLIC_URL` + the path (or, with
 * `TRUST_PROXY`, the URL a proxy's `X-Forwarded-Proto`/`X-Forwarded-Host` name). A missing or
 * bad signature, or a callback of another project, is a `403` and changes nothing. A valid event
 * of a call the app placed goes to the campaign or the scheduler, whichever placed it; the end
 * of a call to the app's number (`Direction=inbound`) is recorded in the history, and its other
 * callbacks change nothing.
 */
export function signalWireWebhookHandler(
  runtime: Pick<Runtime, 'config' | 'handleProviderStatus' | 'recordInbound' | 'logger'>,
): RequestHandler {
  const { projectId, signingKey, publicUrl } = signalWireSettings(runtime.config);
  const handler = createExpressSignalWireWebhookHandler({
    signingKey,
    projectId,
    publicUrl,
    trustProxy: runtime.config.TRUST_PROXY,
    limitBytes: BODY_LIMIT_BYTES,
    onEvent: async (event) => {
      const inbound = inboundUpdateOf(event);
      if (inbound) await runtime.recordInbound(inbound);
      else if (event.direction !== 'inbound') await runtime.handleProviderStatus(event);
    },
    onError: (error) => runtime.logger.debug({ err: error }, 'SignalWire callback refused'),
  });
  return (req, res, next) => handler(req, res, next);
}

/**
 * `POST /webhooks/signalwire/voice`: SignalWire's voice webhook for a call to the app's number,
 * and the steps of the LaML it answers (`?step=dial`, `?step=voicemail`: the same URL as
 * `actionUrl`), signed as the status callbacks are (`403` before anything is recorded). It
 * answers by the INBOUND_* variables ({@link inboundPolicy}) and records what each request tells
 * of the call. A failure to record is logged, never played to the caller: the call is still
 * answered.
 */
export function signalWireVoiceHandler(
  runtime: Pick<Runtime, 'config' | 'recordInbound' | 'logger'>,
): RequestHandler {
  const { projectId, signingKey, publicUrl } = signalWireSettings(runtime.config);
  const handler = createExpressSignalWireVoiceHandler({
    signingKey,
    projectId,
    publicUrl,
    trustProxy: runtime.config.TRUST_PROXY,
    limitBytes: BODY_LIMIT_BYTES,
    policy: inboundPolicy(runtime.config),
    actionUrl: `${publicUrl}${SIGNALWIRE_VOICE_PATH}`,
    onUpdate: async (update) => {
      try {
        await runtime.recordInbound(update);
      } catch (error) {
        runtime.logger.error(
          { err: error, provider: 'signalwire', call_id: update.callId },
          'inbound call not recorded',
        );
      }
    },
    onError: (error) => runtime.logger.debug({ err: error }, 'SignalWire voice webhook refused'),
  });
  return (req, res, next) => handler(req, res, next);
}
