/** The one check of what the agents' API takes: an agent's fields, its id, a page's query. */
import { isSipUri, toE164, type CountryCode } from '@ringkit/call-client';
import { storable, strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { campaignNameSchema } from '../campaign/options.js';
import type { StoredAgent } from '../store.js';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { custom, zodIssues } from '../_validate.js';

/** An agent's id: 1–100 letters, digits, `.`, `_` or `-`. */
export const agentIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected 1–100 letters, digits, ".", "_" or "-"');

/** How many campaigns one agent serves at most. */
export const MAX_AGENT_CAMPAIGNS = 100;

const fields = {
  name: storable(z.string().trim().min(1).max(200)).nullable().optional(),
  reach: z.string().min(1).max(300),
  campaigns: z.array(campaignNameSchema).max(MAX_AGENT_CAMPAIGNS),
};

export const newAgentSchema = strictObject(
  {
    id: agentIdSchema,
    ...fields,
    campaigns: fields.campaigns.optional(),
    state: z.enum(['available', 'away']).optional(),
  },
  { phone: 'reach', number: 'reach', sip: 'reach', campaign: 'campaigns' },
);

export const agentChangesSchema = strictObject(
  { name: fields.name, reach: fields.reach.optional(), campaigns: fields.campaigns.optional() },
  { phone: 'reach', number: 'reach', sip: 'reach', campaign: 'campaigns' },
);

export const agentsQuerySchema = strictObject({
  cursor: z.string().nullable().optional(),
  limit: z.number().int().min(1).max(500).optional(),
  campaign: campaignNameSchema.optional(),
});

/**
 * Where an agent is reached, as stored: a `sip:` URI as given, anything else a phone number in
 * E.164 (`defaultCountry` for numbers given without a country code). Pushes what is wrong.
 */
export function reachOf(
  input: string,
  issues: ValidationIssue[],
  defaultCountry?: CountryCode,
): string {
  if (/^sips?:/i.test(input)) {
    if (isSipUri(input)) return input;
    issues.push(custom(['reach'], 'not a SIP URI (sip:user@host)'));
    return '';
  }
  try {
    return toE164(input, defaultCountry ? { defaultCountry } : {});
  } catch (error) {
    const why = error instanceof Error ? error.message : 'not a number';
    issues.push(custom(['reach'], `expected a phone number or a sip: URI (${why})`));
    return '';
  }
}

/** The campaigns as stored: each once, in code-point order. */
export const campaignsOf = (campaigns: readonly string[]): string[] =>
  [...new Set(campaigns)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** `value` parsed by `schema`, or a `ValidationError` of `what` saying why not. */
export function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(what, zodIssues(result.error));
  return result.data;
}

/** `id` checked as an agent's id. */
export const checkedId = (id: unknown): string => parsed(agentIdSchema, id, 'agent id');

/** A new agent as stored, from what `add()` was given: checked, its number in E.164, at `now`. */
export function newAgentOf(input: unknown, now: number, defaultCountry?: CountryCode): StoredAgent {
  const given = parsed(newAgentSchema, input, 'agent');
  const issues: ValidationIssue[] = [];
  const reach = reachOf(given.reach, issues, defaultCountry);
  if (issues.length > 0) throw new ValidationError('agent', issues);
  return {
    ...{ id: given.id, name: given.name ?? null, reach },
    campaigns: campaignsOf(given.campaigns ?? []),
    ...{ state: given.state ?? 'away', since: now, until: null, callId: null, campaign: null },
    totals: { availableMs: 0, ringingMs: 0, talkingMs: 0, wrapUpMs: 0 },
    ...{ version: 1, createdAt: now, updatedAt: now },
  };
}
