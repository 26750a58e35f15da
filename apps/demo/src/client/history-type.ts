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

const OUTCOMES: Record<string, { outcome: HistoryOutcome; label: string }> = {
  completed: { outcome: 'completed', label: 'Completed' },
  missed: { outcome: 'missed', label: 'Missed' },
  inprogress: { outcome: 'in-progress', label: 'In progress' },
  unknown: { outcome: 'unknown', label: 'Outcome unknown' },
  outcomeunknown: { outcome: 'unknown', label: 'Outcome unknown' },
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
  const known = OUTCOMES[outcomeWords.join('').toLowerCase()];
  if (known)
    return { outcome: known.outcome, direction, outcomeLabel: known.label, directionLabel };
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
