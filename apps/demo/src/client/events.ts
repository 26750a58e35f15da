import type {
  AgentJson,
  CampaignJson,
  DialerJson,
  HistoryItemJson,
  ScheduledCallJson,
} from './types.js';

/** What every `rk-…` event carries in `detail`, by event name. */
export interface RkEventDetails {
  'rk-call-scheduled': { call: ScheduledCallJson };
  'rk-call-rescheduled': { call: ScheduledCallJson };
  'rk-call-canceled': { call: ScheduledCallJson };
  'rk-status-change': { call: ScheduledCallJson; status: string; previous: string };
  'rk-dialer-start': { dialer: DialerJson };
  'rk-dialer-status': { index: number; phone: string; status: string; previous: string };
  'rk-dialer-done': { dialer: DialerJson };
  'rk-campaign-created': { campaign: CampaignJson };
  'rk-history-page': { phone: string; page: number; items: HistoryItemJson[] };
  /** A number was put on the do-not-call list or taken off it; `phone` `null` after an import. */
  'rk-do-not-call-change': { phone: string | null; listed: boolean };
  /** An agent was added, logged in or out, or removed here; `agent` `null` once removed. */
  'rk-agent-change': { id: string; agent: AgentJson | null };
  'rk-error': { message: string; code: string | undefined; status: number | undefined };
}

declare global {
  interface HTMLElementEventMap {
    'rk-call-scheduled': CustomEvent<RkEventDetails['rk-call-scheduled']>;
    'rk-call-rescheduled': CustomEvent<RkEventDetails['rk-call-rescheduled']>;
    'rk-call-canceled': CustomEvent<RkEventDetails['rk-call-canceled']>;
    'rk-status-change': CustomEvent<RkEventDetails['rk-status-change']>;
    'rk-dialer-start': CustomEvent<RkEventDetails['rk-dialer-start']>;
    'rk-dialer-status': CustomEvent<RkEventDetails['rk-dialer-status']>;
    'rk-dialer-done': CustomEvent<RkEventDetails['rk-dialer-done']>;
    'rk-campaign-created': CustomEvent<RkEventDetails['rk-campaign-created']>;
    'rk-history-page': CustomEvent<RkEventDetails['rk-history-page']>;
    'rk-do-not-call-change': CustomEvent<RkEventDetails['rk-do-not-call-change']>;
    'rk-agent-change': CustomEvent<RkEventDetails['rk-agent-change']>;
    'rk-error': CustomEvent<RkEventDetails['rk-error']>;
  }
  interface DocumentEventMap {
    /** The server answered 401; `refused`: the token sent was refused (see api.ts). */
    'rk-token-needed': CustomEvent<{ refused: boolean }>;
    /** The page's API token changed (see api.ts `setApiToken`). */
    'rk-api-token': CustomEvent<{ given: boolean }>;
  }
}

/**
 * Dispatches an `rk-…` event the Shoelace way: it bubbles out of shadow roots (`composed`), its
 * payload in `detail`, checked against {@link RkEventDetails}.
 */
export function emit<K extends keyof RkEventDetails>(
  target: EventTarget,
  name: K,
  detail: RkEventDetails[K],
): void {
  target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}

/** `rk-error`'s detail for a failed request. */
export function errorDetail(error: unknown): RkEventDetails['rk-error'] {
  const e = error as { message?: string; code?: string; status?: number };
  return { message: String(e.message ?? error), code: e.code, status: e.status };
}
