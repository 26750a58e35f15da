// Twilio's requests about a call to the account's number, read with zod: the voice webhook, and
// the action callbacks of the <Dial> and <Record> it was answered with.
import { z } from 'zod';
import { WebhookValidationError, type WebhookErrorReason } from '../errors/errors.js';
import { countSchema, describeIssues, readTimestamp, singleFields } from './_fields.js';
import { idSchema, type TwilioFlavour } from './_flavour.js';
import type { InboundStep } from './_twiml.js';
import type { TwilioParams } from './signature.js';

/** What every request about an inbound call tells of it. */
export interface InboundCallFacts {
  /** `CallSid`. */
  callId: string;
  accountSid: string;
  from: string;
  to: string;
  /** `Timestamp`, else the time of receipt. */
  at: Date;
  /** Every parameter as received. */
  raw: TwilioParams;
}

/** `DialCallStatus`: how the `<Dial>` of a forward ended. */
export const DIAL_CALL_STATUSES = [
  'completed',
  'answered',
  'busy',
  'no-answer',
  'failed',
  'canceled',
] as const;

/** One of {@link DIAL_CALL_STATUSES}. */
export type DialCallStatus = (typeof DIAL_CALL_STATUSES)[number];

/** A request about an inbound call, by the step of the call it tells of. */
export type InboundRequest =
  | { step: 'call'; call: InboundCallFacts; callStatus: string }
  | {
      step: 'dial';
      call: InboundCallFacts;
      dialCallStatus: DialCallStatus;
      dialCallDurationS?: number;
    }
  | {
      step: 'voicemail';
      call: InboundCallFacts;
      recordingUrl?: string;
      recordingDurationS?: number;
    };

const text = z.string().max(256);

/** The schemas of each step's parameters, in `flavour`'s ids and words. */
function schemasOf(flavour: TwilioFlavour) {
  const callSchema = z.object({
    AccountSid: idSchema(flavour.accountSid),
    From: text,
    To: text,
    Timestamp: z.string().max(100).optional(),
  });
  return {
    call: callSchema.extend({
      CallStatus: z
        .string()
        .refine(
          (word) => flavour.callStatuses.includes(word),
          `must be a CallStatus ${flavour.label} sends`,
        ),
      Direction: z.literal('inbound', 'must be inbound: this handler answers calls to the number'),
    }),
    dial: callSchema.extend({
      DialCallStatus: z.enum(DIAL_CALL_STATUSES),
      DialCallDuration: countSchema.optional(),
      DialCallSid: idSchema(flavour.callSid).optional(),
    }),
    voicemail: callSchema.extend({
      RecordingUrl: z
        .url({ protocol: /^https?$/ })
        .max(2048)
        .optional(),
      RecordingDuration: countSchema.optional(),
      RecordingSid: idSchema(flavour.recordingSid).optional(),
    }),
  };
}

type CallFields = { AccountSid: string; From: string; To: string; Timestamp?: string | undefined };

/** The parameters read; others are kept in `raw` only. */
const READ_FIELDS = [
  'CallSid',
  'AccountSid',
  'From',
  'To',
  'Timestamp',
  'CallStatus',
  'Direction',
  'DialCallStatus',
  'DialCallDuration',
  'DialCallSid',
  'RecordingUrl',
  'RecordingDuration',
  'RecordingSid',
];

/** The reader of a flavour's requests about calls to the account's number. */
export function createInboundRequestReader(flavour: TwilioFlavour) {
  const SCHEMAS = schemasOf(flavour);
  const { callSid } = flavour;
  /**
   * Reads a request the provider sent to `url` with `params` about a call to the account's number: the
   * step is the URL's `step` query parameter (none: the voice webhook). Anything malformed is a
   * `WebhookValidationError` saying which field.
   */
  return function readInboundRequest(
    url: string,
    params: TwilioParams,
    now: () => Date,
  ): InboundRequest {
    const invalid = (reason: WebhookErrorReason, message: string, issues?: z.core.$ZodIssue[]) =>
      new WebhookValidationError({ reason, message, body: params, ...(issues && { issues }) });
    const step = stepOf(url);
    if (step === undefined)
      throw invalid(
        'invalid_field',
        `The request to ${url} names a step this handler never asks for`,
      );
    const { fields, repeated } = singleFields(params, READ_FIELDS);
    if (repeated !== undefined)
      throw invalid('invalid_field', `The request carries ${repeated} more than once`);
    const sid = fields['CallSid'];
    if (sid === undefined || !callSid.pattern.test(sid))
      throw invalid('missing_id', `The request has no valid CallSid (${callSid.rule})`);
    const parse = <S extends z.ZodType>(schema: S): z.output<S> => {
      const parsed = schema.safeParse(fields);
      if (parsed.success) return parsed.data;
      const { issues } = parsed.error;
      const which = describeIssues(issues);
      throw invalid('invalid_field', `The request for ${sid} has invalid fields: ${which}`, issues);
    };
    const facts = (data: CallFields): InboundCallFacts => ({
      callId: sid,
      accountSid: data.AccountSid,
      from: data.From,
      to: data.To,
      at: readTimestamp(data.Timestamp) ?? now(),
      raw: params,
    });
    switch (step) {
      case 'call': {
        const data = parse(SCHEMAS.call);
        return { step, call: facts(data), callStatus: data.CallStatus };
      }
      case 'dial': {
        const data = parse(SCHEMAS.dial);
        const request: InboundRequest = {
          step,
          call: facts(data),
          dialCallStatus: data.DialCallStatus,
        };
        if (data.DialCallDuration !== undefined) request.dialCallDurationS = data.DialCallDuration;
        return request;
      }
      case 'voicemail': {
        const data = parse(SCHEMAS.voicemail);
        const request: InboundRequest = { step, call: facts(data) };
        if (data.RecordingUrl !== undefined) request.recordingUrl = data.RecordingUrl;
        if (data.RecordingDuration !== undefined)
          request.recordingDurationS = data.RecordingDuration;
        return request;
      }
    }
  };
}

/** The step the URL's `step` names: `call` without one, `undefined` for anything unknown. */
function stepOf(url: string): 'call' | InboundStep | undefined {
  let steps: string[];
  try {
    steps = new URL(url).searchParams.getAll('step');
  } catch {
    return undefined;
  }
  if (steps.length === 0) return 'call';
  const [step] = steps;
  return steps.length === 1 && (step === 'dial' || step === 'voicemail') ? step : undefined;
}
