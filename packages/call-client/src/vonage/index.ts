/**
 * `@ringkit/call-client/vonage`: Vonage's Voice API, and the JWT-signed event webhooks it sends.
 */
export { toVonageStatus, VONAGE_CALL_STATUSES } from './_status.js';
export { createVonageAnswerHandler } from './answer.js';
export { createExpressVonageAnswerHandler } from './answer-express.js';
export { createVonageClient } from './client.js';
export { VONAGE_CALL_OPTIONS } from './client-options.js';
export { isVonageApiError, VonageApiError } from './errors.js';
export { VONAGE_CREATE_CALL_PARAMS } from './_params.js';
export { parseVonageEvent } from './event.js';
export { inboundUpdateOf } from './inbound-update.js';
export { createExpressVonageWebhookHandler } from './express.js';
export {
  isVonageSignatureError,
  verifyVonageSignature,
  VonageSignatureError,
} from './signature.js';
export { createVonageWebhookHandler } from './webhook.js';

export type { VonageStatus } from './_status.js';
export type {
  AnswerConnectAction as VonageAnswerConnectAction,
  AnswerNccoAction as VonageAnswerNccoAction,
  AnswerRecordAction as VonageAnswerRecordAction,
  AnswerTalkAction as VonageAnswerTalkAction,
} from './_answer-ncco.js';
export type {
  VonageAnswerHandler,
  VonageAnswerHandlerOptions,
  VonageAnswerRequest,
  VonageAnswerResponse,
} from './answer.js';
export type {
  ExpressVonageAnswerHandlerOptions,
  VonageAnswerHttpRequest,
  VonageAnswerHttpResponse,
} from './answer-express.js';
export type { VonageClientOptions, VonageProvider } from './client-options.js';
export type { NccoAction, VonageRecordAction, VonageTalkAction } from './_ncco.js';
export type { ReconcileOptions as VonageReconcileOptions } from '../twilio/_reconcile.js';
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
