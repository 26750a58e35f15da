/**
 * `@ringkit/call-client/signalwire`: SignalWire's Compatibility API ("LaML", Twilio's API
 * 2010-04-01 in a SignalWire space) as a flavour of `./twilio`: the same client, webhook
 * handlers and inbound voice handler, with SignalWire's address, ids, status words and signing.
 */
export { createSignalWireClient } from './client.js';
export { createExpressSignalWireWebhookHandler } from './express.js';
export { computeSignalWireSignature, verifySignalWireSignature } from './signature.js';
export {
  inboundUpdateOf,
  parseSignalWireStatusCallback,
  SIGNALWIRE_CALL_STATUSES,
} from './status-callback.js';
export { createExpressSignalWireVoiceHandler, createSignalWireVoiceHandler } from './voice.js';
export { createSignalWireWebhookHandler } from './webhook.js';
export { isTwilioApiError, TwilioApiError } from '../twilio/errors.js';

export type { SignalWireClientOptions } from './client.js';
export type { ExpressSignalWireWebhookHandlerOptions } from './express.js';
export type { VerifySignalWireSignatureInput } from './signature.js';
export type { SignalWireStatusCallback } from './status-callback.js';
export type {
  ExpressSignalWireVoiceHandlerOptions,
  SignalWireVoiceHandlerOptions,
} from './voice.js';
export type { SignalWireWebhookHandlerOptions } from './webhook.js';
export type { TwilioProvider } from '../twilio/_client.js';
export type { TwilioCallbackParams } from '../twilio/_form.js';
export type { ReconcileOptions } from '../twilio/_reconcile.js';
export type { TwilioParams } from '../twilio/signature.js';
export type { ParseTwilioStatusCallbackOptions } from '../twilio/status-callback.js';
export type {
  TwilioVoiceHandler,
  TwilioVoiceRequest,
  TwilioVoiceResponse,
} from '../twilio/voice.js';
export type { TwilioVoiceHttpResponse } from '../twilio/voice-express.js';
export type { TwilioWebhookHttpRequest, TwilioWebhookHttpResponse } from '../twilio/_express.js';
export type {
  TwilioWebhookHandler,
  TwilioWebhookRequest,
  TwilioWebhookResponse,
} from '../twilio/webhook.js';
