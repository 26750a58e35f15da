/**
 * A campaign's abandoned calls as the rule measures them: over the last 30 days, the people who
 * answered (machines, unanswered and failed calls are not counted) and those of them no agent
 * reached within 2 s. Read from the timelines of its rows, where each answer's fate is a step.
 */
import { CallNotFoundError, invalidOptions } from '../errors.js';
import type { Store, StoredCall, StoredEvent } from '../store.js';
import { customIssue } from '../_validate.js';
import { supportsCampaigns, type CampaignStore } from './options.js';

/** The rule's window: 30 days. */
export const ABANDON_WINDOW_MS = 30 * 86_400_000;
/** How long a person who answered may wait for an agent: the rule's 2 s. */
export const ABANDON_AFTER_MS = 2000;
const PAGE = 500;

/** A campaign's standing under the rule (see `CampaignRunner.abandons`). */
export interface AbandonStanding {
  /** People who answered in the window. */
  answered: number;
  /** Of them, those no agent reached within 2 s. */
  abandoned: number;
  /** `abandoned / answered`; `null` when no one answered. */
  rate: number | null;
  since: Date;
  until: Date;
}

/** One person who answered a call of the campaign, as the compliance report lists them. */
export interface AnsweredCall {
  /** The row's id. */
  callId: string;
  position: number | null;
  to: string;
  attempt: number;
  providerCallId: string | null;
  /** When the step of their fate was written. */
  at: Date;
  /** The agent who took the call; `null` when none did. */
  agent: string | null;
  /** From the answer to the agent's line (or to the abandon), ms. */
  waitMs: number | null;
  abandoned: boolean;
  /** Why it was abandoned (`'no_agent'`, `'connect_failed'`, `'late'`); `null` otherwise. */
  reason: string | null;
}

/** Whether `step` tells what became of a person who answered (an agent, or the message). */
export const isFateStep = (step: { reason?: string }) =>
  step.reason === 'agent' || step.reason === 'abandoned';

/** Whether a fate step counts as abandoned: no agent, or one reached after 2 s. */
const abandonedStep = (step: StoredEvent) =>
  step.reason === 'abandoned' || (step.waitMs ?? 0) > ABANDON_AFTER_MS;

/** The people who answered `row`'s attempts, one per attempt a person answered. */
export function answeredOf(row: StoredCall): AnsweredCall[] {
  const out: AnsweredCall[] = [];
  for (const step of row.events ?? []) {
    if (!isFateStep(step)) continue;
    const abandoned = abandonedStep(step);
    const providerCallId =
      (row.events ?? []).find((e) => e.attempt === step.attempt && e.providerCallId)
        ?.providerCallId ?? null;
    out.push({
      callId: row.id,
      position: row.position ?? null,
      to: row.to,
      attempt: step.attempt,
      providerCallId,
      at: new Date(step.at),
      agent: step.agent ?? null,
      waitMs: step.waitMs ?? null,
      abandoned,
      reason: abandoned ? (step.reason === 'abandoned' ? (step.note ?? 'no_agent') : 'late') : null,
    });
  }
  return out;
}

/** Every person who answered a call of campaign `id`, in list order. */
export async function* answeredCalls(
  store: CampaignStore,
  id: string,
): AsyncGenerator<AnsweredCall, void, undefined> {
  let after: number | null = null;
  for (;;) {
    const page = await store.listCampaignCalls(id, { afterPosition: after, limit: PAGE });
    for (const row of page) yield* answeredOf(row);
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.position ?? null;
  }
}

/** Campaign `id`'s standing over the 30 days up to `now`. */
export async function campaignStanding(
  store: CampaignStore,
  id: string,
  now: number,
): Promise<AbandonStanding> {
  const since = now - ABANDON_WINDOW_MS;
  let answered = 0;
  let abandoned = 0;
  for await (const call of answeredCalls(store, id)) {
    const at = call.at.getTime();
    if (at < since || at > now) continue;
    answered += 1;
    if (call.abandoned) abandoned += 1;
  }
  return {
    answered,
    abandoned,
    rate: answered === 0 ? null : abandoned / answered,
    since: new Date(since),
    until: new Date(now),
  };
}

function campaignStoreOf(store: Store, what: string): CampaignStore {
  if (supportsCampaigns(store)) return store;
  throw invalidOptions(what, [
    customIssue(['store'], `the store "${store.name}" has no campaign methods (claimCampaign…)`),
  ]);
}

/**
 * Campaign `campaign`'s abandoned calls as the rule measures them, over the 30 days up to `now`:
 * what `CampaignRunner.abandons()` reads, for a process that does not work the campaign (an
 * operator's page, a report).
 * @throws CallNotFoundError when there is no such campaign
 */
export async function readAbandons(
  store: Store,
  campaign: string,
  now: Date = new Date(),
): Promise<AbandonStanding> {
  const campaigns = await storedCampaign(store, campaign, 'readAbandons');
  return campaignStanding(campaigns, campaign, now.getTime());
}

/**
 * Every person who answered a call of `campaign`, in list order (`CampaignRunner.answered()`).
 * @throws CallNotFoundError (at the first read) when there is no such campaign
 */
export async function* listAnswered(
  store: Store,
  campaign: string,
): AsyncGenerator<AnsweredCall, void, undefined> {
  yield* answeredCalls(await storedCampaign(store, campaign, 'listAnswered'), campaign);
}

/** `store` with its campaign methods, once `campaign` is found in it. */
async function storedCampaign(store: Store, campaign: string, what: string) {
  const campaigns = campaignStoreOf(store, what);
  if (!(await campaigns.getCampaign(campaign))) throw new CallNotFoundError(campaign, 'campaign');
  return campaigns;
}
