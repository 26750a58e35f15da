import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  SIGNALWIRE_TEST_CREDENTIALS,
  startCallApiSimulator,
  TELNYX_TEST_CREDENTIALS,
  TWILIO_TEST_CREDENTIALS,
  VONAGE_TEST_CREDENTIALS,
  type CallApiSimulator,
  type SimulatorKnobs,
} from '@ringkit/simulator';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { loadConfig } from './config.js';
import { startServer, type RunningServer, type StartOptions } from './server.js';

export interface TestApp {
  server: RunningServer;
  url: string;
  polling: CallApiSimulator;
  webhook: CallApiSimulator;
  /** The Twilio simulator, with `twilio`. */
  twilio: CallApiSimulator | undefined;
  /** The Telnyx simulator, with `telnyx`. */
  telnyx: CallApiSimulator | undefined;
  /** The SignalWire simulator, with `signalwire`. */
  signalwire: CallApiSimulator | undefined;
  /** The Vonage simulator, with `vonage`. */
  vonage: CallApiSimulator | undefined;
  dataDir: string;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface TestAppOptions extends Omit<StartOptions, 'logDestination'> {
  env?: Record<string, string>;
  /**
   * Use the stores the configuration names (SQLite files in DATA_DIR, or DATABASE_URL), not
   * `createMemoryStore()`s.
   */
  configuredStore?: boolean;
  stepMs?: number | [number, number];
  /**
   * `CALL_PROVIDER=twilio` against a Twilio simulator started with these knobs (and
   * `TWILIO_TEST_CREDENTIALS`). `PUBLIC_URL` is `http://localhost:9` unless `env` says otherwise,
   * so its callbacks reach nobody and a test sends its own.
   */
  twilio?: Partial<SimulatorKnobs>;
  /**
   * `CALL_PROVIDER=telnyx` against a Telnyx simulator started with these knobs (and
   * `TELNYX_TEST_CREDENTIALS`), its `publicKey` as `TELNYX_PUBLIC_KEY`. `PUBLIC_URL` is
   * `http://localhost:9` unless `env` says otherwise, so its webhooks reach nobody and a test
   * sends its own.
   */
  telnyx?: Partial<SimulatorKnobs>;
  /**
   * `CALL_PROVIDER=signalwire` against a SignalWire simulator started with these knobs (and
   * `SIGNALWIRE_TEST_CREDENTIALS`), its URL as `SIGNALWIRE_SPACE_URL`. `PUBLIC_URL` is
   * `http://localhost:9` unless `env` says otherwise, so its callbacks reach nobody and a test
   * sends its own.
   */
  signalwire?: Partial<SimulatorKnobs>;
  /**
   * `CALL_PROVIDER=vonage` against a Vonage simulator started with these knobs (and
   * `VONAGE_TEST_CREDENTIALS`). `PUBLIC_URL` is `http://localhost:9` unless `env` says otherwise,
   * so its events reach nobody and a test sends its own.
   */
  vonage?: Partial<SimulatorKnobs>;
  /**
   * Simulators already running (another app's, as a restart keeps the provider): used instead
   * of new ones, and left running by `close()`.
   */
  simulators?: { polling: CallApiSimulator; webhook: CallApiSimulator };
}

/** The app on a free port with a memory store, both simulators on free ports with fast calls. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const stepMs = options.stepMs ?? [5, 20];
  const given = options.simulators;
  const polling =
    given?.polling ??
    (await startCallApiSimulator({ flavour: 'polling', port: 0, stepMs, seed: 1 }));
  const webhook =
    given?.webhook ??
    (await startCallApiSimulator({ flavour: 'webhook', port: 0, stepMs, seed: 2 }));
  const twilio = options.twilio
    ? await startCallApiSimulator({
        port: 0,
        stepMs,
        seed: 3,
        ...options.twilio,
        flavour: 'twilio',
      })
    : undefined;
  const telnyx = options.telnyx
    ? await startCallApiSimulator({
        port: 0,
        stepMs,
        seed: 4,
        ...options.telnyx,
        flavour: 'telnyx',
      })
    : undefined;
  const signalwire = options.signalwire
    ? await startCallApiSimulator({
        port: 0,
        stepMs,
        seed: 5,
        ...options.signalwire,
        flavour: 'signalwire',
      })
    : undefined;
  const vonage = options.vonage
    ? await startCallApiSimulator({
        port: 0,
        stepMs,
        seed: 6,
        ...options.vonage,
        flavour: 'vonage',
      })
    : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'ringkit-demo-'));
  const logs: Record<string, unknown>[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    CALL_API_URL: polling.url,
    DIALER_API_URL: webhook.url,
    DIALER_NUMBERS: '13018040009,19842068287,15512459377,13018040009',
    DIALER_CONCURRENCY: '2',
    ...(twilio
      ? {
          CALL_PROVIDER: 'twilio',
          TWILIO_API_URL: twilio.url,
          TWILIO_ACCOUNT_SID: TWILIO_TEST_CREDENTIALS.accountSid,
          TWILIO_AUTH_TOKEN: TWILIO_TEST_CREDENTIALS.authToken,
          PUBLIC_URL: 'http://localhost:9',
        }
      : {}),
    ...(telnyx
      ? {
          CALL_PROVIDER: 'telnyx',
          TELNYX_API_URL: telnyx.url,
          TELNYX_API_KEY: TELNYX_TEST_CREDENTIALS.apiKey,
          TELNYX_CONNECTION_ID: TELNYX_TEST_CREDENTIALS.connectionId,
          TELNYX_PUBLIC_KEY: telnyx.publicKey!,
          CALLER_ID: '+14155550100',
          PUBLIC_URL: 'http://localhost:9',
        }
      : {}),
    ...(signalwire
      ? {
          CALL_PROVIDER: 'signalwire',
          SIGNALWIRE_SPACE_URL: signalwire.url,
          SIGNALWIRE_PROJECT_ID: SIGNALWIRE_TEST_CREDENTIALS.projectId,
          SIGNALWIRE_API_TOKEN: SIGNALWIRE_TEST_CREDENTIALS.apiToken,
          SIGNALWIRE_SIGNING_KEY: SIGNALWIRE_TEST_CREDENTIALS.signingKey,
          CALLER_ID: '+14155550100',
          PUBLIC_URL: 'http://localhost:9',
        }
      : {}),
    ...(vonage
      ? {
          CALL_PROVIDER: 'vonage',
          VONAGE_API_URL: vonage.url,
          VONAGE_APPLICATION_ID: VONAGE_TEST_CREDENTIALS.applicationId,
          VONAGE_PRIVATE_KEY: VONAGE_TEST_CREDENTIALS.privateKey,
          VONAGE_SIGNATURE_SECRET: VONAGE_TEST_CREDENTIALS.signatureSecret,
          CALLER_ID: '+14155550100',
          PUBLIC_URL: 'http://localhost:9',
        }
      : {}),
    ...options.env,
  });
  const {
    env: _env,
    configuredStore,
    stepMs: _stepMs,
    twilio: _twilio,
    telnyx: _telnyx,
    signalwire: _signalwire,
    vonage: _vonage,
    simulators: _simulators,
    ...rest
  } = options;
  const server = await startServer(config, {
    watchIntervalMs: 20,
    ...(configuredStore ? {} : { store: createMemoryStore() }),
    ...rest,
    logDestination,
  });
  return {
    server,
    url: server.url,
    polling,
    webhook,
    twilio,
    telnyx,
    signalwire,
    vonage,
    dataDir,
    logs,
    async close() {
      await server.close();
      await Promise.all([
        given ? undefined : polling.close(),
        given ? undefined : webhook.close(),
        twilio?.close(),
        telnyx?.close(),
        signalwire?.close(),
        vonage?.close(),
      ]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `fetch` that sends and parses JSON. */
export async function api(
  url: string,
  init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.raw !== undefined) {
    body = init.raw;
    headers['content-type'] ??= 'application/json';
  } else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(url, { method: init.method ?? 'GET', headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  // Tests read fields of answers they know the shape of.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, headers: response.headers, json: json as any, text };
}

/** A scheduled call as the tests of the webhook routes read it back. */
export interface ScheduledCallBody {
  id: string;
  status: string;
  version: number;
  provider_call_id: string | null;
  timeline: { status: string }[];
}

/** Schedules a call to `+14155552671` due now (with `body`'s fields) on the app at `url`; answers its id. */
export async function scheduleNow(url: string, body: Record<string, unknown> = {}) {
  const created = await api(`${url}/api/scheduled-calls`, {
    method: 'POST',
    body: { phone_number: '+14155552671', scheduled_time: new Date().toISOString(), ...body },
  });
  if (created.status !== 201) throw new Error(`scheduling refused: ${created.text}`);
  return created.json.id as string;
}

/** The scheduled call `id` on the app at `url`. */
export const scheduledCall = async (url: string, id: string) =>
  (await api(`${url}/api/scheduled-calls/${id}`)).json as ScheduledCallBody;

/** Schedules a call due now and resolves with it once its provider gave it an id. */
export async function placedCall(url: string) {
  const id = await scheduleNow(url);
  const call = await eventually(async () => {
    const json = await scheduledCall(url, id);
    return json.provider_call_id
      ? (json as ScheduledCallBody & { provider_call_id: string })
      : null;
  });
  return call!;
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Reads a Server-Sent Events stream, event by event. */
export async function openEvents(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let buffer = '';
  let ended = false;
  const waiters = new Set<() => void>();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event: SseEvent = { event: 'message', data: '' };
          let isEvent = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) [isEvent, event.event] = [true, line.slice(7)];
            else if (line.startsWith('data: ')) [isEvent, event.data] = [true, line.slice(6)];
          }
          if (isEvent) events.push(event);
        }
        for (const wake of waiters) wake();
      }
    } catch {
      // aborted
    }
    ended = true;
    for (const wake of waiters) wake();
  })();

  return {
    response,
    events,
    comments,
    get ended() {
      return ended;
    },
    /** Resolves when `predicate` holds for what was received, or rejects after `timeoutMs`. */
    until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate()) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          } else if (ended) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error('the stream ended'));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; got ${JSON.stringify(events.map((e) => e.event))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { freePort } from './_test-ports.js';
