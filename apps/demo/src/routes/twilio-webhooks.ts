import {
  createExpressSignalWireVoiceHandler,
  createExpressSignalWireWebhookHandler,
  inboundUpdateOf as signalWireInboundUpdateOf,
} from '@ringkit/call-client/signalwire';
import {
  createExpressTwilioVoiceHandler,
  createExpressTwilioWebhookHandler,
  inboundUpdateOf as twilioInboundUpdateOf,
  type ExpressTwilioVoiceHandlerOptions,
  type ExpressTwilioWebhookHandlerOptions,
} from '@ringkit/call-client/twilio';
import type { RequestHandler } from 'express';
import { BODY_LIMIT_BYTES } from '../body.js';
import type { Config } from '../config.js';
import { inboundPolicy } from '../inbound.js';
import type { Runtime } from '../runtime.js';
import { SIGNALWIRE_VOICE_PATH, signalWireSettings } from '../signalwire.js';
import { TWILIO_VOICE_PATH, twilioSettings } from '../twilio.js';

/** What a route's handler is given, whichever provider of Twilio's shape it serves. */
type SharedWebhookOptions = Omit<ExpressTwilioWebhookHandlerOptions, 'authToken' | 'accountSid'>;
type SharedVoiceOptions = Omit<ExpressTwilioVoiceHandlerOptions, 'authToken' | 'accountSid'>;

/**
 * What tells the demo's routes of the providers that speak Twilio's API apart (Twilio itself,
 * SignalWire): their name, the voice route's path, and how the package's Express handlers are made
 * with the configuration's account and secret.
 */
export interface TwilioRoutesFlavour {
  /** The provider's name, as logged. */
  provider: 'twilio' | 'signalwire';
  /** Its name in log messages. */
  label: string;
  /** The path of its voice webhook: the TwiML's `actionUrl` is `PUBLIC_URL` + this path. */
  voicePath: string;
  /** The package's reading of a status callback as the end of a call to the app's number. */
  inboundUpdateOf: typeof twilioInboundUpdateOf;
  /** `PUBLIC_URL` of a configuration for this provider (throws for another's). */
  publicUrl: (config: Config) => string;
  /** The package's status-callback handler, signed with the configuration's secret. */
  webhookHandler: (config: Config, options: SharedWebhookOptions) => RequestHandler;
  /** The package's voice handler, signed with the configuration's secret. */
  voiceHandler: (config: Config, options: SharedVoiceOptions) => RequestHandler;
}

/** Twilio: signed with the account's auth token (`X-Twilio-Signature`). */
export const TWILIO_ROUTES: TwilioRoutesFlavour = {
  provider: 'twilio',
  label: 'Twilio',
  voicePath: TWILIO_VOICE_PATH,
  inboundUpdateOf: twilioInboundUpdateOf,
  publicUrl: (config) => twilioSettings(config).publicUrl,
  webhookHandler: (config, options) => {
    const { accountSid, authToken } = twilioSettings(config);
    return createExpressTwilioWebhookHandler({ ...options, authToken, accountSid });
  },
  voiceHandler: (config, options) => {
    const { accountSid, authToken } = twilioSettings(config);
    return createExpressTwilioVoiceHandler({ ...options, authToken, accountSid });
  },
};

/** SignalWire: signed with the project's signing key (`X-SignalWire-Signature`). */
export const SIGNALWIRE_ROUTES: TwilioRoutesFlavour = {
  provider: 'signalwire',
  label: 'SignalWire',
  voicePath: SIGNALWIRE_VOICE_PATH,
  inboundUpdateOf: signalWireInboundUpdateOf,
  publicUrl: (config) => signalWireSettings(config).publicUrl,
  webhookHandler: (config, options) => {
    const { projectId, signingKey } = signalWireSettings(config);
    return createExpressSignalWireWebhookHandler({ ...options, signingKey, projectId });
  },
  voiceHandler: (config, options) => {
    const { projectId, signingKey } = signalWireSettings(config);
    return createExpressSignalWireVoiceHandler({ ...options, signingKey, projectId });
  },
};

/**
 * `POST /webhooks/twilio` and `POST /webhooks/signalwire`: the provider's status callbacks,
 * form-encoded and signed with the account's auth token (Twilio) or the project's signing key
 * (SignalWire) over `PUBLIC_URL` + the path (or, with `TRUST_PROXY`, the URL a proxy's
 * `X-Forwarded-Proto`/`X-Forwarded-Host` name). A missing or bad signature, or a callback of
 * another account or project, is a `403` and changes nothing. A valid event of a call the app
 * placed goes to the dialer or the scheduler, whichever placed it; the end of a call to the app's
 * number (`Direction=inbound`, the number's "Call status changes" URL) is recorded in the
 * history, and its other callbacks change nothing.
 */
export function twilioWebhookHandler(
  flavour: TwilioRoutesFlavour,
  runtime: Pick<Runtime, 'config' | 'handleProviderStatus' | 'recordInbound' | 'logger'>,
): RequestHandler {
  const handler = flavour.webhookHandler(runtime.config, {
    publicUrl: flavour.publicUrl(runtime.config),
    trustProxy: runtime.config.TRUST_PROXY,
    limitBytes: BODY_LIMIT_BYTES,
    onEvent: async (event) => {
      const inbound = flavour.inboundUpdateOf(event);
      if (inbound) await runtime.recordInbound(inbound);
      else if (event.direction !== 'inbound') await runtime.handleProviderStatus(event);
    },
    onError: (error) => runtime.logger.debug({ err: error }, `${flavour.label} callback refused`),
  });
  return (req, res, next) => handler(req, res, next);
}

/**
 * `POST /webhooks/twilio/voice` and `POST /webhooks/signalwire/voice`: the provider's voice
 * webhook for a call to the app's number, and the steps of the TwiML (LaML) it answers
 * (`?step=dial`, `?step=voicemail`: the same URL as `actionUrl`), signed as the status callbacks
 * are (`403` before anything is recorded). It answers by the INBOUND_* variables
 * ({@link inboundPolicy}) and records what each request tells of the call. A failure to record is
 * logged, never played to the caller: the call is still answered.
 */
export function twilioVoiceHandler(
  flavour: TwilioRoutesFlavour,
  runtime: Pick<Runtime, 'config' | 'recordInbound' | 'logger'>,
): RequestHandler {
  const publicUrl = flavour.publicUrl(runtime.config);
  const handler = flavour.voiceHandler(runtime.config, {
    publicUrl,
    trustProxy: runtime.config.TRUST_PROXY,
    limitBytes: BODY_LIMIT_BYTES,
    policy: inboundPolicy(runtime.config),
    actionUrl: `${publicUrl}${flavour.voicePath}`,
    onUpdate: async (update) => {
      try {
        await runtime.recordInbound(update);
      } catch (error) {
        runtime.logger.error(
          { err: error, provider: flavour.provider, call_id: update.callId },
          'inbound call not recorded',
        );
      }
    },
    onError: (error) =>
      runtime.logger.debug({ err: error }, `${flavour.label} voice webhook refused`),
  });
  return (req, res, next) => handler(req, res, next);
}
