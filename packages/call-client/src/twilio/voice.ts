import { type Clock, clockSchema, strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { InvalidOptionsError, type WebhookValidationError } from '../errors/errors.js';
import {
  inboundPolicySchema,
  type InboundCallUpdate,
  type InboundPolicy,
} from '../inbound/inbound.js';
import { toE164 } from '../phone.js';
import { systemClock } from '../time/clock.js';
import { idSchema, TWILIO, type TwilioFlavour } from './_flavour.js';
import { toTwilioParams, type TwilioCallbackParams } from './_form.js';
import { answerInbound } from './_voice-answer.js';
import { createInboundRequestReader, type InboundRequest } from './_voice-request.js';
import { checkSignature } from './signature.js';
import { forbidden } from './webhook.js';

/** Options of {@link createTwilioVoiceHandler}. */
export interface TwilioVoiceHandlerOptions {
  /**
   * The auth token of the account whose number is called: the key of the requests' signatures.
   * @example process.env.TWILIO_AUTH_TOKEN!
   */
  authToken: string;
  /**
   * How a call is answered: a greeting and a voicemail, a forward (then a voicemail when nobody
   * picks up), or a refusal. A forward's `to` is normalised to E.164 once, here.
   * @example { action: 'forward', to: '+14155550123', ringS: 20, message: 'Please leave a message.' }
   */
  policy: InboundPolicy;
  /**
   * The absolute URL Twilio reaches this handler at for the `<Dial>` and `<Record>` it answers
   * with (their `action`): usually the number's voice URL itself. The handler appends
   * `step=dial` or `step=voicemail` to its query (`?`, or `&` when it has one), and Twilio signs
   * the URL with that query.
   * @example 'https://app.example/webhooks/twilio/voice'
   */
  actionUrl: string;
  /**
   * Receives what each valid request tells of the call, in order, before it is answered. A
   * rejection answers `500` (no TwiML), so Twilio's request fails; an update handed twice is
   * the same update, and stays true.
   * @example (update) => scheduler.recordInbound(update) // scheduler-core: one line of history
   */
  onUpdate: (update: InboundCallUpdate) => void | Promise<void>;
  /**
   * The account the requests must come from: a validly signed request of another account is
   * answered `403` and changes nothing.
   * @default any account (the signature alone decides)
   * @example 'AC0123456789abcdef0123456789abcdef'
   */
  accountSid?: string;
  /**
   * The clock that dates a request without a readable `Timestamp` (the voice webhook and the
   * action callbacks carry none).
   * @default systemClock
   * @example createFakeClock('2026-03-08T08:00:00Z')
   */
  clock?: Clock;
  /**
   * Told about every refused or failed request, e.g. to log it.
   * @default none
   * @example (error) => log.warn(error)
   */
  onError?: (error: unknown) => void;
}

/** What a {@link TwilioVoiceHandler} needs of a request. */
export interface TwilioVoiceRequest {
  /** The full URL Twilio requested, as it signed it, query string included. */
  url: string;
  /** The form parameters of the body: parsed, as `URLSearchParams`, or the body itself. */
  params: TwilioCallbackParams;
  /** The `X-Twilio-Signature` header. */
  signature: string | undefined;
}

/** What to answer Twilio: TwiML for a valid request, else an error. */
export type TwilioVoiceResponse =
  | { status: 200; twiml: string }
  | {
      status: 400 | 403 | 500;
      body: { error: { code: string; message: string; details?: unknown } };
    };

/** A framework-agnostic handler of Twilio's requests about calls to the account's number. */
export type TwilioVoiceHandler = (request: TwilioVoiceRequest) => Promise<TwilioVoiceResponse>;

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function');

const handlerOptionsSchema = strictObject({
  authToken: z.string().min(1),
  policy: inboundPolicySchema,
  actionUrl: z
    .url({ protocol: /^https?$/ })
    .refine((url) => !url.includes('#'), 'must not have a fragment')
    .refine((url) => !URL.parse(url)?.searchParams.has('step'), 'must not have a step parameter'),
  onUpdate: fn,
  accountSid: idSchema(TWILIO.accountSid).optional(),
  clock: clockSchema.optional(),
  onError: fn.optional(),
});

/** The options every flavour's voice handler takes, besides its key and its account. */
export const voiceHandlerOptionsSchema = handlerOptionsSchema.omit({
  authToken: true,
  accountSid: true,
});

/**
 * Answers calls to the account's number: Twilio's voice webhook (the number's "A call comes in"
 * URL) and the action callbacks of the `<Dial>` and `<Record>` it answers with, which come back
 * to `actionUrl` with `step=dial` or `step=voicemail`. A request without a valid
 * `X-Twilio-Signature` for its URL and parameters gets `403` and nothing is handed to
 * `onUpdate`; parameters that do not read as the step's gets `400`. A valid request's updates
 * go to `onUpdate`, then its TwiML is answered (`200`):
 * - the voice webhook: the call is `ringing`; `voicemail` speaks the message and records,
 *   `forward` dials `to` for `ringS` seconds, `reject` refuses it (and the call is `busy`);
 * - `step=dial`: a forward picked up is `completed` (with `answeredAt` and `durationS`), then
 *   `<Hangup/>`; one nobody took (`busy`, `no-answer`, `failed`) is `no-answer`, and the caller
 *   hears the message and may leave a voicemail; a caller who hung up while it rang is
 *   `canceled`;
 * - `step=voicemail`: the missed call's voicemail (`recordingUrl`, `recordingDurationS`),
 *   `no-answer`, then `<Hangup/>`.
 *
 * How the call ended, once the app's TwiML answered it, arrives as a status callback: see
 * `inboundUpdateOf`. Never throws once created; creating it throws an `InvalidOptionsError` for
 * bad options (a forward's `to` that is not a phone number included).
 *
 * @example
 * const handle = createTwilioVoiceHandler({
 *   authToken,
 *   policy: { action: 'voicemail', message: 'We are closed. Please leave a message.' },
 *   actionUrl: 'https://app.example/webhooks/twilio/voice',
 *   onUpdate: (update) => console.log(update.callId, update.status),
 * });
 * const answer = await handle({ url, params, signature: headers['x-twilio-signature'] });
 */
export function createTwilioVoiceHandler(options: TwilioVoiceHandlerOptions): TwilioVoiceHandler {
  const parsed = handlerOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new InvalidOptionsError('createTwilioVoiceHandler', parsed.error.issues);
  const { authToken, accountSid, ...rest } = options;
  return createFlavouredVoiceHandler(TWILIO, 'createTwilioVoiceHandler', {
    ...rest,
    policy: parsed.data.policy,
    key: authToken,
    account: accountSid,
  });
}

/** What a flavour's voice handler is made of: its options, checked, with its key and account. */
export interface FlavouredVoiceSettings extends Omit<
  TwilioVoiceHandlerOptions,
  'authToken' | 'accountSid'
> {
  /** The key of the requests' signatures. */
  key: string;
  /** The account the requests must come from, if any. */
  account?: string | undefined;
}

/** {@link createTwilioVoiceHandler} of a flavour; `factory` names it in errors. */
export function createFlavouredVoiceHandler(
  flavour: TwilioFlavour,
  factory: string,
  settings: FlavouredVoiceSettings,
): TwilioVoiceHandler {
  const { key, actionUrl, onUpdate, account } = settings;
  const { label } = flavour;
  const policy = normalised(settings.policy, factory);
  const readInboundRequest = createInboundRequestReader(flavour);
  const clock = settings.clock ?? systemClock;
  const now = () => new Date(clock.now());
  const report = (error: unknown) => {
    try {
      settings.onError?.(error);
    } catch {
      // A failing logger must not turn into a failed request.
    }
  };

  return async ({ url, params: input, signature }) => {
    const params = toTwilioParams(input);
    if (params === undefined || !checkSignature(flavour.signing, key, { url, params, signature })) {
      report(new Error(`A ${label} voice request to ${url} arrived without a valid signature`));
      return forbidden(label);
    }
    let request: InboundRequest;
    try {
      request = readInboundRequest(url, params, now);
    } catch (error) {
      report(error);
      const { message, reason } = error as WebhookValidationError;
      return {
        status: 400,
        body: { error: { code: 'invalid_webhook', message, details: reason } },
      };
    }
    const caller = request.call.accountSid;
    if (account !== undefined && caller.toLowerCase() !== account.toLowerCase()) {
      report(new Error(`A ${label} voice request of another account (${caller}) arrived`));
      return forbidden(label);
    }
    const { updates, twiml } = answerInbound(request, policy, actionUrl, flavour.provider);
    try {
      for (const update of updates) await onUpdate(update);
    } catch (error) {
      report(error);
      return {
        status: 500,
        body: { error: { code: 'internal', message: 'The update could not be handled' } },
      };
    }
    return { status: 200, twiml };
  };
}

/** The policy with a forward's `to` in E.164; an `InvalidOptionsError` when it is no number. */
function normalised(policy: InboundPolicy, factory: string): InboundPolicy {
  if (policy.action !== 'forward') return policy;
  try {
    return { ...policy, to: toE164(policy.to) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new InvalidOptionsError(factory, [
      { code: 'custom', path: ['policy', 'to'], message, input: policy.to },
    ]);
  }
}
