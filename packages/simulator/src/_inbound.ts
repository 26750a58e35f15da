import { strictObject } from '@ringkit/internal';
import type { z } from 'zod';
import { InvalidOptionsError, UnsupportedOperationError } from '@ringkit/call-client';
import { audioOf, type AudioFormat } from './_audio.js';
import {
  EVENT_URL_ONLY,
  httpUrl,
  phone,
  speaksTwilio,
  STATUS_CALLBACK_URL_ONLY,
} from './_options.js';
import { createRandom } from './_random.js';
import {
  json,
  type EngineRequest,
  type EngineResponse,
  type EngineRuntime,
  type SimulatorEngine,
} from './_runtime.js';
import type { SendRequest } from './_webhook.js';
import type { RingAppOptions } from './types.js';

// What the real-provider flavours share to ring an app: reading a ring request, the
// simulator's own routes (`POST /_sim/inbound`, a recording's audio), and calls at random.

/** The simulator's own route that rings the app: outside every provider's API paths. */
export const INBOUND_PATH = '/_sim/inbound';

/** What an engine needs to play inbound calls, from its transport. */
export interface InboundIo {
  /** Sends a request whose answer is read (Twilio's voice and action requests, Vonage's NCCO). */
  send: SendRequest;
  /** The simulator's base URL, without a trailing slash, for the URLs of recordings. */
  baseUrl: () => string;
}

/** One ring, every default filled in. */
export interface RingRequest {
  url: string;
  statusCallbackUrl: string | undefined;
  /** Vonage: the application's event URL, where the caller's leg sends its events. */
  eventUrl: string | undefined;
  from: string;
  to: string;
}

const ringShape = (flavour: string) =>
  strictObject({
    url: httpUrl('url').optional(),
    statusCallbackUrl: httpUrl('statusCallbackUrl').optional(),
    eventUrl: httpUrl('eventUrl').optional(),
    from: phone('from').optional(),
    to: phone('to').optional(),
  })
    .refine((o) => o.statusCallbackUrl === undefined || speaksTwilio(flavour), {
      message: STATUS_CALLBACK_URL_ONLY,
      path: ['statusCallbackUrl'],
    })
    .refine((o) => o.eventUrl === undefined || flavour === 'vonage', {
      message: EVENT_URL_ONLY,
      path: ['eventUrl'],
    });

/**
 * Reads `input` as {@link RingAppOptions} and fills it in from the `inbound` knobs: the caller,
 * when neither gives one, is drawn from +1 415 555 0100…0199 (one draw).
 */
export function readRing(
  runtime: EngineRuntime,
  input: unknown,
): { ok: true; ring: RingRequest } | { ok: false; issues: z.core.$ZodIssue[] } {
  const { inbound, flavour } = runtime.knobs;
  const parsed = ringShape(flavour).safeParse(input ?? {});
  if (!parsed.success) return { ok: false, issues: parsed.error.issues };
  const url = parsed.data.url ?? inbound.url;
  if (url === undefined) {
    const message = 'where to ring: give url, or the inbound.url knob';
    return { ok: false, issues: [{ code: 'custom', path: ['url'], message, input }] };
  }
  const drawn = `+1415555${String(100 + runtime.random.between(0, 99)).padStart(4, '0')}`;
  return {
    ok: true,
    ring: {
      url,
      statusCallbackUrl: parsed.data.statusCallbackUrl ?? inbound.statusCallbackUrl,
      eventUrl: parsed.data.eventUrl ?? inbound.eventUrl,
      from: parsed.data.from ?? inbound.from ?? drawn,
      to: parsed.data.to ?? inbound.to,
    },
  };
}

/** `ringApp` of an engine: reads the options (an `InvalidOptionsError` when bad) and rings. */
export function ringAppWith(
  runtime: EngineRuntime,
  ring: (request: RingRequest) => string,
): (options?: RingAppOptions) => string {
  return (options) => {
    if (runtime.isClosed()) throw new Error('the simulator closed: it rings no app any more');
    const read = readRing(runtime, options);
    if (!read.ok) throw new InvalidOptionsError('ringApp', read.issues);
    return ring(read.ring);
  };
}

/**
 * The `ringApp` of a simulator's (or a mock's) handle: the engine's, or, for a flavour with no
 * inbound calls, one that throws an `UnsupportedOperationError`.
 */
export function ringAppOf(
  engine: SimulatorEngine,
  flavour: string,
): (options?: RingAppOptions) => string {
  return (options) => {
    if (engine.ringApp) return engine.ringApp(options ?? {});
    const message = `the ${flavour} flavour rings no app: inbound calls are Twilio's, SignalWire's, Telnyx's and Vonage's`;
    throw new UnsupportedOperationError(message, 'unsupported', { operation: 'ringApp' });
  };
}

/** The recordings an engine made, each served at its path (`.mp3` or `.wav` added, or bare). */
export interface RecordingStore {
  /** Keeps a recording at `path`, served in `bareFormat` when asked without an extension. */
  add(path: string, bareFormat: AudioFormat): void;
  /** The audio at `path`, or `undefined` when no recording is there. */
  serve(path: string): EngineResponse | undefined;
}

export function createRecordingStore(): RecordingStore {
  const formats = new Map<string, AudioFormat>();
  return {
    add: (path, bareFormat) => void formats.set(path, bareFormat),
    serve(path) {
      const match = /^(.*?)(?:\.(mp3|wav))?$/.exec(path);
      const bare = formats.get(match?.[1] ?? '');
      if (bare === undefined) return undefined;
      const { bytes, contentType } = audioOf((match?.[2] as AudioFormat | undefined) ?? bare);
      return { status: 200, headers: { 'content-type': contentType }, body: bytes };
    },
  };
}

/**
 * The simulator's own routes, answered before the provider's (and without its credentials):
 * `POST /_sim/inbound` rings the app (a JSON {@link RingAppOptions}, `201 { id }`), a `GET` of a
 * recording answers its audio. Anything else is `undefined`: the provider's routes take it.
 */
export function serveOwnRoutes(
  runtime: EngineRuntime,
  request: EngineRequest,
  ring: (request: RingRequest) => string,
  recordings: RecordingStore,
): EngineResponse | undefined {
  if (request.method === 'GET') return recordings.serve(request.path);
  if (request.path !== INBOUND_PATH) return undefined;
  const refuse = (status: number, code: string, message: string) => {
    const { method, path } = request;
    runtime.emit({ type: 'rejected', method, path, httpStatus: status, code, message });
    return json(status, { error: { code, message } });
  };
  if (request.method !== 'POST') {
    const refused = refuse(405, 'method_not_allowed', `use POST on ${INBOUND_PATH}`);
    return { ...refused, headers: { allow: 'POST' } };
  }
  let body: unknown = {};
  if (request.body.byteLength > 0) {
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(request.body));
    } catch (error) {
      return refuse(400, 'invalid_request', `the body is not JSON: ${(error as Error).message}`);
    }
  }
  const read = readRing(runtime, body);
  if (!read.ok) {
    const message = read.issues
      .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
      .join('; ');
    return refuse(400, 'invalid_request', message);
  }
  return json(201, { id: ring(read.ring) });
}

/** A different stream than the calls' draws, so calls rung at random never change a seeded call. */
const RINGING_STREAM = 0x1b_0c_a1_1e;

/**
 * Rings `inbound.url` at random until the engine closes, a call every `inbound.everyMs` on
 * average (exponential gaps, drawn from their own stream of `seed`). Does nothing without
 * `everyMs`.
 */
export function ringAtRandom(runtime: EngineRuntime, ring: (request: RingRequest) => string) {
  const everyMs = runtime.knobs.inbound.everyMs;
  if (everyMs === undefined) return;
  const gaps = createRandom(runtime.knobs.seed ^ RINGING_STREAM);
  const next = () => {
    const gap = -Math.log(1 - gaps.next()) * everyMs;
    runtime.schedule(() => {
      const read = readRing(runtime, {});
      if (read.ok) ring(read.ring);
      next();
    }, gap);
  };
  next();
}
