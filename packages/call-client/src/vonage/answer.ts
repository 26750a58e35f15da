import { type Clock, clockSchema, strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { InvalidOptionsError, type WebhookValidationError } from '../errors/errors.js';
import {
  inboundPolicySchema,
  type InboundCallUpdate,
  type InboundPolicy,
} from '../inbound/inbound.js';
import { toE164 } from '../phone.js';
import { functionSchema as fn, headerOf, reporterOf } from '../webhooks/_signed-webhook.js';
import { systemClock } from '../time/clock.js';
import { answerNcco, type AnswerNccoAction } from './_answer-ncco.js';
import {
  answerFields,
  jsonObject,
  readAnswer,
  stepTargetOf,
  stepUrl,
  type AnswerFacts,
  type StepTarget,
} from './_answer-request.js';
import { forwardUpdateOf, voicemailUpdateOf } from './_answer-updates.js';
import { parseVonageEvent } from './event.js';
import { verifyVonageSignature, VonageSignatureError } from './signature.js';

/** Options of {@link createVonageAnswerHandler}. */
export interface VonageAnswerHandlerOptions {
  /**
   * The signature secret Vonage signs the application's webhooks with (Dashboard › Settings):
   * the HS256 key of their JWT. The answer webhook is signed once signed webhooks are enabled
   * for the Voice API, as they are by default.
   * @example process.env.VONAGE_SIGNATURE_SECRET!
   */
  signatureSecret: string;
  /**
   * How a call is answered: a greeting and a voicemail, a forward (then a voicemail when nobody
   * picks up), or a refusal. A forward's `to` is normalised to E.164 once, here.
   * @example { action: 'forward', to: '+14155550123', ringS: 20, message: 'Please leave a message.' }
   */
  policy: InboundPolicy;
  /**
   * The absolute URL Vonage reaches this handler at, by `POST`, with the events of the actions
   * it answers with: the voicemail's `record` and the forward's `connect` (their `eventUrl`).
   * Usually the answer URL itself, mounted for `POST` too. The handler appends `step`
   * (`voicemail` or `forward`), the call's `call`, `from` and `to`, and a `tag` (an HMAC of them
   * with the signature secret: Vonage's signature covers an event's body, not its URL) to its
   * query (`?`, or `&` when it has one).
   * @default none: those events go to the application's event URL, and neither the voicemail's
   * recording nor whether a forward was picked up reaches `onUpdate`
   * @example 'https://app.example/webhooks/vonage/answer'
   */
  eventUrl?: string;
  /**
   * Receives what each valid request tells of the call, in order, before it is answered. A
   * rejection answers `500` (no NCCO), so Vonage tries its fallback answer URL; an update handed
   * twice is the same update, and stays true.
   * @example (update) => scheduler.recordInbound(update) // scheduler-core: one line of history
   */
  onUpdate: (update: InboundCallUpdate) => void | Promise<void>;
  /**
   * The Vonage application the requests must come from (the JWT's `application_id`): a validly
   * signed request of another application is answered `403` and changes nothing.
   * @default any application (the signature alone decides)
   * @example 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab'
   */
  applicationId?: string;
  /**
   * The clock the JWT's `iat` is checked against, and that dates the answer webhook (which
   * carries no time of its own).
   * @default systemClock
   * @example createFakeClock('2026-03-08T08:00:00Z')
   */
  clock?: Clock;
  /**
   * The most seconds a token's `iat` may lie from now, either way.
   * @default 300
   */
  maxSkewS?: number;
  /**
   * Told about every refused or failed request, e.g. to log it.
   * @default none
   * @example (error) => log.warn(error)
   */
  onError?: (error: unknown) => void;
}

/** What a {@link VonageAnswerHandler} needs of a request. */
export interface VonageAnswerRequest {
  /** `GET` (the answer webhook's default: its fields in the query) or `POST` (JSON). */
  method: string;
  /** The URL requested, query included: absolute, or its path and query (`/answer?uuid=…`). */
  url: string;
  /** A `POST`'s body exactly as received (its `payload_hash` covers it); none for a `GET`. */
  rawBody?: string | Buffer | Uint8Array | undefined;
  /** The request's headers, names in any letter case: `authorization` is read. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** What to answer Vonage: an NCCO for the answer webhook, `204` for an event, else an error. */
export type VonageAnswerResponse =
  | { status: 200; ncco: AnswerNccoAction[] }
  | { status: 204 }
  | {
      status: 400 | 401 | 403 | 405 | 500;
      body: { error: { code: string; message: string; details?: unknown } };
    };

/** A framework-agnostic handler of Vonage's requests about calls to the application's numbers. */
export type VonageAnswerHandler = (request: VonageAnswerRequest) => Promise<VonageAnswerResponse>;

/** The parameters the handler writes into `eventUrl`'s query. */
const STEP_PARAMS = ['step', 'call', 'from', 'to', 'tag'];

const handlerOptionsSchema = strictObject({
  signatureSecret: z.string().min(1),
  policy: inboundPolicySchema,
  eventUrl: z
    .url({ protocol: /^https?$/ })
    .max(1024)
    .refine((url) => !url.includes('#'), 'must not have a fragment')
    .refine(
      (url) => !STEP_PARAMS.some((name) => URL.parse(url)?.searchParams.has(name)),
      `must not have a ${STEP_PARAMS.join(', ')} parameter`,
    )
    .optional(),
  onUpdate: fn,
  applicationId: z.string().trim().min(1).max(256).optional(),
  clock: clockSchema.optional(),
  maxSkewS: z.number().min(0).max(86_400).optional(),
  onError: fn.optional(),
});

const error = (
  status: 400 | 401 | 403 | 405 | 500,
  code: string,
  message: string,
  details?: unknown,
): VonageAnswerResponse => ({
  status,
  body: { error: { code, message, ...(details !== undefined && { details }) } },
});

/**
 * The text whose SHA-256 a request's `payload_hash` is: a `POST`'s body as received; for a
 * `GET`, which has none, its query parameters as a JSON object in their order, written with no
 * whitespace (what Vonage hashes, per its guide to verifying signed Voice API webhooks).
 */
function signedPayloadOf(method: string, url: URL, rawBody: string): string {
  return method === 'GET' ? JSON.stringify(Object.fromEntries(url.searchParams)) : rawBody;
}

/**
 * Answers calls to the application's numbers: Vonage's answer webhook (the application's
 * answer URL, `GET` or `POST`) and, when `eventUrl` is given, the events of the `record` and
 * `connect` it answers with, which come back to `eventUrl` by `POST`. A request without a valid
 * signed JWT ({@link verifyVonageSignature}: HS256 with the signature secret, `iat` within
 * `maxSkewS`, `payload_hash` of the body, or of a `GET`'s query as JSON) gets `401` with a JSON
 * body saying why, and nothing is handed to `onUpdate`; one signed for another `applicationId`,
 * or an event URL whose `tag` does not hold, gets `403`; fields that do not read as the
 * request's get `400` (a `WebhookValidationError` to `onError`: no `uuid`, a `from` or `to` that
 * is not a phone number…). A valid request's updates go to `onUpdate`, then:
 * - the answer webhook: the call is `ringing` (`providerStatus: 'answer'`), answered `200` with
 *   the policy's NCCO (a JSON
 *   array of actions): `voicemail` speaks the message (`talk`) and records (`record`, after a
 *   beep, ending on 3 s of silence or at `maxRecordingS`); `forward` rings `to` (`connect`, for
 *   `ringS` seconds, showing the called number), then, once that has ended (unanswered, or
 *   answered and hung up by the person reached while the caller stays on), speaks the message
 *   and records; `reject` is the empty NCCO, which ends the call at once (Vonage has
 *   no action that refuses a call or plays a busy tone), and the call is `busy`;
 * - a forward's event (`204`): `answered` once someone took it, `completed` with `answeredAt`
 *   and `durationS` once that conversation ended, `no-answer` for a forward nobody took (the
 *   caller goes on to the voicemail), `canceled` for a caller who hung up while it rang;
 * - the voicemail's recording event (`204`): `no-answer` with `recordingUrl` and
 *   `recordingDurationS`.
 *
 * How the call ended arrives at the application's event URL: see `inboundUpdateOf`.
 * Never throws once created; creating it throws an `InvalidOptionsError` for bad options (a
 * forward's `to` that is not a phone number included).
 *
 * @example
 * const handle = createVonageAnswerHandler({
 *   signatureSecret,
 *   policy: { action: 'voicemail', message: 'We are closed. Please leave a message.' },
 *   eventUrl: 'https://app.example/webhooks/vonage/answer',
 *   onUpdate: (update) => console.log(update.callId, update.status),
 * });
 * const answer = await handle({ method: 'GET', url: req.url, headers: req.headers });
 */
export function createVonageAnswerHandler(
  options: VonageAnswerHandlerOptions,
): VonageAnswerHandler {
  const parsed = handlerOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new InvalidOptionsError('createVonageAnswerHandler', parsed.error.issues);
  const { signatureSecret, eventUrl, onUpdate, applicationId, maxSkewS } = options;
  const policy = normalised(parsed.data.policy);
  const clock = options.clock ?? systemClock;
  const now = () => new Date(clock.now());
  const report = reporterOf(options.onError);
  const invalid = (failure: unknown): VonageAnswerResponse => {
    report(failure);
    const { message, reason } = failure as WebhookValidationError;
    return error(400, 'invalid_webhook', message, reason);
  };
  const deliver = async (updates: InboundCallUpdate[]): Promise<boolean> => {
    try {
      for (const update of updates) await onUpdate(update);
      return true;
    } catch (failure) {
      report(failure);
      return false;
    }
  };
  const FAILED = error(500, 'internal', 'The update could not be handled');

  /** The answer webhook: the call rings (and is busy when refused), answered with its NCCO. */
  const answer = async (call: AnswerFacts): Promise<VonageAnswerResponse> => {
    const update = (status: InboundCallUpdate['status'], word: string): InboundCallUpdate => ({
      provider: 'vonage',
      callId: call.callId,
      from: call.from,
      to: call.to,
      at: now(),
      status,
      providerStatus: word,
      raw: call.raw,
    });
    const updates = [update('ringing', 'answer')];
    if (policy.action === 'reject') updates.push(update('busy', 'rejected'));
    const target = { callId: call.callId, from: call.from, to: call.to };
    const url = (step: StepTarget['step']) =>
      eventUrl === undefined ? undefined : stepUrl(eventUrl, signatureSecret, { step, ...target });
    const ncco = answerNcco(policy, call.to, {
      forward: url('forward'),
      voicemail: url('voicemail'),
    });
    return (await deliver(updates)) ? { status: 200, ncco } : FAILED;
  };

  /** An event of the forward's leg or of the voicemail's recording. */
  const stepEvent = async (target: StepTarget, rawBody: string): Promise<VonageAnswerResponse> => {
    let update: InboundCallUpdate | null;
    try {
      if (target.step === 'voicemail') update = voicemailUpdateOf(target, jsonObject(rawBody), now);
      else {
        const event = parseVonageEvent(rawBody, { now: now() });
        update = event === null ? null : forwardUpdateOf(target, event);
      }
    } catch (failure) {
      return invalid(failure);
    }
    if (update !== null && !(await deliver([update]))) return FAILED;
    return { status: 204 };
  };

  return async ({ method: verb, url: target, rawBody, headers }) => {
    const method = String(verb).toUpperCase();
    if (method !== 'GET' && method !== 'POST')
      return error(405, 'method_not_allowed', 'Vonage requests an answer URL by GET or POST');
    const url = URL.parse(target, 'http://localhost');
    if (url === null) return error(400, 'invalid_webhook', 'The request URL is not a URL');
    const body =
      rawBody === undefined
        ? ''
        : typeof rawBody === 'string'
          ? rawBody
          : Buffer.from(rawBody).toString('utf8');
    const check = verifyVonageSignature({
      signatureSecret,
      authorization: headerOf(headers, 'authorization'),
      rawBody: signedPayloadOf(method, url, body),
      now: now(),
      ...(maxSkewS !== undefined && { maxSkewS }),
    });
    if (!check.valid) {
      report(new VonageSignatureError(check.reason, check.message));
      return error(401, 'unauthorized', 'The request is not signed by Vonage', check.reason);
    }
    const application = check.claims.application_id;
    if (applicationId !== undefined && application !== applicationId) {
      report(new Error(`A Vonage request of another application (${String(application)}) arrived`));
      return error(403, 'forbidden', 'The request is signed for another Vonage application');
    }
    const step = stepTargetOf(url, signatureSecret);
    if (step === null || (step !== undefined && method !== 'POST')) {
      report(new Error(`A Vonage request to ${url.pathname} names a call this handler did not`));
      return error(403, 'forbidden', 'The event URL was not written by this handler');
    }
    if (step !== undefined) return stepEvent(step, body);
    let call: AnswerFacts;
    try {
      call = readAnswer(answerFields(method, url, body));
    } catch (failure) {
      return invalid(failure);
    }
    return answer(call);
  };
}

/** The policy with a forward's `to` in E.164; an `InvalidOptionsError` when it is no number. */
function normalised(policy: InboundPolicy): InboundPolicy {
  if (policy.action !== 'forward') return policy;
  try {
    return { ...policy, to: toE164(policy.to) };
  } catch (failure) {
    const message = failure instanceof Error ? failure.message : String(failure);
    throw new InvalidOptionsError('createVonageAnswerHandler', [
      { code: 'custom', path: ['policy', 'to'], message, input: policy.to },
    ]);
  }
}
