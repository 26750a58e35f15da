import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  systemClock,
  toE164,
  type CallOptions,
  type CallProvider,
  type CallStatusEvent,
  type Clock,
  type CountryCode,
} from '@ringkit/call-client';
import {
  callsPerSecondSchema,
  clockSchema,
  concurrencySchema,
  countryCodeSchema,
  createSafeEmitter,
  createTracing,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_WATCH_INTERVAL_MS,
  MAX_TIMER_MS,
  maxAttemptsSchema,
  providerSchema,
  sleep,
  timerMsSchema,
  type TracerLike,
} from '@ringkit/internal';
import type { Emitter } from 'mitt';
import { z } from 'zod';
import {
  ConflictError,
  invalidOptions,
  isConflictError,
  CallNotFoundError,
  ValidationError,
} from './errors.js';
import type { SchedulerEvents } from './events.js';
import { createDispatcher, type ClaimSource } from './dispatch/_dispatch.js';
import { LATE_LIMIT_MS, PACING_TOLERANCE_MS, type Pacing } from './dispatch/_pacing.js';
import { createMutate, createWriter } from './dispatch/_writes.js';
import { newStoredCall, toScheduledCall, withEvent } from './_rows.js';
import { inWindow, nextOpening } from './_time.js';
import { customIssue, validateSchedule } from './_validate.js';
import {
  IN_FLIGHT_STATUSES,
  type CampaignState,
  type SendBudget,
  type Store,
  type StoredCall,
  type StoredCampaign,
  type StoredCampaignPatch,
} from './store.js';
import type { CallingWindow, RetryBackoff, ScheduledCall } from './types.js';

/** One entry of a campaign's list. */
export interface CampaignEntryInput {
  /** The number, in any form `toE164` accepts; stored in E.164. */
  to: string;
  /** The entry's own call options, sent with each of its attempts (checked against the provider). */
  call?: CallOptions;
}

/** The settings every worker of a campaign shares: stored with it when it is created. */
export interface CampaignSettings {
  /** Placements per second for the whole campaign, across workers; `null` for no bound. */
  callsPerSecond: number | null;
  /** Hours in which its calls may be placed (in `window.timezone`, usually the callees'). */
  window: CallingWindow | null;
  /** Attempts per entry (`busy`, `no-answer` and a `failed` the provider reported are retried). */
  maxAttempts: number;
  retryBackoff: Required<RetryBackoff> | null;
  /**
   * How long a placed call may take before it is checked and ended `timeout`; also how long an
   * entry whose placement's outcome is unknown keeps its place under the cap.
   */
  callTimeoutMs: number;
}

/** Options of {@link createCampaignRunner}. */
export interface CampaignRunnerOptions {
  /** A store with the campaign methods: `createMemoryStore()`, `createSqliteStore()`, `createPostgresStore()`. */
  store: Store;
  provider: CallProvider;
  /** The campaign's name: unique in the store, the same in every worker that joins it. */
  campaign: string;
  /**
   * The list, in order. Given: `start()` creates the campaign, or joins it when it exists with
   * the same list (another list is a `ConflictError`, reason `campaign_mismatch`). Left out:
   * `start()` joins an existing campaign (`CallNotFoundError` when there is none).
   */
  entries?: readonly CampaignEntryInput[];
  /** The app's own number: `from` of the call records. */
  callerId: string;
  /**
   * Calls of the campaign live at once across every worker, from claim to end. Used when the
   * campaign is created; change it later with `setConcurrency()`.
   * @default 3
   */
  concurrency?: number;
  /** Stored at creation (see {@link CampaignSettings}); a joining worker uses the stored ones. */
  callsPerSecond?: number;
  window?: CallingWindow;
  /** @default 1 */
  maxAttempts?: number;
  /** @default { delayMs: 0, factor: 1, maxDelayMs: 0 }: a retry is due at once, ahead of the entries after it. */
  retryBackoff?: RetryBackoff;
  /** @default 14400000 (4 hours) */
  callTimeoutMs?: number;
  /** @default systemClock */
  clock?: Clock;
  /** @default `${hostname}:${pid}:${random}` */
  workerId?: string;
  /** @default 30000 */
  leaseMs?: number;
  /**
   * How often this worker reads the campaign again for what other workers changed (a pause,
   * places freed by calls that ended elsewhere).
   * @default 1000
   */
  recheckIntervalMs?: number;
  /** @default 1000 */
  watchIntervalMs?: number;
  /** @default 'US' */
  defaultCountry?: CountryCode;
  generateId?: () => string;
  tracer?: TracerLike;
}

/**
 * A durable campaign worked by this process: the scheduler's engine (claims with leases,
 * placement, following, outcomes, retries, pacing, windows, history) over the campaign's rows.
 */
export interface CampaignRunner {
  readonly id: string;
  readonly workerId: string;
  /** Creates or joins the campaign and starts working it; resolves to it as stored. */
  start(): Promise<StoredCampaign>;
  /** No new calls, in every worker; calls in flight go on. */
  pause(): Promise<StoredCampaign>;
  /** @throws ConflictError (`campaign_stopped`) after `stop()`. */
  resume(): Promise<StoredCampaign>;
  /**
   * No new calls, for good, in every worker: entries not dialed end `canceled` (reason
   * `stopped`). With `hangUp`, calls in flight are also canceled (not answered yet) or hung up.
   */
  stop(options?: { hangUp?: boolean }): Promise<StoredCampaign>;
  setConcurrency(concurrency: number): Promise<StoredCampaign>;
  /**
   * Dials again the entries whose placement's outcome is unknown (they may have rung): only on
   * the operator's explicit word. Resolves to how many.
   */
  redialUnknown(): Promise<number>;
  handleStatus(event: CallStatusEvent): Promise<ScheduledCall | null>;
  /** The campaign as stored now. */
  read(): Promise<StoredCampaign>;
  /** Its rows in list order, one page at a time. */
  calls(query: {
    afterPosition?: number | null;
    status?: StoredCall['status'][];
    limit: number;
  }): Promise<StoredCall[]>;
  /** Its rows by status. */
  counts(): Promise<Record<string, number>>;
  /** Stops this worker (placements in flight are recorded); the campaign goes on in others. */
  close(): Promise<void>;
  on: Emitter<SchedulerEvents>['on'];
  off: Emitter<SchedulerEvents>['off'];
}

const optionsSchema = z.looseObject({
  store: z.custom<Store>((v) => typeof v === 'object' && v !== null, 'a Store is required'),
  provider: providerSchema<CallProvider>(),
  campaign: z.string().min(1).max(200),
  entries: z.array(z.unknown()).min(1).max(1_000_000).optional(),
  callerId: z.string().min(1),
  concurrency: concurrencySchema.optional(),
  callsPerSecond: callsPerSecondSchema.optional(),
  maxAttempts: maxAttemptsSchema.optional(),
  callTimeoutMs: timerMsSchema.optional(),
  clock: clockSchema.optional(),
  workerId: z.string().min(1).max(200).optional(),
  leaseMs: z.number().int().min(100).max(86_400_000).optional(),
  recheckIntervalMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
  watchIntervalMs: timerMsSchema.optional(),
  defaultCountry: countryCodeSchema.optional(),
});

const CAMPAIGN_METHODS = [
  'insertCampaign',
  'getCampaign',
  'updateCampaign',
  'claimCampaign',
  'nextCampaignWake',
  'listCampaignCalls',
  'countCampaign',
] as const;

/** A store with every campaign method. */
type CampaignStore = Store & Required<Pick<Store, (typeof CAMPAIGN_METHODS)[number]>>;

/** Whether `store` has every method a campaign needs. */
export const supportsCampaigns = (store: Store): store is CampaignStore =>
  CAMPAIGN_METHODS.every((m) => typeof store[m] === 'function');

/** The waits before looking again for the call of a status no row carries yet (ms). */
const LOOK_AGAIN_MS = [50, 200, 1000, 5000, 30_000];

/** A retry at once: the entry goes ahead of the entries after it. */
const AT_ONCE: Required<RetryBackoff> = { delayMs: 0, factor: 1, maxDelayMs: 0 };

/** The digest of a list as stored: numbers, order and per-entry options. */
function fingerprintOf(rows: { to: string; call: CallOptions | null }[]): string {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(JSON.stringify([row.to, row.call]) + '\n');
  return hash.digest('base64url');
}

const settingsSchema = z.object({
  callsPerSecond: z.number().positive().nullable(),
  window: z.object({ start: z.string(), end: z.string(), timezone: z.string() }).nullable(),
  maxAttempts: z.number().int().min(1),
  retryBackoff: z
    .object({ delayMs: z.number(), factor: z.number(), maxDelayMs: z.number() })
    .nullable(),
  callTimeoutMs: z.number().int().min(1),
});

/** A campaign's settings as stored; a store's unreadable settings are an error, not a guess. */
export function campaignSettings(campaign: StoredCampaign): CampaignSettings {
  const parsed = settingsSchema.safeParse(campaign.settings);
  if (!parsed.success) {
    throw new ValidationError(`settings of campaign ${JSON.stringify(campaign.id)}`, [
      customIssue(['settings'], parsed.error.issues.map((i) => i.message).join('; ')),
    ]);
  }
  return parsed.data;
}

/**
 * Creates the runner of one durable campaign (`@ringkit/dialer`'s `createDialer({ store,
 * campaign })` is built on it). Any number of workers sharing a store may run the same campaign:
 * the store's `claimCampaign` keeps its calls under `concurrency` together and in list order.
 */
export function createCampaignRunner(options: CampaignRunnerOptions): CampaignRunner {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('campaign', parsed.error.issues);
  const { provider } = options;
  if (!supportsCampaigns(options.store)) {
    throw invalidOptions('campaign', [
      customIssue(
        ['store'],
        `the store "${options.store.name}" has no campaign methods (claimCampaign…)`,
      ),
    ]);
  }
  const store: CampaignStore = options.store;
  const id = options.campaign;
  const clock = options.clock ?? systemClock;
  const defaultCountry = options.defaultCountry ?? 'US';
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const generateId = options.generateId ?? randomUUID;
  const leaseMs = options.leaseMs ?? 30_000;
  const recheckIntervalMs = options.recheckIntervalMs ?? 1000;
  let callerId: string;
  try {
    callerId = toE164(options.callerId, { defaultCountry });
  } catch (error) {
    throw invalidOptions('campaign', [
      customIssue(['callerId'], error instanceof Error ? error.message : 'not a phone number'),
    ]);
  }
  const created: CampaignSettings = {
    callsPerSecond: options.callsPerSecond ?? null,
    window: options.window ?? null,
    maxAttempts: options.maxAttempts ?? 1,
    retryBackoff: options.retryBackoff ? { ...AT_ONCE, ...options.retryBackoff } : AT_ONCE,
    callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
  };
  const rows = options.entries ? buildRows(options.entries) : null;

  const emitter = createSafeEmitter<SchedulerEvents>((error) => ({ error, source: 'listener' }));
  const mutate = createMutate(store, clock, createWriter(store));
  let dispatcher: ReturnType<typeof createDispatcher> | null = null;
  let settings: CampaignSettings = created;
  let stopping: Promise<void> | null = null;

  /** Every entry checked as `schedule()` checks a call, with the campaign's retry settings. */
  function buildRows(entries: readonly CampaignEntryInput[]): StoredCall[] {
    const now = clock.now();
    return entries.map((entry, position) => {
      let valid;
      try {
        valid = validateSchedule(
          {
            to: entry?.to,
            at: new Date(now),
            ...(created.window ? { window: created.window } : {}),
            maxAttempts: created.maxAttempts,
            ...(created.retryBackoff ? { retryBackoff: created.retryBackoff } : {}),
            ...(entry?.call === undefined ? {} : { call: entry.call }),
          } as Parameters<typeof validateSchedule>[0],
          now,
          defaultCountry,
          provider,
        );
      } catch (error) {
        if (error instanceof ValidationError) {
          throw new ValidationError(
            `campaign entry #${position}`,
            error.issues.map((i) => ({ ...i, path: ['entries', position, ...i.path] })),
            error.cause === undefined ? {} : { cause: error.cause },
          );
        }
        throw error;
      }
      return {
        ...newStoredCall({
          id: generateId(),
          to: valid.to,
          dueAt: now,
          now,
          idempotencyKey: null,
          options: valid.options,
          call: valid.call,
        }),
        campaign: id,
        position,
      };
    });
  }

  async function read(): Promise<StoredCampaign> {
    const campaign = await store.getCampaign(id);
    if (!campaign) throw new CallNotFoundError(id, 'campaign');
    return campaign;
  }

  /** A compare-and-set of the campaign row, again on a version conflict. */
  async function change(
    decide: (c: StoredCampaign) => StoredCampaignPatch | null,
  ): Promise<StoredCampaign> {
    for (;;) {
      const campaign = await read();
      const patch = decide(campaign);
      if (!patch) return campaign;
      try {
        return await store.updateCampaign(id, campaign.version, {
          ...patch,
          updatedAt: clock.now(),
        });
      } catch (error) {
        if (!(isConflictError(error) && error.reason === 'version_conflict')) throw error;
      }
    }
  }

  /** Ends every entry not dialed yet (and retries not made yet): the campaign was stopped. */
  async function cancelRest(): Promise<void> {
    let after: number | null = null;
    for (;;) {
      const page: StoredCall[] = await store.listCampaignCalls(id, {
        status: ['scheduled'],
        afterPosition: after,
        limit: 500,
      });
      if (page.length === 0) return;
      for (const row of page) {
        after = row.position ?? after;
        const now = clock.now();
        const { row: written, changed } = await mutate(
          row.id,
          (r) =>
            r.status === 'scheduled'
              ? {
                  status: 'canceled',
                  reason: 'stopped',
                  leaseOwner: null,
                  leaseUntil: null,
                  events: withEvent(r, {
                    status: 'canceled',
                    at: now,
                    attempt: r.attempt,
                    reason: 'stopped',
                  }),
                }
              : null,
          { fresh: row },
        );
        if (changed) {
          dispatcher?.outcomes.emitStatus(written, 'scheduled');
          emitter.emit('canceled', { call: toScheduledCall(written) });
        }
      }
    }
  }

  /** Runs the cancel pass once per process when the campaign is seen stopped. */
  function onStopped() {
    stopping ??= cancelRest().catch((error: unknown) => {
      stopping = null;
      emitter.emit('error', { error, source: 'store' });
    });
    return stopping;
  }

  const observe = (campaign: StoredCampaign | null) => {
    if (!campaign || !dispatcher) return;
    ctx.concurrency = campaign.concurrency;
    if (campaign.state === 'stopped') void onStopped();
  };

  const ctx = { concurrency: options.concurrency ?? 3 };

  function campaignPacing(): Pacing {
    const perSecond = settings.callsPerSecond;
    const budget: SendBudget | undefined =
      perSecond === null
        ? undefined
        : {
            intervalMs: (1000 + PACING_TOLERANCE_MS) / perSecond,
            horizonMs: Math.min(1000, leaseMs / 3),
          };
    const untilSlot = (slot: number) => sleep(Math.max(0, slot - clock.now()), { clock });
    /** A fresh slot of the campaign's budget, for a placement that missed its own. */
    const reserve = async () => {
      let slot = 0;
      await change((c) => {
        slot = Math.max(c.nextSlotAt, clock.now());
        return { nextSlotAt: slot + budget!.intervalMs };
      });
      return slot;
    };
    return {
      paced: budget !== undefined,
      async claim(now, limit, worker, leaseUntil) {
        const window = settings.window;
        if (window && !inWindow(window, now)) {
          // Outside the window nothing is claimed (not even to be deferred): back at the opening.
          return { calls: [], slots: [], retryAt: nextOpening(window, now) };
        }
        const claim = await store.claimCampaign(id, now, limit, worker, leaseUntil, {
          holdMs: settings.callTimeoutMs,
          ...(budget ? { budget } : {}),
        });
        observe(claim.campaign);
        const full =
          budget !== undefined &&
          claim.nextSlotAt !== null &&
          claim.nextSlotAt > now + budget.horizonMs;
        return {
          calls: claim.calls,
          slots: claim.slots,
          retryAt: full ? claim.nextSlotAt! - budget.horizonMs : null,
        };
      },
      async turn(slot) {
        const at = slot ?? (budget ? await reserve() : clock.now());
        await untilSlot(at);
        return at;
      },
      async onTime(at) {
        if (!budget) return;
        let turn = at;
        while (clock.now() - turn > LATE_LIMIT_MS) {
          turn = await reserve();
          await untilSlot(turn);
        }
      },
    };
  }

  const source = (): ClaimSource => ({
    pacing: campaignPacing(),
    nextWake: () => store.nextCampaignWake(id, clock.now(), settings.callTimeoutMs),
  });

  /** `start()` while it runs. */
  let starting: Promise<StoredCampaign> | null = null;

  function start(): Promise<StoredCampaign> {
    starting ??= begin().finally(() => {
      starting = null;
    });
    return starting;
  }

  async function begin(): Promise<StoredCampaign> {
    if (dispatcher) return read();
    let campaign = await store.getCampaign(id);
    if (!campaign) {
      if (!rows) throw new CallNotFoundError(id, 'campaign');
      const now = clock.now();
      const fresh: StoredCampaign = {
        id,
        state: 'running',
        concurrency: ctx.concurrency,
        total: rows.length,
        fingerprint: fingerprintOf(rows),
        settings: { ...created },
        nextSlotAt: 0,
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      try {
        await store.insertCampaign(fresh, rows);
        campaign = fresh;
      } catch (error) {
        if (!(isConflictError(error) && error.reason === 'duplicate')) throw error;
        campaign = await read(); // created by another worker meanwhile
      }
    }
    if (rows && campaign.fingerprint !== fingerprintOf(rows)) {
      throw new ConflictError({
        reason: 'campaign_mismatch',
        id,
        message: `Campaign ${JSON.stringify(id)} exists with another list (${campaign.total} entries)`,
        status: campaign.state,
      });
    }
    settings = campaignSettings(campaign);
    ctx.concurrency = campaign.concurrency;
    const engine = createDispatcher({
      store,
      provider,
      clock,
      workerId,
      callerId,
      emitter,
      mutate,
      generateId,
      // Read on every claim: the campaign's, as last seen.
      get concurrency() {
        return ctx.concurrency;
      },
      leaseMs,
      recheckIntervalMs,
      watchIntervalMs: options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS,
      callTimeoutMs: settings.callTimeoutMs,
      callsPerSecond: settings.callsPerSecond ?? undefined,
      tracing: createTracing('@ringkit/scheduler-core', options.tracer),
      campaign: id,
      source: source(),
    });
    dispatcher = engine;
    if (campaign.state === 'stopped') void onStopped();
    await engine.start();
    return campaign;
  }

  // A call that ended here frees a place under the cap: claim again at once.
  for (const event of ['completed', 'failed', 'canceled', 'retrying'] as const) {
    emitter.on(event, () => dispatcher?.poke());
  }

  const setState = async (state: CampaignState) => {
    const campaign = await change((c) => {
      if (c.state === state) return null;
      if (c.state === 'stopped') {
        throw new ConflictError({
          reason: 'campaign_stopped',
          id,
          message: `Campaign ${JSON.stringify(id)} was stopped`,
          status: c.state,
        });
      }
      return { state };
    });
    dispatcher?.poke();
    return campaign;
  };

  /**
   * A status for a call id no row carries yet: the worker that placed the call may not have
   * written the provider's answer (a webhook may reach any worker, and outrun that write). The
   * worker that writes it applies the statuses it holds itself; this one looks again a few times,
   * further apart each time, for as long as a placement may take to be written.
   */
  function lookAgain(event: CallStatusEvent, tries: number) {
    if (tries >= LOOK_AGAIN_MS.length) return;
    clock.setTimeout(() => {
      const engine = dispatcher;
      if (!engine) return;
      engine.handleStatus(event).then(
        (row) => {
          if (!row) lookAgain(event, tries + 1);
        },
        (error: unknown) => emitter.emit('error', { error, source: 'store' }),
      );
    }, LOOK_AGAIN_MS[tries]!);
  }

  async function hangUpLive(): Promise<void> {
    let after: number | null = null;
    for (;;) {
      const page = await store.listCampaignCalls(id, {
        status: [...IN_FLIGHT_STATUSES],
        afterPosition: after,
        limit: 500,
      });
      if (page.length === 0) return;
      for (const row of page) {
        after = row.position ?? after;
        try {
          if (row.status === 'answered') {
            if (provider.hangUpCall && row.providerCallId) {
              await provider.hangUpCall(row.providerCallId);
            }
          } else if (dispatcher) {
            await dispatcher.cancel(row.id);
          }
        } catch (error) {
          emitter.emit('error', { error, source: 'provider', callId: row.id });
        }
      }
    }
  }

  return {
    id,
    workerId,
    start,
    pause: () => setState('paused'),
    resume: () => setState('running'),
    async stop(stopOptions = {}) {
      const campaign = await change((c) => (c.state === 'stopped' ? null : { state: 'stopped' }));
      await onStopped();
      if (stopOptions.hangUp) await hangUpLive();
      return campaign;
    },
    async setConcurrency(concurrency) {
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
        throw invalidOptions('campaign', [
          customIssue(['concurrency'], 'expected an integer from 1 to 10000'),
        ]);
      }
      const campaign = await change((c) =>
        c.concurrency === concurrency ? null : { concurrency },
      );
      ctx.concurrency = concurrency;
      dispatcher?.poke();
      return campaign;
    },
    async redialUnknown() {
      let after: number | null = null;
      let count = 0;
      for (;;) {
        const page: StoredCall[] = await store.listCampaignCalls(id, {
          status: ['failed'],
          afterPosition: after,
          limit: 500,
        });
        if (page.length === 0) break;
        for (const row of page) {
          after = row.position ?? after;
          if (row.reason !== 'outcome_unknown') continue;
          const now = clock.now();
          const { row: written, changed } = await mutate(
            row.id,
            (r) =>
              r.status === 'failed' && r.reason === 'outcome_unknown'
                ? {
                    status: 'scheduled',
                    dueAt: now,
                    attempt: r.attempt + 1,
                    leaseOwner: null,
                    leaseUntil: null,
                    placingAt: null,
                    providerCallId: null,
                    reason: null,
                    events: withEvent(r, {
                      status: 'scheduled',
                      at: now,
                      attempt: r.attempt + 1,
                      reason: 'redial',
                    }),
                  }
                : null,
            { fresh: row },
          );
          if (changed) {
            count += 1;
            dispatcher?.outcomes.emitStatus(written, 'failed');
          }
        }
      }
      dispatcher?.poke();
      return count;
    },
    async handleStatus(event) {
      // A webhook may reach this worker while it is joining: it is applied once it has.
      if (!dispatcher && starting) await starting.catch(() => undefined);
      if (!dispatcher) return null;
      const row = await dispatcher.handleStatus(event);
      if (!row) lookAgain(event, 0);
      return row ? toScheduledCall(row) : null;
    },
    read,
    calls: (query) => store.listCampaignCalls(id, query),
    counts: () => store.countCampaign(id),
    async close() {
      const engine = dispatcher;
      dispatcher = null;
      await engine?.stop();
      await stopping;
    },
    on: emitter.on,
    off: emitter.off,
  };
}
