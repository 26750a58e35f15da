import type * as PostgresAdapterModule from '@ringkit/scheduler-core/postgres';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createMockCallApiClient,
  isTerminal,
  toE164,
  type CallOptionName,
  type CallProvider,
  type CallStatusEvent,
} from '@ringkit/call-client';
import { createScheduler, type Scheduler, type Store } from '@ringkit/scheduler-core';
import { sqliteStore } from '@ringkit/scheduler-core/sqlite';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createDialerService, type DialerService } from './dialer-service.js';
import { createEventHub, createStreamLimits, type EventHub } from './event-hub.js';
import { logPlacement } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createObserver, type Observer } from './observe.js';
import { createOpsSampler, type OpsSampler } from './ops.js';
import { createTwilioProvider } from './twilio.js';
import { seedDemoHistory } from './seed.js';
import { serializeCall } from './serialize.js';

export interface RuntimeOptions {
  /** Use this store instead of the one the configuration names (tests pass `memoryStore()`). */
  store?: Store;
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
  scheduler: Scheduler;
  dialer: DialerService;
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
   * A status event from the shared provider's webhook (Twilio): to the dialer when the call is
   * one of its run's, else to the scheduler, and to the dialer after all when the scheduler does
   * not know it either (a dialer call whose placement has not been answered yet).
   */
  handleProviderStatus(event: CallStatusEvent): Promise<void>;
  /** Stops the scheduler and the dialer (calls in flight are recorded), then closes the store. */
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
  const store = adapter.postgresStore(
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

/** The store the configuration asks for: PostgreSQL with `DATABASE_URL`, else SQLite in `DATA_DIR`. */
async function openStore(config: Config, options: RuntimeOptions): Promise<Store> {
  if (config.DATABASE_URL) {
    return openPostgres(config.DATABASE_URL, options.postgresSchema, options.logger);
  }
  const dir = resolve(config.DATA_DIR);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new Error(`DATA_DIR: cannot create ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return sqliteStore({ path: join(dir, 'ringkit.db') });
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

  const say = config.DIALER_MESSAGE;
  const dialer = createDialerService({
    numbers:
      say === undefined
        ? config.DIALER_NUMBERS
        : config.DIALER_NUMBERS.map((phone) => ({ phone, call: { say } })),
    concurrency: config.DIALER_CONCURRENCY,
    ...(twilio
      ? { provider: twilio }
      : {
          apiUrl: config.DIALER_API_URL,
          publicUrl: () => config.PUBLIC_URL ?? options.publicUrl(),
          webhookToken: config.WEBHOOK_TOKEN,
          callsPerSecond: config.CALLS_PER_SECOND,
        }),
    callerId: config.CALLER_ID,
    scheduler,
    store,
    hub,
    logger,
    observer,
  });
  dialerInFlight = () => dialer.inFlight();
  await dialer.recover();

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
    dialer,
    hub,
    logger,
    observer,
    metrics,
    ops,
    callOptions: provider.capabilities.options ?? [],
    async handleProviderStatus(event) {
      if (dialer.ownsCall(event.callId)) {
        dialer.handleStatus(event);
        return;
      }
      const row = await scheduler.handleStatus(event);
      if (row === null) dialer.handleStatus(event);
    },
    stop() {
      stopping ??= (async () => {
        await Promise.allSettled([scheduler.stop(), dialer.stop()]);
        metrics.close();
        ops.close();
        await store.close();
      })();
      return stopping;
    },
  };
}
