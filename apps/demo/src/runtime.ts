import type * as PostgresAdapterModule from '@ringkit/scheduler-core/postgres';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createMockCallApiClient,
  createNumDialerClient,
  createWebhookHandler,
  createWebhookToken,
  isTerminal,
  toE164,
  type CallOptionName,
  type CallProvider,
  type CallStatusEvent,
  type WebhookHandler,
} from '@ringkit/call-client';
import {
  createScheduler,
  type HistoryEntry,
  type Page,
  type Scheduler,
  type Store,
} from '@ringkit/scheduler-core';
import { createSqliteStore } from '@ringkit/scheduler-core/sqlite';
import type { Logger } from 'pino';
import { createCampaignManager, type CampaignManager } from './campaigns.js';
import type { Config } from './config.js';
import { createDialerService, type DialerService } from './dialer-service.js';
import { createEventHub, createStreamLimits, type EventHub } from './event-hub.js';
import { mergedHistory } from './history.js';
import { logPlacement } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createObserver, type Observer } from './observe.js';
import { createOpsSampler, type OpsSampler } from './ops.js';
import { createTwilioProvider } from './twilio.js';
import { seedDemoHistory } from './seed.js';
import { serializeCall } from './serialize.js';

export interface RuntimeOptions {
  /** Use this store instead of the one the configuration names (tests pass `createMemoryStore()`). */
  store?: Store;
  /** The campaigns' store instead of the configured one (tests pass `createMemoryStore()`). */
  campaignStore?: Store;
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
  store: Store;
  /** The campaigns' own store (see the README: never the scheduler's). */
  campaignStore: Store;
  scheduler: Scheduler;
  /** The configured list: the campaign named `default`. */
  dialer: DialerService;
  /** Every campaign this process works. */
  campaigns: CampaignManager;
  /** A number's history: the scheduler's calls and the campaigns' calls, newest first. */
  history(
    phone: string,
    query: { cursor: string | null; limit: number },
  ): Promise<Page<HistoryEntry>>;
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
   * A status event from the shared provider's webhook (Twilio): to the campaign whose call it
   * is, else to the scheduler, and to the campaigns after all when the scheduler does not know
   * it either (a campaign's call whose placement has not been answered yet).
   */
  handleProviderStatus(event: CallStatusEvent): Promise<void>;
  /** Joins the stored campaigns: once the server listens, since their webhook URLs name it. */
  start(): Promise<void>;
  /**
   * Stops the scheduler and this process's work on the campaigns (calls in flight are
   * recorded; the campaigns go on at the next start), then closes the stores.
   */
  stop(): Promise<void>;
}

type PostgresAdapter = typeof PostgresAdapterModule;

/** Opens the PostgreSQL store; fails in one line when it cannot be loaded or reached. */
async function openPostgres(url: string, schema: string | undefined, logger: Logger) {
  // Loaded only when DATABASE_URL asks for it: a SQLite deployment never loads `pg`.
  let adapter: PostgresAdapter;
  try {
    adapter = await import('@ringkit/scheduler-core/postgres');
  } catch (error) {
    throw new Error(`DATABASE_URL: cannot load the PostgreSQL store: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const store = adapter.createPostgresStore(
    { connectionString: url, connectionTimeoutMillis: 5_000 },
    {
      ...(schema ? { schema } : {}),
      logger: {
        warn: (message: unknown) => logger.warn(String(message)),
        info: (message: unknown) => logger.info(String(message)),
      },
    },
  );
  {
    // Migrations now, so a wrong URL stops the server at start rather than at the first request.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('no answer within 15 s')), 15_000);
    });
    try {
      // One plain query first: a refused connection fails at once rather than being retried.
      await Promise.race([store.pool.query('SELECT 1'), timeout]);
      await Promise.race([store.ready(), timeout]);
    } catch (error) {
      await store.close().catch(() => {});
      throw new Error(`DATABASE_URL: cannot use PostgreSQL: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
  return store;
}

/** `DATA_DIR`, created when missing. */
function dataDir(config: Config): string {
  const dir = resolve(config.DATA_DIR);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new Error(`DATA_DIR: cannot create ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return dir;
}

/** The PostgreSQL schema of the scheduler's store. */
const schemaOf = (options: RuntimeOptions) => options.postgresSchema ?? 'ringkit';

/** The store the configuration asks for: PostgreSQL with `DATABASE_URL`, else SQLite in `DATA_DIR`. */
async function openStore(config: Config, options: RuntimeOptions): Promise<Store> {
  if (config.DATABASE_URL) {
    return openPostgres(config.DATABASE_URL, schemaOf(options), options.logger);
  }
  return createSqliteStore({ path: join(dataDir(config), 'ringkit.db') });
}

/**
 * The campaigns' store: beside the scheduler's, never the same one. With the mock provider the
 * two practice APIs hand out ids of their own, and the same id can name a scheduled call and a
 * campaign's call: in one store, a webhook of one could be matched to the other's call. So a
 * SQLite file of its own in `DATA_DIR`, or another schema of the same PostgreSQL database.
 */
async function openCampaignStore(config: Config, options: RuntimeOptions): Promise<Store> {
  if (config.DATABASE_URL) {
    return openPostgres(config.DATABASE_URL, `${schemaOf(options)}_campaigns`, options.logger);
  }
  return createSqliteStore({ path: join(dataDir(config), 'campaigns.db') });
}

/**
 * The webhook-flavour API's token: `WEBHOOK_TOKEN`, else one kept in `DATA_DIR/webhook-token`
 * (made on first start), so that a campaign's calls placed before a restart still reach the
 * next process; with other stores than the configured SQLite ones, a new one per start.
 */
function webhookToken(config: Config, configuredStores: boolean): string {
  if (config.WEBHOOK_TOKEN) return config.WEBHOOK_TOKEN;
  if (!configuredStores || config.DATABASE_URL) return createWebhookToken();
  const file = join(dataDir(config), 'webhook-token');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{16,200}$/.test(kept)) return kept;
  } catch {
    // not made yet
  }
  const token = createWebhookToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Whether the demo history is already there: its records have fixed ids (`seed-…`). */
async function hasDemoHistory(scheduler: Scheduler, callerId: string): Promise<boolean> {
  let cursor: string | null = null;
  for (let page = 0; page < 50; page += 1) {
    const result: Awaited<ReturnType<Scheduler['history']>> = await scheduler.history(callerId, {
      cursor,
      limit: 1000,
    });
    if (result.items.some((item) => item.id.startsWith('seed-'))) return true;
    cursor = result.nextCursor;
    if (!cursor) return false;
  }
  return true;
}

/** Composes the three packages for the app: store, scheduler, dialer and the live event hub. */
export async function createRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const { logger } = options;
  const store = options.store ?? (await openStore(config, options));
  let campaignStore: Store;
  try {
    campaignStore = options.campaignStore ?? (await openCampaignStore(config, options));
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  // One budget of event streams for the app's events and the operator page's samples together.
  const streamLimits = createStreamLimits(config.SSE_MAX, config.SSE_MAX_PER_CLIENT);
  const hub = createEventHub({
    limits: streamLimits,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });
  const pacing =
    config.CALLS_PER_SECOND === undefined ? {} : { callsPerSecond: config.CALLS_PER_SECOND };
  // With Twilio, one client places every call, so one pacer keeps the account's calls per
  // second, and one webhook route follows them all.
  const twilio: CallProvider | undefined =
    config.CALL_PROVIDER === 'twilio' ? createTwilioProvider(config) : undefined;
  const provider = twilio ?? createMockCallApiClient({ baseUrl: config.CALL_API_URL, ...pacing });
  const scheduler = createScheduler({
    store,
    provider,
    callerId: config.CALLER_ID,
    watchIntervalMs: options.watchIntervalMs ?? 1000,
    // RETENTION_DAYS: finished calls and their history go after the same number of days.
    ...(config.RETENTION_DAYS === undefined
      ? {}
      : {
          retention: {
            finishedAfterDays: config.RETENTION_DAYS,
            historyAfterDays: config.RETENTION_DAYS,
          },
        }),
  });
  const publishCall = ({ call }: { call: Parameters<typeof serializeCall>[0] }) =>
    hub.publish('scheduled-call', serializeCall(call));
  scheduler.on('scheduled', publishCall);
  scheduler.on('status', publishCall);
  scheduler.on('canceled', publishCall);
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
  const observer = createObserver({
    counts: () => scheduler.counts(),
    dialerInFlight: () => dialerInFlight(),
    onListenerError: (error) => logger.warn({ err: error }, 'observer listener error'),
  });
  const metrics = createMetrics(observer);
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

  // The campaigns' calls: through Twilio's one client, or the webhook-flavour API, whose client
  // is made at the first call, once the server listens (the webhook URL names it).
  const token = twilio
    ? undefined
    : webhookToken(config, options.store === undefined && options.campaignStore === undefined);
  let numDialer: CallProvider | undefined;
  const webhookClient = (): CallProvider => {
    numDialer ??= createNumDialerClient({
      baseUrl: config.DIALER_API_URL,
      webhookUrl: `${(config.PUBLIC_URL ?? options.publicUrl()).replace(/\/+$/, '')}/webhooks/dialer/${token}`,
      ...pacing,
    });
    return numDialer;
  };
  const dialerProvider: CallProvider = twilio ?? {
    name: 'num-dialer',
    get capabilities() {
      return webhookClient().capabilities;
    },
    placeCall: (request) => webhookClient().placeCall(request),
    checkCallOptions: (call) => webhookClient().checkCallOptions?.(call),
  };
  const campaigns = createCampaignManager({
    store: campaignStore,
    provider: dialerProvider,
    callerId: config.CALLER_ID,
    callTimeoutMs: config.DIALER_CALL_TIMEOUT_MS,
    ...(options.watchIntervalMs === undefined ? {} : { watchIntervalMs: options.watchIntervalMs }),
    ...(options.campaignRefreshMs === undefined
      ? {}
      : { refreshIntervalMs: options.campaignRefreshMs }),
    hub,
    logger,
    observer,
  });
  dialerInFlight = () => campaigns.inFlight();
  const say = config.DIALER_MESSAGE;
  const dialer = createDialerService({
    campaigns,
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
            if (!(await campaigns.handleStatus(event))) campaigns.bufferUnknown(event);
          },
          onError: (error) => logger.debug({ err: error }, 'webhook refused'),
        });
  // Campaigns' records are in their own store: a number's history reads both.
  const history = mergedHistory([
    scheduler,
    createScheduler({ store: campaignStore, provider: dialerProvider, callerId: config.CALLER_ID }),
  ]);

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
    campaignStore,
    scheduler,
    dialer,
    campaigns,
    history,
    hub,
    logger,
    observer,
    metrics,
    ops,
    callOptions: provider.capabilities.options ?? [],
    async dialerWebhook(token, body) {
      if (!webhook) {
        return { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
      }
      return webhook({ token, body });
    },
    async handleProviderStatus(event) {
      if (await campaigns.handleStatus(event)) return;
      const row = await scheduler.handleStatus(event);
      if (row === null) campaigns.bufferUnknown(event);
    },
    start: () => campaigns.start(),
    stop() {
      stopping ??= (async () => {
        await Promise.allSettled([scheduler.stop(), campaigns.close()]);
        metrics.close();
        ops.close();
        await Promise.allSettled([store.close(), campaignStore.close()]);
      })();
      return stopping;
    },
  };
}
