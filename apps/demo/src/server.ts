import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Store } from '@ringkit/scheduler-core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { DestinationStream, Logger } from 'pino';
import { createApp } from './app.js';
import { continueWhenRead, limitRequestTime, SUPPRESSION_IMPORT_TIMEOUT_MS } from './body.js';
import type { Config } from './config.js';
import { configWarnings } from './config-warnings.js';
import { createLogger } from './logger.js';
import { isLoopback } from './security.js';
import { createRuntime, type Runtime } from './runtime.js';
import { startTracing } from './tracing.js';

export interface StartOptions {
  /** Another store than the configured one (tests pass `createMemoryStore()`). */
  store?: Store;
  /** How often a campaign's dialer reads what other processes did, in ms. @default 1000 */
  campaignRefreshMs?: number;
  /** The built front end. @default `public` next to the server bundle, or `../dist/public` */
  publicDir?: string;
  /** Where logs go. @default stdout */
  logDestination?: DestinationStream;
  /** @default 15000 */
  heartbeatMs?: number;
  /** @default 1000 */
  watchIntervalMs?: number;
  /** The PostgreSQL schema with `DATABASE_URL`. @default 'ringkit' */
  postgresSchema?: string;
  /** Milliseconds each sample of the operator's page covers. @default 1000 */
  opsIntervalMs?: number;
  /** Where spans go instead of `OTEL_EXPORTER_OTLP_ENDPOINT` (tests keep them in memory). */
  spanExporter?: SpanExporter;
}

export interface RunningServer {
  /** The URL to open, e.g. `http://localhost:4000`. */
  url: string;
  port: number;
  runtime: Runtime;
  logger: Logger;
  /**
   * Graceful shutdown: stops accepting connections, ends the event streams, stops the scheduler
   * and this process's work on the campaigns (calls in flight are recorded; the campaigns go on
   * at the next start), then closes the stores.
   */
  close(): Promise<void>;
}

function defaultPublicDir(): string | undefined {
  const candidates = [
    new URL('./public', import.meta.url),
    new URL('../dist/public', import.meta.url),
  ];
  return candidates.map((url) => fileURLToPath(url)).find((dir) => existsSync(dir));
}

function urlHost(host: string): string {
  if (host === '127.0.0.1' || host === '0.0.0.0' || host === '::' || host === '::1')
    return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the server; resolves once it listens and the scheduler runs. */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = createLogger(config.LOG_LEVEL, options.logDestination);
  const tracing = startTracing(config, options.spanExporter);
  let port = config.PORT;
  const url = () => `http://${urlHost(config.HOST)}:${port}`;
  let runtime: Runtime;
  try {
    runtime = await createRuntime(config, {
      logger,
      publicUrl: url,
      ...(options.store ? { store: options.store } : {}),
      ...(options.campaignRefreshMs === undefined
        ? {}
        : { campaignRefreshMs: options.campaignRefreshMs }),
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
      ...(options.watchIntervalMs === undefined
        ? {}
        : { watchIntervalMs: options.watchIntervalMs }),
      ...(options.postgresSchema ? { postgresSchema: options.postgresSchema } : {}),
      ...(options.opsIntervalMs === undefined ? {} : { opsIntervalMs: options.opsIntervalMs }),
    });
  } catch (error) {
    await tracing?.shutdown();
    throw error;
  }
  let ready = true;
  const app = createApp(runtime, {
    publicDir: options.publicDir ?? defaultPublicDir(),
    isReady: () => ready,
  });
  // Timeouts are checked every second (Node's default is every 30 s).
  const server = createServer({ connectionsCheckingInterval: 1_000 }, app);
  continueWhenRead(server);
  // Slow clients cannot hold connections: a request's headers must arrive within 10 s, its body
  // within REQUEST_TIMEOUT_MS (limitRequestTime), a do-not-call import's within
  // SUPPRESSION_IMPORT_TIMEOUT_MS (Node's own limit, the longest); idle keep-alive sockets close
  // after 5 s. Event streams are responses, so these do not cut them.
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = Math.min(10_000, config.REQUEST_TIMEOUT_MS);
  server.requestTimeout = Math.max(config.REQUEST_TIMEOUT_MS, SUPPRESSION_IMPORT_TIMEOUT_MS);
  limitRequestTime(server, config.REQUEST_TIMEOUT_MS);
  server.maxConnections = config.SSE_MAX + 256;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await runtime.stop();
    await tracing?.shutdown();
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'EADDRINUSE'
        ? `PORT: ${config.HOST}:${config.PORT} is already in use; set PORT to a free port (e.g. PORT=${config.PORT + 1})`
        : `Cannot listen on ${config.HOST}:${config.PORT}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  port = (server.address() as AddressInfo).port;
  // The campaigns left running: joined now that the webhook URLs their calls get name this server.
  try {
    await runtime.start();
  } catch (error) {
    server.close();
    server.closeAllConnections();
    await runtime.stop();
    await tracing?.shutdown();
    throw new Error(`Cannot join the stored campaigns: ${(error as Error).message}`, {
      cause: error,
    });
  }
  for (const warning of configWarnings(config)) logger.warn(warning);
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) {
    logger.info(
      { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT },
      'exporting traces over OTLP/HTTP',
    );
  }
  if (!isLoopback(config.HOST) && !config.API_TOKEN) {
    logger.warn(
      { host: config.HOST },
      `listening on ${config.HOST}, beyond this machine, without API_TOKEN: anyone who reaches it can place calls; set API_TOKEN`,
    );
  }

  let closing: Promise<void> | undefined;
  return {
    url: url(),
    port,
    runtime,
    logger,
    close() {
      closing ??= (async () => {
        ready = false;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        runtime.hub.close();
        runtime.ops.close();
        server.closeIdleConnections();
        await runtime.stop();
        // The spans of the last calls go out before the process ends.
        await tracing?.shutdown();
        // Requests still open after the scheduler and dialer stopped are cut.
        server.closeAllConnections();
        await closed;
        logger.info('stopped');
      })();
      return closing;
    },
  };
}

/** Runs the server until SIGTERM or SIGINT, then shuts down gracefully and exits 0. */
export async function main(
  config: Config,
  options: StartOptions = {},
  onClose?: () => Promise<void>,
) {
  const running = await startServer(config, options);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      running.logger.fatal('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    void running
      .close()
      .then(() => onClose?.())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          running.logger.fatal({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  return running;
}
