export { createDialer } from './dialer.js';

// Every ringkit package throws the one options error and the one "the provider cannot do this"
// error of @ringkit/call-client.
export {
  InvalidOptionsError,
  isInvalidOptionsError,
  isUnsupportedOperationError,
  UnsupportedOperationError,
} from '@ringkit/call-client';

export {
  DialAttemptError,
  DialerError,
  DialerStateError,
  InvalidNumbersError,
  isDialAttemptError,
  isDialerError,
  isDialerStateError,
  isInvalidNumbersError,
} from './errors.js';
export type { DialAttemptFailure, DialerAction, InvalidNumber } from './errors.js';

export type {
  CampaignDialer,
  CampaignDialerOptions,
  Dialer,
  DialerCounts,
  DialerDialingEvent,
  DialerDrainedEvent,
  DialerEntry,
  DialerEntryStatus,
  DialerErrorEvent,
  DialerErrorSource,
  DialerEvents,
  DialerOptions,
  DialerPlacementEvent,
  DialerProgressEvent,
  DialerSnapshot,
  DialerState,
  DialerStatusEvent,
  StopOptions,
} from './types.js';
export type { TraceIds, TracerLike } from '@ringkit/internal';
