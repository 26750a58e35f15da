/**
 * A campaign's mode and its agents' settings, as both create routes take them (the JSON body,
 * and a CSV upload's query string): the same fields, read by one function into the package's
 * `mode` and `agents`, and refused in the same words. The agents' settings are checked by
 * `@ringkit/scheduler-core` alone (its one check, when the campaign is created); its refusal is
 * answered `400` naming the API's fields.
 */
import { isInvalidOptionsError } from '@ringkit/call-client';
import type { CampaignAgentOptions, CampaignMode, CampaignSettings } from '@ringkit/scheduler-core';
import { z } from 'zod';
import { ApiError } from '../http-errors.js';
import { plainWords } from '../plain-words.js';
import { numberParam } from '../validate.js';

/** The modes as the API names them: `ratio` is `{ ratio }` with the `ratio` field. */
export const CAMPAIGN_MODES = ['power', 'progressive', 'predictive', 'ratio'] as const;

export type ApiCampaignMode = (typeof CAMPAIGN_MODES)[number];

/** The API's unit of an agent's wrap-up is the second: its bounds are said in seconds here. */
const wrapUpS = z.number().min(0).max(3600);

/** The fields in a JSON body. */
export const modeFields = {
  mode: z.enum(CAMPAIGN_MODES).optional(),
  /** Lines per ready agent, with `mode: 'ratio'`. */
  ratio: z.number().optional(),
  seller_name: z.string().optional(),
  callback_number: z.string().optional(),
  /** The most abandoned calls per person who answers, over 30 days (3 % by default). */
  abandon_cap: z.number().optional(),
  /** Left on a machine that answers; absent: machines are hung up on. */
  machine_message: z.string().optional(),
  wrap_up_s: wrapUpS.optional(),
};

/** The same fields in a query string (numbers written in decimal digits). */
export const modeParams = {
  mode: z.enum(CAMPAIGN_MODES).optional(),
  ratio: numberParam(z.number()),
  seller_name: z.string().optional(),
  callback_number: z.string().optional(),
  abandon_cap: numberParam(z.number()),
  machine_message: z.string().optional(),
  wrap_up_s: numberParam(wrapUpS),
};

/** What either route read of the fields. */
export type ModeInput = { [K in keyof typeof modeFields]?: z.output<(typeof modeFields)[K]> };

/** Where the fields were given: the issues of a refusal say so, as `route()`'s do. */
export type FieldsIn = 'body' | 'query';

/** The agents' fields, by the package's names. */
const AGENT_FIELDS = {
  seller_name: 'sellerName',
  callback_number: 'callbackNumber',
  abandon_cap: 'abandonCap',
  machine_message: 'machine',
  wrap_up_s: 'wrapUpMs',
} as const satisfies Record<string, keyof CampaignAgentOptions>;

type AgentField = keyof typeof AGENT_FIELDS;

const API_FIELDS = Object.fromEntries(
  Object.entries(AGENT_FIELDS).map(([api, name]) => [name, api]),
) as Record<string, AgentField>;

interface FieldIssue {
  in: FieldsIn;
  path: string[];
  code: string;
  message: string;
}

function refusal(issues: FieldIssue[]): ApiError {
  const message = issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  return new ApiError(400, 'invalid_request', message, { issues });
}

/**
 * The package's `mode` and `agents` of what a route read: `undefined` where the campaign takes
 * the package's default (`'power'`, no agents). What the API's flat fields cannot say is refused
 * here (`ratio` without `mode: 'ratio'`, an agent's setting in `power`); the rest is the package's
 * to check, at `campaigns.create` ({@link withAgentRefusals}).
 */
export function modeOptions(
  input: ModeInput,
  where: FieldsIn,
): { mode?: CampaignMode; agents?: CampaignAgentOptions } {
  const issues: FieldIssue[] = [];
  const issue = (field: string, message: string) =>
    issues.push({ in: where, path: [field], code: 'custom', message });
  const mode = input.mode ?? 'power';
  if (mode === 'ratio' && input.ratio === undefined) {
    issue('ratio', 'is required with mode ratio (lines per ready agent, 0.1 to 20)');
  }
  if (mode !== 'ratio' && input.ratio !== undefined)
    issue('ratio', 'is taken with mode ratio only');
  const given = (Object.keys(AGENT_FIELDS) as AgentField[]).filter((f) => input[f] !== undefined);
  if (mode === 'power') {
    for (const field of given) {
      issue(field, 'is taken with an agent mode only (progressive, predictive or ratio)');
    }
  }
  if (issues.length > 0) throw refusal(issues);
  if (mode === 'power') return input.mode ? { mode } : {};
  const agents = {
    sellerName: input.seller_name,
    callbackNumber: input.callback_number,
    ...(input.abandon_cap === undefined ? {} : { abandonCap: input.abandon_cap }),
    ...(input.machine_message === undefined ? {} : { machine: { message: input.machine_message } }),
    ...(input.wrap_up_s === undefined ? {} : { wrapUpMs: Math.round(input.wrap_up_s * 1000) }),
  } as CampaignAgentOptions;
  return { mode: mode === 'ratio' ? { ratio: input.ratio! } : mode, agents };
}

/** The API's field of a path of the package's options; `undefined` for one it does not take. */
function apiField(path: readonly PropertyKey[]): string | undefined {
  if (path[0] === 'mode') return path[1] === 'ratio' ? 'ratio' : 'mode';
  if (path[0] !== 'agents') return undefined;
  return path.length === 1 ? 'mode' : API_FIELDS[String(path[1])];
}

/** zod's own words (`Too big: expected number to be <=0.03`) start so; a schema's own do not. */
const ZOD_WORDS = /^(Invalid input|Invalid option|Too small|Too big|Unrecognized key)/;

/** call-client's refusal of a number: `Invalid phone number "12": not a valid phone number`. */
const PHONE_WORDS = /^Invalid phone number (".*": .+)$/s;

/**
 * The package's issue in the API's plain words (see plain-words.ts), or its own; a refused
 * number as the rest of its field's sentence (`"12": not a valid phone number`).
 */
function plainMessage(issue: z.core.$ZodIssue): string {
  const phone = PHONE_WORDS.exec(issue.message);
  if (phone) return phone[1]!;
  if (!ZOD_WORDS.test(issue.message)) return issue.message;
  const input = / received undefined$/.test(issue.message) ? undefined : null;
  const raw = { ...issue, input } as unknown as z.core.$ZodRawIssue;
  return (plainWords(raw) as string | undefined) ?? issue.message;
}

/**
 * Runs `create` (the campaigns' `create`) and answers the package's refusal of the mode or the
 * agents' settings as `400 invalid_request`, each issue named by the API's field
 * (`agents.callbackNumber` → `callback_number`); a store without agent methods is
 * `501 agents_unsupported`. Any other error goes on as it is.
 */
export async function withAgentRefusals<T>(create: () => Promise<T>, where: FieldsIn): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!isInvalidOptionsError(error)) throw error;
    const store = error.issues.find((i) => i.path[0] === 'store');
    if (store) throw new ApiError(501, 'agents_unsupported', `The store: ${store.message}`);
    const issues: FieldIssue[] = [];
    for (const issue of error.issues) {
      const field = apiField(issue.path);
      if (field === undefined) throw error;
      issues.push({ in: where, path: [field], code: issue.code, message: plainMessage(issue) });
    }
    throw refusal(issues);
  }
}

/**
 * A campaign's mode as the API shows it: `mode` (`ratio` with its `ratio`, else `null`) and, in
 * the agent modes, `agents` with the settings it was created with (`null` in `power`).
 */
export function serializeMode(settings: Pick<CampaignSettings, 'mode' | 'agents'>) {
  const { mode, agents } = settings;
  return {
    mode: (typeof mode === 'object' ? 'ratio' : mode) as ApiCampaignMode,
    ratio: typeof mode === 'object' ? mode.ratio : null,
    agents: agents && {
      seller_name: agents.sellerName,
      callback_number: agents.callbackNumber,
      abandon_cap: agents.abandonCap,
      /** Left on a machine that answers; `null`: machines are hung up on. */
      machine_message: agents.machine === 'hang-up' ? null : agents.machine.message,
      wrap_up_s: agents.wrapUpMs / 1000,
    },
  };
}
