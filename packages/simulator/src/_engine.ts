import type { ResolvedKnobs } from './_options.js';
import { parseRequestBody } from './_requests.js';
import {
  createEngineRuntime,
  decodePathSegment,
  drawCallPlan,
  json,
  MAX_BODY_BYTES,
  type EngineRequest,
  type EngineResponse,
  type EngineRuntime,
  type SimulatorEngine,
} from './_runtime.js';
import { createTelnyxEngine } from './_telnyx.js';
import { createTwilioEngine } from './_twilio.js';
import type { SendRequest } from './_webhook.js';
import type {
  SimulatedCall,
  SimulatedOutcome,
  SimulatedStatus,
  SimulatorWebhookBody,
  StatusCallbackDeliverer,
  TelnyxWebhookDeliverer,
  WebhookDeliverer,
} from './types.js';

export { MAX_BODY_BYTES };
export type { EngineRequest, EngineResponse, SimulatorEngine } from './_runtime.js';

interface Step {
  offset: number;
  status: SimulatedStatus;
}

interface CallState {
  id: string;
  phone: string;
  createdAt: number;
  outcome: SimulatedOutcome;
  webhookUrl: string | undefined;
  steps: Step[];
  /** The index of the last step whose timer fired (-1: none). */
  fired: number;
  outOfOrder: boolean;
  duplicates: boolean[];
  heldAnswered: boolean;
  queue: Promise<void>;
}

type WebhookStatus = SimulatorWebhookBody['status'];

/** What an engine needs from its transport. */
export interface EngineDeps {
  /** Sends the JSON webhooks of the webhook flavour unless `deliverWebhook` is given. */
  defaultDeliverer: WebhookDeliverer;
  /** Sends the Twilio flavour's status callbacks unless `deliverStatusCallback` is given. */
  defaultCallbackDeliverer?: StatusCallbackDeliverer;
  /** Sends the Telnyx flavour's webhooks unless `deliverTelnyxWebhook` is given. */
  defaultTelnyxDeliverer?: TelnyxWebhookDeliverer;
  /**
   * Sends the requests of inbound calls whose answer the engine reads (Twilio's voice and action
   * requests): `fetch`, or `fetch(bypass(...))` under MSW.
   * @default fetch
   */
  send?: SendRequest;
  /** The simulator's own base URL, for the URLs of recordings. @default '' */
  baseUrl?: () => string;
  now?: () => number;
}

/**
 * The call lifecycle both transports share, so the HTTP simulator and the MSW handlers behave
 * the same. Polling statuses are computed from the clock; webhook steps run on timers; the Twilio
 * and Telnyx flavours have engines of their own (`_twilio.ts`, `_telnyx.ts`) on the same runtime.
 */
export function createSimulatorEngine(knobs: ResolvedKnobs, deps: EngineDeps): SimulatorEngine {
  const runtime = createEngineRuntime(knobs, deps.now ?? Date.now);
  const io = {
    send: deps.send ?? ((url: string, init: RequestInit) => fetch(url, init)),
    baseUrl: deps.baseUrl ?? (() => ''),
  };
  if (knobs.flavour === 'twilio') {
    return createTwilioEngine(runtime, deps.defaultCallbackDeliverer, io);
  }
  if (knobs.flavour === 'telnyx') {
    return createTelnyxEngine(runtime, deps.defaultTelnyxDeliverer, io);
  }
  return createJsonEngine(runtime, knobs.deliverWebhook ?? deps.defaultDeliverer);
}

/** The polling and webhook flavours: JSON in, JSON out. */
function createJsonEngine(runtime: EngineRuntime, deliver: WebhookDeliverer): SimulatorEngine {
  const { knobs, random, now, emit, schedule, wait } = runtime;
  const flavour = knobs.flavour;
  const calls = new Map<string, CallState>();
  let nextNumericId = 1001;

  /**
   * A call's status: for polling, the last step its clock reached (or whose timer fired, should a
   * timer run a hair early); for webhooks, the last step that fired.
   */
  function statusOf(call: CallState): { status: SimulatedStatus; since: number; index: number } {
    let index = call.fired;
    if (flavour === 'polling') {
      const elapsed = now() - call.createdAt;
      call.steps.forEach((step, i) => {
        if (elapsed >= step.offset && i > index) index = i;
      });
    }
    const step = call.steps[index];
    return step
      ? { status: step.status, since: call.createdAt + step.offset, index }
      : { status: 'initiated', since: call.createdAt, index };
  }

  function snapshot(call: CallState): SimulatedCall {
    const { status } = statusOf(call);
    return {
      id: call.id,
      flavour,
      phone: call.phone,
      createdAt: new Date(call.createdAt),
      status,
      outcome: call.outcome,
      ...(call.webhookUrl === undefined ? {} : { webhookUrl: call.webhookUrl }),
    };
  }

  function reject(request: EngineRequest, status: number, code: string, message: string) {
    emit({
      type: 'rejected',
      method: request.method,
      path: request.path,
      httpStatus: status,
      code,
      message,
    });
    const headers: Record<string, string> = status === 503 ? { 'retry-after': '0' } : {};
    return json(status, { error: { code, message } }, headers);
  }

  /** Draws everything about a new call up front, always the same number of draws. */
  function newCall(phone: string, webhookUrl: string | undefined): CallState & { early: boolean } {
    const { outcome, gaps } = drawCallPlan(runtime);
    const early = random.chance(knobs.earlyWebhookRate) && flavour === 'webhook';
    const outOfOrder = random.chance(knobs.outOfOrderRate);
    const duplicates = gaps.map(() => random.chance(knobs.duplicateWebhookRate));
    const id = flavour === 'polling' ? random.uuid() : String(nextNumericId++);
    const [g1, g2, g3] = gaps;
    const t1 = early ? 0 : g1;
    const answered: SimulatedStatus = flavour === 'polling' ? 'connected' : 'answered';
    const steps: Step[] =
      outcome === 'completed'
        ? [
            { offset: t1, status: 'ringing' },
            { offset: t1 + g2, status: answered },
            { offset: t1 + g2 + g3, status: 'completed' },
          ]
        : [
            { offset: t1, status: 'ringing' },
            { offset: t1 + g2, status: outcome },
          ];
    return {
      id,
      phone,
      createdAt: now(),
      outcome,
      webhookUrl,
      steps,
      fired: -1,
      early,
      outOfOrder,
      duplicates,
      heldAnswered: false,
      queue: Promise.resolve(),
    };
  }

  async function deliverOne(call: CallState, status: WebhookStatus, duplicate: boolean) {
    const url = call.webhookUrl;
    if (runtime.isClosed() || url === undefined) return;
    const base = { callId: call.id, phone: call.phone, status, url };
    try {
      await deliver(url, { id: Number(call.id), status }, { signal: runtime.signal });
      emit({ type: 'webhook_sent', ...base, duplicate });
    } catch (error) {
      emit({ type: 'webhook_failed', ...base, error });
    }
  }

  /** Queues a webhook behind the call's earlier ones, so they arrive in the order queued. */
  function enqueue(call: CallState, status: WebhookStatus, index: number): Promise<void> {
    const run = async () => {
      await deliverOne(call, status, false);
      if (call.duplicates[index]) await deliverOne(call, status, true);
    };
    call.queue = call.queue.then(run);
    return call.queue;
  }

  function fire(call: CallState, index: number): Promise<void> {
    const step = call.steps[index];
    if (!step || runtime.isClosed()) return Promise.resolve();
    // A polling step a GET already told (see `get`) fired then: its late timer tells nothing more.
    if (flavour === 'polling' && index <= call.fired) return Promise.resolve();
    call.fired = index;
    emit({ type: 'status', callId: call.id, phone: call.phone, status: step.status });
    if (flavour === 'polling') return Promise.resolve();
    const status = step.status as WebhookStatus;
    if (status === 'answered' && call.outOfOrder) {
      call.heldAnswered = true;
      return Promise.resolve();
    }
    const delivered = enqueue(call, status, index);
    if (call.heldAnswered) {
      call.heldAnswered = false;
      void enqueue(call, 'answered', index - 1);
    }
    return delivered;
  }

  async function create(request: EngineRequest): Promise<EngineResponse> {
    const answerAfter = wait(knobs.responseDelayMs);
    if (random.chance(knobs.errorRate)) {
      await answerAfter;
      return reject(
        request,
        503,
        'unavailable',
        'the simulator is failing this request (errorRate)',
      );
    }
    const parsed = parseRequestBody(flavour, request.contentType, request.body);
    if (!parsed.ok) {
      await answerAfter;
      return reject(request, 400, 'invalid_request', parsed.message);
    }
    const state = newCall(parsed.phone, parsed.webhookUrl);
    calls.set(state.id, state);
    emit({ type: 'created', call: snapshot(state) });
    let early: Promise<void> = Promise.resolve();
    state.steps.forEach((step, index) => {
      if (index === 0 && state.early) early = fire(state, 0);
      else if (flavour === 'webhook' || knobs.onEvent) {
        schedule(() => void fire(state, index), step.offset);
      }
    });
    await Promise.all([answerAfter, early]);
    if (flavour === 'webhook') return json(200, { id: Number(state.id) });
    return json(201, {
      id: state.id,
      phone_number: state.phone,
      status: 'initiated',
      created_at: new Date(state.createdAt).toISOString(),
    });
  }

  function get(request: EngineRequest, id: string): EngineResponse {
    const call = calls.get(id);
    if (!call) return reject(request, 404, 'not_found', `no call with id ${JSON.stringify(id)}`);
    const { status, since, index } = statusOf(call);
    // What a GET tells has happened: the steps its clock reached are told (`onEvent`) before the
    // answer, even when their timers run late on a busy machine, so the events never lag the API.
    if (flavour === 'polling') {
      for (let i = call.fired + 1; i <= index; i += 1) void fire(call, i);
    }
    return json(200, {
      id: call.id,
      phone_number: call.phone,
      status,
      created_at: new Date(call.createdAt).toISOString(),
      updated_at: new Date(since).toISOString(),
    });
  }

  function route(request: EngineRequest): Promise<EngineResponse> | EngineResponse {
    const createPath = flavour === 'polling' ? '/api/call' : '/call';
    const one = flavour === 'polling' ? /^\/api\/call\/([^/]+)$/.exec(request.path) : null;
    const allowed = request.path === createPath ? 'POST' : one ? 'GET' : undefined;
    if (allowed === undefined) {
      return reject(request, 404, 'not_found', `no route ${request.method} ${request.path}`);
    }
    if (request.method !== allowed) {
      const response = reject(
        request,
        405,
        'method_not_allowed',
        `${request.method} is not allowed on ${request.path}; use ${allowed}`,
      );
      return { ...response, headers: { ...response.headers, allow: allowed } };
    }
    if (request.bodySize > MAX_BODY_BYTES) {
      return reject(request, 413, 'payload_too_large', `the body is over ${MAX_BODY_BYTES} bytes`);
    }
    return one ? get(request, decodePathSegment(one[1] ?? '')) : create(request);
  }

  return {
    async handle(request) {
      if (runtime.isClosed()) {
        return json(503, { error: { code: 'closed', message: 'simulator closed' } });
      }
      return route(request);
    },
    calls: () => [...calls.values()].map(snapshot),
    close: () => runtime.close(),
  };
}
