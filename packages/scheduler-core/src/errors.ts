import { InvalidOptionsError, RingkitError } from '@ringkit/call-client';
import { brand, errorGuard, formatIssues } from '@ringkit/internal';
import type { ZodError } from 'zod';

/** One problem found in the input, shaped like a zod issue so both kinds read the same. */
export interface ValidationIssue {
  /** zod's issue code, or `'custom'` for checks made outside zod (phone numbers, dates…). */
  code: string;
  /** Where in the input the problem is, e.g. `['window', 'start']`. */
  path: PropertyKey[];
  message: string;
}

/**
 * The base of every error `@ringkit/scheduler-core` throws. Check with {@link isSchedulerError},
 * which also works for errors from another copy of the package or another realm.
 */
export class SchedulerError extends RingkitError {
  override name = 'SchedulerError';

  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, code, options);
    brand(this, 'SchedulerError');
  }
}

/**
 * Options given to {@link createScheduler} (or a store factory) that break the contract: the
 * `InvalidOptionsError` of `@ringkit/call-client` (every ringkit package throws that one class;
 * `isInvalidOptionsError` recognises it, `isSchedulerError` does not, as it is no
 * `SchedulerError`).
 */
export function invalidOptions(what: string, issues: ValidationIssue[]): InvalidOptionsError {
  return new InvalidOptionsError(what, issues as ZodError['issues']);
}

/** The input was refused; nothing was stored. Carries every issue found (zod's where zod found them). */
export class ValidationError extends SchedulerError {
  override name = 'ValidationError';
  readonly issues: ValidationIssue[];

  constructor(what: string, issues: ValidationIssue[], options?: ErrorOptions) {
    super(`Invalid ${what}: ${formatIssues(issues)}`, 'validation_error', options);
    this.issues = issues;
  }
}

/** No call (or record) has this id. */
export class CallNotFoundError extends SchedulerError {
  override name = 'CallNotFoundError';
  readonly id: string;

  constructor(id: string, what = 'scheduled call') {
    super(`No ${what} with id ${JSON.stringify(id)}`, 'not_found');
    this.id = id;
  }
}

/** Why an operation conflicted with the stored state. */
export type ConflictReason =
  /** `cancel`/`reschedule` on a call already sent to the provider (or finished). */
  | 'already_placed'
  /** `cancel()` on a call that was answered: a conversation is never cut off. */
  | 'in_progress'
  /** `cancel()` on a call whose placement request has not been answered yet (no provider id). */
  | 'placing'
  /** A store update whose expected version is not the stored one (optimistic concurrency). */
  | 'version_conflict'
  /** An insert whose id or idempotency key is already stored. */
  | 'duplicate'
  /** A campaign joined with another list than the one it was created with. */
  | 'campaign_mismatch'
  /**
   * A campaign joined through another provider than the one its calls are placed through (a
   * call is placed only through the provider it was made for).
   */
  | 'provider_mismatch'
  /** `resume()` or `pause()` of a campaign that was stopped. */
  | 'campaign_stopped'
  /** `resume()` or `pause()` of a campaign whose every entry has ended. */
  | 'campaign_done'
  /** Archiving a campaign some of whose entries have not ended. */
  | 'campaign_not_done'
  /** An exclusive creation (`exclusive: true`) of a campaign whose name is taken. */
  | 'campaign_exists';

/** The operation does not fit the call's current state. */
export class ConflictError extends SchedulerError {
  override name = 'ConflictError';
  readonly reason: ConflictReason;
  /** The call (or row) concerned. */
  readonly id: string;
  /** The call's status when the conflict was found, where known. */
  readonly status: string | undefined;

  constructor(init: { reason: ConflictReason; id: string; message: string; status?: string }) {
    super(init.message, 'conflict');
    this.reason = init.reason;
    this.id = init.id;
    this.status = init.status;
  }
}

/**
 * `cancel()` asked the provider to end a call in flight (`cancelCall`) and the provider failed:
 * nothing was changed and the call goes on being followed. `cause` is the provider's error.
 */
export class HangUpError extends SchedulerError {
  override name = 'HangUpError';
  /** The scheduled call. */
  readonly id: string;
  /** The provider's id of the call it could not end. */
  readonly providerCallId: string;

  constructor(init: { id: string; providerCallId: string; cause: unknown }) {
    const why = init.cause instanceof Error ? init.cause.message : String(init.cause);
    super(
      `Call ${init.id} could not be hung up (provider id ${init.providerCallId}): ${why}`,
      'hang_up_failed',
      { cause: init.cause },
    );
    this.id = init.id;
    this.providerCallId = init.providerCallId;
  }
}

/**
 * A CSV that cannot be read: a quoted field not closed, text after a closing quote, a quote
 * inside a field that does not start with one, a record too long, bytes that are not UTF-8.
 * `line` is the line the bad record starts on (from 1, as an editor counts).
 */
export class CsvSyntaxError extends SchedulerError {
  override name = 'CsvSyntaxError';
  /** The line the record that cannot be read starts on. */
  readonly line: number;

  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`, 'invalid_csv');
    this.line = line;
  }
}

/** No agent has this id. */
export class AgentNotFoundError extends SchedulerError {
  override name = 'AgentNotFoundError';
  readonly id: string;

  constructor(id: string) {
    super(`No agent with id ${JSON.stringify(id)}`, 'agent_not_found');
    this.id = id;
  }
}

/**
 * What was asked of an agent does not fit where it stands: an id already taken (`'exists'`), or
 * a change that would take a call from them (`'busy'`: they are `ringing` or `talking`).
 */
export class AgentStateError extends SchedulerError {
  override name = 'AgentStateError';
  readonly id: string;
  readonly reason: 'exists' | 'busy';
  /** The agent's state when it was refused (`null` for `'exists'`). */
  readonly state: string | null;

  constructor(init: { id: string; reason: 'exists' | 'busy'; state?: string; message: string }) {
    super(init.message, init.reason === 'exists' ? 'agent_exists' : 'agent_busy');
    this.id = init.id;
    this.reason = init.reason;
    this.state = init.state ?? null;
  }
}

/** What a do-not-call import wrote: the entries, and the lines it refused. */
export interface SuppressionImport {
  /** Entries written (a number given twice counts twice; its last line stands). */
  imported: number;
  /** Lines refused, in all. */
  refused: number;
  /** The first 100 refused lines, with why. */
  errors: { line: number; message: string }[];
}

/**
 * A do-not-call import stopped before the end of its CSV. The entries of the lines read before
 * the stop are written and stay written, none after it; `result` counts them. `cause` says why:
 * a {@link CsvSyntaxError} (whose `line` is where reading stopped), the source's own error (a
 * request cut off), or the store's (then `result` counts the batches written before it).
 */
export class SuppressionImportError extends SchedulerError {
  override name = 'SuppressionImportError';
  /** What was written before the stop. */
  readonly result: SuppressionImport;

  constructor(result: SuppressionImport, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const entries = result.imported === 1 ? 'entry' : 'entries';
    const lines = result.refused === 1 ? 'line' : 'lines';
    super(
      `The import stopped after ${result.imported} ${entries} written and ` +
        `${result.refused} ${lines} refused: ${why}`,
      'import_stopped',
      { cause },
    );
    this.result = result;
  }
}

/** The conflict of a write that expected another version of the row (for store adapters). */
export function versionConflict(
  id: string,
  status: string,
  version: number,
  expectedVersion: number,
): ConflictError {
  return new ConflictError({
    reason: 'version_conflict',
    id,
    status,
    message: `Call ${id} is at version ${version}, not ${expectedVersion}`,
  });
}

/** `true` for any error thrown by this package, across realms and package copies. */
export const isSchedulerError: (error: unknown) => error is SchedulerError = errorGuard(
  SchedulerError,
  'SchedulerError',
);
/** `true` for a {@link ValidationError}, across realms and package copies. */
export const isValidationError: (error: unknown) => error is ValidationError = errorGuard(
  ValidationError,
  'SchedulerError',
  'ValidationError',
);
/** `true` for a {@link CallNotFoundError}, across realms and package copies. */
export const isCallNotFoundError: (error: unknown) => error is CallNotFoundError = errorGuard(
  CallNotFoundError,
  'SchedulerError',
  'CallNotFoundError',
);
/** `true` for a {@link ConflictError}, across realms and package copies. */
export const isConflictError: (error: unknown) => error is ConflictError = errorGuard(
  ConflictError,
  'SchedulerError',
  'ConflictError',
);
/** `true` for a {@link HangUpError}, across realms and package copies. */
export const isHangUpError: (error: unknown) => error is HangUpError = errorGuard(
  HangUpError,
  'SchedulerError',
  'HangUpError',
);
/** `true` for a {@link CsvSyntaxError}, across realms and package copies. */
export const isCsvSyntaxError: (error: unknown) => error is CsvSyntaxError = errorGuard(
  CsvSyntaxError,
  'SchedulerError',
  'CsvSyntaxError',
);
/** `true` for a {@link SuppressionImportError}, across realms and package copies. */
export const isSuppressionImportError: (error: unknown) => error is SuppressionImportError =
  errorGuard(SuppressionImportError, 'SchedulerError', 'SuppressionImportError');
/** `true` for an {@link AgentNotFoundError}, across realms and package copies. */
export const isAgentNotFoundError: (error: unknown) => error is AgentNotFoundError = errorGuard(
  AgentNotFoundError,
  'SchedulerError',
  'AgentNotFoundError',
);
/** `true` for an {@link AgentStateError}, across realms and package copies. */
export const isAgentStateError: (error: unknown) => error is AgentStateError = errorGuard(
  AgentStateError,
  'SchedulerError',
  'AgentStateError',
);
