/**
 * The demo's dialer service: one run of one list at a time, its history records written before
 * each request leaves, and the recovery of a run a crash cut short. Longer than most files
 * because the run, its records and its recovery share one state and must change together.
 */
import { randomBytes } from 'node:crypto';
import {
  isTerminal,
  placementOutcomeOf,
  createNumDialerClient,
  createWebhookHandler,
  createWebhookToken,
  type CallOptions,
  type CallProvider,
  type CallStatus,
  type CallStatusEvent,
  type WebhookHandler,
} from '@ringkit/call-client';
import { createDialer, type DialerEntry, type DialerOptions } from '@ringkit/dialer';
import type { Scheduler, Store } from '@ringkit/scheduler-core';
import type { Logger } from 'pino';
import type { EventHub } from './event-hub.js';
import { logPlacement } from './logger.js';
import type { ObserverHub } from './observe.js';
import { ApiError } from './http-errors.js';
import { serializeDialer, serializeDialerStatus } from './serialize.js';

interface DialerServiceBase {
  /** The list, each number alone or with its call options (`{ phone, call: { say } }`). */
  numbers: DialerOptions['numbers'];
  concurrency: number;
  /** The app's own number (E.164), `from` of the call records. */
  callerId: string;
  /** Where call records go (history). */
  scheduler: Pick<Scheduler, 'recordCall'>;
  /** The store behind `scheduler`, read once at start to find a run a crash cut short. */
  store: Pick<Store, 'listHistory'>;
  hub: EventHub;
  logger: Logger;
  /** Told of every placement (the provider's own time) and every end. */
  observer: Pick<ObserverHub, 'placement' | 'ended'>;
}

/** Calls through the webhook-flavour API, followed by the webhook URL this service hands it. */
interface WebhookFlavourCalls {
  /** The webhook-flavour API the calls go to. */
  apiUrl: string;
  /** The base of the webhook URL handed to the provider; read when the dialer starts. */
  publicUrl: () => string;
  /** A fixed token for the webhook URL; a random one per start when left out. */
  webhookToken?: string | undefined;
  /** The provider's calls per second, for its client. @default unlimited */
  callsPerSecond?: number | undefined;
}

/**
 * Calls through a provider the app shares (Twilio: one client, one pacer for the account), whose
 * status events the app feeds to `handleStatus()` (Twilio's signed callbacks).
 */
interface SharedProviderCalls {
  provider: CallProvider;
}

export type DialerServiceOptions = DialerServiceBase & (WebhookFlavourCalls | SharedProviderCalls);

/** A call of a run that was cut short, as its record says. */
export interface InterruptedEntry {
  index: number;
  attempt: number;
  phone: string;
  status: CallStatus;
  /** The provider's call id; call records do not keep it, so it is `null` after a restart. */
  call_id: string | null;
  /** Placed with no clear answer, or still in progress when the process died: it may have rung. */
  outcome_unknown: boolean;
  started_at: string;
}

/** A run a previous process did not see to its end (a crash, a restart mid-run). */
export interface InterruptedRun {
  run_id: string;
  started_at: string;
  /** How many numbers the run had; those without an entry were never dialed. */
  total: number;
  entries: InterruptedEntry[];
}

/**
 * The id of a dialer call record: `dialer-<run>-of<total>-<index>-<attempt>`, where `<run>` is
 * the run's start time (9 base-36 digits, so ids sort by it) and 8 random hex digits. Everything
 * a restart needs to know about a run is in its records and their ids.
 */
const RECORD_ID = /^dialer-([0-9a-z]{9})([0-9a-f]{8})-of(\d+)-(\d+)-(\d+)$/;

function parseRecordId(id: string) {
  const match = RECORD_ID.exec(id);
  if (!match) return null;
  const [, stamp, random, total, index, attempt] = match as unknown as string[];
  return {
    run: `${stamp}${random}-of${total}`,
    startedAt: Number.parseInt(stamp!, 36),
    total: Number(total),
    index: Number(index),
    attempt: Number(attempt),
  };
}

/**
 * The configured list of numbers and one dialer run over it, composed for the demo: the webhook
 * token, the provider, status events on the event hub, and a call record per attempt, written
 * before its POST leaves and again when it ends, so a crash loses no call that may have rung.
 *
 * Nothing but those records is kept. After a restart, `recover()` reads the latest run's records:
 * a run with a call still in progress on record, or with numbers it never reached, was cut short.
 * Its calls in progress are closed as of unknown outcome (this process can no longer learn their
 * end), it is shown by `interruptedRun()`, and `start()` refuses to dial the list again unless
 * told to (`{ restart: true }`).
 */
export function createDialerService(options: DialerServiceOptions) {
  const { hub, logger, callerId } = options;
  const total = options.numbers.length;
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

  const shared = 'provider' in options ? options.provider : undefined;
  /** The provider ids of this run's calls, so their status events come here. */
  const placed = new Set<string>();

  // The webhook flavour's URL carries a token chosen at start(), so the dialer gets a provider
  // that forwards to the client created then; a shared provider is forwarded to as it is.
  const provider: CallProvider = {
    name: shared?.name ?? 'num-dialer',
    capabilities: shared?.capabilities ?? { polling: false, webhooks: true },
    async placeCall(request) {
      const mine = invoked++; // counted first: every invocation has its `dialing`
      const current = client;
      if (!current) throw new Error('The dialer has not been started');
      await null; // the `dialing` listener runs in this tick
      const written = recordWrites.get(mine);
      recordWrites.delete(mine);
      // On record before the request leaves: a crash from here on leaves the call `In progress`,
      // and the next start shows it. A failed write is logged; the call is placed all the same.
      await written;
      // The provider's own time, from here: not the record's write before it.
      const sentAt = performance.now();
      const observe = (outcome: 'placed' | 'not_placed' | 'unknown') =>
        options.observer.placement({
          source: 'dialer',
          provider: current.name,
          outcome,
          durationMs: performance.now() - sentAt,
          lagMs: null,
          at: Date.now(),
        });
      let call: Awaited<ReturnType<CallProvider['placeCall']>>;
      try {
        call = await current.placeCall(request);
      } catch (error) {
        observe(placementOutcomeOf(error));
        throw error;
      }
      observe('placed');
      placed.add(String(call.id));
      return call;
    },
    // Its own checks of call options, the one check of a call at its timeout, and hanging up,
    // where the shared provider has them.
    ...(shared?.checkCallOptions
      ? { checkCallOptions: (call: CallOptions) => shared.checkCallOptions!(call) }
      : {}),
    ...(shared?.getCall
      ? { getCall: (id: string, init?: { signal?: AbortSignal }) => shared.getCall!(id, init) }
      : {}),
    ...(shared?.cancelCall
      ? {
          cancelCall: (id: string, init?: { signal?: AbortSignal }) => shared.cancelCall!(id, init),
        }
      : {}),
    ...(shared?.hangUpCall
      ? {
          hangUpCall: (id: string, init?: { signal?: AbortSignal }) => shared.hangUpCall!(id, init),
        }
      : {}),
  };
  const dialer = createDialer({
    provider,
    numbers: options.numbers,
    concurrency: options.concurrency,
  });

  /** Every record write, one after another: a later write of a record never lands first. */
  let writes: Promise<unknown> = Promise.resolve();
  const pending = new Set<Promise<unknown>>();

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
    const id = `dialer-${runId}-${record.index}-${record.attempt}`;
    const saving: Promise<unknown> = writes
      .then(() =>
        options.scheduler.recordCall({
          id,
          from: callerId,
          to: record.phone,
          direction: 'outbound',
          status: record.status,
          startedAt: new Date(record.startedAt),
          answeredAt: record.answeredAt === null ? null : new Date(record.answeredAt),
          endedAt: record.endedAt === null ? null : new Date(record.endedAt),
          outcomeUnknown: record.outcomeUnknown,
        }),
      )
      .then(() => hub.publish('history', { phones: [callerId, record.phone] }))
      .catch((error: unknown) => logger.error({ err: error }, 'could not record a dialer call'))
      .finally(() => pending.delete(saving));
    writes = saving;
    pending.add(saving);
    return saving;
  }

  const publishState = () => hub.publish('dialer', serializeDialer(dialer.snapshot(), false));
  const dialedAt = new Map<string, number>();

  dialer.on('dialing', ({ index, phone, attempt, at }) => {
    dialedAt.set(`${index}-${attempt}`, at);
    // In progress on record (no end) before the request leaves.
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
  let inFlight = 0;
  dialer.on('progress', (progress) => {
    inFlight = progress.inFlight;
  });
  dialer.on('placement', (event) =>
    logPlacement(logger, {
      source: 'dialer',
      call_id: event.index,
      attempt: event.attempt,
      to: event.phone,
      provider: event.provider,
      outcome: event.outcome,
      provider_call_id: event.callId,
      provider_status: event.providerStatus,
      duration_ms: event.durationMs,
      trace: event.trace,
      ...(event.error === undefined ? {} : { err: event.error }),
    }),
  );
  dialer.on('status', (event) => {
    hub.publish('dialer-entry', serializeDialerStatus(event));
    if (event.status !== 'dialing' && event.status !== 'idle' && isTerminal(event.status)) {
      options.observer.ended({ source: 'dialer', status: event.status, at: event.at });
    }
    const key = `${event.index}-${event.attempt}`;
    const startedAt = dialedAt.get(key) ?? event.at;
    if (event.status === 'answered') {
      // Still in progress, but known to be answered: a crash from here on keeps that.
      save({
        index: event.index,
        phone: event.phone,
        attempt: event.attempt,
        status: 'answered',
        startedAt,
        answeredAt: event.at,
        endedAt: null,
        outcomeUnknown: false,
      });
    } else if (event.willRetry) {
      // An attempt that ends with another to follow (busy, no answer) is recorded as it ends;
      // the last one is recorded by `finished`.
      save({
        index: event.index,
        phone: event.phone,
        attempt: event.attempt,
        status: event.status as CallStatus,
        startedAt,
        answeredAt: null,
        endedAt: event.at,
        outcomeUnknown: false,
      });
    }
  });
  dialer.on('progress', publishState);
  dialer.on('drained', publishState);
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
      // A placement in doubt may still be ringing: no end on record until its slot is let go,
      // so a crash meanwhile leaves it for the next start to find.
      endedAt: entry.inDoubt ? null : (entry.endedAt ?? Date.now()),
      outcomeUnknown: entry.status === 'failed' && entry.error?.reason === 'outcome_unknown',
    });
  });
  dialer.on('error', ({ error, source, index }) => {
    logger.warn({ err: error, source, index }, 'dialer error');
  });

  /** The records of the latest run on record (ids sort by start time), newest first. */
  async function latestRun() {
    let run: ReturnType<typeof parseRecordId> = null;
    const records: {
      record: Awaited<ReturnType<Store['listHistory']>>['items'][number];
      id: NonNullable<ReturnType<typeof parseRecordId>>;
    }[] = [];
    let cursor: string | null = null;
    do {
      const page = await options.store.listHistory(callerId, { cursor, limit: 200 });
      for (const record of page.items) {
        // Newest first: once past the latest run's start, no older record can be of it.
        if (run && record.startedAt < run.startedAt) return { run, records };
        const id = parseRecordId(record.id);
        if (!id || record.from !== callerId) continue;
        if (!run || id.run > run.run) {
          run = id;
          records.length = 0;
        }
        if (id.run === run.run) records.push({ record, id });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return { run, records };
  }

  return {
    snapshot: () => dialer.snapshot(),

    /** Calls of the run from their request to a terminal status, now. */
    inFlight: () => inFlight,

    /** The run a previous process did not see to its end, until the list is dialed again. */
    interruptedRun: () => interrupted,

    /**
     * Finds the latest run on record and whether a previous process saw it to its end: it did not
     * when a call is still in progress on record or a number of the run has no record at all.
     * Calls in progress are closed as of unknown outcome. Called once, before the server listens.
     */
    async recover() {
      const { run, records } = await latestRun();
      if (!run) return;
      const reached = new Set(records.map(({ id }) => id.index));
      const open = records.filter(({ record }) => record.endedAt === null);
      if (open.length === 0 && reached.size >= run.total) return;
      const now = new Date();
      const entries: InterruptedEntry[] = [];
      for (const { record, id } of records) {
        let { status } = record;
        let outcomeUnknown = record.outcomeUnknown === true;
        if (record.endedAt === null) {
          // It may have rung, and may still: this process cannot learn how it ended.
          await options.scheduler.recordCall({
            id: record.id,
            from: record.from,
            to: record.to,
            direction: 'outbound',
            status: 'failed',
            startedAt: new Date(record.startedAt),
            answeredAt: record.answeredAt === null ? null : new Date(record.answeredAt),
            endedAt: now,
            outcomeUnknown: true,
          });
          status = 'failed';
          outcomeUnknown = true;
        }
        entries.push({
          index: id.index,
          attempt: id.attempt,
          phone: record.to,
          status,
          call_id: null,
          outcome_unknown: outcomeUnknown,
          started_at: new Date(record.startedAt).toISOString(),
        });
      }
      entries.sort((a, b) => a.index - b.index || a.attempt - b.attempt);
      interrupted = {
        run_id: run.run,
        started_at: new Date(run.startedAt).toISOString(),
        total: run.total,
        entries,
      };
      if (open.length > 0) hub.publish('history', { phones: [callerId] });
      logger.warn(
        { run_id: run.run, calls: entries.length, closed: open.length },
        'the previous dialer run was interrupted; dialing the list again needs { "restart": true }',
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
        const { entries } = interrupted;
        throw new ApiError(
          409,
          'interrupted_run',
          `The dialer run started at ${interrupted.started_at} was interrupted after ` +
            `${entries.length} call(s); they may have rung. Send {"restart": true} to dial ` +
            'the whole list again.',
          { interrupted_run: interrupted },
        );
      }
      if (shared) {
        client = shared;
      } else if ('apiUrl' in options) {
        const token = options.webhookToken ?? createWebhookToken();
        const base = options.publicUrl().replace(/\/+$/, '');
        client = createNumDialerClient({
          baseUrl: options.apiUrl,
          webhookUrl: `${base}/webhooks/dialer/${token}`,
          ...(options.callsPerSecond === undefined
            ? {}
            : { callsPerSecond: options.callsPerSecond }),
        });
        webhook = createWebhookHandler({
          token,
          onEvent: (event) => {
            dialer.handleStatus(event);
          },
          onError: (error) => logger.debug({ err: error }, 'webhook refused'),
        });
      }
      const stamp = Date.now().toString(36).padStart(9, '0');
      runId = `${stamp}${randomBytes(4).toString('hex')}-of${total}`;
      interrupted = null;
      dialer.start();
      publishState();
      return dialer.snapshot();
    },

    /** Whether a status event of this provider call id is one of this run's calls. */
    ownsCall: (callId: string) => placed.has(callId),

    /**
     * A status event of the shared provider (a call of this run, or one whose placement has not
     * been answered yet: the dialer keeps those while its requests are out, and drops the rest).
     */
    handleStatus(event: CallStatusEvent) {
      dialer.handleStatus(event);
    },

    /** A webhook of the webhook flavour: 404 for any token but this run's. */
    async handleWebhook(token: string, body: unknown) {
      if (!webhook) {
        return { status: 404, body: { error: { code: 'not_found', message: 'Not found' } } };
      }
      return webhook({ token, body });
    },

    /**
     * For shutdown: no new calls; every call in flight keeps the record written when its POST
     * left (a later status, if one arrives before the process exits, updates it). Numbers not
     * reached have no record, so the next start shows the run as interrupted.
     */
    async stop() {
      const snapshot = dialer.snapshot();
      if (snapshot.state === 'running' || snapshot.state === 'paused') dialer.stop();
      await Promise.allSettled([...pending]);
    },
  };
}

export type DialerService = ReturnType<typeof createDialerService>;
