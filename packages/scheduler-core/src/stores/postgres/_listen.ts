import type { Client } from 'pg';
import { classifyFailure, describeError, type PostgresStoreLogger } from './_retry.js';

export interface WakeListener {
  /** Connects and LISTENs; retries a lost connection for up to `timeoutMs`. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One dedicated connection (outside the pool, so it never takes a slot) LISTENing on the
 * schema's channel. Each notification's payload is a wake time in epoch ms. When the connection
 * drops it reconnects with backoff, for as long as it runs, then calls `onWake(null)`: whatever
 * was announced meanwhile is unknown, so the scheduler re-reads the store.
 */
export function createWakeListener(options: {
  label: string;
  channel: string;
  connect: () => Client;
  onWake: (wakeAt: number | null) => void;
  /** Told when the connection starts LISTENing (`true`) and when it is lost or closed (`false`). */
  onListening?: (listening: boolean) => void;
  logger: PostgresStoreLogger | undefined;
  timeoutMs: number;
}): WakeListener {
  const { label, channel, logger } = options;
  let client: Client | null = null;
  let stopped = false;
  let reconnecting = false;

  async function open(): Promise<void> {
    const candidate = options.connect();
    candidate.on('notification', (message) => {
      if (message.channel !== channel || client !== candidate) return;
      const at = Number(message.payload);
      options.onWake(message.payload && Number.isFinite(at) ? at : null);
    });
    candidate.on('error', (error) => dropped(candidate, error));
    candidate.on('end', () => dropped(candidate, new Error('the connection ended')));
    try {
      await candidate.connect();
      await candidate.query(`LISTEN "${channel}"`);
    } catch (error) {
      void candidate.end().catch(() => undefined);
      throw error;
    }
    if (stopped) {
      await candidate.end().catch(() => undefined);
      return;
    }
    client = candidate;
    options.onListening?.(true);
  }

  function dropped(candidate: Client, error: unknown) {
    if (client !== candidate) return; // still connecting (the caller sees the error), or replaced
    client = null;
    options.onListening?.(false);
    void candidate.end().catch(() => undefined);
    if (stopped) return;
    logger?.warn(`${label}: the LISTEN connection dropped (${describeError(error)}); reconnecting`);
    void reconnect();
  }

  async function reconnect() {
    if (reconnecting) return;
    reconnecting = true;
    const since = Date.now();
    let delay = 50;
    try {
      while (!stopped) {
        try {
          await open();
          if (stopped) return;
          logger?.info(
            `${label}: LISTEN connection restored after ${Date.now() - since} ms; re-checking due calls`,
          );
          options.onWake(null);
          return;
        } catch {
          await sleep(delay);
          delay = Math.min(delay * 2, 2000);
        }
      }
    } finally {
      reconnecting = false;
    }
  }

  return {
    async start() {
      const started = Date.now();
      let delay = 50;
      for (;;) {
        try {
          await open();
          return;
        } catch (error) {
          if (classifyFailure(error) === null || Date.now() - started >= options.timeoutMs) {
            throw error;
          }
          await sleep(delay);
          delay = Math.min(delay * 2, 1000);
        }
      }
    },
    async stop() {
      stopped = true;
      const current = client;
      client = null;
      if (current) options.onListening?.(false);
      await current?.end().catch(() => undefined);
    },
  };
}

/**
 * The store's `subscribe`: one {@link createWakeListener} shared by every subscriber, opened by
 * the first and closed after the last. `observe` learns of every wake before the subscribers.
 */
export function createWakeSubscriptions(
  options: Omit<Parameters<typeof createWakeListener>[0], 'onWake'> & {
    observe?: (wakeAt: number | null) => void;
  },
) {
  const subscribers = new Set<(wakeAt: number | null) => void>();
  let listener: WakeListener | null = null;
  let listening: Promise<void> | null = null;

  async function stopListening() {
    if (subscribers.size > 0 || !listener) return;
    const current = listener;
    listener = null;
    listening = null;
    await current.stop();
  }

  return {
    async subscribe(onWake: (wakeAt: number | null) => void): Promise<() => Promise<void>> {
      subscribers.add(onWake);
      if (!listener) {
        listener = createWakeListener({
          ...options,
          onWake: (wakeAt) => {
            options.observe?.(wakeAt);
            for (const subscriber of subscribers) subscriber(wakeAt);
          },
        });
        listening = listener.start();
      }
      try {
        await listening;
      } catch (error) {
        subscribers.delete(onWake);
        await stopListening();
        throw error;
      }
      return async () => {
        if (subscribers.delete(onWake) && subscribers.size === 0) await stopListening();
      };
    },
    async close() {
      subscribers.clear();
      await stopListening();
    },
  };
}
