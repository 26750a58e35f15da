/**
 * `@ringkit/call-client/vonage`: Vonage's Voice API, and the JWT-signed event webhooks it sends.
 */
export { toVonageStatus, VONAGE_CALL_STATUSES } from './_status.js';
export { parseVonageEvent } from './event.js';
export { createExpressVonageWebhookHandler } from './express.js';
export {
  isVonageSignatureError,
  verifyVonageSignature,
  VonageSignatureError,
} from './signature.js';
export { createVonageWebhookHandler } from './webhook.js';

export type { VonageStatus } from './_status.js';
export type { ParseVonageEventOptions, VonageStatusEvent } from './event.js';
export type {
  ExpressVonageWebhookHandlerOptions,
  VonageWebhookHttpRequest,
  VonageWebhookHttpResponse,
} from './express.js';
export type {
  VerifyVonageSignatureInput,
  VonageSignatureFailure,
  VonageSignatureResult,
  VonageWebhookClaims,
} from './signature.js';
export type {
  VonageWebhookHandler,
  VonageWebhookHandlerOptions,
  VonageWebhookRequest,
  VonageWebhookResponse,
} from './webhook.js';
