import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createNumDialerClient,
  createWebhookHandler,
  createWebhookToken,
  type CallProvider,
  type CallStatus,
  type WebhookHandler,
} from '@ringkit/call-client';
import { createDialer, type DialerEntry } from '@ringkit/dialer';
import type { HistoryEntry, Scheduler } from '@ringkit/scheduler-core';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { EventHub } from './event-hub.js';
import { ApiError } from './http-errors.js';
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
  scheduler: Pick<Scheduler, 'recordCall' | 'history'>;
  /** Where the run marker (`dialer-run.json`) is kept, so a restart knows a run was cut short. */
  dataDir: string;
  hub: EventHub;
  logger: Logger;
}

/** The marker of the latest run: written when it starts, finished when it drains. */
const runMarkerSchema = z.strictObject({
  run_id: z.string().regex(/^[a-z0-9]{1,40}$/),
  started_at: z.iso.datetime(),
  finished_at: z.iso.datetime().nullable(),
});
type RunMarker = z.infer<typeof runMarkerSchema>;

/** A call of a run that was cut short, as its record says. */
export interface InterruptedCall {
  index: number;
  attempt: number;
  phone: string;
  /** The record's history type seen from the app, e.g. `Completed Outbound`, `Unknown Outbound`. */
  type: HistoryEntry['type'];
  started_at: string;
}

/** A run the process did not see to its end (a crash, a restart mid-run). */
export interface InterruptedRun {
  run_id: string;
  started_at: string;
  calls: InterruptedCall[];
}

const recordIdPattern = /^dialer-([a-z0-9]+)-(\d+)-(\d+)$/;

/**
 * The configured list of numbers and one dialer run over it, composed for the demo: the webhook
 * token, the provider, status events on the event hub, and a call record per attempt, written
 * when its POST leaves and again when it ends, so a crash loses no call that may have rung.
 *
 * A run is marked in `dataDir` when it starts and when it drains. After a restart, a run that
 * never drained is an interrupted run: its calls still in progress on record are closed as of
 * unknown outcome (this process can no longer learn their end), it is shown by `snapshot()`, and
 * `start()` refuses to dial the list again unless told to (`{ restart: true }`).
 */
export function createDialerService(options: DialerServiceOptions) {
  const { hub, logger, callerId } = options;
  const markerPath = join(options.dataDir, 'dialer-run.json');
  let client: CallProvider | undefined;
  let webhook: WebhookHandler | undefined;
  let runId: string | null = null;
  let interrupted: InterruptedRun | null = null;

  /**
   * The record write of each `placeCall` invocation, by invocation number. The dialer invokes
   * `placeCall` and then, in the same tick and the same order, emits `dialing`, whose listener
   * starts the write: so each request waits for its own record before it leaves.
   */
  const recordWrites = new Map<number, Promise<unknown>>();
  let invoked = 0;
  let announced = 0;

  // The provider's webhook URL carries a token chosen at start(), so the dialer gets a provider
  // that forwards to the client created then.
  const provider: CallProvider = {
    name: 'num-dialer',
    capabilities: { polling: false, webhooks: true },
    async placeCall(request) {
      const current = client;
      if (!current) throw new Error('The dialer has not been started');
      const mine = invoked++;
      await null; // the `dialing` listener runs in this tick
      const written = recordWrites.get(mine);
      recordWrites.delete(mine);
      // On record before the request leaves: a crash from here on leaves the call `In progress`,
      // and the next start shows it. A failed write is logged; the call is placed all the same.
      await written;
      return current.placeCall(request);
    },
  };
  const dialer = createDialer({
    provider,
    numbers: options.numbers,
    concurrency: options.concurrency,
  });

  const pending = new Set<Promise<unknown>>();

  function readMarker(): RunMarker | null {
    let text: string;
    try {
      text = readFileSync(markerPath, 'utf8');
    } catch {
      return null; // no run yet
    }
    const parsed = runMarkerSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      logger.warn({ path: markerPath }, 'ignoring an unreadable dialer run marker');
      return null;
    }
    return parsed.data;
  }

  function writeMarker(marker: RunMarker) {
    mkdirSync(options.dataDir, { recursive: true });
    const temporary = `${markerPath}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(marker)}\n`);
    renameSync(temporary, markerPath);
  }

  /** Saves the record of one attempt; a later save of the same attempt updates it. */
  function save(record: {
    index: number;
    phone: string;
    attempt: number;
    status: CallStatus;
    startedAt: number;
    answeredAt: number | null;
    endedAt: number | null;
    outcomeUnknown: boolean;
  }) {
    if (runId === null) return Promise.resolve();
    const saving: Promise<unknown> = options.scheduler
      .recordCall({
        id: `dialer-${runId}-${record.index}-${record.attempt}`,
        from: callerId,
        to: record.phone,
        direction: 'outbound',
        status: record.status,
        startedAt: new Date(record.startedAt),
        answeredAt: record.answeredAt === null ? null : new Date(record.answeredAt),
        endedAt: record.endedAt === null ? null : new Date(record.endedAt),
        outcomeUnknown: record.outcomeUnknown,
      })
      .then(() => hub.publish('history', { phones: [callerId, record.phone] }))
      .catch((error: unknown) => logger.error({ err: error }, 'could not record a dialer call'))
      .finally(() => pending.delete(saving));
    pending.add(saving);
    return saving;
  }

  const publishState = () => hub.publish('dialer', serializeDialer(dialer.snapshot(), false));
  const dialedAt = new Map<string, number>();

  let stopping = false;

  dialer.on('dialing', ({ index, phone, attempt, at }) => {
    dialedAt.set(`${index}-${attempt}`, at);
    const written = save({
      index,
      phone,
      attempt,
      status: 'queued',
      startedAt: at,
      answeredAt: null,
      endedAt: null,
      outcomeUnknown: false,
    });
    recordWrites.set(announced++, written);
  });
  const answeredAt = new Map<string, number>();
  dialer.on('status', (event) => {
    hub.publish('dialer-entry', serializeDialerStatus(event));
    const key = `${event.index}-${event.attempt}`;
    if (event.status === 'answered') answeredAt.set(key, event.at);
    // An attempt that ends with another to follow (busy, no answer) is recorded as it ends; the
    // last one is recorded by `finished`.
    if (event.willRetry) {
      save({
        index: event.index,
        phone: event.phone,
        attempt: event.attempt,
        status: event.status as CallStatus,
        startedAt: dialedAt.get(key) ?? event.at,
        answeredAt: answeredAt.get(key) ?? null,
        endedAt: event.at,
        outcomeUnknown: false,
      });
    }
  });
  dialer.on('progress', publishState);
  dialer.on('drained', () => {
    publishState();
    if (stopping) return; // cut short: the next start shows it as interrupted
    const marker = readMarker();
    if (marker && marker.run_id === runId) {
      writeMarker({ ...marker, finished_at: new Date().toISOString() });
    }
  });
  dialer.on('finished', (entry: DialerEntry) => {
    if (entry.status === 'idle' || entry.status === 'dialing' || entry.attempts === 0) return;
    const startedAt = dialedAt.get(`${entry.index}-${entry.attempts}`) ?? entry.startedAt;
    if (startedAt === null) return;
    save({
      index: entry.index,
      phone: entry.phone,
      attempt: entry.attempts,
      status: entry.status,
      startedAt,
      answeredAt: entry.answeredAt,
      endedAt: entry.endedAt ?? Date.now(),
      outcomeUnknown: entry.status === 'failed' && entry.error?.reason === 'outcome_unknown',
    });
  });
  dialer.on('error', ({ error, source, index }) => {
    logger.warn({ err: error, source, index }, 'dialer error');
  });

  /** The records of one run, from the app's own history (every dialer call is `from` it). */
  async function recordsOf(run: string): Promise<HistoryEntry[]> {
    const found: HistoryEntry[] = [];
    let cursor: string | null = null;
    do {
      const page = await options.scheduler.history(callerId, { cursor, limit: 100 });
      for (const item of page.items) {
        const match = recordIdPattern.exec(item.id);
        if (match?.[1] === run) found.push(item);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return found;
  }

  return {
    snapshot: () => dialer.snapshot(),

    /** The run a previous process did not see to its end, until the list is dialed again. */
    interruptedRun: () => interrupted,

    /**
     * Finds a run a previous process did not finish; its calls still in progress on record are
     * closed as of unknown outcome. Called once, before the server listens.
     */
    async recover() {
      const marker = readMarker();
      if (!marker || marker.finished_at !== null) return;
      const records = await recordsOf(marker.run_id);
      const now = new Date();
      const calls: InterruptedCall[] = [];
      for (const record of records) {
        const [, , index, attempt] = recordIdPattern.exec(record.id)!;
        let type = record.type;
        if (type.startsWith('In progress')) {
          await options.scheduler.recordCall({
            id: record.id,
            from: callerId,
            to: record.counterparty,
            direction: 'outbound',
            status: 'failed',
            startedAt: record.createdAt,
            endedAt: now,
            outcomeUnknown: true,
          });
          type = 'Unknown Outbound';
        }
        calls.push({
          index: Number(index),
          attempt: Number(attempt),
          phone: record.counterparty,
          type,
          started_at: record.createdAt.toISOString(),
        });
      }
      calls.sort((a, b) => a.index - b.index || a.attempt - b.attempt);
      interrupted = { run_id: marker.run_id, started_at: marker.started_at, calls };
      logger.warn(
        { run_id: marker.run_id, calls: calls.length },
        'the previous dialer run was interrupted; starting again needs { "restart": true }',
      );
    },

    /**
     * Starts the one run of this process; a `DialerStateError` (→ 409) once started, and an
     * `ApiError` 409 while a previous run was interrupted, unless `restart` says to dial the
     * list again.
     */
    start({ restart = false }: { restart?: boolean } = {}) {
      if (dialer.snapshot().state !== 'idle') dialer.start(); // throws the typed error
      if (interrupted && !restart) {
        throw new ApiError(
          409,
          'interrupted_run',
          `The dialer run started at ${interrupted.started_at} was interrupted after ` +
            `${interrupted.calls.length} call(s); send {"restart": true} to dial the whole list again`,
          { interrupted_run: interrupted },
        );
      }
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
      runId = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
      writeMarker({ run_id: runId, started_at: new Date().toISOString(), finished_at: null });
      interrupted = null;
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
     * For shutdown: no new calls; every call in flight keeps the record written when its POST
     * left (a later status, if one arrives before the process exits, updates it). The run stays
     * unfinished, so the next start shows it as interrupted.
     */
    async stop() {
      stopping = true;
      const snapshot = dialer.snapshot();
      if (snapshot.state === 'running' || snapshot.state === 'paused') dialer.stop();
      await Promise.allSettled([...pending]);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type DialerService = ReturnType<typeof createDialerService>;
