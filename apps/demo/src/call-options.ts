import {
  callOptionsSchema,
  checkCallOptions,
  isInvalidOptionsError,
  sayTextSchema,
  type CallOptionName,
  type CallOptions,
  type CallProvider,
} from '@ringkit/call-client';
import { z } from 'zod';
import { plainWords } from './plain-words.js';

/**
 * The call options `POST /api/scheduled-calls` takes, by their API names: `message` is what the
 * call says when answered (`say`), `machine_detection` tells a person from an answering machine.
 */
export const API_CALL_OPTIONS = {
  message: 'say',
  machine_detection: 'machineDetection',
} as const satisfies Record<string, CallOptionName>;

export type ApiCallOption = keyof typeof API_CALL_OPTIONS;

const API_NAMES = Object.entries(API_CALL_OPTIONS) as [ApiCallOption, CallOptionName][];

/** The API's name of a call option (`say` → `message`), or `undefined` for one it does not take. */
export function apiCallOptionName(option: string): ApiCallOption | undefined {
  return API_NAMES.find(([, name]) => name === option)?.[0];
}

/** Which of the API's call options a provider that honours `honoured` can honour. */
export function apiCallOptions(honoured: readonly CallOptionName[]): ApiCallOption[] {
  return API_NAMES.filter(([, name]) => honoured.includes(name)).map(([api]) => api);
}

/**
 * What a call says, wherever the API takes it: call-client's `sayTextSchema` (trimmed, then the
 * rule of `say`), the check the dialer's `checkCampaignList` runs on a campaign's `say` column
 * too. What the provider refuses besides (Twilio's TwiML once escaped, Telnyx's 3000 characters)
 * is call-client's `checkCallOptions`, which {@link checkCallFields}, the scheduler and the dialer
 * run.
 */
export const messageSchema = sayTextSchema;

/** The body fields of the call options, with call-client's own rules. */
export const callOptionFields = {
  message: messageSchema.optional(),
  machine_detection: callOptionsSchema.shape.machineDetection,
};

const callFieldsSchema = z.strictObject(callOptionFields);

/** A call option the API refused, by its API name (`message`). */
export interface CallFieldIssue {
  field: string;
  code: string;
  message: string;
}

/**
 * The one check of a call's options as the API takes them: {@link callOptionFields}, then what
 * `provider` refuses, with call-client's `checkCallOptions` (the function the scheduler runs at
 * `schedule()` and the dialer at `createDialer`). Answers the options (`undefined` for none) or
 * every issue by field. An option the provider cannot honour at all is thrown as call-client's
 * `UnsupportedCallOptionError` (400 `unsupported_call_option`).
 */
export function checkCallFields(
  provider: CallProvider,
  fields: { message?: unknown; machine_detection?: unknown },
): { call: CallOptions | undefined; issues: CallFieldIssue[] } {
  const parsed = callFieldsSchema.safeParse(fields, { error: plainWords });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      field: String(issue.path[0] ?? ''),
      code: issue.code,
      message: issue.message,
    }));
    return { call: undefined, issues };
  }
  const call = toCallOptions(parsed.data);
  if (call === undefined) return { call, issues: [] };
  try {
    return { call: checkCallOptions(provider, call), issues: [] };
  } catch (error) {
    if (!isInvalidOptionsError(error)) throw error;
    const issues = error.issues.map((issue) => {
      const option = String(issue.path[0] ?? '');
      return {
        field: apiCallOptionName(option) ?? option,
        code: issue.code,
        message: issue.message,
      };
    });
    return { call: undefined, issues };
  }
}

/** The body's call options as the scheduler takes them; `undefined` when none was given. */
export function toCallOptions(body: {
  message?: string | undefined;
  machine_detection?: CallOptions['machineDetection'];
}): CallOptions | undefined {
  const call: CallOptions = {};
  if (body.message !== undefined) call.say = body.message;
  if (body.machine_detection !== undefined) call.machineDetection = body.machine_detection;
  return Object.keys(call).length === 0 ? undefined : call;
}

/** A call's options as the API shows them: `null` for each one not set. */
export function serializeCallOptions(call: CallOptions | null | undefined) {
  return {
    message: call?.say ?? null,
    machine_detection: call?.machineDetection ?? null,
  };
}
