import type { EngineRequest, EngineResponse, SimulatorEngine } from './_runtime.js';
import {
  decodePathSegment,
  drawCallPlan,
  json,
  MAX_BODY_BYTES,
  type EngineRuntime,
} from './_runtime.js';
import {
  drawControlId,
  drawTelnyxDetection,
  EVENT_TYPES,
  isAlive,
  renderActive,
  renderDial,
  renderStatus,
  type TelnyxCall,
} from './_telnyx-call.js';
import {
  isAuthorized,
  isProblem,
  parseJsonObject,
  problem,
  TELNYX_ERRORS,
  telnyxError,
  type TelnyxProblem,
} from './_telnyx-format.js';
import { generateSigningKey, importSigningKey, publicKeyOf } from './_telnyx-keys.js';
import { createTelnyxLifecycle } from './_telnyx-lifecycle.js';
import {
  readActivePage,
  readDial,
  readHangup,
  readSpeak,
  type DialRequest,
  type SpeakRequest,
} from './_telnyx-params.js';
import { createTelnyxWebhookSender } from './_telnyx-webhooks.js';
import {
  createRecordingStore,
  ringAppWith,
  ringAtRandom,
  serveOwnRoutes,
  type InboundIo,
} from './_inbound.js';
import {
  readInboundCommand,
  type InboundAction,
  type InboundCommand,
} from './_telnyx-action-params.js';
import { createTelnyxInbound } from './_telnyx-inbound.js';
import type { IncomingCall } from './_telnyx-transfer.js';
import { createTelnyxWebhookDeliverer } from './_webhook.js';
import type { SimulatedCall, TelnyxWebhookDeliverer } from './types.js';

const CALLS = /^\/v2\/calls(?:\/([^/]+)(?:\/actions\/([^/]+))?)?$/;
const ACTIVE_CALLS = /^\/v2\/connections\/([^/]+)\/active_calls$/;
const ACTIONS = new Set([
  'hangup',
  'speak',
  'answer',
  'reject',
  'record_start',
  'transfer',
  'client_state_update',
]);
/** Commands the simulator plays on incoming calls only: on a call it dialed they are unknown. */
const INCOMING_ONLY = new Set(['answer', 'reject', 'record_start', 'transfer']);

type Route =
  | { route: 'dial'; method: 'POST' }
  | { route: 'status'; method: 'GET'; id: string }
  | { route: 'command'; method: 'POST' | 'PUT'; id: string; action: string }
  | { route: 'active'; method: 'GET'; id: string };

/** The route a path names (ids decoded), or `undefined` for one the simulator does not play. */
function matchRoute(path: string): Route | undefined {
  const active = ACTIVE_CALLS.exec(path);
  if (active) return { route: 'active', method: 'GET', id: decodePathSegment(active[1] ?? '') };
  const match = CALLS.exec(path);
  if (!match) return undefined;
  if (match[1] === undefined) return { route: 'dial', method: 'POST' };
  const id = decodePathSegment(match[1]);
  if (match[2] === undefined) return { route: 'status', method: 'GET', id };
  const action = decodePathSegment(match[2]);
  if (!ACTIONS.has(action)) return undefined;
  const method = action === 'client_state_update' ? 'PUT' : 'POST';
  return { route: 'command', method, id, action };
}

/**
 * The Telnyx flavour: Call Control v2 (dial, retrieve status, the hangup and speak commands, a
 * connection's active calls) behind a Bearer API key, webhooks signed with Ed25519, and incoming
 * calls that ring an app and take its commands (`_telnyx-inbound.ts`).
 */
export function createTelnyxEngine(
  runtime: EngineRuntime,
  defaultDeliverer: TelnyxWebhookDeliverer = createTelnyxWebhookDeliverer((url, init) =>
    fetch(url, init),
  ),
  io: InboundIo = { send: (url, init) => fetch(url, init), baseUrl: () => '' },
): SimulatorEngine {
  const { knobs, random, now, emit, wait } = runtime;
  const account = knobs.telnyx;
  const given = knobs.telnyxSigningKey;
  const privateKey =
    (given === undefined ? undefined : importSigningKey(given)) ?? generateSigningKey();
  const deliver = knobs.deliverTelnyxWebhook ?? defaultDeliverer;
  const send = createTelnyxWebhookSender(runtime, deliver, privateKey);
  const lifecycle = createTelnyxLifecycle(runtime, send);
  const calls = new Map<string, TelnyxCall>();
  /** The call each dial `command_id` made: a second dial with it makes nothing. */
  const dialsByCommand = new Map<string, TelnyxCall>();
  const recordings = createRecordingStore();
  const inbound = createTelnyxInbound({
    runtime,
    io,
    recordings,
    send,
    lifecycle,
    register(call) {
      calls.set(call.controlId, call);
      emit({ type: 'created', call: snapshot(call) });
    },
  });
  ringAtRandom(runtime, inbound.ring);

  function snapshot(call: TelnyxCall): SimulatedCall {
    return {
      id: call.controlId,
      flavour: 'telnyx',
      phone: call.to,
      from: call.from,
      createdAt: new Date(call.createdAt),
      status: call.status,
      outcome: call.outcome,
      ...(call.webhookUrl === undefined ? {} : { webhookUrl: call.webhookUrl }),
      ...(call.machineDetection === undefined ? {} : { machineDetection: call.machineDetection }),
      answeredBy: call.detection && call.detectedAt !== null ? call.detection.result : null,
      ...(call.inbound === undefined ? { createParams: call.params } : {}),
      spoken: [...call.spoken],
      ...(call.clientState === undefined ? {} : { clientState: call.clientState }),
      ...(call.hangupCause === undefined ? {} : { hangupCause: call.hangupCause }),
      ...(call.inbound === undefined
        ? {}
        : {
            direction: 'inbound' as const,
            forwards: call.inbound.forwards.map((forward) => ({ ...forward })),
            recordings: call.inbound.recordings.map((recording) => ({ ...recording })),
          }),
    };
  }

  function reject(request: EngineRequest, p: TelnyxProblem): EngineResponse {
    const { method, path } = request;
    const message = `${p.title}: ${p.detail}`;
    emit({ type: 'rejected', method, path, httpStatus: p.status, code: p.code, message });
    return telnyxError(p);
  }

  /** A new call for a valid dial; every draw made here, always the same number per dial. */
  function newCall(dial: DialRequest): TelnyxCall {
    const controlId = drawControlId(random);
    const legId = random.uuid();
    const sessionId = random.uuid();
    const plan = drawCallPlan(runtime);
    const early = random.chance(knobs.earlyWebhookRate);
    const outOfOrder = random.chance(knobs.outOfOrderRate);
    const duplicates = EVENT_TYPES.map(() => random.chance(knobs.duplicateWebhookRate));
    const detection =
      dial.machineDetection === undefined
        ? undefined
        : drawTelnyxDetection(random, knobs.machineRate, dial.machineDetection);
    const recordingId = dial.record ? random.uuid() : undefined;
    const { clientState, commandId: _commandId, ...fields } = dial;
    // A call that would ring longer than timeout_secs is not answered: it times out.
    const timedOut = plan.gaps[1] > dial.timeoutS * 1000;
    return {
      ...fields,
      controlId,
      direction: 'outgoing',
      legId,
      sessionId,
      connectionId: account.connectionId,
      recordingId,
      outcome: timedOut ? 'no-answer' : plan.outcome,
      gaps: plan.gaps,
      detection,
      status: 'initiated',
      clientState,
      createdAt: now(),
      initiatedAt: null,
      answeredAt: null,
      endedAt: null,
      detectedAt: null,
      hangupCause: undefined,
      spoken: [],
      speaking: 0,
      commandIds: new Set(),
      generation: 0,
      early,
      outOfOrder,
      duplicates,
    };
  }

  async function dial(request: EngineRequest): Promise<EngineResponse> {
    const answerAfter = wait(knobs.responseDelayMs);
    const refuse = async (p: TelnyxProblem) => {
      await answerAfter;
      return reject(request, p);
    };
    if (random.chance(knobs.errorRate)) {
      const detail = 'The simulator is failing this request (errorRate); no call was made.';
      return refuse(problem(503, TELNYX_ERRORS.unexpected, 'Service unavailable', detail));
    }
    const body = parseJsonObject(request.contentType, request.body);
    const asked = isProblem(body) ? body : readDial(body, account.connectionId);
    if (isProblem(asked)) return refuse(asked);
    const first = asked.commandId === undefined ? undefined : dialsByCommand.get(asked.commandId);
    if (first) {
      await answerAfter;
      return json(200, { data: renderDial(first) });
    }
    const call = newCall(asked);
    calls.set(call.controlId, call);
    if (asked.commandId !== undefined) dialsByCommand.set(asked.commandId, call);
    emit({ type: 'created', call: snapshot(call) });
    const early = lifecycle.start(call);
    await Promise.all([answerAfter, early]);
    return json(200, { data: renderDial(call) });
  }

  /** The body of a command, read by its action's reader. */
  function readCommand(action: string, body: Record<string, unknown>) {
    if (action === 'speak') return readSpeak(body);
    if (action === 'hangup') return readHangup(body);
    return readInboundCommand(action as InboundAction, body);
  }

  function command(request: EngineRequest, call: TelnyxCall, action: string): EngineResponse {
    const incoming = call.inbound === undefined ? undefined : (call as IncomingCall);
    if (INCOMING_ONLY.has(action) && incoming === undefined) {
      const detail = `The simulator plays ${action} on the incoming calls it rings, not on a call dialed.`;
      return reject(request, problem(404, TELNYX_ERRORS.notFound, 'Resource not found', detail));
    }
    const body = parseJsonObject(request.contentType, request.body);
    const asked = isProblem(body) ? body : readCommand(action, body);
    if (isProblem(asked)) return reject(request, asked);
    const ok = json(200, { data: { result: 'ok' } });
    if (asked.commandId !== undefined && call.commandIds.has(asked.commandId)) return ok;
    if (!isAlive(call)) {
      const detail = "This call is no longer active and can't receive commands.";
      return reject(
        request,
        problem(422, TELNYX_ERRORS.callEnded, 'Call has already ended', detail),
      );
    }
    if (action === 'speak' && call.answeredAt === null) {
      const detail = 'This call has not been answered yet: speak once call.answered arrives.';
      return reject(
        request,
        problem(422, TELNYX_ERRORS.callNotAnswered, 'Call not answered yet', detail),
      );
    }
    const inboundCommand = 'action' in asked ? (asked as InboundCommand) : undefined;
    const refused = incoming && inboundCommand && inbound.refuse(incoming, inboundCommand);
    if (refused) return reject(request, refused);
    if (asked.commandId !== undefined) call.commandIds.add(asked.commandId);
    if (asked.clientState !== undefined) call.clientState = asked.clientState;
    if (action === 'speak') lifecycle.speak(call, (asked as SpeakRequest).payload);
    else if (action === 'hangup' && incoming) inbound.hangUp(incoming);
    else if (action === 'hangup') lifecycle.hangUp(call);
    else if (incoming && inboundCommand) inbound.run(incoming, inboundCommand);
    if (incoming && action === 'speak') inbound.touch(incoming);
    return ok;
  }

  function activeCalls(request: EngineRequest, connectionId: string): EngineResponse {
    if (connectionId !== account.connectionId) {
      const detail = `No connection with id ${JSON.stringify(connectionId)}.`;
      return reject(request, problem(404, TELNYX_ERRORS.notFound, 'Resource not found', detail));
    }
    const page = readActivePage(new URLSearchParams(request.query ?? ''));
    if (isProblem(page)) return reject(request, page);
    const alive = [...calls.values()].filter(isAlive);
    const start = (page.number - 1) * page.size;
    return json(200, {
      data: alive.slice(start, start + page.size).map((call) => renderActive(call, now())),
      meta: {
        page_number: page.number,
        page_size: page.size,
        total_pages: Math.ceil(alive.length / page.size),
        total_results: alive.length,
      },
    });
  }

  function route(request: EngineRequest): Promise<EngineResponse> | EngineResponse {
    if (!isAuthorized(request.headers?.authorization, account.apiKey)) {
      const detail =
        'The required authentication headers were either invalid or not included in the request.';
      const p = problem(401, TELNYX_ERRORS.authentication, 'Authentication failed', detail);
      return reject(request, p);
    }
    const target = matchRoute(request.path);
    if (!target) {
      const detail = `The simulator has no route ${request.method} ${request.path}.`;
      return reject(request, problem(404, TELNYX_ERRORS.notFound, 'Resource not found', detail));
    }
    if (request.method !== target.method) {
      const detail = `${request.method} is not allowed on ${request.path}; use ${target.method}.`;
      const p = problem(405, TELNYX_ERRORS.badRequest, 'Method not allowed', detail);
      const refused = reject(request, p);
      return { ...refused, headers: { ...refused.headers, allow: target.method } };
    }
    if (request.bodySize > MAX_BODY_BYTES) {
      const detail = `The body is over ${MAX_BODY_BYTES} bytes.`;
      return reject(request, problem(413, TELNYX_ERRORS.badRequest, 'Bad Request', detail));
    }
    if (target.route === 'dial') return dial(request);
    if (target.route === 'active') return activeCalls(request, target.id);
    const call = calls.get(target.id);
    if (!call) {
      const detail = `No call with call_control_id ${JSON.stringify(target.id)}.`;
      return reject(request, problem(404, TELNYX_ERRORS.callNotFound, 'Call not found', detail));
    }
    if (target.route === 'status') return json(200, { data: renderStatus(call, now()) });
    return command(request, call, target.action);
  }

  return {
    async handle(request) {
      if (runtime.isClosed()) {
        return telnyxError(
          problem(503, TELNYX_ERRORS.unexpected, 'Service unavailable', 'The simulator closed.'),
        );
      }
      return serveOwnRoutes(runtime, request, inbound.ring, recordings) ?? route(request);
    },
    calls: () => [...calls.values()].map(snapshot),
    close: () => runtime.close(),
    publicKey: publicKeyOf(privateKey),
    ringApp: ringAppWith(runtime, inbound.ring),
  };
}
