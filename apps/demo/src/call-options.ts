import { callOptionsSchema, type CallOptionName, type CallOptions } from '@ringkit/call-client';
import { z } from 'zod';

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
 * The body fields of the call options, with call-client's own rules. A `message` that is empty
 * once trimmed asks for nothing, like a `machine_detection` of `off`.
 */
export const callOptionFields = {
  message: z
    .string()
    .transform((text) => text.trim() || undefined)
    .pipe(callOptionsSchema.shape.say)
    .optional(),
  machine_detection: callOptionsSchema.shape.machineDetection,
};

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
