import type { AnsweredBy } from '../providers/call-options.js';
import type { CallStatus } from '../status.js';

/**
 * The status words of Vonage's Voice API: every word of the official `@vonage/voice` package's
 * `CallStatus` enum (`started`, `ringing`, `answered`, `machine`, `completed`, `busy`,
 * `cancelled`, `failed`, `rejected`, `timeout`, `unanswered`), and `human`, which Vonage's
 * webhook reference lists beside `machine` as the result of machine detection.
 */
export const VONAGE_CALL_STATUSES: readonly string[] = Object.freeze([
  'started',
  'ringing',
  'answered',
  'machine',
  'human',
  'completed',
  'busy',
  'cancelled',
  'failed',
  'rejected',
  'timeout',
  'unanswered',
]);

/** A Vonage status word read onto ringkit's lifecycle by {@link toVonageStatus}. */
export interface VonageStatus {
  /**
   * The word's {@link CallStatus}; `initiated` for a word ringkit does not know (a call Vonage
   * reports has at least been accepted, and a status never moves a call back).
   */
  status: CallStatus;
  /** The word as Vonage sent it, verbatim. */
  providerStatus: string;
  /** `human` or `machine` for the result of machine detection; absent for every other word. */
  answeredBy?: AnsweredBy;
  /** `false` for a word not in {@link VONAGE_CALL_STATUSES}. */
  known: boolean;
}

/** Each word of {@link VONAGE_CALL_STATUSES} and what it means for the call. */
const WORDS: Readonly<Record<string, { status: CallStatus; answeredBy?: AnsweredBy }>> = {
  started: { status: 'initiated' },
  ringing: { status: 'ringing' },
  answered: { status: 'answered' },
  // Machine detection reports on a call that was answered, by a person or a machine.
  machine: { status: 'answered', answeredBy: 'machine' },
  human: { status: 'answered', answeredBy: 'human' },
  completed: { status: 'completed' },
  busy: { status: 'busy' },
  cancelled: { status: 'canceled' },
  failed: { status: 'failed' },
  // Vonage refused the attempt or the network declined it: nobody was reached.
  rejected: { status: 'failed' },
  // Nobody answered within the ringing time (`ringing_timer`), or at all.
  timeout: { status: 'no-answer' },
  unanswered: { status: 'no-answer' },
};

/**
 * Maps one of Vonage's call status words (an event webhook's `status`, or a call's read with
 * `GET /v1/calls/{uuid}`) onto ringkit's lifecycle:
 * `started` → `initiated`, `ringing` → `ringing`, `answered` → `answered`,
 * `machine` and `human` → `answered` with `answeredBy` `machine` or `human`,
 * `completed` → `completed`, `busy` → `busy`, `cancelled` → `canceled`,
 * `failed` and `rejected` → `failed`, `timeout` and `unanswered` → `no-answer`.
 * Letter case and surrounding spaces do not matter. Any other word (e.g. `disconnected`, which
 * tells only that one leg left) is kept verbatim as `providerStatus` with status `initiated` and
 * `known: false`; it never throws.
 *
 * @example
 * toVonageStatus('machine'); // { status: 'answered', providerStatus: 'machine', answeredBy: 'machine', known: true }
 */
export function toVonageStatus(word: string): VonageStatus {
  const key = Object.hasOwn(WORDS, word) ? word : String(word).trim().toLowerCase();
  if (!Object.hasOwn(WORDS, key))
    return { status: 'initiated', providerStatus: word, known: false };
  const { status, answeredBy } = WORDS[key]!;
  return answeredBy === undefined
    ? { status, providerStatus: word, known: true }
    : { status, providerStatus: word, answeredBy, known: true };
}
