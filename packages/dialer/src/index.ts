export { createDialer } from './dialer.js';

export {
  DialAttemptError,
  DialerError,
  DialerStateError,
  InvalidDialerOptionsError,
  InvalidNumbersError,
  isDialAttemptError,
  isDialerError,
  isDialerStateError,
  isInvalidDialerOptionsError,
  isInvalidNumbersError,
} from './errors.js';
export type { DialAttemptFailure, DialerAction, InvalidNumber } from './errors.js';

export type {
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
  DialerProgressEvent,
  DialerSnapshot,
  DialerState,
  DialerStatusEvent,
} from './types.js';
