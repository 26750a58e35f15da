import {
  isInvalidPhoneNumberError,
  isUnsupportedCallOptionError,
  isUnsupportedOperationError,
  type UnsupportedCallOptionError,
} from '@ringkit/call-client';
import {
  isCampaignExistsError,
  isCampaignsClosedError,
  isDialerStateError,
  isNothingToDialAgainError,
} from '@ringkit/dialer';
import {
  isAgentNotFoundError,
  isAgentStateError,
  isConflictError,
  isHangUpError,
  isCallNotFoundError,
  isValidationError,
  type ValidationIssue,
} from '@ringkit/scheduler-core';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { apiCallOptionName } from './call-options.js';

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** An error that already knows its HTTP answer. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The scheduler's field names (`to`, `at`, `maxAttempts`) as the API spells them. */
const FIELD_NAMES: Record<string, string> = { to: 'phone_number', at: 'scheduled_time' };

export function apiPath(path: readonly PropertyKey[]): string[] {
  // A call option (`call.say`) is a field of its own in the API (`message`).
  const option = path[0] === 'call' ? apiCallOptionName(String(path[1])) : undefined;
  if (option) return [option, ...apiPath(path.slice(2))];
  return path.map((segment, i) => {
    const name = String(segment);
    if (i === 0 && FIELD_NAMES[name]) return FIELD_NAMES[name];
    return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  });
}

export function apiIssues(issues: readonly ValidationIssue[]) {
  return issues.map((issue) => ({
    path: apiPath(issue.path),
    code: issue.code,
    message: issue.message,
  }));
}

function issuesMessage(issues: { path: string[]; message: string }[]): string {
  return issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

/**
 * Why `DELETE /api/scheduled-calls/:id` could not end a placed call, each answered 409 with the
 * reason as its code: `in_progress` (answered), `placing` (its placement request has not been
 * answered yet); and `cannot_hang_up` (the provider cannot end calls), which the scheduler reports
 * as call-client's `UnsupportedOperationError`.
 */
const HANG_UP_REFUSALS: ReadonlySet<string> = new Set(['in_progress', 'placing']);

/**
 * A campaign's refusals, each answered 409 with the reason as its code: `campaign_stopped`
 * (pause or resume after stop), `campaign_done` (pause or resume once every entry ended),
 * `campaign_mismatch` (joined with another list), `campaign_not_done` (archive while an entry
 * may still be dialed).
 */
const CAMPAIGN_REFUSALS: ReadonlySet<string> = new Set([
  'campaign_stopped',
  'campaign_done',
  'campaign_mismatch',
  'campaign_not_done',
]);

/** The provider's refusal of a call option, thrown as it is or as the scheduler's cause. */
function unsupportedOption(error: unknown): UnsupportedCallOptionError | undefined {
  if (isUnsupportedCallOptionError(error)) return error;
  if (isValidationError(error) && isUnsupportedCallOptionError(error.cause)) return error.cause;
  return undefined;
}

/** Turns any thrown value into a status and a JSON error body. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  const answer = (status: number, code: string, message: string, details?: unknown) => ({
    status,
    body: { error: details === undefined ? { code, message } : { code, message, details } },
  });
  if (error instanceof ApiError)
    return answer(error.status, error.code, error.message, error.details);
  const unsupported = unsupportedOption(error);
  if (unsupported) {
    const field = apiCallOptionName(unsupported.option) ?? unsupported.option;
    const message =
      `The configured call provider (${unsupported.provider}) cannot honour ${field}; ` +
      'GET /api/capabilities lists the call options it can';
    return answer(400, 'unsupported_call_option', message, {
      provider: unsupported.provider,
      option: field,
      issues: [{ path: [field], code: 'unsupported_call_option', message }],
    });
  }
  if (isValidationError(error)) {
    const issues = apiIssues(error.issues);
    return answer(400, 'invalid_request', issuesMessage(issues), { issues });
  }
  if (isCallNotFoundError(error)) return answer(404, 'not_found', error.message);
  if (isAgentNotFoundError(error)) return answer(404, 'not_found', error.message);
  // An id taken (`agent_exists`), or a change that would take a call from them (`agent_busy`).
  if (isAgentStateError(error)) {
    const code = error.reason === 'exists' ? 'agent_exists' : 'agent_busy';
    return answer(409, code, error.message, {
      id: error.id,
      reason: error.reason,
      state: error.state,
    });
  }
  if (isUnsupportedOperationError(error) && error.code === 'cannot_hang_up') {
    return answer(409, 'cannot_hang_up', error.message, { reason: 'cannot_hang_up' });
  }
  if (isConflictError(error)) {
    // `cancel()`'s refusals of a placed call have codes of their own; the rest stay `conflict`.
    const code =
      HANG_UP_REFUSALS.has(error.reason) || CAMPAIGN_REFUSALS.has(error.reason)
        ? error.reason
        : 'conflict';
    return answer(409, code, error.message, { reason: error.reason, status: error.status });
  }
  if (isHangUpError(error)) {
    return answer(502, 'hang_up_failed', error.message, {
      provider_call_id: error.providerCallId,
    });
  }
  if (isCampaignExistsError(error)) {
    return answer(409, 'campaign_exists', error.message, { campaign: error.campaign });
  }
  if (isNothingToDialAgainError(error)) {
    return answer(409, 'nothing_to_dial', error.message, {
      campaign: error.campaign,
      outcomes: error.outcomes,
    });
  }
  // This process is closing: the request (a webhook) is for the next one.
  if (isCampaignsClosedError(error)) return answer(503, 'shutting_down', 'Shutting down');
  if (isDialerStateError(error)) {
    return answer(409, 'conflict', 'The dialer has already been started', { state: error.state });
  }
  if (isInvalidPhoneNumberError(error)) return answer(400, 'invalid_request', error.message);
  // Errors of Express and its middleware that carry a client error's status.
  const http = error as { status?: number };
  if (typeof http.status === 'number' && http.status >= 400 && http.status < 500) {
    return answer(http.status, 'bad_request', (error as Error).message);
  }
  return answer(500, 'internal', 'Internal error');
}

/** The one error middleware: typed errors → `{ error: { code, message, details? } }`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, body } = toErrorResponse(error);
    if (status >= 500) {
      logger.error({ err: error }, 'request failed');
      res.err = error as Error;
    }
    res.status(status).json(body);
  };
}

/** The routes of the app and their methods: another method on one of them is a `405`. */
const ROUTES: [RegExp, string[]][] = [
  [/^\/healthz$/, ['GET']],
  [/^\/api\/scheduled-calls\/?$/, ['GET', 'POST']],
  [/^\/api\/scheduled-calls\/[^/]+\/?$/, ['GET', 'PATCH', 'DELETE']],
  [/^\/api\/dialer\/?$/, ['GET']],
  [/^\/api\/dialer\/start\/?$/, ['POST']],
  [/^\/api\/campaigns\/?$/, ['GET', 'POST']],
  [/^\/api\/campaigns\/[^/]+\/?$/, ['GET']],
  [/^\/api\/campaigns\/[^/]+\/(pause|resume|stop)\/?$/, ['POST']],
  [/^\/api\/campaigns\/[^/]+\/results\.csv$/, ['GET']],
  [/^\/api\/campaigns\/[^/]+\/abandons\/?$/, ['GET']],
  [/^\/api\/campaigns\/[^/]+\/compliance\.csv$/, ['GET']],
  [/^\/api\/calls\/[^/]+\/?$/, ['GET']],
  [/^\/api\/events\/?$/, ['GET']],
  [/^\/api\/capabilities\/?$/, ['GET']],
  [/^\/api\/agents\/?$/, ['GET', 'POST']],
  [/^\/api\/agents\/[^/]+\/?$/, ['GET', 'PATCH', 'DELETE']],
  [/^\/api\/agents\/[^/]+\/state\/?$/, ['POST']],
  [/^\/webhooks\/dialer\/[^/]+\/?$/, ['POST']],
  [/^\/webhooks\/twilio(\/voice)?\/?$/, ['POST']],
  [/^\/webhooks\/telnyx\/?$/, ['POST']],
  [/^\/webhooks\/signalwire(\/voice)?\/?$/, ['POST']],
  [/^\/webhooks\/vonage\/?$/, ['POST']],
  [/^\/webhooks\/vonage\/answer\/?$/, ['GET', 'POST']],
];

/**
 * The last route: a JSON 404 for any path nothing answered, or a 405 (with `Allow`) for another
 * method on a known route.
 */
export const notFound: RequestHandler = (req, res) => {
  const known = ROUTES.find(([pattern]) => pattern.test(req.path));
  if (known && !known[1].includes(req.method)) {
    const allow = known[1].includes('GET') ? [...known[1], 'HEAD'] : known[1];
    res.set('Allow', allow.join(', '));
    throw new ApiError(
      405,
      'method_not_allowed',
      `${req.method} is not allowed on ${req.path}; use ${known[1].join(' or ')}`,
    );
  }
  throw new ApiError(404, 'not_found', `No route for ${req.method} ${req.path}`);
};
