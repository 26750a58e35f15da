import {
  createExpressTelnyxWebhookHandler,
  type TelnyxProvider,
} from '@ringkit/call-client/telnyx';
import type { RequestHandler } from 'express';
import { BODY_LIMIT_BYTES } from '../body.js';
import type { Runtime } from '../runtime.js';
import { telnyxSettings } from '../telnyx.js';

/**
 * `POST /webhooks/telnyx`: Telnyx's call events, JSON signed with Ed25519 over the raw body and
 * its timestamp, checked with `TELNYX_PUBLIC_KEY`. A missing or bad signature is a `403` and
 * changes nothing. A valid event is first handed to the app's Telnyx client, which speaks the
 * call's `say` once it is answered, then, when it tells a status, to the dialer or the scheduler,
 * whichever placed the call. The events of a call to the app's own number (answered by the
 * client by the INBOUND_* variables) are recorded in the history instead.
 */
export function telnyxWebhookHandler(
  runtime: Pick<
    Runtime,
    'config' | 'realProvider' | 'handleProviderStatus' | 'recordInbound' | 'logger'
  >,
): RequestHandler {
  const { publicKey } = telnyxSettings(runtime.config);
  const client = runtime.realProvider as TelnyxProvider | undefined;
  if (runtime.config.CALL_PROVIDER !== 'telnyx' || !client) {
    throw new Error('CALL_PROVIDER=telnyx has no Telnyx client');
  }
  const handler = createExpressTelnyxWebhookHandler({
    publicKey,
    client,
    limitBytes: BODY_LIMIT_BYTES,
    onEvent: (event) => runtime.handleProviderStatus(event),
    // Calls to the app's number, answered by the client's inbound policy: into the history
    // (a caller who hangs up before the first command took effect too: see appNumbers).
    onInbound: (update) => runtime.recordInbound(update),
    appNumbers: [runtime.config.CALLER_ID],
    onError: (error) => runtime.logger.debug({ err: error }, 'Telnyx webhook refused'),
  });
  return (req, res, next) => handler(req, res, next);
}
