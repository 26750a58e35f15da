/**
 * The campaign form's reading of what it sends and of what the server answers: which field each
 * refusal is about, and the checks made before sending, with the server's own rules (the name's
 * pattern from `campaign-name.ts`, the limits from `GET /api/capabilities`).
 */
import { campaignNameProblem } from '../../campaign-name.js';
import type { ApiIssue, FieldErrors } from '../api.js';
import { formatBytes } from '../format.js';
import type { ApiLimitsJson } from '../types.js';

/**
 * The fields a refusal is shown under; `list` is the pasted numbers or the file, whichever was
 * sent; the agents' fields (`mode`, `ratio`, `seller_name`, `callback_number`) by their API names.
 */
export type CampaignField =
  'name' | 'concurrency' | 'list' | 'mode' | 'ratio' | 'seller_name' | 'callback_number';

/** The fields of the form in order, as their refusals are said and the focus goes to the first. */
export const CAMPAIGN_FIELDS: readonly CampaignField[] = [
  'name',
  'concurrency',
  'mode',
  'ratio',
  'seller_name',
  'callback_number',
  'list',
];

/** How a campaign's lines are paced, as the form offers them: the API's `mode`, in words. */
export const MODE_CHOICES = [
  ['power', 'Power: nobody, calls at once'],
  ['progressive', 'Progressive: agents, a line each'],
  ['predictive', 'Predictive: agents, paced to the cap'],
  ['ratio', 'Fixed ratio: agents, N lines each'],
] as const;

export type ModeChoice = (typeof MODE_CHOICES)[number][0];

/** The form's fields of a campaign with agents, their API names beside the inputs' names. */
const MODE_PARAMS = ['ratio', 'seller_name', 'callback_number'] as const;

/**
 * The mode's query parameters of what the form holds: none for `power` (the server's default);
 * in an agent mode, `mode` and each agent field filled in (one left empty is the server's to
 * refuse, under its field).
 */
export function modeQuery(data: FormData): [string, string][] {
  const mode = String(data.get('mode') ?? 'power');
  if (mode === 'power') return [];
  const params: [string, string][] = [['mode', mode]];
  for (const field of MODE_PARAMS) {
    const value = String(data.get(field) ?? '').trim();
    if (value !== '') params.push([field, value]);
  }
  return params;
}

/** The refusals that are about the list as a whole, by their code. */
const LIST_CODES: ReadonlySet<string> = new Set([
  'invalid_numbers',
  'invalid_csv',
  'unsupported_call_option',
  'unsupported_charset',
  'payload_too_large',
]);

/** The field of the form an issue of `POST /api/campaigns` is about; `undefined` for none. */
export function campaignField(issue: ApiIssue): CampaignField | undefined {
  const [first] = issue.path;
  if (first === 'name' || issue.code === 'campaign_exists') return 'name';
  if (first === 'concurrency') return 'concurrency';
  const agentField = CAMPAIGN_FIELDS.find((f) => f === first && f !== 'list');
  if (agentField) return agentField;
  if (first === 'numbers' || issue.in === 'body' || LIST_CODES.has(issue.code ?? '')) return 'list';
  return undefined;
}

/** What the form leads each field's issue with, so the server's words read as a sentence. */
export const CAMPAIGN_LEADS: Partial<Record<CampaignField, string>> = {
  name: 'The name ',
  concurrency: 'Calls at once ',
  ratio: 'Lines per agent ',
  seller_name: 'The seller name ',
  callback_number: 'The callback number ',
};

/** What the form would send. */
export interface CampaignFormInput {
  name: string;
  /** The pasted numbers, or the file's text. */
  content: string;
  /** Its size in bytes, as it is sent (UTF-8). */
  bytes: number;
  fromFile: boolean;
}

/** The refusals the form can see before it sends, in the server's words and by its limits. */
export function checkCampaignForm(
  input: CampaignFormInput,
  limits: ApiLimitsJson | null,
): FieldErrors<CampaignField> {
  const errors: FieldErrors<CampaignField> = {};
  const problem = input.name === '' ? undefined : campaignNameProblem(input.name);
  if (problem) errors.name = `${CAMPAIGN_LEADS.name}${problem}.`;
  if (input.content.trim() === '') {
    errors.list = 'Paste the numbers to call, or choose a CSV file.';
  } else if (limits && input.bytes > limits.campaign_body_bytes) {
    errors.list =
      `${input.fromFile ? 'This file' : 'This list'} is ${formatBytes(input.bytes)}; ` +
      `a campaign's list may be at most ${formatBytes(limits.campaign_body_bytes)}: ` +
      'split it into several campaigns.';
  }
  return errors;
}
