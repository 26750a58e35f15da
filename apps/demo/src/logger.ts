import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { CampaignsEvents } from '@ringkit/dialer';
import type { LogLevel } from './config.js';

/** Fields whose whole value is a phone number. */
const PHONE_KEYS = new Set([
  'phone',
  'phone_number',
  'phoneNumber',
  'to',
  'from',
  'counterparty',
  'caller_id',
  'callerId',
]);

/**
 * Phone numbers in free text, however a person writes them: 7 to 15 digits, with or without a
 * leading `+`, and with spaces, dots, dashes or parentheses between them (URL-encoded or not):
 * `+14155552671`, `(650) 555-0111`, `415.555.2671`, `415%20555%202671`.
 */
const PHONE_LIKE = /(?:\+|%2B)?(?:\(|%28)?\d(?:[\d ().-]|%20|%28|%29|%2D|\+){5,30}\d/gi;
/** A date is not a phone number: `2026-11-22` stays as it is. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A letter or digit: a run of digits glued to one is part of an id (a UUID, a hex id), not a number. */
const WORD_CHAR = /[A-Za-z0-9]/;

/** A UUID, which may start with eight digits, is never a phone number. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

function maskPhonesIn(text: string): string {
  const uuids = [...text.matchAll(UUID)].map((m) => [m.index, m.index + m[0].length]);
  return text.replace(PHONE_LIKE, (match, offset: number, whole: string) => {
    const before = whole[offset - 1];
    const after = whole[offset + match.length];
    if ((before && WORD_CHAR.test(before)) || (after && WORD_CHAR.test(after))) return match;
    if (uuids.some(([start, end]) => offset >= start! && offset < end!)) return match;
    const digits = match.replace(/%2B|%20|%28|%29|%2D/gi, ' ').replace(/\D/g, '').length;
    if (digits < 7 || digits > 15 || ISO_DATE.test(match)) return match;
    return maskPhone(match.replace(/%2B|%20|%28|%29|%2D/gi, ' '));
  });
}
/** Path segments that are a phone number whatever they look like. */
const PHONE_PATH = /^(\/(?:api\/)?calls\/)([^/?#]+)/;
const PHONE_QUERY = /([?&]phone(?:_number)?=)([^&#]*)/gi;

/** `'+13018040009'` → `'***09'`: enough to tell numbers apart in a log, not enough to call one. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  return `***${digits.slice(-2)}`;
}

const WEBHOOK_TOKEN = /^(\/webhooks\/[^/]+\/)[^/?#]+/;
const ACCESS_TOKEN = /([?&]access_token=)[^&#]*/gi;

/** Masks phone numbers in a URL's path and query, and the secret of webhook URLs. */
export function redactUrl(url: string): string {
  return maskPhonesIn(
    url
      .replace(WEBHOOK_TOKEN, '$1***')
      .replace(ACCESS_TOKEN, '$1***')
      .replace(PHONE_PATH, (_m, prefix: string, segment: string) => prefix + maskPhone(segment))
      .replace(PHONE_QUERY, (_m, prefix: string, value: string) => prefix + maskPhone(value)),
  );
}

/** Fields that are never a phone number: OpenTelemetry's hex ids, whose digit runs look like one. */
const HEX_ID_KEYS = new Set(['trace_id', 'span_id']);
const HEX_ID = /^[0-9a-f]{16,32}$/;

/** A copy of `value` with phone numbers masked: known fields entirely, digit runs in any string. */
export function redactPhones(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPhonesIn(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactPhones(item, depth + 1));
  // Only plain data is copied: requests, responses and errors go through their serializers,
  // which redact what they keep.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (HEX_ID_KEYS.has(key) && typeof item === 'string' && HEX_ID.test(item)) {
      out[key] = item;
      continue;
    }
    out[key] =
      PHONE_KEYS.has(key) && (typeof item === 'string' || typeof item === 'number')
        ? maskPhone(String(item))
        : redactPhones(item, depth + 1);
  }
  return out;
}

/** The app's logger: JSON lines on stdout (or `destination`), phone numbers masked everywhere. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { app: 'ringkit-demo' },
    formatters: {
      log: (object: Record<string, unknown>) => redactPhones(object) as Record<string, unknown>,
    },
    serializers: {
      err: (error: Error) => redactPhones({ ...stdSerializers.err(error) }),
    },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...args: unknown[]) => void) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? maskPhonesIn(arg) : arg)),
        );
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * The logger for the lines that say where the demo is (its URL, its simulators'): at `info`, and
 * printed at every `LOG_LEVEL` but `silent`, as a server's "listening on" line is.
 */
export function announcer(logger: Logger): Logger {
  if (logger.level === 'silent' || logger.isLevelEnabled('info')) return logger;
  return logger.child({}, { level: 'info' });
}

type Req = IncomingMessage & { body?: unknown; originalUrl?: string; id?: unknown };

/** pino-http: one line per request, URLs and JSON bodies with phone numbers masked. */
export function createHttpLogger(logger: Logger) {
  return pinoHttp<Req, ServerResponse>({
    logger,
    autoLogging: { ignore: (req) => req.url === '/healthz' },
    customLogLevel(req, res, error) {
      if (error || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return (req.originalUrl ?? req.url)?.startsWith('/webhooks/') ? 'debug' : 'info';
    },
    customProps(req) {
      // JSON bodies only (the webhook route keeps raw bytes, which say nothing worth logging).
      const body = req.body;
      const json = body !== null && typeof body === 'object' && !Buffer.isBuffer(body);
      return json && req.method !== 'GET' ? { body: redactPhones(body) } : {};
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

/** One placement's log line (see {@link logPlacement}). */
export interface PlacementLine {
  source: 'scheduler' | 'dialer';
  /** The scheduled call's id, or the dialer entry's index. */
  call_id: string | number;
  attempt: number;
  /** The number called: masked like every phone number in the logs. */
  to: string;
  provider: string;
  outcome: 'placed' | 'not_placed' | 'unknown';
  provider_call_id: string | null;
  provider_status: string | null;
  /** Milliseconds from the due time to the request (scheduled calls). */
  lag_ms?: number;
  /** Milliseconds from the request to the provider's answer. */
  duration_ms: number;
  /** The placement span's ids, when traces are exported. */
  trace?: { traceId: string; spanId: string } | undefined;
  err?: unknown;
}

/**
 * One line per placement: which call and attempt, what the provider answered, how long it took,
 * and the `trace_id`/`span_id` of its span, which tie the line to the trace. `info` when the
 * provider accepted the call, `warn` when it did not or may not have.
 */
export function logPlacement(logger: Logger, line: PlacementLine): void {
  const { trace, ...fields } = line;
  const ids = trace ? { trace_id: trace.traceId, span_id: trace.spanId } : {};
  const level = line.outcome === 'placed' ? 'info' : 'warn';
  logger[level]({ ...fields, ...ids }, `call placement: ${line.outcome}`);
}

/** The placement line of a campaign's call, named `<campaign>#<index>`. */
export function logCampaignPlacement(logger: Logger, event: CampaignsEvents['placement']): void {
  logPlacement(logger, {
    source: 'dialer',
    call_id: `${event.campaign}#${event.index}`,
    attempt: event.attempt,
    to: event.phone,
    provider: event.provider,
    outcome: event.outcome,
    provider_call_id: event.callId,
    provider_status: event.providerStatus ?? null,
    duration_ms: event.durationMs,
    trace: event.trace,
    ...(event.error === undefined ? {} : { err: event.error }),
  });
}
