import {
  createMockCallApiClient,
  createWebhookHandler,
  isInvalidOptionsError,
  isTerminal,
  toE164,
  type CallOptionName,
  type CallProvider,
  type CallStatusEvent,
  type InboundCallUpdate,
  type WebhookHandler,
} from '@ringkit/call-client';
import type { TelnyxProvider } from '@ringkit/call-client/telnyx';
import type { TwilioProvider } from '@ringkit/call-client/twilio';
import type { VonageProvider } from '@ringkit/call-client/vonage';
import { createCallCenter, type CallCenter } from '@ringkit/dialer';
import {
  isValidationError,
  type Agents,
  type HistoryEntry,
  createSuppressionList,
  type Page,
  type Scheduler,
  type Store,
  type SuppressionList,
} from '@ringkit/scheduler-core';
import type { Logger } from 'pino';
import { createCampaignManager, type CampaignManager } from './campaigns.js';
import type { Config } from './config.js';
import { createDialerService, type DialerService } from './dialer-service.js';
import { createEventHub, createStreamLimits, type EventHub } from './event-hub.js';
import { logPlacement } from './logger.js';
import { lazyNumDialerClient } from './num-dialer-provider.js';
import { readRoster } from './agent-metrics.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createObserver, type Observer } from './observe.js';
import { createOpsSampler, type OpsSampler } from './ops.js';
import { hasDemoHistory, seedDemoHistory } from './seed.js';
import { serializeCall } from './serialize.js';
import { createSignalWireProvider } from './signalwire.js';
import { createTelnyxProvider } from './telnyx.js';
import { createTwilioProvider } from './twilio.js';
import { createVonageProvider } from './vonage.js';
import { timeLimitFor, withTimeLimit } from './time-limit.js';
import { SHARED_BUDGET } from './routes/campaign-create.js';
import { openStore, takeOverOldLayout, webhookToken } from './runtime-stores.js';
import { callsWaitingForOtherProviders } from './provider-wait.js';

export interface RuntimeOptions {
  /**
   * Use this store instead of the one the configuration names (tests pass `createMemoryStore()`):
   * it holds everything, and nothing is taken over into it.
   */
  store?: Store;
  /** How often a campaign's dialer reads what other processes did, in ms. @default 1000 */
  campaignRefreshMs?: number;
  /** The base of webhook URLs when `PUBLIC_URL` is unset; known once the server listens. */
  publicUrl: () => string;
  logger: Logger;
  /** @default 15000 */
  heartbeatMs?: number;
  /** Polling interval of scheduled calls, in ms. @default 1000 */
  watchIntervalMs?: number;
  /** The PostgreSQL schema with `DATABASE_URL` (tests use their own). @default 'ringkit' */
  postgresSchema?: string;
  /** Milliseconds each sample of the operator's page covers. @default 1000 */
  opsIntervalMs?: number;
}

/** Everything the routes use. */
export interface Runtime {
  config: Config;
  /**
   * The one store: scheduled calls, every campaign with its entries, the call records (inbound
   * ones too) and the do-not-call list. Calls are found in it by their provider and its id.
   */
  store: Store;
  scheduler: Scheduler;
  /**
   * The one do-not-call list: the scheduler's and the campaigns' claims check it, and their
   * calls read it again right before they leave. A scheduled call or a campaign entry whose
   * number is on it ends `suppressed`.
   */
  suppressions: SuppressionList;
  /**
   * The agents, in the store beside everything else: every worker on it sees each change, and
   * every worker's calls move their states. `null` on a store without agent methods.
   */
  agents: Agents | null;
  /** The configured list: the campaign named `default`. */
  dialer: DialerService;
  /** Every campaign this process works. */
  campaigns: CampaignManager;
  /** The provider that places the campaigns' calls (`POST /api/campaigns` checks a list against it). */
  campaignProvider: CallProvider;
  /** The name scheduled calls store as their provider: a call naming another one waits. */
  schedulerProvider: string;
  /** A number's history, newest first: scheduled calls, campaigns' calls and inbound calls. */
  history(
    phone: string,
    query: { cursor: string | null; limit: number },
  ): Promise<Page<HistoryEntry>>;
  /** Every call of every number, newest first, filtered (`GET /api/calls`, its CSV). */
  callLog: Scheduler['callLog'];
  /** A webhook of the webhook-flavour API (`/webhooks/dialer/:token`): 404 for another token. */
  dialerWebhook(token: string, body: unknown): ReturnType<WebhookHandler>;
  hub: EventHub;
  logger: Logger;
  /** Every placement and every end, for `/metrics` and the operator's page. */
  observer: Observer;
  /** The Prometheus registry `GET /metrics` serves. */
  metrics: Metrics;
  /** The operator's page's samples (`/api/ops`). */
  ops: OpsSampler;
  /** The call options the scheduler's provider honours (`GET /api/capabilities`). */
  callOptions: readonly CallOptionName[];
  /**
   * The one client of `CALL_PROVIDER=twilio`, `telnyx`, `signalwire` or `vonage`, which places
   * every call (the scheduler's and the campaigns'); `undefined` with the mock provider.
   */
  realProvider: RealProvider | undefined;
  /**
   * A status event from the shared provider's webhook (every real provider's): the call center finds
   * its call by the provider and its id and gives it to that call's owner alone (a scheduled
   * call or a campaign entry); one no row carries yet waits for it (`createCallCenter`).
   */
  handleProviderStatus(event: CallStatusEvent): Promise<void>;
  /**
   * One webhook's news of a call to the app's number (Twilio's or SignalWire's voice webhook and
   * its steps, an inbound status callback, Telnyx's inbound events, Vonage's answer URL and its
   * steps, an inbound leg's end event): merged by the scheduler's `recordCall`
   * into the call's one record, in the store `history()` reads, then the `history` event names
   * both numbers. A call it cannot record (a caller whose number is withheld: no phone number)
   * is logged and skipped; a store that fails rejects, so the provider may send it again.
   */
  recordInbound(update: InboundCallUpdate): Promise<void>;
  /** Joins the stored campaigns: once the server listens, since their webhook URLs name it. */
  start(): Promise<void>;
  /**
   * Stops the scheduler and this process's work on the campaigns (calls in flight are
   * recorded; the campaigns go on at the next start), then closes the stores.
   */
  stop(): Promise<void>;
}

/** The scheduled calls' weight in the account's budget (`CALLS_PER_SECOND`), beside campaigns'. */
export const SCHEDULER_WEIGHT = 1;

/**
 * A provider of `CALL_PROVIDER` other than the mock: one client places every call (SignalWire's
 * is Twilio's client in SignalWire's flavour).
 */
export type RealProvider = TwilioProvider | TelnyxProvider | VonageProvider;

/** The one client of a real provider, or `undefined` with the mock provider's two practice APIs. */
function createRealProvider(config: Config): RealProvider | undefined {
  switch (config.CALL_PROVIDER) {
    case 'twilio':
      return createTwilioProvider(config);
    case 'telnyx':
      return createTelnyxProvider(config);
    case 'signalwire':
      return createSignalWireProvider(config);
    case 'vonage':
      return createVonageProvider(config);
    case 'mock':
      return undefined;
  }
}

/**
 * `DIALER_MESSAGE` against the provider's own rules (Telnyx speaks at most 3000 characters): a
 * message it would refuse stops the start in one line, rather than every call of the list.
 */
function checkDialerMessage(provider: CallProvider, say: string): void {
  try {
    provider.checkCallOptions?.({ say });
  } catch (error) {
    const why = isInvalidOptionsError(error) ? error.issues[0]?.message : undefined;
    throw new Error(`Invalid configuration: DIALER_MESSAGE: ${why ?? (error as Error).message}`, {
      cause: error,
    });
  }
}

/** Composes the three packages for the app: store, scheduler, dialer and the live event hub. */
export async function createRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const { logger } = options;
  // With a real provider, one client places every call, so one pacer keeps the account's calls
  // per second, and one webhook route follows them all.
  const realProvider = createRealProvider(config);
  if (realProvider && config.DIALER_MESSAGE !== undefined) {
    checkDialerMessage(realProvider, config.DIALER_MESSAGE);
  }
  const store = options.store ?? (await openStore(config, options));
  // One budget of event streams for the app's events and the operator page's samples together.
  const streamLimits = createStreamLimits(config.SSE_MAX, config.SSE_MAX_PER_CLIENT);
  const hub = createEventHub({
    limits: streamLimits,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });
  const pacing =
    config.CALLS_PER_SECOND === undefined ? {} : { callsPerSecond: config.CALLS_PER_SECOND };
  const provider: CallProvider =
    realProvider ?? createMockCallApiClient({ baseUrl: config.CALL_API_URL, ...pacing });
  const schedulerOptions = {
    watchIntervalMs: options.watchIntervalMs ?? 1000,
    // CALLS_PER_SECOND is the account's: scheduled calls take their share of it by weight (1),
    // beside every campaign given a weight, in the one store's named budget.
    ...(config.CALLS_PER_SECOND === undefined
      ? {}
      : {
          callsPerSecond: config.CALLS_PER_SECOND,
          budget: { name: SHARED_BUDGET, weight: SCHEDULER_WEIGHT },
        }),
    // RETENTION_DAYS: finished calls and their history go after the same number of days.
    ...(config.RETENTION_DAYS === undefined
      ? {}
      : {
          retention: {
            finishedAfterDays: config.RETENTION_DAYS,
            historyAfterDays: config.RETENTION_DAYS,
          },
        }),
  };
  // The campaigns' calls: through the real provider's one client, or the webhook-flavour API,
  // whose client is made at the first call, once the server listens (the webhook URL names it).
  const token = realProvider ? undefined : webhookToken(config, options.store === undefined);
  // A real provider ends each campaign call by itself before the campaigns' call timeout.
  const dialerProvider: CallProvider = realProvider
    ? withTimeLimit(realProvider, timeLimitFor(config.DIALER_CALL_TIMEOUT_MS))
    : lazyNumDialerClient({
        baseUrl: config.DIALER_API_URL,
        webhookUrl: () =>
          `${(config.PUBLIC_URL ?? options.publicUrl()).replace(/\/+$/, '')}/webhooks/dialer/${token}`,
        ...pacing,
      });
  const center: CallCenter = createCallCenter({
    store,
    provider,
    campaignProvider: dialerProvider,
    callerId: config.CALLER_ID,
    // Every part's own default, said once here so that all of them read a number written
    // without its country (an agent's reach too) alike.
    defaultCountry: 'US',
    scheduler: schedulerOptions,
    campaigns: {
      callTimeoutMs: config.DIALER_CALL_TIMEOUT_MS,
      finishedEntriesKept: config.FINISHED_ENTRIES_KEPT,
      ...(options.watchIntervalMs === undefined
        ? {}
        : { watchIntervalMs: options.watchIntervalMs }),
      ...(options.campaignRefreshMs === undefined
        ? {}
        : { refreshIntervalMs: options.campaignRefreshMs }),
    },
  });
  const { scheduler } = center;
  center.on('unmatched', ({ events }) =>
    logger.debug(
      { provider: events[0]?.provider, call_id: events[0]?.callId, statuses: events.length },
      'statuses of a call no row carries, given up',
    ),
  );
  center.on('error', ({ error }) => logger.warn({ err: error }, 'status not applied'));
  const publishCall = ({ call }: { call: Parameters<typeof serializeCall>[0] }) =>
    hub.publish('scheduled-call', serializeCall(call));
  scheduler.on('scheduled', publishCall);
  scheduler.on('status', publishCall);
  scheduler.on('canceled', publishCall);
  scheduler.on('suppressed', publishCall);
  scheduler.on('rescheduled', publishCall);
  // These come after the attempt's call record was saved.
  const publishHistory = ({ call }: { call: Parameters<typeof serializeCall>[0] }) =>
    hub.publish('history', { phones: [config.CALLER_ID, call.to] });
  scheduler.on('completed', publishHistory);
  scheduler.on('failed', publishHistory);
  scheduler.on('retrying', publishHistory);
  scheduler.on('error', ({ error, source, callId }) =>
    logger.warn({ err: error, source, callId }, 'scheduler error'),
  );
  scheduler.on('pruned', ({ calls, records }) =>
    logger.info(
      { calls, records, older_than_days: config.RETENTION_DAYS },
      'pruned finished calls and call records',
    ),
  );

  let dialerInFlight = () => 0;
  let agentLines = (): ReadonlyMap<string, number> => new Map();
  const observer = createObserver({
    counts: () => scheduler.counts(),
    dialerInFlight: () => dialerInFlight(),
    onListenerError: (error) => logger.warn({ err: error }, 'observer listener error'),
  });
  const { agents } = center;
  const metrics = createMetrics(
    observer,
    agents ? { roster: () => readRoster(agents), lines: () => agentLines() } : undefined,
  );
  const ops = createOpsSampler(observer, {
    ...(options.opsIntervalMs === undefined ? {} : { intervalMs: options.opsIntervalMs }),
    streams: {
      limits: streamLimits,
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    },
    onError: (error) => logger.warn({ err: error }, 'could not count the calls in flight'),
  });
  scheduler.on('placement', (event) => {
    observer.placement({
      source: 'scheduler',
      provider: event.provider,
      outcome: event.outcome,
      durationMs: event.durationMs,
      lagMs: event.lagMs,
      at: Date.now(),
    });
    logPlacement(logger, {
      source: 'scheduler',
      call_id: event.call.id,
      attempt: event.call.attempt,
      to: event.call.to,
      provider: event.provider,
      outcome: event.outcome,
      provider_call_id: event.call.providerCallId,
      provider_status: event.providerStatus ?? null,
      lag_ms: event.lagMs,
      duration_ms: event.durationMs,
      trace: event.trace,
      ...(event.error === undefined ? {} : { err: event.error }),
    });
  });
  scheduler.on('status', ({ status, at }) => {
    if (status !== 'scheduled' && isTerminal(status)) {
      observer.ended({ source: 'scheduler', status, at: at.getTime() });
    }
  });

  const campaigns = createCampaignManager({
    store,
    campaigns: center.campaigns,
    callerId: config.CALLER_ID,
    hub,
    logger,
    observer,
  });
  dialerInFlight = () => campaigns.inFlight();
  agentLines = () => campaigns.agentLines();
  const say = config.DIALER_MESSAGE;
  const dialer = createDialerService({
    campaigns,
    store,
    numbers:
      say === undefined
        ? config.DIALER_NUMBERS
        : config.DIALER_NUMBERS.map((phone) => ({ phone, call: { say } })),
    concurrency: config.DIALER_CONCURRENCY,
  });
  const webhook: WebhookHandler | undefined =
    token === undefined
      ? undefined
      : createWebhookHandler({
          token,
          onEvent: async (event) => {
            await center.handleStatus({ ...event, provider: dialerProvider.name });
          },
          onError: (error) => logger.debug({ err: error }, 'webhook refused'),
        });
  if (options.store === undefined) {
    try {
      await takeOverOldLayout(config, store, options, {
        scheduler: provider.name,
        campaigns: dialerProvider.name,
      });
    } catch (error) {
      await store.close().catch(() => {});
      throw error;
    }
  }
  await callsWaitingForOtherProviders(store, provider.name, logger);
  if (config.DEMO_HISTORY && !(await hasDemoHistory(scheduler, config.CALLER_ID))) {
    const count = await seedDemoHistory(scheduler, {
      callerId: config.CALLER_ID,
      numbers: config.DIALER_NUMBERS.map((n) => toE164(n)),
    });
    logger.info({ count }, 'seeded demo call history');
  }
  await scheduler.start();

  let stopping: Promise<void> | undefined;
  return {
    config,
    store,
    scheduler,
    suppressions: center.suppressions ?? createSuppressionList({ store }),
    agents: center.agents,
    dialer,
    campaigns,
    campaignProvider: dialerProvider,
    schedulerProvider: provider.name,
    history: (phone, query) => scheduler.history(phone, query),
    callLog: (options) => center.callLog(options),
    hub,
    logger,
    observer,
    metrics,
    ops,
    callOptions: provider.capabilities.options ?? [],
    realProvider,
    async dialerWebhook(token, body) {
      if (!webhook) {
        return { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
      }
      return webhook({ token, body });
    },
    async handleProviderStatus(event) {
      await center.handleStatus(event);
    },
    async recordInbound(update) {
      let record;
      try {
        record = await center.recordInbound(update);
      } catch (error) {
        if (!isValidationError(error)) throw error;
        logger.warn(
          { err: error, provider: update.provider, call_id: update.callId },
          'inbound call not recorded',
        );
        return;
      }
      const phones = [...new Set([config.CALLER_ID, record.to, record.from])];
      hub.publish('history', { phones });
    },
    async start() {
      if (!center.campaigns) {
        logger.warn({ store: store.name }, 'the store has no campaign methods: no campaigns');
      }
      await center.start();
    },
    stop() {
      stopping ??= (async () => {
        await center.stop().catch(() => {});
        metrics.close();
        ops.close();
        await store.close().catch(() => {});
      })();
      return stopping;
    },
  };
}
