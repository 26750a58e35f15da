/**
 * `@ringkit/call-client`: typed clients for telephony Call APIs. Its sources are grouped by
 * concept: `errors/`, `http/` (the transport every client shares), `providers/` (the
 * `CallProvider` contract and the practice APIs' clients), `follow/` (polling), `webhooks/`,
 * `time/` (clocks and pacing), `twilio/` (the `./twilio` entry), and the status vocabulary and
 * phone numbers on their own.
 */
export { CALL_STATUSES, RETRYABLE_OUTCOMES, TERMINAL_STATUSES } from './status.js';
export {
  callDurationSeconds,
  canAdvance,
  isCallStatus,
  isTerminal,
  mapProviderStatus,
  statusRank,
} from './status.js';
export type { CallStatus, TerminalCallStatus } from './status.js';

export {
  RingkitError,
  isRingkitError,
  CallApiError,
  HttpError,
  InvalidOptionsError,
  InvalidPhoneNumberError,
  ConnectionError,
  PlacementWithheldError,
  ResponseValidationError,
  RequestTimeoutError,
  UnsupportedCallOptionError,
  UnsupportedOperationError,
  WebhookValidationError,
  isCallApiError,
  isHttpError,
  isInvalidOptionsError,
  isInvalidPhoneNumberError,
  isConnectionError,
  isPlacementWithheldError,
  isResponseValidationError,
  isRequestTimeoutError,
  isUnsupportedCallOptionError,
  isUnsupportedOperationError,
  isWebhookValidationError,
} from './errors/errors.js';
export {
  isAmbiguousPlacement,
  isCallNotPlaced,
  isRetryablePlacementError,
  placementOutcomeOf,
} from './errors/placement.js';
export type { RequestInfo, WebhookErrorReason } from './errors/errors.js';
export type { PlacementOutcome } from './errors/placement.js';

export {
  ANSWERED_BY,
  CALL_OPTION_NAMES,
  callOptionsSchema,
  checkCallOptions,
  mapAnsweredBy,
  callOptionsOf,
  sayTextSchema,
} from './providers/call-options.js';
export type {
  AnsweredBy,
  CallOptionName,
  CallOptions,
  CallOptionValue,
  MachineDetection,
} from './providers/call-options.js';

export { DEFAULT_MAX_RECORDING_S, inboundPolicySchema } from './inbound/inbound.js';
export type { InboundCallUpdate, InboundPolicy } from './inbound/inbound.js';

export { isSipUri, isValidPhoneNumber, toE164 } from './phone.js';
export type { CountryCode, ToE164Options } from './phone.js';

export { systemClock } from './time/clock.js';
export type { Clock } from './time/clock.js';

export { createPacer } from './time/pacing.js';
export type { Pacer } from './time/pacing.js';

export type {
  CallProvider,
  CallStatusEvent,
  ConnectCallOptions,
  PlaceCallRequest,
  ProviderCall,
  ProviderCapabilities,
} from './providers/provider.js';
export type { HttpClientOptions, RetryOptions } from './http/_options.js';

export { createMockCallApiClient } from './providers/mock-call-api.js';
export type { MockCallApiClientOptions } from './providers/mock-call-api.js';
export { createNumDialerClient } from './providers/num-dialer.js';
export type { NumDialerClientOptions } from './providers/num-dialer.js';

export { watchCall } from './follow/watch.js';
export type { WatchCallOptions } from './follow/watch.js';

export {
  createWebhookHandler,
  createWebhookToken,
  NUM_DIALER_WEBHOOK_STATUSES,
  parseStatusWebhook,
} from './webhooks/webhook.js';
export type {
  ParseStatusWebhookOptions,
  WebhookHandler,
  WebhookHandlerOptions,
  WebhookResponse,
} from './webhooks/webhook.js';
export { createExpressWebhookHandler } from './webhooks/express.js';
export type {
  ExpressWebhookHandlerOptions,
  WebhookHttpRequest,
  WebhookHttpResponse,
} from './webhooks/express.js';
export type { TracerLike } from '@ringkit/internal';
