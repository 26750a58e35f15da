import type { ResolvedKnobs } from './_options.js';
import { abandonWith, connectAgent, forwardOf, refusalOf } from './_json-agents.js';
import {
  answeredByField,
  pollingBody,
  statusOf as statusAt,
  type JsonCall,
  type Step,
  type WebhookStatus,
} from './_json-call.js';
import { parseActionBody, parseRequestBody } from './_requests.js';
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
import { createVonageEngine } from './_vonage.js';
import { createVonageWebhookDeliverer, type SendRequest } from './_webhook.js';
import type {
  SimulatedCall,
  SimulatedStatus,
  StatusCallbackDeliverer,
  TelnyxWebhookDeliverer,
  WebhookDeliverer,
} from './types.js';

export { MAX_BODY_BYTES };
export type { EngineRequest, EngineResponse, SimulatorEngine } from './_runtime.js';

/** What an engine needs from its transport. */
export interface EngineDeps {
  /** Sends the JSON webhooks of the webhook flavour unless `deliverWebhook` is given. */
  defaultDeliverer: WebhookDeliverer;
  /**
   * Sends the Twilio and SignalWire flavours' status callbacks unless `deliverStatusCallback` is
   * given.
   */
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
 * (and SignalWire, in its dialect) and Telnyx flavours have engines of their own (`_twilio.ts`,
 * `_telnyx.ts`) on the same runtime.
 */
export function createSimulatorEngine(knobs: ResolvedKnobs, deps: EngineDeps): SimulatorEngine {
  const runtime = createEngineRuntime(knobs, deps.now ?? Date.now);
  const io = {
    send: deps.send ?? ((url: string, init: RequestInit) => fetch(url, init)),
    baseUrl: deps.baseUrl ?? (() => ''),
  };
  if (knobs.flavour === 'twilio' || knobs.flavour === 'signalwire') {
    return createTwilioEngine(runtime, deps.defaultCallbackDeliverer, io);
  }
  if (knobs.flavour === 'telnyx') {
    return createTelnyxEngine(runtime, deps.defaultTelnyxDeliverer, io);
  }
  if (knobs.flavour === 'vonage') {
    return createVonageEngine(runtime, createVonageWebhookDeliverer(io.send), io);
  }
  return createJsonEngine(runtime, knobs.deliverWebhook ?? deps.defaultDeliverer);
}

/** The polling and webhook flavours: JSON in, JSON out. */
function createJsonEngine(runtime: EngineRuntime, deliver: WebhookDeliverer): SimulatorEngine {
  const { knobs, random, now, emit, schedule, wait } = runtime;
  const flavour = knobs.flavour as 'polling' | 'webhook';
  const calls = new Map<string, JsonCall>();
  let nextNumericId = 1001;

  const statusOf = (call: JsonCall) => statusAt(call, flavour, now());

  function snapshot(call: JsonCall): SimulatedCall {
    const { status } = statusOf(call);
    const forward = forwardOf(call, status, now());
    const answeredBy = answeredByField(call, status).answered_by ?? null;
    return {
      id: call.id,
      flavour,
      phone: call.phone,
      createdAt: new Date(call.createdAt),
      status,
      outcome: call.outcome,
      ...(call.webhookUrl === undefined ? {} : { webhookUrl: call.webhookUrl }),
      ...(call.answeredBy === undefined ? {} : { answeredBy }),
      ...(forward ? { forwards: [forward] } : {}),
      ...(call.abandon ? { spoken: [call.abandon.message] } : {}),
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
  function newCall(phone: string, webhookUrl: string | undefined): JsonCall & { early: boolean } {
    const { outcome, gaps, answeredBy } = drawCallPlan(runtime);
    const early = random.chance(knobs.earlyWebhookRate) && flavour === 'webhook';
    const outOfOrder = random.chance(knobs.outOfOrderRate);
    const duplicates = gaps.map(() => random.chance(knobs.duplicateWebhookRate));
    const id = flavour === 'polling' ? random.uuid() : String(nextNumericId++);
    const [g1, g2, g3] = gaps.map((gap) => gap / knobs.timeScale) as [number, number, number];
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
      answeredBy,
      webhookUrl,
      steps,
      fired: -1,
      early,
      outOfOrder,
      duplicates,
      heldAnswered: false,
      queue: Promise.resolve(),
      agent: undefined,
      abandon: undefined,
    };
  }

  async function deliverOne(call: JsonCall, status: WebhookStatus, duplicate: boolean) {
    const url = call.webhookUrl;
    if (runtime.isClosed() || url === undefined) return;
    const base = { callId: call.id, phone: call.phone, status, url };
    try {
      const body = { id: Number(call.id), status, ...answeredByField(call, status) };
      await deliver(url, body, { signal: runtime.signal });
      emit({ type: 'webhook_sent', ...base, duplicate });
    } catch (error) {
      emit({ type: 'webhook_failed', ...base, error });
    }
  }

  /** Queues a webhook behind the call's earlier ones, so they arrive in the order queued. */
  function enqueue(call: JsonCall, status: WebhookStatus, index: number): Promise<void> {
    const run = async () => {
      await deliverOne(call, status, false);
      if (call.duplicates[index]) await deliverOne(call, status, true);
    };
    call.queue = call.queue.then(run);
    return call.queue;
  }

  /** Runs `fire` for step `index` at its time, unless the step was replaced meanwhile. */
  function scheduleStep(call: JsonCall, index: number) {
    const step = call.steps[index];
    if (!step || (flavour !== 'webhook' && !knobs.onEvent)) return;
    schedule(
      () => {
        if (call.steps[index] === step) void fire(call, index);
      },
      Math.max(0, call.createdAt + step.offset - now()),
    );
  }

  function fire(call: JsonCall, index: number): Promise<void> {
    const step = call.steps[index];
    if (!step || runtime.isClosed()) return Promise.resolve();
    // A polling step a GET already told (see `get`) fired then: its late timer tells nothing more.
    if (flavour === 'polling' && index <= call.fired) return Promise.resolve();
    call.fired = index;
    emit({ type: 'status', callId: call.id, phone: call.phone, status: step.status });
    const forward = step.status === 'completed' && forwardOf(call, step.status, now());
    if (forward) emit({ type: 'forward', callId: call.id, phone: call.phone, forward });
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
    state.steps.forEach((_, index) => {
      if (index === 0 && state.early) early = fire(state, 0);
      else scheduleStep(state, index);
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

  /**
   * Where a call stands now. For polling, the steps its clock reached are told (`onEvent`) first,
   * even when their timers run late on a busy machine, so the events never lag the API.
   */
  function current(call: JsonCall) {
    const at = statusOf(call);
    if (flavour === 'polling') {
      for (let i = call.fired + 1; i <= at.index; i += 1) void fire(call, i);
    }
    return at;
  }

  function get(request: EngineRequest, id: string): EngineResponse {
    const call = calls.get(id);
    if (!call) return reject(request, 404, 'not_found', `no call with id ${JSON.stringify(id)}`);
    const { status, since } = current(call);
    return json(200, pollingBody(call, status, since));
  }

  /** `POST …/{id}/connect` and `POST …/{id}/abandon`: the call ends `completed` after either. */
  function act(request: EngineRequest, id: string, action: 'connect' | 'abandon'): EngineResponse {
    const call = calls.get(id);
    if (!call) return reject(request, 404, 'not_found', `no call with id ${JSON.stringify(id)}`);
    const parsed = parseActionBody(flavour, action, request.contentType, request.body);
    if (!parsed.ok) return reject(request, 400, 'invalid_request', parsed.message);
    const { status, since, index } = current(call);
    const refused = refusalOf(call, status);
    if (refused) return reject(request, 409, refused.code, refused.message);
    const endsAt =
      parsed.action === 'connect'
        ? connectAgent(runtime, call, parsed.to, parsed.ringS)
        : abandonWith(runtime, call, parsed.message);
    // The person's own end (they hang up after the talk time) gives way to the agent's or the
    // message's.
    call.steps = [
      ...call.steps.slice(0, index + 1),
      { offset: endsAt - call.createdAt, status: 'completed' },
    ];
    scheduleStep(call, index + 1);
    const base = { callId: call.id, phone: call.phone };
    if (parsed.action === 'connect') {
      // Rung first, even by an agent who answers at once.
      const forward = { ...forwardOf(call, status, now())!, status: 'ringing' as const };
      emit({ type: 'forward', ...base, forward });
      const answersAt = call.agent?.answersAt;
      if (knobs.onEvent && answersAt != null) {
        schedule(
          () => emit({ type: 'forward', ...base, forward: { ...forward, status: 'in-progress' } }),
          answersAt - now(),
        );
      }
    } else {
      emit({ type: 'spoken', ...base, text: parsed.message });
    }
    if (flavour === 'webhook') return json(200, { id: Number(call.id), status });
    return json(200, pollingBody(call, status, since));
  }

  const prefix = flavour === 'polling' ? '/api/call' : '/call';
  const actionPath = new RegExp(`^${prefix}/([^/]+)/(connect|abandon)$`);

  function route(request: EngineRequest): Promise<EngineResponse> | EngineResponse {
    const one = flavour === 'polling' ? /^\/api\/call\/([^/]+)$/.exec(request.path) : null;
    const action = actionPath.exec(request.path);
    const allowed = request.path === prefix || action ? 'POST' : one ? 'GET' : undefined;
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
    if (action) {
      return act(request, decodePathSegment(action[1] ?? ''), action[2] as 'connect' | 'abandon');
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
