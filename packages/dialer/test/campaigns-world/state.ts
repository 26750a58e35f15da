/**
 * The shared state of a world: what the workers reported and what happened, the provider's
 * ledger, the workers there are, the actions under way and the crashes armed.
 */
import { seededRandom } from '@ringkit/internal';
import type { Store } from '@ringkit/scheduler-core';
import type { Campaigns, CampaignView } from '../../src/campaign/types.js';
import {
  NAMES,
  phoneOf,
  type Action,
  type CrashPoint,
  type Scenario,
  type WorldOptions,
} from './scenario.js';

export class KilledError extends Error {
  constructor() {
    super('killed: this process is dead');
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A fact an entry was reported with: what it ended as. */
export interface EntryFact {
  by: string;
  how: string;
  campaign: string;
  index: number;
  status: string;
  callId: string | null;
  attempts: number;
  endedAt?: number;
}

/** A campaign view (or snapshot state) a worker reported. */
export interface ViewFact {
  by: string;
  how: string;
  campaign: string;
  state: string;
  view?: CampaignView;
}

export interface CreateFact {
  by: string;
  campaign: string;
  variant: number;
  outcome: 'resolved' | 'exists' | 'closed' | 'interrupted' | 'error';
  view?: CampaignView;
  error?: string;
}

export interface ActionFact {
  by: string;
  kind: 'pause' | 'resume' | 'stop';
  campaign: string;
  outcome: 'ok' | 'campaign_done' | 'campaign_stopped' | 'not_found' | 'closed' | 'gone' | 'error';
  error?: string;
  view?: CampaignView;
}

/** One `createCampaigns` of a slot: a process, from its start to its close or its death. */
export interface Worker {
  id: string;
  slot: number;
  campaigns: Campaigns;
  store: Store;
  dead: boolean;
  closing: boolean;
  closed: boolean;
  started: Promise<void>;
}

/** A call the provider took. */
export interface LedgerCall {
  id: string;
  to: string;
  campaign: string | null;
  worker: string;
}

export type WorldState = ReturnType<typeof createState>;

export function createState(scenario: Scenario, options: WorldOptions) {
  const random = seededRandom(scenario.seed);
  const prefix = `r${scenario.seed.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  /** Which campaign (name) each number belongs to, and where in which list. */
  const numbers = new Map<string, { name: string; variant: number; index: number }>();
  scenario.lists.forEach((variants, name) =>
    variants.forEach((spec, variant) => {
      for (let index = 0; index < spec.size; index += 1) {
        numbers.set(phoneOf(name, variant, index), { name: NAMES[name]!, variant, index });
      }
    }),
  );
  const listOf = (name: number, variant: number) =>
    Array.from({ length: scenario.lists[name]![variant]!.size }, (_, i) =>
      phoneOf(name, variant, i),
    );

  // ---- what was reported, and what happened ----
  const facts = {
    entries: [] as EntryFact[],
    views: [] as ViewFact[],
    creates: [] as CreateFact[],
    actions: [] as ActionFact[],
    /** Claims of entries `queued` (fresh, or adopted once a lease ran out), in claim order. */
    claims: [] as { by: string; campaign: string; to: string; attempt: number }[],
    /** Errors that are not the expected ones, and anything else that should not happen. */
    problems: [] as string[],
    log: [] as string[],
  };
  const note = (line: string) => facts.log.push(line);
  const told = (fact: ViewFact) => facts.views.push(fact);

  // ---- the provider ----
  const ledger = {
    calls: [] as LedgerCall[],
    live: new Map<string, number>(),
    maxLive: new Map<string, number>(),
    timers: new Set<ReturnType<typeof setTimeout>>(),
  };
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      ledger.timers.delete(timer);
      fn();
    }, ms);
    ledger.timers.add(timer);
  };
  const liveCalls = () => [...ledger.live.values()].reduce((a, b) => a + b, 0);

  // ---- workers ----
  const slots: Worker[] = [];
  const generations = new Map<number, number>();
  const up = (w: Worker) => !w.dead && !w.closing && !w.closed;
  const stores: Store[] = [];
  const everyWorker: Worker[] = [];
  /** Restarts under way, awaited before the end. */
  const restarts = new Set<Promise<void>>();

  // ---- actions ----
  const triggers: { action: Extract<Action, { kind: 'trigger' }>; fired: boolean }[] = [];
  const running = new Set<Promise<unknown>>();
  const launch = (promise: Promise<unknown>) => {
    const tracked = promise.catch((error: unknown) => {
      facts.problems.push(`action threw: ${String(error)}`);
    });
    running.add(tracked);
    void tracked.finally(() => running.delete(tracked));
  };

  /** Crashes armed, by slot. */
  const crashes = new Map<number, { at: CrashPoint; downMs: number }>();

  return {
    scenario,
    options,
    random,
    prefix,
    numbers,
    listOf,
    facts,
    note,
    told,
    ledger,
    later,
    liveCalls,
    slots,
    generations,
    up,
    stores,
    everyWorker,
    restarts,
    triggers,
    running,
    launch,
    crashes,
    /** Webhooks on their way. */
    deliveries: 0,
    /** What an event a worker tells sets off: `fire` of `actions.ts`, once `createWorld` wires it. */
    fire: (() => {}) as (on: 'done' | 'ended', campaign: string, by: Worker) => void,
  };
}
