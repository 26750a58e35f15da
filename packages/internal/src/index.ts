export { brand, errorGuard, formatIssues, hasBrand } from './errors.js';
export type { Issue } from './errors.js';
export { createSafeEmitter } from './emitter.js';
export type { SafeEmitter } from './emitter.js';
export { EarlyEventBuffer } from './early-events.js';
export type { EarlyEvent } from './early-events.js';
export {
  createTracing,
  endSpan,
  errorType,
  otelApi,
  traceIds,
  SPAN_KIND_CLIENT,
  SPAN_KIND_INTERNAL,
  SPAN_STATUS_ERROR,
  SPAN_STATUS_OK,
} from './tracing.js';
export type { SpanLike, TraceIds, TracerLike, Tracing } from './tracing.js';
export {
  clampTimerMs,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_WATCH_INTERVAL_MS,
  isClock,
  MAX_TIMER_MS,
  nextBeat,
  sleep,
  systemClock,
} from './time.js';
export type { Clock } from './time.js';
export {
  callsPerSecondSchema,
  sharedBudgetSchema,
  clockSchema,
  concurrencySchema,
  countryCodeSchema,
  maxAttemptsSchema,
  providerSchema,
  timerMsSchema,
  tracerSchema,
} from './options.js';
export { NEVER_CONNECTED_ERRNOS } from './net.js';
export { seededRandom } from './random.js';
export { eachInSlices, mapInSlices, sliceEnd, yieldToLoop } from './slices.js';
export { MAX_RETRY_AFTER_MS, RETRY_OUTCOMES, retrySchema, retrySchemaWith } from './retry.js';
export type { RetryOutcome } from './retry.js';
export { strictObject } from './strict.js';
export { storable, unstorableIn, unstorableText } from './text.js';
export { createBatches } from './batches.js';
export { createSharedTimers } from './shared-timers.js';
export type { SharedTimers } from './shared-timers.js';
export type { SendBatch } from './batches.js';
