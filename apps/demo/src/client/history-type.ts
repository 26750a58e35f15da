import { phoneKey } from './format.js';

/**
 * The one word for each outcome, wherever the page shows one: the history's pills, the dialer's
 * and the scheduler's status badges (lower case), the campaign cards' figures (lower case) and
 * the operator's charts. `missed` is the history's and the campaigns' word for a call that ended
 * unanswered; where the provider said why, the dialer and the scheduler say `busy` or
 * `no answer`. Listed in "Words for outcomes" in `docs/demo/elements.md`.
 */
export const OUTCOME_WORDS = {
  completed: 'Completed',
  missed: 'Missed',
  busy: 'Busy',
  'no-answer': 'No answer',
  failed: 'Failed',
  canceled: 'Canceled',
  suppressed: 'Do not call',
  'in-progress': 'In progress',
  unknown: 'Outcome unknown',
} as const;

export type OutcomeWord = keyof typeof OUTCOME_WORDS;

/** The word for `outcome` from {@link OUTCOME_WORDS}, or `null` for one it does not list. */
export function outcomeWord(outcome: string): string | null {
  return Object.hasOwn(OUTCOME_WORDS, outcome) ? OUTCOME_WORDS[outcome as OutcomeWord] : null;
}

/** What became of a call, as the history element shows it. */
export type HistoryOutcome = 'completed' | 'missed' | 'in-progress' | 'unknown';

export interface HistoryType {
  outcome: HistoryOutcome;
  /** `null` when the type names no direction the element can read. */
  direction: 'outbound' | 'inbound' | null;
  /** `Completed`, `Missed`, `In progress`, `Outcome unknown`, or an unreadable type as it came. */
  outcomeLabel: string;
  /** `Outbound`, `Inbound` or `''`. */
  directionLabel: string;
}

/** The outcome words a type may start with, squashed (`In progress` → `inprogress`). */
const OUTCOMES: Record<string, HistoryOutcome> = {
  completed: 'completed',
  missed: 'missed',
  inprogress: 'in-progress',
  unknown: 'unknown',
  outcomeunknown: 'unknown',
};

/**
 * Reads a history item's `type`: `<Outcome> <Direction>`, Outcome one of `Completed`, `Missed`,
 * `In progress`, `Unknown`, Direction `Outbound` or `Inbound`. Servers that only know
 * `Completed` and `Missed` read the same way. Case, spacing, `-` and `_` do not matter. A type
 * this element cannot read is shown as it came, with an unknown outcome: never as missed.
 */
export function readHistoryType(type: unknown): HistoryType {
  const raw = typeof type === 'string' ? type.trim() : '';
  const words = raw.split(/[\s_-]+/).filter(Boolean);
  const last = words.at(-1)?.toLowerCase();
  const direction = last === 'outbound' || last === 'inbound' ? last : null;
  const directionLabel = direction === 'outbound' ? 'Outbound' : direction ? 'Inbound' : '';
  const outcomeWords = direction ? words.slice(0, -1) : words;
  const key = outcomeWords.join('').toLowerCase();
  const known = Object.hasOwn(OUTCOMES, key) ? OUTCOMES[key] : undefined;
  if (known) {
    return { outcome: known, direction, outcomeLabel: OUTCOME_WORDS[known], directionLabel };
  }
  return {
    outcome: 'unknown',
    direction,
    outcomeLabel: outcomeWords.join(' ') || 'Outcome unknown',
    directionLabel,
  };
}

/**
 * Who answered a call, as the history marks it: `Voicemail` for a machine, `Fax` for a fax;
 * `null` for a person, for an answer the provider could not tell, and where nothing was detected.
 */
export function answeredByLabel(answeredBy: unknown): string | null {
  if (answeredBy === 'machine') return 'Voicemail';
  if (answeredBy === 'fax') return 'Fax';
  return null;
}

/** A voicemail's address as a link may point to it: `http:` or `https:` only, else `null`. */
export function recordingHref(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > 2048) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** What a history row needs besides its type: who the other party is, and any voicemail. */
export interface HistoryRow extends HistoryType {
  /** The other party is the app's own number. */
  withApp: boolean;
  /** The voicemail's `http(s)` address, on a call that has one. */
  voicemail: string | null;
}

/**
 * Reads a history item as a row of the history of a number: its type, and whether the other
 * party is the app (`counterparty_is_app`, or the counterparty is `appNumber` for a server that
 * gives only the number). With the app, the direction says so: `Called by this app` where the
 * app called the number (the number's `Inbound`), `Called this app` where the number called it.
 * Servers without these fields read as before.
 */
export function readHistoryRow(
  item: {
    type: unknown;
    counterparty: string;
    counterparty_is_app?: boolean | null;
    recording_url?: string | null;
  },
  appNumber?: string | null,
): HistoryRow {
  const type = readHistoryType(item.type);
  const withApp =
    item.counterparty_is_app === true ||
    (Boolean(appNumber) && phoneKey(item.counterparty) === phoneKey(appNumber ?? ''));
  const directionLabel =
    withApp && type.direction === 'inbound'
      ? 'Called by this app'
      : withApp && type.direction === 'outbound'
        ? 'Called this app'
        : type.directionLabel;
  return { ...type, directionLabel, withApp, voicemail: recordingHref(item.recording_url) };
}

/** Whether `phone` is the app's own number `appNumber` (compared as `phoneKey` compares). */
export function isAppNumber(phone: string, appNumber: string | null | undefined): boolean {
  return Boolean(appNumber) && Boolean(phone) && phoneKey(phone) === phoneKey(appNumber ?? '');
}
