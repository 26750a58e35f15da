import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { json, type EngineResponse } from './_runtime.js';

/**
 * The error codes the Telnyx flavour answers with: Telnyx's general API codes (`10xxx`) and its
 * Call Control codes (`90xxx`). Where Telnyx documents no code for a case (a call commanded
 * before it was answered) the simulator picks one and says so in `docs/guide/testing.md`.
 */
export const TELNYX_ERRORS = {
  invalidUrl: '10003',
  missingParameter: '10004',
  notFound: '10005',
  unexpected: '10007',
  authentication: '10009',
  unsupportedMediaType: '10014',
  badRequest: '10015',
  phoneNumber: '10016',
  associatedResource: '10017',
  invalidJson: '10023',
  callNotFound: '90015',
  callEnded: '90018',
  callNotAnswered: '90034',
} as const;

/** Why a request was refused: the HTTP status and Telnyx's error object. */
export interface TelnyxProblem {
  status: number;
  code: string;
  title: string;
  detail: string;
  /** The JSON pointer of the body field at fault, e.g. `/timeout_secs`. */
  pointer?: string;
}

export const problem = (
  status: number,
  code: string,
  title: string,
  detail: string,
  pointer?: string,
): TelnyxProblem => ({ status, code, title, detail, ...(pointer ? { pointer } : {}) });

/** A 422 for one field of the body: `code` (default 10015) with the field's pointer. */
export const invalid = (field: string, detail: string, code: string = TELNYX_ERRORS.badRequest) =>
  problem(422, code, 'Invalid parameter', detail, `/${field}`);

export function isProblem(value: unknown): value is TelnyxProblem {
  return typeof value === 'object' && value !== null && 'code' in value && 'title' in value;
}

/** Telnyx's error body, `{ errors: [{ code, title, detail, source? }] }`, as an engine answer. */
export function telnyxError(p: TelnyxProblem): EngineResponse {
  const error = {
    code: p.code,
    title: p.title,
    detail: p.detail,
    ...(p.pointer === undefined ? {} : { source: { pointer: p.pointer } }),
  };
  const headers: Record<string, string> = p.status === 503 ? { 'retry-after': '0' } : {};
  return json(p.status, { errors: [error] }, headers);
}

/**
 * The JSON object a command's body holds: an empty body is `{}`, anything else must be
 * `application/json` (415 otherwise) holding valid JSON (400) that is an object (400).
 */
export function parseJsonObject(
  contentType: string | undefined,
  body: Uint8Array,
): Record<string, unknown> | TelnyxProblem {
  if (body.byteLength === 0) return {};
  const type = contentType ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    return problem(
      415,
      TELNYX_ERRORS.unsupportedMediaType,
      'Unsupported Media Type',
      `The body must be application/json, got ${type || 'no Content-Type'}.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    const reason = (error as Error).message;
    return problem(
      400,
      TELNYX_ERRORS.invalidJson,
      'Invalid JSON',
      `The body is not JSON: ${reason}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return problem(400, TELNYX_ERRORS.badRequest, 'Bad Request', 'The body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** Whether `authorization` is `Bearer <apiKey>`, compared in constant time. */
export function isAuthorized(authorization: string | undefined, apiKey: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], 'utf8');
  const expected = Buffer.from(apiKey, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
