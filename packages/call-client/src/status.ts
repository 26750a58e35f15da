/**
 * The one call lifecycle every ringkit package speaks.
 *
 * `queued` (accepted by us, not yet sent) → `initiated` (the provider accepted it) → `ringing` →
 * `answered` → one terminal status: `completed`, `busy`, `no-answer`, `failed` or `canceled`; or,
 * for a call never sent because its number is on a do-not-call list, `suppressed` (a scheduler's
 * word: no provider reports it).
 */
export const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'answered',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
  'suppressed',
] as const;

/** One status of the lifecycle: a word of {@link CALL_STATUSES}. */
export type CallStatus = (typeof CALL_STATUSES)[number];

/** The statuses a call ends in, never left once reached. */
export const TERMINAL_STATUSES = [
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
  'suppressed',
] as const;

/** One of the {@link TERMINAL_STATUSES}. */
export type TerminalCallStatus = (typeof TERMINAL_STATUSES)[number];

/**
 * The final statuses after which another attempt may still reach the person (the line was busy,
 * nobody answered, the call failed): what the dialer's and the scheduler's `maxAttempts` retry.
 */
export const RETRYABLE_OUTCOMES = ['busy', 'no-answer', 'failed'] as const;

const RANKS: Readonly<Record<CallStatus, number>> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  answered: 3,
  completed: 4,
  busy: 4,
  'no-answer': 4,
  failed: 4,
  canceled: 4,
  suppressed: 4,
};

/** The position of a status in the lifecycle; every terminal status shares the highest rank. */
export function statusRank(status: CallStatus): number {
  return RANKS[status];
}

/** `true` for a word of the vocabulary, e.g. to check a status read from storage or JSON. */
export function isCallStatus(value: unknown): value is CallStatus {
  return typeof value === 'string' && Object.hasOwn(RANKS, value);
}

/** `true` for a status a call ends in ({@link TERMINAL_STATUSES}). */
export function isTerminal(status: CallStatus): status is TerminalCallStatus {
  return RANKS[status] === 4;
}

/**
 * Whether a call at `current` may move to `next`: only to a higher rank, so a late or repeated
 * event never moves a call back, and a call that ended never changes again.
 */
export function canAdvance(current: CallStatus, next: CallStatus): boolean {
  return RANKS[next] > RANKS[current];
}

const PROVIDER_WORDS: Readonly<Record<string, CallStatus>> = {
  queued: 'initiated',
  initiated: 'initiated',
  created: 'initiated',
  accepted: 'initiated',
  pending: 'initiated',
  dialing: 'initiated',
  ringing: 'ringing',
  connected: 'answered',
  answered: 'answered',
  'in-progress': 'answered',
  in_progress: 'answered',
  inprogress: 'answered',
  active: 'answered',
  completed: 'completed',
  complete: 'completed',
  ended: 'completed',
  finished: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  no_answer: 'no-answer',
  noanswer: 'no-answer',
  unanswered: 'no-answer',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  rejected: 'failed',
  canceled: 'canceled',
  cancelled: 'canceled',
};

/**
 * Maps a provider's status word onto {@link CallStatus} (`connected`, `answered` and
 * `in-progress` all mean `answered`). Case and surrounding spaces do not matter.
 * Returns `undefined` for a word it does not know; callers keep such words as `providerStatus`.
 */
export function mapProviderStatus(word: string): CallStatus | undefined {
  // A word already written as a key (lower case, no spaces) maps as it is.
  if (Object.hasOwn(PROVIDER_WORDS, word)) return PROVIDER_WORDS[word];
  const key = word.trim().toLowerCase().replaceAll(' ', '-');
  return Object.hasOwn(PROVIDER_WORDS, key) ? PROVIDER_WORDS[key] : undefined;
}

/**
 * A call's duration in whole seconds: from its answer (or, when the answer's time is unknown, its
 * start) to its end; never negative. `null` for a call that has not ended, or ended unanswered.
 * Times are epoch milliseconds.
 */
export function callDurationSeconds(call: {
  status: CallStatus;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
}): number | null {
  if (call.status !== 'completed' || call.endedAt === null) return null;
  return Math.max(0, Math.round((call.endedAt - (call.answeredAt ?? call.startedAt)) / 1000));
}
