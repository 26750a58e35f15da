export { createDialer } from './dialer.js';

// Every ringkit package throws the one options error and the one "the provider cannot do this"
// error of @ringkit/call-client.
export {
  InvalidOptionsError,
  isInvalidOptionsError,
  isUnsupportedOperationError,
  UnsupportedOperationError,
} from '@ringkit/call-client';

export { createCallCenter } from './center/center.js';
export type {
  CallCenter,
  CallCenterEvents,
  CallCenterOptions,
  StatusRoute,
} from './center/types.js';

export { createCampaigns } from './campaign/campaigns.js';
export type {
  CampaignEntriesPage,
  CampaignPage,
  CampaignProgress,
  CampaignStateName,
  CampaignView,
  Campaigns,
  CampaignsEvents,
  CampaignsOptions,
  CreateCampaignOptions,
  DialAgainOptions,
} from './campaign/types.js';
export { checkCampaignList, readCampaignCsv } from './campaign/list.js';
export type {
  CampaignListNumber,
  CampaignListRow,
  CheckCampaignListOptions,
} from './campaign/list.js';

export {
  CallCenterClosedError,
  CampaignCsvError,
  CampaignExistsError,
  CampaignsClosedError,
  DialAttemptError,
  DialerError,
  DialerStateError,
  InvalidCampaignListError,
  InvalidNumbersError,
  isCallCenterClosedError,
  isCampaignCsvError,
  isCampaignExistsError,
  isCampaignsClosedError,
  isDialAttemptError,
  isDialerError,
  isDialerStateError,
  isInvalidCampaignListError,
  isInvalidNumbersError,
  isNothingToDialAgainError,
  isUnsupportedListOptionError,
  NothingToDialAgainError,
  UnsupportedListOptionError,
} from './errors.js';
export type {
  CampaignListIssue,
  DialAttemptFailure,
  DialerAction,
  InvalidNumber,
} from './errors.js';

export type {
  CampaignDialer,
  CampaignDialerOptions,
  Dialer,
  DialerCounts,
  DialerDialingEvent,
  DialerAgentEvent,
  DialerDrainedEvent,
  DialerEntry,
  DialerEntryStatus,
  DialerErrorEvent,
  DialerErrorSource,
  DialerEvents,
  DialerNumber,
  DialerOptions,
  DialerPlacementEvent,
  DialerProgressEvent,
  DialerSnapshot,
  DialerState,
  DialerStatusEvent,
  LeaseWait,
  StopOptions,
} from './types.js';
export type { TraceIds, TracerLike } from '@ringkit/internal';
