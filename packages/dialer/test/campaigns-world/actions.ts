/**
 * The actions of a world: creates, pauses, resumes, stops and reads asked of a worker, workers
 * closed or killed, crashes and triggers armed; each answer recorded as a fact.
 */
import { isCallNotFoundError, isConflictError } from '@ringkit/scheduler-core';
import type { Campaigns } from '../../src/campaign/types.js';
import { isCampaignExistsError, isCampaignsClosedError } from '../../src/errors.js';
import type { DialerEntry } from '../../src/types.js';
import { NAMES, type Action } from './scenario.js';
import type { ActionFact, CreateFact, Worker, WorldState } from './state.js';
import type { Workers } from './workers.js';

export function createActions(state: WorldState, workers: Workers) {
  const { scenario, options, listOf, facts, note, told, slots, triggers, launch, crashes } = state;
  const { snapshotFacts, entryFact, cycle } = workers;

  function fire(on: 'done' | 'ended', campaign: string, by: Worker) {
    for (const trigger of triggers) {
      const { action } = trigger;
      if (trigger.fired || action.on !== on || NAMES[action.name] !== campaign) continue;
      trigger.fired = true;
      const slot = action.other ? (by.slot + 1) % options.workers : by.slot;
      note(`trigger ${on} ${campaign} by ${by.id} → ${action.then} on slot ${slot}`);
      if (action.then === 'snapshot') {
        launch(act({ kind: 'read', worker: slot, name: action.name, how: 'snapshot' }));
      } else if (action.then === 'kill') {
        launch(act({ kind: 'kill', worker: slot, downMs: 0 }));
      } else {
        launch(act({ kind: action.then, worker: slot, name: action.name }));
      }
    }
  }

  const message = (error: unknown) =>
    error instanceof Error ? `${error.name}: ${error.message}` : String(error);

  async function act(action: Action): Promise<void> {
    if (action.kind === 'trigger') {
      triggers.push({ action, fired: false });
      return;
    }
    const w = slots[action.worker % options.workers]!;
    if (action.kind === 'crash') {
      crashes.set(w.slot, { at: action.at, downMs: action.downMs });
      return;
    }
    if ('downMs' in action) return cycle(w, action);
    const name = NAMES[action.name]!;
    await perform(w, action, name);
  }

  async function perform(
    w: Worker,
    action: Exclude<Action, { kind: 'trigger' | 'close' | 'kill' | 'crash' }>,
    name: string,
  ): Promise<void> {
    const gone = () => w.dead;
    if (action.kind === 'create') {
      const list = listOf(action.name, action.variant);
      const spec = scenario.lists[action.name]![action.variant]!;
      note(`${w.id} create ${name} v${action.variant}`);
      const fact: CreateFact = {
        by: w.id,
        campaign: name,
        variant: action.variant,
        outcome: 'error',
      };
      facts.creates.push(fact);
      try {
        fact.view = await w.campaigns.create(name, list, {
          concurrency: spec.concurrency,
          maxAttempts: spec.maxAttempts,
        });
        fact.outcome = gone() ? 'interrupted' : 'resolved';
      } catch (error) {
        fact.error = message(error);
        if (gone()) fact.outcome = 'interrupted';
        else if (isCampaignExistsError(error)) fact.outcome = 'exists';
        else if (isCampaignsClosedError(error)) fact.outcome = 'closed';
        // A create cut short by its own close: the store decides whether it was stored.
        else if (w.closing || w.closed) fact.outcome = 'interrupted';
      }
      note(`${w.id} create ${name} v${action.variant}: ${fact.outcome}`);
      return;
    }
    if (action.kind === 'read') {
      try {
        if (action.how === 'get') {
          const view = await w.campaigns.get(name);
          if (!gone()) told({ by: w.id, how: 'get', campaign: name, state: view.state, view });
        } else if (action.how === 'snapshot') {
          snapshotFacts(w, 'snapshot', name, await w.campaigns.snapshot(name));
        } else if (action.how === 'results') {
          const entries: DialerEntry[] = [];
          for await (const entry of w.campaigns.results(name, { pageSize: 2 })) entries.push(entry);
          for (const entry of entries) entryFact(w, 'results', name, entry);
        } else {
          let cursor: string | null = null;
          do {
            const page: Awaited<ReturnType<Campaigns['list']>> = await w.campaigns.list({
              cursor,
              limit: 1,
            });
            for (const view of page.items) {
              if (!gone()) {
                told({
                  by: w.id,
                  how: 'list',
                  campaign: view.campaign.id,
                  state: view.state,
                  view,
                });
              }
            }
            cursor = page.nextCursor;
          } while (cursor);
        }
      } catch (error) {
        if (!gone() && !isCallNotFoundError(error) && !isCampaignsClosedError(error)) {
          facts.problems.push(`${w.id} ${action.how} ${name}: ${message(error)}`);
        }
      }
      return;
    }
    const fact: ActionFact = { by: w.id, kind: action.kind, campaign: name, outcome: 'error' };
    try {
      fact.view = await w.campaigns[action.kind](name);
      fact.outcome = gone() ? 'gone' : 'ok';
    } catch (error) {
      fact.error = message(error);
      if (gone()) fact.outcome = 'gone';
      else if (isConflictError(error) && error.reason === 'campaign_done')
        fact.outcome = 'campaign_done';
      else if (isConflictError(error) && error.reason === 'campaign_stopped')
        fact.outcome = 'campaign_stopped';
      else if (isCallNotFoundError(error)) fact.outcome = 'not_found';
      else if (isCampaignsClosedError(error) || w.closing || w.closed) fact.outcome = 'closed';
      else facts.problems.push(`${w.id} ${action.kind} ${name}: ${fact.error}`);
    }
    facts.actions.push(fact);
    note(
      `${w.id} ${action.kind} ${name}: ${fact.outcome}${fact.view ? ` (${fact.view.state})` : ''}`,
    );
  }

  return { fire, act };
}
