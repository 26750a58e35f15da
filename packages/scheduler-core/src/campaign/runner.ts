import type { CallStatusEvent, CountryCode } from '@ringkit/call-client';
import { createAgents } from '../agents/agents.js';
import { createAgentLines, type AgentLines } from './_agent-lines.js';
import {
  answeredCalls,
  campaignStanding,
  type AbandonStanding,
  type AnsweredCall,
} from './_abandons.js';
import { createSafeEmitter, createTracing, DEFAULT_WATCH_INTERVAL_MS } from '@ringkit/internal';
import type { Emitter } from 'mitt';
import type { SchedulerEvents } from '../events.js';
import { createDispatcher } from '../dispatch/_dispatch.js';
import { createMutate, createWriter } from '../dispatch/_writes.js';
import type { StoredCall, StoredCampaign } from '../store.js';
import type { ConflictError } from '../errors.js';
import type { AttemptCounts, ScheduledCall } from '../types.js';
import { countAttempts } from '../_retry.js';
import { toScheduledCall } from '../_rows.js';
import { campaignRow, type CampaignContext, type Engine } from './_context.js';
import { createOrJoin, foreignProvider } from './_join.js';
import {
  campaignListInSlices,
  campaignRows,
  fingerprintOf,
  type CampaignList,
  type ListContext,
} from './_list.js';
import { redialUnknown } from './_redial.js';
import { campaignSource } from './_source.js';
import { campaignState } from './_state.js';
import { resolveCampaignOptions, type CampaignRunnerOptions } from './options.js';
import { campaignSettings, type CampaignSettings } from './settings.js';

/**
 * A durable campaign worked by this process: the scheduler's engine (claims with leases,
 * placement, following, outcomes, retries, pacing, windows, history) over the campaign's rows.
 */
export interface CampaignRunner {
  readonly id: string;
  readonly workerId: string;
  /**
   * Creates or joins the campaign and starts working it; resolves to it as stored. With
   * `beforeClaims`, awaited once the campaign is created or joined and before this worker
   * claims anything: what it reads of the rows is the campaign as it stood when this worker
   * joined, none of its own claims in it (a status that reaches the runner meanwhile is applied
   * once it has started). A rejection rejects `start()`, nothing claimed.
   */
  start(options?: CampaignStartOptions): Promise<StoredCampaign>;
  /** No new calls, in every worker; calls in flight go on. */
  pause(): Promise<StoredCampaign>;
  /** @throws ConflictError (`campaign_stopped`) after `stop()`. */
  resume(): Promise<StoredCampaign>;
  /**
   * No new calls, for good, in every worker: entries not dialed end `canceled` (reason
   * `stopped`), and so do retries not placed yet, also those of calls in flight that end busy
   * later: such a row keeps the steps of the attempts it placed (each one's outcome, and its
   * call id on its `initiated` step). With `hangUp`, calls in flight are also canceled (not
   * answered yet) or hung up.
   */
  stop(options?: { hangUp?: boolean }): Promise<StoredCampaign>;
  /**
   * The campaign-wide cap of calls in flight (1 to 10,000), in every worker. Caps asked before
   * the write begins (in one turn, or while an earlier one is written) are one write of the last:
   * each ask resolves with the campaign once it is written. Rejects with `InvalidOptionsError`
   * out of range.
   */
  setConcurrency(concurrency: number): Promise<StoredCampaign>;
  /**
   * Dials again the entries whose placement's outcome is unknown (they may have rung): only on
   * the operator's explicit word. Resolves to how many.
   */
  redialUnknown(): Promise<number>;
  /**
   * Claims again now, rather than at the next re-check (`recheckIntervalMs`): for a caller that
   * learned that another process freed a place under the cap, resumed the campaign or raised its
   * concurrency (a copy of the campaign that re-reads its rows). Does nothing before `start()`
   * and after `close()`.
   */
  claimNow(): void;
  /** A status of one of its calls; `row`: as `Scheduler.handleStatus` takes it. */
  handleStatus(
    event: CallStatusEvent,
    options?: { row?: StoredCall },
  ): Promise<ScheduledCall | null>;
  /** The campaign as stored now. */
  read(): Promise<StoredCampaign>;
  /**
   * In a campaign with agents: its abandoned calls as the rule measures them, over the 30 days
   * up to `now` (every worker's calls).
   */
  abandons(now?: Date): Promise<AbandonStanding>;
  /**
   * In a campaign with agents: every person who answered one of its calls, in list order, with
   * the agent who took it, the wait and whether it was abandoned (a compliance report's lines).
   */
  answered(): AsyncIterable<AnsweredCall>;
  /** Its rows in list order, one page at a time. */
  calls(query: {
    afterPosition?: number | null;
    status?: StoredCall['status'][];
    limit: number;
  }): Promise<StoredCall[]>;
  /** Its rows by status. */
  counts(): Promise<Record<string, number>>;
  /**
   * Its attempts by outcome, across every entry (`{ busy: 2, 'no-answer': 1, machine: 1 }`),
   * counted from each row's timeline (see `countAttempts`), read a page at a time.
   */
  attempts(): Promise<AttemptCounts>;
  /**
   * Stops this worker (placements in flight are recorded); the campaign goes on in others. A
   * status handed to it afterwards is still applied: a webhook this process receives is written
   * wherever the call was placed.
   */
  close(): Promise<void>;
  on: Emitter<SchedulerEvents>['on'];
  off: Emitter<SchedulerEvents>['off'];
}

/** Options of {@link CampaignRunner.start}. */
export interface CampaignStartOptions {
  /**
   * Runs once the campaign is created or joined, before this worker's first claim, with the
   * campaign as stored and, when this worker created it, the rows it wrote (`null` when it
   * joined one): a copy of the campaign kept by this worker can take them as they stand rather
   * than read every row back.
   */
  beforeClaims?: (
    campaign: StoredCampaign,
    created: readonly StoredCall[] | null,
  ) => Promise<void> | void;
}

/** The agent side of a campaign whose mode has agents; `undefined` in `'power'`. */
function agentLinesOf(
  ctx: CampaignContext,
  settings: CampaignSettings,
  defaultCountry: CountryCode,
): AgentLines | undefined {
  if (settings.mode === 'power' || !settings.agents) return undefined;
  const agents = createAgents({
    store: ctx.store,
    clock: ctx.clock,
    defaultCountry,
    wrapUpMs: settings.agents.wrapUpMs,
  });
  return createAgentLines({ ...ctx, agents, settings: { ...settings, agents: settings.agents } });
}

/** The waits before looking again for the call of a status no row carries yet (ms). */
const LOOK_AGAIN_MS = [50, 200, 1000, 5000, 30_000];

/**
 * Creates the runner of one durable campaign (`@ringkit/dialer`'s `createDialer({ store,
 * campaign })` is built on it). Any number of workers sharing a store may run the same campaign:
 * the store's `claimCampaign` keeps its calls under `concurrency` together and in list order.
 *
 * Its parts: the options and the settings stored with the campaign (`options.ts`,
 * `settings.ts`), the rows of its list (`_list.ts`), creating or joining it (`_join.ts`), what
 * the engine claims from (`_source.ts`), the changes of its state (`_state.ts`) and redialing
 * (`_redial.ts`).
 */
export function createCampaignRunner(options: CampaignRunnerOptions): CampaignRunner {
  const resolved = resolveCampaignOptions(options);
  const rows = options.entries
    ? campaignRows(options.entries, listContext(options, resolved))
    : null;
  return runnerWith(options, resolved, rows && { rows, fingerprint: fingerprintOf(rows) });
}

/**
 * {@link createCampaignRunner}, with the list checked and turned into rows in slices of time:
 * the event loop gets a turn every few milliseconds, so creating a campaign of 10,000 numbers
 * never stalls the other requests, webhooks and streams of the process. Rejects with what
 * `createCampaignRunner` throws.
 */
export async function openCampaignRunner(options: CampaignRunnerOptions): Promise<CampaignRunner> {
  const resolved = resolveCampaignOptions(options);
  const list = options.entries
    ? await campaignListInSlices(options.entries, listContext(options, resolved))
    : null;
  return runnerWith(options, resolved, list);
}

function listContext(
  options: CampaignRunnerOptions,
  resolved: ReturnType<typeof resolveCampaignOptions>,
): ListContext {
  return {
    id: resolved.id,
    provider: options.provider,
    defaultCountry: resolved.defaultCountry,
    generateId: resolved.generateId,
    settings: resolved.created,
    now: resolved.clock.now(),
  };
}

function runnerWith(
  options: CampaignRunnerOptions,
  resolved: ReturnType<typeof resolveCampaignOptions>,
  list: CampaignList | null,
): CampaignRunner {
  const { provider } = options;
  const { store, id, clock, workerId, generateId, created } = resolved;

  const emitter = createSafeEmitter<SchedulerEvents>((error) => ({ error, source: 'listener' }));
  let dispatcher: Engine | null = null;
  /** The engine once closed: it places nothing more, and applies the statuses it is handed. */
  let closed: Engine | null = null;
  /** Set when the campaign is placed through another provider than this runner's. */
  let foreign: ConflictError | null = null;
  const ctx: CampaignContext = {
    store,
    id,
    provider,
    clock,
    emitter,
    mutate: createMutate(store, clock, createWriter(store)),
    engine: () => dispatcher,
    live: { concurrency: options.concurrency ?? 3 },
    ...campaignRow(store, id, clock),
  };
  const state = campaignState(ctx);

  /** Sees the campaign as a claim found it: its cap, and a stop made in another worker. */
  const observe = (campaign: StoredCampaign | null) => {
    if (!campaign || !dispatcher) return;
    ctx.live.concurrency = campaign.concurrency;
    if (campaign.state === 'stopped') void state.onStopped();
  };

  /** The agent side of a campaign with agents, from this worker's start (kept once closed). */
  let lines: AgentLines | undefined;

  /** `start()` while it runs. */
  let starting: Promise<StoredCampaign> | null = null;

  function start(startOptions: CampaignStartOptions = {}): Promise<StoredCampaign> {
    starting ??= begin(startOptions).finally(() => {
      starting = null;
    });
    return starting;
  }

  async function begin({ beforeClaims }: CampaignStartOptions): Promise<StoredCampaign> {
    if (dispatcher || foreign) return ctx.read();
    const { campaign, created: written } = await createOrJoin(ctx, {
      list,
      exclusive: options.exclusive ?? false,
      settings: created,
      concurrency: ctx.live.concurrency,
    });
    await beforeClaims?.(campaign, written);
    // Another provider's campaign: read, never worked here (its calls wait for a worker of it).
    foreign = foreignProvider(ctx, campaign);
    if (foreign) {
      emitter.emit('error', { error: foreign, source: 'provider' });
      return campaign;
    }
    const settings: CampaignSettings = campaignSettings(campaign);
    ctx.live.concurrency = campaign.concurrency;
    lines?.close();
    lines = agentLinesOf(ctx, settings, resolved.defaultCountry);
    const engine = createDispatcher({
      store,
      provider,
      clock,
      loop: resolved.loop,
      workerId,
      callerId: resolved.callerId,
      emitter,
      mutate: ctx.mutate,
      generateId,
      // Read on every claim: the campaign's, as last seen.
      get concurrency() {
        return ctx.live.concurrency;
      },
      leaseMs: resolved.leaseMs,
      ...(lines ? { rested: lines.rested } : {}),
      halted: (claimedAt) => {
        const { halt } = ctx.live;
        return halt && claimedAt <= halt.at ? halt.state : null;
      },
      recheckIntervalMs: resolved.recheckIntervalMs,
      watchIntervalMs: options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS,
      ...(options.maxEarlyEvents === undefined ? {} : { maxEarlyEvents: options.maxEarlyEvents }),
      callTimeoutMs: settings.callTimeoutMs,
      callsPerSecond: settings.callsPerSecond ?? undefined,
      tracing: createTracing('@ringkit/scheduler-core', options.tracer),
      doNotCall: options.doNotCall,
      campaign: id,
      source: campaignSource({ ...ctx, settings, leaseMs: resolved.leaseMs, observe, lines }),
    });
    dispatcher = engine;
    if (campaign.state === 'stopped') void state.onStopped();
    await engine.start();
    return campaign;
  }

  // A call that ended here frees a place under the cap: claim again at once.
  for (const event of ['completed', 'failed', 'canceled', 'retrying', 'suppressed'] as const) {
    emitter.on(event, () => dispatcher?.poke());
  }

  const lookAgain = createLookAgain(clock, () => dispatcher, emitter);

  return {
    id,
    workerId,
    start,
    pause: state.pause,
    resume: state.resume,
    stop: state.stop,
    setConcurrency: state.setConcurrency,
    redialUnknown: () => redialUnknown(ctx),
    claimNow: () => dispatcher?.poke(),
    async handleStatus(event, options) {
      // A webhook may reach this worker while it is joining: it is applied once it has.
      if (!dispatcher && starting) await starting.catch(() => undefined);
      const engine = dispatcher ?? closed;
      if (!engine) return null;
      const row = await engine.handleStatus(event, options?.row);
      if (!row && dispatcher) lookAgain(String(event.callId));
      return row ? toScheduledCall(row) : null;
    },
    read: ctx.read,
    abandons: (now) => campaignStanding(store, id, (now ?? new Date(clock.now())).getTime()),
    answered: () => answeredCalls(store, id),
    calls: (query) => store.listCampaignCalls(id, query),
    counts: () => store.countCampaign(id),
    async attempts() {
      const total: AttemptCounts = {};
      let after: number | null = null;
      for (;;) {
        const page = await store.listCampaignCalls(id, { afterPosition: after, limit: 500 });
        for (const row of page) {
          for (const [outcome, n] of Object.entries(countAttempts(row.events ?? []))) {
            const key = outcome as keyof AttemptCounts;
            total[key] = (total[key] ?? 0) + n;
          }
        }
        if (page.length < 500) return total;
        after = page[page.length - 1]!.position ?? null;
      }
    },
    async close() {
      const engine = dispatcher;
      dispatcher = null;
      closed = engine ?? closed;
      await engine?.stop();
      // The agent side goes on answering the statuses handed to the closed runner: a person who
      // answers one of its calls still reaches an agent, or hears the message.
      await state.stopping();
    },
    on: emitter.on,
    off: emitter.off,
  };
}

/** The runner's looks for the rows of statuses that came before them (`lookAgain` below). */
function createLookAgain(
  clock: CampaignContext['clock'],
  engine: () => Engine | null,
  emitter: CampaignContext['emitter'],
) {
  /** The provider ids looked for again now. */
  const looking = new Set<string>();

  /**
   * A status for a call id no row carries yet: the worker that placed the call may not have
   * written the provider's answer (a webhook may reach any worker, and outrun that write). The
   * status waits in this worker's buffer; the worker that writes the answer applies what it
   * holds itself, and this one looks again a few times, further apart each time, for as long as
   * a placement may take to be written, until the row is found or nothing waits any more (the
   * answer was written here and applied what waited).
   */
  function lookAgain(providerCallId: string, tries = 0) {
    // One search per provider id, for all the statuses that wait for it.
    if (tries === 0 && looking.has(providerCallId)) return;
    if (tries >= LOOK_AGAIN_MS.length) {
      looking.delete(providerCallId);
      return;
    }
    looking.add(providerCallId);
    clock.setTimeout(() => {
      const current = engine();
      if (!current) return void looking.delete(providerCallId);
      current.outcomes.lookAgain(providerCallId).then(
        (found) => {
          if (found === null) lookAgain(providerCallId, tries + 1);
          else looking.delete(providerCallId);
        },
        (error: unknown) => {
          looking.delete(providerCallId);
          emitter.emit('error', { error, source: 'store' });
        },
      );
    }, LOOK_AGAIN_MS[tries]!);
  }

  return lookAgain;
}
