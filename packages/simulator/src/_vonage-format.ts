import { json, type EngineResponse } from './_runtime.js';

/** The `type` of each error the Vonage flavour answers with: Vonage's error pages' anchors. */
export const VONAGE_ERRORS = {
  badRequest: 'https://developer.vonage.com/api-errors#bad-request',
  unauthorized: 'https://developer.vonage.com/api-errors#unauthorized',
  notFound: 'https://developer.vonage.com/api-errors#not-found',
  methodNotAllowed: 'https://developer.vonage.com/api-errors#method-not-allowed',
  payloadTooLarge: 'https://developer.vonage.com/api-errors#payload-too-large',
  unsupportedMediaType: 'https://developer.vonage.com/api-errors#unsupported-media-type',
  throttled: 'https://developer.vonage.com/api-errors#throttled',
  unavailable: 'https://developer.vonage.com/api-errors#service-unavailable',
} as const;

/** One field of a body or query at fault, as Vonage's `invalid_parameters` list them. */
export interface InvalidParameter {
  name: string;
  reason: string;
}

/** Why a request was refused: the HTTP status and Vonage's RFC 7807 problem. */
export interface VonageProblem {
  status: number;
  type: string;
  title: string;
  detail: string;
  invalidParameters?: InvalidParameter[];
}

export const problem = (
  status: number,
  type: string,
  title: string,
  detail: string,
  invalidParameters?: InvalidParameter[],
): VonageProblem => ({
  status,
  type,
  title,
  detail,
  ...(invalidParameters ? { invalidParameters } : {}),
});

/** A 400 naming each field at fault. */
export const badRequest = (detail: string, invalidParameters?: InvalidParameter[]) =>
  problem(400, VONAGE_ERRORS.badRequest, 'Bad Request', detail, invalidParameters);

export function isProblem(value: unknown): value is VonageProblem {
  return typeof value === 'object' && value !== null && 'type' in value && 'title' in value;
}

/**
 * Vonage's error body, `{ type, title, detail, instance, invalid_parameters? }` (RFC 7807), as an
 * engine answer; `instance` is the request's trace id.
 */
export function vonageError(p: VonageProblem, instance: string): EngineResponse {
  const body = {
    type: p.type,
    title: p.title,
    detail: p.detail,
    instance,
    ...(p.invalidParameters === undefined ? {} : { invalid_parameters: p.invalidParameters }),
  };
  // A 503 (errorRate, a closed simulator) created nothing and may be sent again at once.
  const retryAfter = p.status === 503 ? '0' : p.status === 429 ? '1' : undefined;
  const headers: Record<string, string> =
    retryAfter === undefined ? {} : { 'retry-after': retryAfter };
  return json(p.status, body, headers);
}

/**
 * The JSON object a body holds: it must be `application/json` (415 otherwise) holding valid
 * JSON (400) that is an object (400). An empty body is `{}`.
 */
export function parseJsonObject(
  contentType: string | undefined,
  body: Uint8Array,
): Record<string, unknown> | VonageProblem {
  if (body.byteLength === 0) return {};
  const type = contentType ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    return problem(
      415,
      VONAGE_ERRORS.unsupportedMediaType,
      'Unsupported Media Type',
      `The body must be application/json, got ${type || 'no Content-Type'}.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    return badRequest(`The body is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return badRequest('The body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}
