/** One problem found in the input, shaped like a zod issue so both kinds read the same. */
export interface ValidationIssue {
  /** zod's issue code, or `'custom'` for checks made outside zod (phone numbers, dates…). */
  code: string;
  /** Where in the input the problem is, e.g. `['window', 'start']`. */
  path: PropertyKey[];
  message: string;
}

const brand = Symbol.for('ringkit.SchedulerError');

/**
 * The base of every error `@ringkit/scheduler-core` throws. Check with {@link isSchedulerError},
 * which also works for errors from another copy of the package or another realm.
 */
export class SchedulerError extends Error {
  override name = 'SchedulerError';
  /** A stable machine-readable code, e.g. `'validation_error'`. */
  readonly code: string;

  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    Object.defineProperty(this, brand, { value: true });
  }
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
export class NotFoundError extends SchedulerError {
  override name = 'NotFoundError';
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
  /** A store update whose expected version is not the stored one (optimistic concurrency). */
  | 'version_conflict'
  /** An insert whose id or idempotency key is already stored. */
  | 'duplicate';

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
export function isSchedulerError(error: unknown): error is SchedulerError {
  return (
    error instanceof SchedulerError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[brand] === true)
  );
}

function hasName(error: unknown, name: string): boolean {
  return isSchedulerError(error) && error.name === name;
}

export function isValidationError(error: unknown): error is ValidationError {
  return error instanceof ValidationError || hasName(error, 'ValidationError');
}
export function isNotFoundError(error: unknown): error is NotFoundError {
  return error instanceof NotFoundError || hasName(error, 'NotFoundError');
}
export function isConflictError(error: unknown): error is ConflictError {
  return error instanceof ConflictError || hasName(error, 'ConflictError');
}

function formatIssues(issues: ValidationIssue[]): string {
  return issues
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
