/**
 * `Campaigns.dialAgain`: a new campaign of the numbers of another that ended missed or with their
 * outcome unknown, under its settings.
 */
import { campaignSettings, type StoredCampaign } from '@ringkit/scheduler-core';
import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { invalidOptions, NothingToDialAgainError } from '../errors.js';
import type { DialerNumber } from '../types.js';
import { entryView } from '../_entry.js';
import { storedEntry } from './_entry-of.js';
import { storedHold } from './_reads.js';
import { endedAs } from './_views.js';
import type { WorkedCampaigns } from './_worked.js';
import type { CreateCampaignOptions, DialAgainOptions } from './types.js';

const PAGE = 500;

const againSchema = strictObject({
  outcomes: z
    .array(z.enum(['missed', 'unknown']))
    .min(1)
    .optional(),
  concurrency: z.unknown().optional(),
  callsPerSecond: z.unknown().optional(),
  budget: z.unknown().optional(),
  window: z.unknown().optional(),
  retryBackoff: z.unknown().optional(),
  retry: z.unknown().optional(),
  maxAttempts: z.unknown().optional(),
  mode: z.unknown().optional(),
  agents: z.unknown().optional(),
}).optional();

/**
 * What `dialAgain(name, …)` creates: the numbers of `name`'s entries that ended as one of
 * `outcomes`, in list order, each with its own call options, and the options `name` was created
 * with, overridden by those given (which `create` then checks, as it checks its own).
 */
export async function againList(
  worked: WorkedCampaigns,
  name: string,
  options: DialAgainOptions | undefined,
): Promise<{ numbers: DialerNumber[]; options: CreateCampaignOptions }> {
  const parsed = againSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('dialAgain', parsed.error.issues);
  const { outcomes = ['missed', 'unknown'], ...overrides } = options ?? {};
  const wanted = new Set<string>(outcomes);
  const campaign = await worked.stored(name);
  // An entry in doubt that still holds its place under the cap has not ended yet.
  const held = storedHold(worked, campaign.settings);
  const numbers: DialerNumber[] = [];
  let after: number | null = null;
  let index = 0;
  for (;;) {
    const page = await worked.store.listCampaignCalls(name, { afterPosition: after, limit: PAGE });
    for (const row of page) {
      const entry = entryView(storedEntry(row, row.position ?? index, held));
      const outcome = endedAs(entry);
      if (outcome !== null && wanted.has(outcome)) {
        numbers.push(row.call ? { phone: row.to, call: row.call } : row.to);
      }
      index += 1;
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.position ?? null;
  }
  if (numbers.length === 0) throw new NothingToDialAgainError(name, outcomes);
  return { numbers, options: { ...createdWith(campaign), ...definedOf(overrides) } };
}

/** The options `campaign` was created with, read back from what the store keeps of them. */
function createdWith(campaign: StoredCampaign): CreateCampaignOptions {
  const settings = campaignSettings(campaign);
  const options: CreateCampaignOptions = {
    concurrency: campaign.concurrency,
    maxAttempts: settings.maxAttempts,
  };
  if (settings.callsPerSecond !== null) options.callsPerSecond = settings.callsPerSecond;
  if (settings.budget !== null) options.budget = settings.budget;
  if (settings.window !== null) options.window = settings.window;
  if (settings.retry !== null) options.retry = settings.retry;
  else if (settings.retryBackoff !== null) options.retryBackoff = settings.retryBackoff;
  if (settings.mode !== 'power' && settings.agents !== null) {
    options.mode = settings.mode;
    options.agents = settings.agents;
  }
  return options;
}

function definedOf<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(object).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
