import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { json } from './_runtime.js';

/**
 * Twilio's error codes the simulator answers with. Where Twilio has no code of its own for a case
 * (a parameter the 2010-04-01 description does not list) the simulator uses 20001, Twilio's
 * "Unknown parameters".
 */
export const TWILIO_ERRORS = {
  unknownParameter: 20001,
  authentication: 20003,
  methodNotAllowed: 20004,
  deleteBeforeComplete: 20009,
  notFound: 20404,
  payloadTooLarge: 20413,
  unsupportedMediaType: 20415,
  unavailable: 20503,
  toMissing: 21201,
  urlInvalid: 21205,
  timeoutInvalid: 21208,
  toInvalid: 21211,
  fromInvalid: 21212,
  fromMissing: 21213,
  applicationInvalid: 21218,
  callNotInProgress: 21220,
  machineDetectionInvalid: 21234,
} as const;

export type TwilioErrorCode = (typeof TWILIO_ERRORS)[keyof typeof TWILIO_ERRORS];

/**
 * Twilio's error body: `{ code, message, more_info, status }`; a `401` names `realm` in its
 * `WWW-Authenticate`.
 */
export function twilioError(status: number, code: number, message: string, realm = 'Twilio API') {
  const headers: Record<string, string> = {};
  if (status === 503) headers['retry-after'] = '0';
  if (status === 401) headers['www-authenticate'] = `Basic realm="${realm}"`;
  return json(
    status,
    { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    headers,
  );
}

/** A time as Twilio writes it (RFC 2822 in UTC): `Wed, 01 Jan 2030 12:00:00 +0000`. */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** A form body's parameters, each with every value it was given, in order. */
export type FormParams = Map<string, string[]>;

/** The body of a form POST, or why it is not one. */
export function parseForm(
  contentType: string | undefined,
  body: Uint8Array,
): { ok: true; params: FormParams } | ({ ok: false } & ParamProblem) {
  const type = contentType ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(type)) {
    return {
      ok: false,
      status: 415,
      code: TWILIO_ERRORS.unsupportedMediaType,
      message: `Content-Type must be application/x-www-form-urlencoded, got ${type || 'none'}`,
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return {
      ok: false,
      status: 400,
      code: TWILIO_ERRORS.unknownParameter,
      message: 'the body is not valid UTF-8',
    };
  }
  return { ok: true, params: toParams(new URLSearchParams(text)) };
}

/** A query string's or a form's parameters, grouped by name. */
export function toParams(search: URLSearchParams): FormParams {
  const params: FormParams = new Map();
  for (const [name, value] of search) params.set(name, [...(params.get(name) ?? []), value]);
  return params;
}

/** Why a request's parameters were refused: Twilio's status, code and message. */
export interface ParamProblem {
  status: number;
  code: number;
  message: string;
}

const problem = (code: number, message: string): ParamProblem => ({ status: 400, code, message });

/**
 * Refuses parameters the operation does not list, and a repeated parameter that takes one value.
 * Returns a reader of single values.
 */
export function checkParams(
  params: FormParams,
  known: ReadonlySet<string>,
  repeatable: ReadonlySet<string> = new Set(),
): ParamProblem | ((name: string) => string | undefined) {
  for (const [name, values] of params) {
    if (!known.has(name)) {
      return problem(TWILIO_ERRORS.unknownParameter, `Unknown parameter: ${name}`);
    }
    if (values.length > 1 && !repeatable.has(name)) {
      return problem(TWILIO_ERRORS.unknownParameter, `Parameter ${name} was given more than once`);
    }
  }
  return (name) => params.get(name)?.[0];
}

/** Whether `value` is an HTTP method Twilio accepts for a callback (`GET` or `POST`). */
export function readMethod(
  name: string,
  value: string | undefined,
): ParamProblem | 'GET' | 'POST' | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if (upper === 'GET' || upper === 'POST') return upper;
  return problem(TWILIO_ERRORS.unknownParameter, `${name} must be GET or POST, got ${value}`);
}

export function isProblem(value: unknown): value is ParamProblem {
  return typeof value === 'object' && value !== null && 'code' in value && 'status' in value;
}

/**
 * Whether HTTP Basic credentials are one of `credentials`: Twilio's account
 * (`AccountSid:AuthToken`) or one of its API keys (`SK…:secret`), SignalWire's
 * `ProjectId:ApiToken`. The secret is compared in constant time.
 */
export function isAuthorized(
  authorization: string | undefined,
  credentials: ReadonlyArray<{ user: string; secret: string }>,
): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const known = credentials.find((credential) => credential.user === user);
  return known !== undefined && sameText(password, known.secret);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export { problem };
