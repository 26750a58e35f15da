export { createScheduler } from './scheduler.js';
export { createDispatchLoop, isDispatchLoop } from './dispatch/loop.js';
export type { DispatchLoop, DispatchLoopOptions } from './dispatch/loop.js';
export type { ListOptions, Scheduler } from './scheduler.js';
export type { CallLogOptions } from './_call-log.js';
export { createCampaignRunner, openCampaignRunner } from './campaign/runner.js';
export { MIN_AGENT_RING_S, supportsAgents, supportsCampaigns } from './campaign/options.js';
export { ABANDONED_REST_MS, safeHarbourMessage } from './campaign/_agent-lines.js';
export {
  ABANDON_AFTER_MS,
  ABANDON_WINDOW_MS,
  listAnswered,
  readAbandons,
} from './campaign/_abandons.js';
export type { AbandonStanding, AnsweredCall } from './campaign/_abandons.js';
export { numberTimeZones } from './_zones.js';
export { campaignSettings } from './campaign/settings.js';
export type { CampaignRunner, CampaignStartOptions } from './campaign/runner.js';
export type {
  CampaignAgentOptions,
  CampaignEntryInput,
  CampaignRunnerOptions,
} from './campaign/options.js';
export type { CampaignAgentSettings, CampaignMode, CampaignSettings } from './campaign/settings.js';
export type { RetentionOptions, SchedulerOptions } from './options.js';
export { createSuppressionList } from './suppressions.js';
export { createAgents } from './agents/agents.js';
export { createLinePacer } from './agents/pacing.js';
export type {
  LinePacer,
  LinePacingMode,
  LinePacingObservation,
  LinePacingOptions,
  LinePacingView,
} from './agents/pacing.js';
export type {
  Agent,
  AgentChanges,
  AgentPage,
  Agents,
  AgentsOptions,
  NewAgent,
} from './agents/agents.js';
export { readCsv } from './csv.js';
export type { CsvRecord, CsvSource } from './csv.js';
export type {
  Suppression,
  SuppressionList,
  SuppressionListOptions,
  SuppressionPage,
  SuppressOptions,
} from './suppressions.js';

export type { PlacementEvent, SchedulerEvents } from './events.js';
export type { TraceIds, TracerLike } from '@ringkit/internal';

export {
  AgentNotFoundError,
  AgentStateError,
  isAgentNotFoundError,
  isAgentStateError,
  ConflictError,
  CsvSyntaxError,
  HangUpError,
  CallNotFoundError,
  SchedulerError,
  SuppressionImportError,
  ValidationError,
  isConflictError,
  isCsvSyntaxError,
  isHangUpError,
  isCallNotFoundError,
  isSchedulerError,
  isSuppressionImportError,
  isValidationError,
} from './errors.js';
export type { ConflictReason, SuppressionImport, ValidationIssue } from './errors.js';

export {
  agentReadyAt,
  claimedStatus,
  decodeCursor,
  encodeCursor,
  FINISHED_STATUSES,
  LIVE_STATUSES,
  placingMark,
  SUPPRESSED,
  suppressedPatch,
  suppresses,
  suppressible,
  wakeTime,
} from './store.js';
export type {
  AgentState,
  AgentTotals,
  AgentsQuery,
  BudgetShare,
  CallLogQuery,
  CallRecordMerge,
  CampaignCallsQuery,
  CampaignClaim,
  CampaignClaimOptions,
  CampaignState,
  DueClaim,
  DueClaimQuery,
  LiveStatus,
  SendBudget,
  Store,
  StoreCapabilities,
  StoreListQuery,
  StorePage,
  StoredCall,
  StoredCallOptions,
  StoredCallPatch,
  StoredCallRecord,
  StoredCallUpdate,
  StoredCampaign,
  StoredCampaignPatch,
  StoredAgent,
  StoredEvent,
  StoredShare,
  StoredSuppression,
  SuppressionsQuery,
} from './store.js';

export { countAttempts } from './_retry.js';
export { SCHEDULED_CALL_STATUSES } from './types.js';
export { MAX_AHEAD_MS, PAST_TOLERANCE_MS } from './_validate.js';
export type {
  AttemptCounts,
  AttemptOutcome,
  CallRecord,
  CallTimelineEntry,
  CallingWindow,
  SharedBudget,
  HistoryEntry,
  HistoryOutcome,
  Page,
  RecordCallInput,
  OutcomeRetry,
  Recurrence,
  RetryBackoff,
  RetryByOutcome,
  RetryOutcome,
  ScheduleInput,
  ScheduledCall,
  ScheduledCallStatus,
} from './types.js';
