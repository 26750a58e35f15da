export { createDialer } from './dialer.js';

// Every ringkit package throws the one options error of @ringkit/call-client.
export { InvalidOptionsError, isInvalidOptionsError } from '@ringkit/call-client';

export {
  DialAttemptError,
  DialerError,
  DialerStateError,
  HangUpUnsupportedError,
  InvalidDialerOptionsError,
  InvalidNumbersError,
  isDialAttemptError,
  isDialerError,
  isDialerStateError,
  isHangUpUnsupportedError,
  isInvalidDialerOptionsError,
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
