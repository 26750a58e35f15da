import { InvalidOptionsError, RingkitError, UnsupportedOperationError } from '@ringkit/call-client';
import { brand, errorGuard } from '@ringkit/internal';
import type { ZodError } from 'zod';

/**
 * The base of every error `@ringkit/dialer` throws or reports. Check with {@link isDialerError},
 * which also works for errors from another copy of the package or another realm.
 */
export class DialerError extends RingkitError {
  override name = 'DialerError';

  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, code, options);
    brand(this, 'DialerError');
  }
}

/**
 * Options given to {@link createDialer} or `setConcurrency()` that break the contract: the
 * `InvalidOptionsError` of `@ringkit/call-client` (every ringkit package throws that one class;
 * `isInvalidOptionsError` recognises it, `isDialerError` does not, as it is no `DialerError`).
 */
export function invalidOptions(what: string, issues: ZodError['issues']): InvalidOptionsError {
  return new InvalidOptionsError(what, issues);
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
 * The error of `stop({ hangUp: true })` with a provider that cannot end every call in flight: it
 * has no `cancelCall` (for calls not answered yet) or no `hangUpCall` (for answered ones). It is
 * call-client's `UnsupportedOperationError` (code `hang_up_unsupported`, `operation` the method
 * missing), as every ringkit package reports what a provider cannot do. Nothing was stopped or hung
 * up: call `stop()` to stop dialing and let the calls in flight end.
 */
export function hangUpUnsupported(
  provider: string,
  method: 'cancelCall' | 'hangUpCall',
): UnsupportedOperationError {
  const what = method === 'cancelCall' ? 'cannot end calls' : 'cannot hang up answered calls';
  return new UnsupportedOperationError(
    `Cannot stop({ hangUp: true }): provider ${provider} ${what} (it has no ${method}); nothing was stopped`,
    'hang_up_unsupported',
    { provider, operation: method },
  );
}

/**
 * Why an attempt ended `failed` without the provider saying so:
 * - `place_failed`: `placeCall` rejected in a way that proves no call was made (after
 *   call-client's own safe retries);
 * - `outcome_unknown`: the request left and no clear answer came back (a timeout, a 5xx, a reset,
 *   no answer within `callTimeoutMs`, or an answer that cannot be the call's: no id, or the id
 *   of another call in flight): the call may exist, and is never placed again;
 * - `timeout`: no terminal status within `callTimeoutMs`;
 * - `watch_failed`: polling the call's status failed for good.
 */
export type DialAttemptFailure = 'place_failed' | 'outcome_unknown' | 'timeout' | 'watch_failed';

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

/**
 * `Campaigns.create` of a name the store already holds, whatever its list: of concurrent
 * creations of one name, in any number of processes, every one but the first gets this.
 */
export class CampaignExistsError extends DialerError {
  override name = 'CampaignExistsError';
  /** The name asked for. */
  readonly campaign: string;
  /** The stored campaign's state (`running`, `paused`, `stopped`), where known. */
  readonly state: string | undefined;

  constructor(campaign: string, state?: string, options?: ErrorOptions) {
    super(`A campaign named ${JSON.stringify(campaign)} exists`, 'campaign_exists', options);
    this.campaign = campaign;
    this.state = state;
  }
}

/**
 * `Campaigns.dialAgain` of a campaign none of whose entries ended as one of the outcomes asked
 * for (yet): there is nothing to dial again, and nothing was created.
 */
export class NothingToDialAgainError extends DialerError {
  override name = 'NothingToDialAgainError';
  /** The campaign whose entries were read. */
  readonly campaign: string;
  /** The outcomes asked for. */
  readonly outcomes: readonly ('missed' | 'unknown')[];

  constructor(campaign: string, outcomes: readonly ('missed' | 'unknown')[]) {
    const what = outcomes.map((o) => (o === 'unknown' ? 'with its outcome unknown' : o));
    super(
      `No entry of campaign ${JSON.stringify(campaign)} ended ${what.join(' or ')}: there is nothing to dial again`,
      'nothing_to_dial',
    );
    this.campaign = campaign;
    this.outcomes = outcomes;
  }
}

/** A call to `Campaigns` after its `close()`: this process no longer works campaigns. */
export class CampaignsClosedError extends DialerError {
  override name = 'CampaignsClosedError';

  constructor() {
    super('The campaigns are closed: this process works no campaign any more', 'closed');
  }
}

/** A call center was asked to work after `stop()`: a status refused so, the provider sends again. */
export class CallCenterClosedError extends DialerError {
  override name = 'CallCenterClosedError';

  constructor() {
    super('The call center is stopped: this process works no call any more', 'closed');
  }
}

/** A field of a campaign's list that cannot be dialed (see `checkCampaignList`). */
export interface CampaignListIssue {
  /** The row as its sender counts it, from 1: a CSV's line, or its place in a JSON list. */
  row: number;
  /** Its line, in a CSV. */
  line?: number;
  /** Its index (from 0), in a list. */
  index?: number;
  field: 'phone' | 'say';
  /** The row's number, as sent. */
  phone: string;
  /** Why it was refused, e.g. `'not a valid phone number'`. */
  message: string;
}

/**
 * Rows of a campaign's list that cannot be dialed (`checkCampaignList`); `issues` lists every
 * field refused, by row, and nothing was created.
 */
export class InvalidCampaignListError extends DialerError {
  override name = 'InvalidCampaignListError';
  /** The rows checked. */
  readonly rows: number;
  readonly issues: readonly CampaignListIssue[];

  constructor(rows: number, issues: readonly CampaignListIssue[]) {
    const count = new Set(issues.map((i) => i.row)).size;
    const phones = issues.every((i) => i.field === 'phone');
    const says = issues.every((i) => i.field === 'say');
    const named = issues.slice(0, 5).map((i) => {
      if (phones) return `row ${i.row} (${JSON.stringify(i.phone)})`;
      if (says) return `row ${i.row} (${i.message})`;
      return `row ${i.row} ${i.field} (${i.field === 'phone' ? JSON.stringify(i.phone) : i.message})`;
    });
    const what = phones
      ? 'are not valid phone numbers'
      : says
        ? 'have a message the provider refuses'
        : 'cannot be dialed';
    super(
      `${count} of ${rows} numbers ${what}: ${named.join(', ')}` + (issues.length > 5 ? ', …' : ''),
      'invalid_numbers',
    );
    this.rows = rows;
    this.issues = issues;
  }
}

/**
 * Rows of a campaign's list give their call something to say (`say`), and the provider cannot
 * speak at all: list the numbers alone, or use a provider that speaks. Nothing was created.
 */
export class UnsupportedListOptionError extends DialerError {
  override name = 'UnsupportedListOptionError';
  readonly provider: string;
  readonly option = 'say';
  /** The rows that say something, as their sender counts them. */
  readonly rows: readonly { row: number; line?: number; index?: number }[];

  constructor(provider: string, rows: readonly { row: number; line?: number; index?: number }[]) {
    const named = rows.slice(0, 3).map((r) => String(r.row));
    const more = rows.length > 3 ? ` and ${rows.length - 3} more` : '';
    super(
      `${rows.length === 1 ? 'Row' : 'Rows'} ${named.join(', ')}${more} of the list ` +
        `${rows.length === 1 ? 'gives its call' : 'give their calls'} something to say, ` +
        `but provider ${provider} cannot speak`,
      'unsupported_call_option',
    );
    this.provider = provider;
    this.rows = rows;
  }
}

/** A campaign's CSV that cannot be read as a list (`readCampaignCsv`): `line` is where. */
export class CampaignCsvError extends DialerError {
  override name = 'CampaignCsvError';
  /** The line (from 1, as an editor counts), where known. */
  readonly line: number | undefined;

  constructor(message: string, line: number | undefined, options?: ErrorOptions) {
    super(message, 'invalid_csv', options);
    this.line = line;
  }
}

/** `true` for any error of this package, across realms and package copies. */
export const isDialerError: (error: unknown) => error is DialerError = errorGuard(
  DialerError,
  'DialerError',
);
/** `true` for an {@link InvalidNumbersError}, across realms and package copies. */
export const isInvalidNumbersError: (error: unknown) => error is InvalidNumbersError = errorGuard(
  InvalidNumbersError,
  'DialerError',
  'InvalidNumbersError',
);
/** `true` for a {@link DialerStateError}, across realms and package copies. */
export const isDialerStateError: (error: unknown) => error is DialerStateError = errorGuard(
  DialerStateError,
  'DialerError',
  'DialerStateError',
);
/** `true` for a {@link DialAttemptError}, across realms and package copies. */
export const isDialAttemptError: (error: unknown) => error is DialAttemptError = errorGuard(
  DialAttemptError,
  'DialerError',
  'DialAttemptError',
);
/** `true` for a {@link CampaignExistsError}, across realms and package copies. */
export const isCampaignExistsError: (error: unknown) => error is CampaignExistsError = errorGuard(
  CampaignExistsError,
  'DialerError',
  'CampaignExistsError',
);
/** `true` for a {@link NothingToDialAgainError}, across realms and package copies. */
export const isNothingToDialAgainError: (error: unknown) => error is NothingToDialAgainError =
  errorGuard(NothingToDialAgainError, 'DialerError', 'NothingToDialAgainError');
/** `true` for a {@link CampaignsClosedError}, across realms and package copies. */
export const isCampaignsClosedError: (error: unknown) => error is CampaignsClosedError = errorGuard(
  CampaignsClosedError,
  'DialerError',
  'CampaignsClosedError',
);

/** `true` for a {@link CallCenterClosedError}, across realms and package copies. */
export const isCallCenterClosedError: (error: unknown) => error is CallCenterClosedError =
  errorGuard(CallCenterClosedError, 'DialerError', 'CallCenterClosedError');

/** `true` for an {@link InvalidCampaignListError}, across realms and package copies. */
export const isInvalidCampaignListError: (error: unknown) => error is InvalidCampaignListError =
  errorGuard(InvalidCampaignListError, 'DialerError', 'InvalidCampaignListError');
/** `true` for an {@link UnsupportedListOptionError}, across realms and package copies. */
export const isUnsupportedListOptionError: (error: unknown) => error is UnsupportedListOptionError =
  errorGuard(UnsupportedListOptionError, 'DialerError', 'UnsupportedListOptionError');
/** `true` for a {@link CampaignCsvError}, across realms and package copies. */
export const isCampaignCsvError: (error: unknown) => error is CampaignCsvError = errorGuard(
  CampaignCsvError,
  'DialerError',
  'CampaignCsvError',
);
