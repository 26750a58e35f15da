import type { ZodError } from 'zod';

const brand = Symbol.for('ringkit.DialerError');

/**
 * The base of every error `@ringkit/dialer` throws or reports. Check with {@link isDialerError},
 * which also works for errors from another copy of the package or another realm.
 */
export class DialerError extends Error {
  override name = 'DialerError';
  /** A stable machine-readable code, e.g. `'invalid_numbers'`. */
  readonly code: string;

  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    Object.defineProperty(this, brand, { value: true });
  }

  /** Keeps `name`, `code` and `message` when a snapshot is serialised with `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    return { ...(this as object), name: this.name, code: this.code, message: this.message };
  }
}

/** Options given to {@link createDialer} or `setConcurrency()` that break the contract. */
export class InvalidDialerOptionsError extends DialerError {
  override name = 'InvalidDialerOptionsError';
  /** zod's issues, each with the path of the offending option. */
  readonly issues: ZodError['issues'];

  constructor(what: string, issues: ZodError['issues']) {
    super(`Invalid ${what} options: ${formatIssues(issues)}`, 'invalid_options');
    this.issues = issues;
  }
}

/** One number of the list that cannot be dialed. */
export interface InvalidNumber {
  /** Its position in `numbers`. */
  index: number;
  /** What was given. */
  input: unknown;
  /** Why it was refused, e.g. `'not a valid phone number'`. */
  reason: string;
}

/** Some numbers of the list are not phone numbers; `invalid` lists every one of them. */
export class InvalidNumbersError extends DialerError {
  override name = 'InvalidNumbersError';
  readonly invalid: readonly InvalidNumber[];

  constructor(invalid: readonly InvalidNumber[]) {
    const shown = invalid
      .slice(0, 5)
      .map((item) => `#${item.index} ${JSON.stringify(item.input) ?? String(item.input)}`);
    const more = invalid.length > 5 ? ` and ${invalid.length - 5} more` : '';
    super(
      `${invalid.length} invalid phone number${invalid.length === 1 ? '' : 's'}: ${shown.join(', ')}${more}`,
      'invalid_numbers',
    );
    this.invalid = invalid;
  }
}

/** What a dialer can be asked to do. */
export type DialerAction = 'start' | 'pause' | 'resume' | 'stop' | 'setConcurrency';

/** A method was called in a state that does not allow it, e.g. `start()` twice. */
export class DialerStateError extends DialerError {
  override name = 'DialerStateError';
  readonly action: DialerAction;
  /** The state the dialer was in, `'stopped'` after `stop()`. */
  readonly state: string;

  constructor(action: DialerAction, state: string, why: string) {
    super(`Cannot ${action}(): ${why}`, 'invalid_state');
    this.action = action;
    this.state = state;
  }
}

/**
 * Why an attempt ended `failed` without the provider saying so:
 * - `place_failed`: `placeCall` rejected (after call-client's own safe retries);
 * - `timeout`: no terminal status within `callTimeoutMs`;
 * - `watch_failed`: polling the call's status failed for good;
 * - `duplicate_id`: the provider answered an id it had already given another call.
 */
export type DialAttemptFailure =
  'place_failed' | 'outcome_unknown' | 'timeout' | 'watch_failed' | 'duplicate_id';

/** Why an entry's call attempt failed; kept as the entry's `error`. */
export class DialAttemptError extends DialerError {
  override name = 'DialAttemptError';
  readonly reason: DialAttemptFailure;
  /** The entry's position in the list. */
  readonly index: number;
  /** The attempt, from 1. */
  readonly attempt: number;
  /** The provider's id of the call, when its POST had answered. */
  readonly callId: string | null;

  constructor(init: {
    reason: DialAttemptFailure;
    message: string;
    index: number;
    attempt: number;
    callId: string | null;
    cause?: unknown;
  }) {
    super(init.message, 'dial_failed', init.cause === undefined ? {} : { cause: init.cause });
    this.reason = init.reason;
    this.index = init.index;
    this.attempt = init.attempt;
    this.callId = init.callId;
  }
}

function hasName(error: unknown, name: string): boolean {
  return isDialerError(error) && error.name === name;
}

/** `true` for any error of this package, across realms and package copies. */
export function isDialerError(error: unknown): error is DialerError {
  return (
    error instanceof DialerError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[brand] === true)
  );
}
export function isInvalidDialerOptionsError(error: unknown): error is InvalidDialerOptionsError {
  return error instanceof InvalidDialerOptionsError || hasName(error, 'InvalidDialerOptionsError');
}
export function isInvalidNumbersError(error: unknown): error is InvalidNumbersError {
  return error instanceof InvalidNumbersError || hasName(error, 'InvalidNumbersError');
}
export function isDialerStateError(error: unknown): error is DialerStateError {
  return error instanceof DialerStateError || hasName(error, 'DialerStateError');
}
export function isDialAttemptError(error: unknown): error is DialAttemptError {
  return error instanceof DialAttemptError || hasName(error, 'DialAttemptError');
}

function formatIssues(issues: ZodError['issues']): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
