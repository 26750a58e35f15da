/**
 * The pure pieces of `<rk-call-log>`: its filters as a query string (the same for the page and
 * for the CSV download), and each record's outcome in the pages' one word.
 */
import { fromLocalInput } from '../format.js';
import { logOutcome, type LogOutcome } from '../../log-outcomes.js';
import { OUTCOME_WORDS } from '../history-type.js';
import type { CallRecordJson } from '../types.js';

/** The log's filters as the form holds them (`since` and `until` in the viewer's time). */
export interface LogFilters {
  direction: '' | 'inbound' | 'outbound';
  outcome: '' | LogOutcome;
  since: string;
  until: string;
  phone: string;
  /** A campaign's name: only the calls of its entries. */
  campaign: string;
}

export const NO_FILTERS: LogFilters = {
  direction: '',
  outcome: '',
  since: '',
  until: '',
  phone: '',
  campaign: '',
};

/**
 * The query string of `filters` (without `?`), or the first field the page could not read: a
 * time it cannot read is the form's to say; a number and a campaign's name are the server's (one
 * check for every caller), whose refusal is shown under the field it names.
 */
export function logQuery(filters: LogFilters): { query: string } | { field: 'since' | 'until' } {
  const params = new URLSearchParams();
  if (filters.direction) params.set('direction', filters.direction);
  if (filters.outcome) params.set('outcome', filters.outcome);
  for (const field of ['since', 'until'] as const) {
    const value = filters[field].trim();
    if (!value) continue;
    const iso = fromLocalInput(value);
    if (iso === null) return { field };
    params.set(field, iso);
  }
  if (filters.phone.trim()) params.set('phone', filters.phone.trim());
  if (filters.campaign.trim()) params.set('campaign', filters.campaign.trim());
  return { query: params.toString() };
}

/** A record's outcome in the word every page uses (a placement nobody knows the end of, too). */
export function recordOutcome(record: Pick<CallRecordJson, 'status' | 'outcome_unknown'>): {
  key: keyof typeof OUTCOME_WORDS;
  word: string;
} {
  const key = record.outcome_unknown ? 'unknown' : logOutcome(record.status);
  return { key, word: OUTCOME_WORDS[key] };
}
