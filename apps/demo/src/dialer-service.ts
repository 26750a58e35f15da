import {
  createNumDialerClient,
  createWebhookHandler,
  createWebhookToken,
  type CallProvider,
  type CallStatus,
  type WebhookHandler,
} from '@ringkit/call-client';
import { createDialer, type DialerEntry } from '@ringkit/dialer';
import type { Scheduler } from '@ringkit/scheduler-core';
import type { Logger } from 'pino';
import type { EventHub } from './event-hub.js';
import { serializeDialer, serializeDialerStatus } from './serialize.js';

export interface DialerServiceOptions {
  numbers: readonly string[];
  concurrency: number;
  /** The webhook-flavour API the calls go to. */
  apiUrl: string;
  /** The base of the webhook URL handed to the provider; read when the dialer starts. */
  publicUrl: () => string;
  /** A fixed token for the webhook URL; a random one per start when left out. */
  webhookToken?: string | undefined;
  /** The app's own number, `from` of the call records. */
  callerId: string;
  /** Where call records go (history). */
  scheduler: Pick<Scheduler, 'recordCall'>;
  hub: EventHub;
  logger: Logger;
}

/**
 * The configured list of numbers and one dialer run over it, composed for the demo: the webhook
 * token, the provider, status events on the event hub, and a call record per attempt that
 * reached the provider.
 */
export function createDialerService(options: DialerServiceOptions) {
  const { hub, logger, callerId } = options;
  let client: CallProvider | undefined;
  let webhook: WebhookHandler | undefined;
  const runId = Date.now().toString(36);

  // The provider's webhook URL carries a token chosen at start(), so the dialer gets a provider
  // that forwards to the client created then.
  const provider: CallProvider = {
    name: 'num-dialer',
    capabilities: { polling: false, webhooks: true },
    placeCall(request) {
      if (!client) throw new Error('The dialer has not been started');
      return client.placeCall(request);
    },
  };
  const dialer = createDialer({
    provider,
    numbers: options.numbers,
    concurrency: options.concurrency,
  });

  const answeredAt = new Map<number, number>();
  const recorded = new Set<string>();
  const pending = new Set<Promise<unknown>>();

  function record(entry: DialerEntry, status: CallStatus) {
    if (entry.callId === null || entry.startedAt === null) return;
    const id = `dialer-${runId}-${entry.index}-${entry.attempts}`;
    if (recorded.has(id) && entry.endedAt === null) return;
    recorded.add(id);
    const saving = options.scheduler
      .recordCall({
        id,
        from: callerId,
        to: entry.phone,
        direction: 'outbound',
        status,
        startedAt: new Date(entry.startedAt),
        answeredAt: answeredAt.has(entry.index) ? new Date(answeredAt.get(entry.index)!) : null,
        endedAt: entry.endedAt === null ? null : new Date(entry.endedAt),
      })
      .then(() => hub.publish('history', { phones: [callerId, entry.phone] }))
      .catch((error: unknown) => logger.error({ err: error }, 'could not record a dialer call'))
      .finally(() => pending.delete(saving));
    pending.add(saving);
  }

  const publishState = () => hub.publish('dialer', serializeDialer(dialer.snapshot(), false));

  dialer.on('status', (event) => {
    if (event.status === 'answered') answeredAt.set(event.index, event.at);
    if (event.status === 'dialing') answeredAt.delete(event.index);
    hub.publish('dialer-entry', serializeDialerStatus(event));
  });
  dialer.on('progress', publishState);
  dialer.on('drained', publishState);
  dialer.on('finished', (entry) => {
    if (entry.status === 'idle' || entry.status === 'dialing') return;
    record(entry, entry.status);
  });
  dialer.on('error', ({ error, source, index }) => {
    logger.warn({ err: error, source, index }, 'dialer error');
  });

  return {
    snapshot: () => dialer.snapshot(),

    /** Starts the one run of this process; a `DialerStateError` (→ 409) once started. */
    start() {
      if (dialer.snapshot().state !== 'idle') dialer.start(); // throws the typed error
      const token = options.webhookToken ?? createWebhookToken();
      const base = options.publicUrl().replace(/\/+$/, '');
      client = createNumDialerClient({
        baseUrl: options.apiUrl,
        webhookUrl: `${base}/webhooks/dialer/${token}`,
      });
      webhook = createWebhookHandler({
        token,
        onEvent: (event) => {
          dialer.handleStatus(event);
        },
        onError: (error) => logger.debug({ err: error }, 'webhook refused'),
      });
      dialer.start();
      publishState();
      return dialer.snapshot();
    },

    /** A provider webhook: 404 for any token but this run's. */
    async handleWebhook(token: string, body: unknown) {
      if (!webhook) {
        return { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
      }
      return webhook({ token, body });
    },

    /**
     * For shutdown: no new calls; every call in flight is recorded as it stands now (a later
     * status, if one arrives before the process exits, updates the same record).
     */
    async stop() {
      const snapshot = dialer.snapshot();
      if (snapshot.state === 'running' || snapshot.state === 'paused') dialer.stop();
      for (const entry of dialer.snapshot().entries) {
        if (entry.endedAt !== null || entry.callId === null) continue;
        if (entry.status === 'idle' || entry.status === 'dialing') continue;
        record(entry, entry.status);
      }
      await Promise.allSettled([...pending]);
    },
  };
}

export type DialerService = ReturnType<typeof createDialerService>;
