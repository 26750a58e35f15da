import type { OpsSample } from '../ops.js';
import type { serializeAgent } from '../routes/agents.js';
import type { serializeAbandons } from '../routes/campaign-figures.js';
import type { ApiCallOption } from '../call-options.js';
import type { serializeCapabilities } from '../routes/capabilities.js';
import type { serializeSuppression } from '../routes/suppressions.js';
import type {
  CallJson,
  CallRecordJson,
  CampaignJson,
  serializeDialer,
  serializeDialerEntry,
  serializeDialerStatus,
  serializeHistoryEntry,
} from '../serialize.js';

/** The API's JSON, typed from the server's own serializers (type-only: nothing is bundled). */
export type ScheduledCallJson = CallJson;
export type DialerJson = ReturnType<typeof serializeDialer> & {
  entries: ReturnType<typeof serializeDialerEntry>[];
  /** The run shown (`default`, `default-2`…); `null` before the first; absent from older servers. */
  campaign?: string | null;
};
/** A campaign as `GET /api/campaigns` lists it and the `campaign` event carries it. */
export type { CampaignJson, CallRecordJson };
export type DialerStateJson = ReturnType<typeof serializeDialer> & { campaign?: string };
export type DialerEntryJson = ReturnType<typeof serializeDialerEntry>;
export type DialerEntryEventJson = ReturnType<typeof serializeDialerStatus> & { campaign?: string };
/** `<Outcome> <Direction>`: `Completed`, `Missed`, `In progress` or `Unknown`, then `Outbound` or `Inbound`. */
export type HistoryTypeJson = ReturnType<typeof serializeHistoryEntry>['type'];
/**
 * One history row. Its `type` is read with `readHistoryType`: a server that only knows
 * `Completed` and `Missed`, or one that adds outcomes, is read too.
 */
export type HistoryItemJson = Omit<
  ReturnType<typeof serializeHistoryEntry>,
  'type' | 'recording_url' | 'counterparty_is_app'
> & {
  type: HistoryTypeJson | (string & {});
  /** Where the caller's voicemail can be fetched (an inbound call's); absent from older servers. */
  recording_url?: string | null;
  /** The other party is the app's own number; absent from older servers. */
  counterparty_is_app?: boolean;
};

/** `GET /api/calls/:phone`: a page of history, and the app's own number (newer servers). */
export interface HistoryPageJson extends Page<HistoryItemJson> {
  app_number?: string | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** The `history` event: a call record involving these numbers was saved. */
export interface HistoryEventJson {
  phones: string[];
}

/** One interval's figures of the operator's page (`GET /api/ops`, the `ops-sample` event). */
export type OpsSampleJson = OpsSample;

/** `GET /api/ops`. */
export interface OpsJson {
  interval_ms: number;
  samples: OpsSampleJson[];
}

/** The limits of the routes a form shows (`limits` of `GET /api/capabilities`). */
export type ApiLimitsJson = ReturnType<typeof serializeCapabilities>['limits'];

/**
 * `GET /api/capabilities`: the call options (`message`, `machine_detection`) the provider
 * honours, and the limits of the routes (absent from older servers).
 */
export type CapabilitiesJson = Omit<
  ReturnType<typeof serializeCapabilities>,
  'call_options' | 'limits' | 'provider_name'
> & {
  call_options: (ApiCallOption | (string & {}))[];
  limits?: ApiLimitsJson;
  /** The name scheduled calls store as their provider (absent from older servers). */
  provider_name?: string;
};

/** A do-not-call entry (`GET /api/suppressions`, `POST /api/suppressions`). */
export type SuppressionJson = ReturnType<typeof serializeSuppression>;

/** `POST /api/suppressions/import`: entries written, lines refused and the first refusals. */
export interface SuppressionImportJson {
  imported: number;
  refused: number;
  errors: { line: number; message: string }[];
}

/** The `suppression` event: the number added or removed, `null` after an import. */
export interface SuppressionEventJson {
  phone_number: string | null;
}

/** An agent (`GET /api/agents`, `GET /api/agents/:id`, and the answer of each change). */
export type AgentJson = ReturnType<typeof serializeAgent>;
/** A campaign's standing under the abandon rule (`GET /api/campaigns/:id/abandons`). */
export type AbandonsJson = ReturnType<typeof serializeAbandons>;
