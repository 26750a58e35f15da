import { z } from 'zod';
import { WebhookValidationError, type WebhookErrorReason } from '../errors/errors.js';
import type { CallStatusEvent } from '../providers/provider.js';
import { mapAnsweredBy } from '../providers/call-options.js';
import { mapProviderStatus } from '../status.js';
import { countSchema, describeIssues, readTimestamp, singleFields } from './_fields.js';
import { idSchema, TWILIO, type TwilioFlavour } from './_flavour.js';
import { toTwilioParams, type TwilioCallbackParams } from './_form.js';

export { TWILIO_CALL_STATUSES } from './_flavour.js';

/** A Twilio status callback as ringkit reads it: a {@link CallStatusEvent} and Twilio's fields. */
export interface TwilioStatusCallback extends CallStatusEvent {
  /** `CallSid`: `CA` and 32 hex digits. */
  callId: string;
  /** `AccountSid`: the account the call belongs to. */
  accountSid: string;
  /** `To`, where Twilio sends it. */
  to?: string;
  /** `From`, where Twilio sends it. */
  from?: string;
  /**
   * `Direction`, verbatim, where Twilio sends it: `outbound-api` for a call placed by the API,
   * `inbound` for a call to the account's number (see `inboundUpdateOf`).
   */
  direction?: string;
}

/** Options of {@link parseTwilioStatusCallback}. */
export interface ParseTwilioStatusCallbackOptions {
  /**
   * The event's time when the callback has no readable `Timestamp`.
   * @default new Date()
   */
  now?: Date;
}

/** The parameters read; others (Twilio adds some now and then) are ignored. */
const READ_FIELDS = [
  'CallSid',
  'CallStatus',
  'AccountSid',
  'To',
  'From',
  'SequenceNumber',
  'CallDuration',
  'Timestamp',
  'Direction',
  'AnsweredBy',
] as const;

const fieldsSchemaOf = (flavour: TwilioFlavour) =>
  z.object({
    AccountSid: idSchema(flavour.accountSid),
    To: z.string().max(256).optional(),
    From: z.string().max(256).optional(),
    SequenceNumber: countSchema.optional(),
    CallDuration: countSchema.optional(),
    Timestamp: z.string().max(100).optional(),
    Direction: z
      .string()
      .regex(/^[a-z][a-z-]{0,63}$/, 'must be a word such as outbound-api')
      .optional(),
    AnsweredBy: z
      .string()
      .regex(/^[a-z][a-z_]{0,63}$/, 'must be a word such as human or machine_start')
      .optional(),
  });

/**
 * Reads the parameters of a Twilio status callback (the form Twilio POSTs to `StatusCallback`)
 * into a {@link TwilioStatusCallback}: `CallSid` is the `callId`, `CallStatus` mapped onto
 * ringkit's statuses (`in-progress` is `answered`, `queued` is `initiated`), `SequenceNumber` the
 * `sequence`, `CallDuration` the `durationS`, `Direction` the `direction`, `AnsweredBy` the
 * `answeredBy` (`machine_start`, `machine_end_beep`… are `machine`), `raw` every parameter as
 * received (`ErrorCode`, `SipResponseCode`, `ParentCallSid`…), and `at` the
 * callback's `Timestamp` when it is a valid RFC 2822 date (else `options.now`). The parameters may
 * be an object, `URLSearchParams` or the form-encoded body. Check the signature first
 * ({@link verifyTwilioSignature}). Anything malformed is a `WebhookValidationError` saying which
 * field: not a form (`not_object`), a `CallSid` that is not `CA` + 32 hex digits
 * (`missing_id`), no `CallStatus` (`missing_status`), a word Twilio does not send
 * (`unknown_status`/`unexpected_status`), a repeated field or a bad `AccountSid`,
 * `SequenceNumber`, `CallDuration`, `Direction` or `AnsweredBy` (`invalid_field`). Other
 * parameters are kept in `raw` only.
 */
export function parseTwilioStatusCallback(
  input: TwilioCallbackParams,
  options: ParseTwilioStatusCallbackOptions = {},
): TwilioStatusCallback {
  return parseTwilioCallback(input, options);
}

/** {@link parseTwilioStatusCallback} of a flavour: its ids, its status words, its name. */
export function createStatusCallbackParser(flavour: TwilioFlavour) {
  const fieldsSchema = fieldsSchemaOf(flavour);
  const { label, callStatuses, callSid } = flavour;
  return function parseStatusCallback(
    input: TwilioCallbackParams,
    options: ParseTwilioStatusCallbackOptions = {},
  ): TwilioStatusCallback {
    const invalid = (reason: WebhookErrorReason, message: string, extra: Extra = {}) =>
      new WebhookValidationError({ reason, message, body: input, ...extra });
    const params = toTwilioParams(input);
    if (params === undefined) {
      throw invalid(
        'not_object',
        'The status callback parameters must be a form: an object of strings (or lists of strings), URLSearchParams or a form-encoded string',
      );
    }
    const { fields: single, repeated } = singleFields(params, READ_FIELDS);
    if (repeated !== undefined)
      throw invalid('invalid_field', `The status callback carries ${repeated} more than once`);
    const sid = single['CallSid'];
    if (sid === undefined || !callSid.pattern.test(sid))
      throw invalid('missing_id', `The status callback has no valid CallSid (${callSid.rule})`);
    const word = single['CallStatus']?.trim();
    if (word === undefined || word === '')
      throw invalid('missing_status', `The status callback for ${sid} has no CallStatus`);
    const status = mapProviderStatus(word);
    if (status === undefined) {
      throw invalid(
        'unknown_status',
        `The status callback for ${sid} has an unknown CallStatus ${JSON.stringify(word)}`,
        { providerStatus: word },
      );
    }
    if (!callStatuses.includes(word)) {
      throw invalid(
        'unexpected_status',
        `The status callback for ${sid} says ${JSON.stringify(word)}, which ${label} never sends (expected one of ${callStatuses.join(', ')})`,
        { providerStatus: word },
      );
    }
    const fields = fieldsSchema.safeParse(single);
    if (!fields.success) {
      const which = describeIssues(fields.error.issues);
      throw invalid(
        'invalid_field',
        `The status callback for ${sid} has invalid fields: ${which}`,
        {
          issues: fields.error.issues,
        },
      );
    }
    const data = fields.data;
    const event: TwilioStatusCallback = {
      callId: sid,
      status,
      providerStatus: word,
      at: readTimestamp(data.Timestamp) ?? options.now ?? new Date(),
      accountSid: data.AccountSid,
    };
    if (data.SequenceNumber !== undefined) event.sequence = data.SequenceNumber;
    if (data.CallDuration !== undefined) event.durationS = data.CallDuration;
    if (data.To !== undefined) event.to = data.To;
    if (data.From !== undefined) event.from = data.From;
    if (data.Direction !== undefined) event.direction = data.Direction;
    const answeredBy = mapAnsweredBy(data.AnsweredBy);
    if (answeredBy !== undefined) event.answeredBy = answeredBy;
    event.raw = params;
    return event;
  };
}

const parseTwilioCallback = createStatusCallbackParser(TWILIO);

type Extra = { providerStatus?: string; issues?: z.core.$ZodIssue[] };
