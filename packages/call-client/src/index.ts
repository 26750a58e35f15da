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
  NetworkError,
  ResponseValidationError,
  TimeoutError,
  UnsupportedCallOptionError,
  UnsupportedOperationError,
  WebhookValidationError,
  isAbortError,
  isCallApiError,
  isAmbiguousPlacement,
  isCallNotPlaced,
  isHttpError,
  isInvalidOptionsError,
  isInvalidPhoneNumberError,
  isNetworkError,
  isResponseValidationError,
  isRetryablePlacementError,
  isTimeoutError,
  isUnsupportedCallOptionError,
  isUnsupportedOperationError,
  isWebhookValidationError,
  placementOutcomeOf,
} from './errors.js';
export type { PlacementOutcome, RequestInfo, WebhookErrorReason } from './errors.js';

export {
  ANSWERED_BY,
  CALL_OPTION_NAMES,
  callOptionsSchema,
  checkCallOptions,
  mapAnsweredBy,
  callOptionsOf,
} from './call-options.js';
export type {
  AnsweredBy,
  CallOptionName,
  CallOptions,
  CallOptionValue,
  MachineDetection,
} from './call-options.js';

export { isValidPhoneNumber, toE164 } from './phone.js';
export type { CountryCode, ToE164Options } from './phone.js';

export {
  clampTimerMs,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_WATCH_INTERVAL_MS,
  isClock,
  MAX_TIMER_MS,
  sleep,
  systemClock,
} from './clock.js';
export type { Clock } from './clock.js';

export { createPacer } from './pacing.js';
export type { Pacer } from './pacing.js';

export type {
  CallProvider,
  CallStatusEvent,
  PlaceCallRequest,
  ProviderCall,
  ProviderCapabilities,
} from './provider.js';
export type { HttpClientOptions, RetryOptions } from './_http.js';

export { createMockCallApiClient } from './mock-call-api.js';
export type { MockCallApiClientOptions } from './mock-call-api.js';
export { createNumDialerClient } from './num-dialer.js';
export type { NumDialerClientOptions } from './num-dialer.js';

export { watchCall } from './watch.js';
export type { WatchCallOptions } from './watch.js';

export {
  createWebhookHandler,
  createWebhookToken,
  NUM_DIALER_WEBHOOK_STATUSES,
  parseStatusWebhook,
} from './webhook.js';
export type {
  ParseStatusWebhookOptions,
  WebhookHandler,
  WebhookHandlerOptions,
  WebhookResponse,
} from './webhook.js';
export { expressWebhookHandler } from './express.js';
export type {
  ExpressWebhookHandlerOptions,
  WebhookHttpRequest,
  WebhookHttpResponse,
} from './express.js';
export type { TracerLike } from '@ringkit/internal';
