import type { EngineRequest, EngineResponse, SimulatorEngine } from './_runtime.js';
import {
  decodePathSegment,
  drawCallPlan,
  json,
  MAX_BODY_BYTES,
  type EngineRuntime,
} from './_runtime.js';
import {
  answeredBy,
  CALLBACK_EVENTS,
  CANCELABLE,
  drawDetection,
  ENDED,
  eventOf,
  renderCall,
  resourceStatus,
  type TwilioCall,
  type TwilioStatus,
} from './_twilio-call.js';
import { createCallbackSender } from './_twilio-callbacks.js';
import { dialectOf } from './_twilio-dialect.js';
import {
  isAuthorized,
  isProblem,
  parseForm,
  toParams,
  TWILIO_ERRORS,
  twilioError,
  type ParamProblem,
} from './_twilio-format.js';
import {
  createRecordingStore,
  ringAppWith,
  ringAtRandom,
  serveOwnRoutes,
  type InboundIo,
} from './_inbound.js';
import { createTwilioInbound } from './_twilio-inbound.js';
import { listPage, parseListQuery } from './_twilio-list.js';
import { readCreate, readUpdate } from './_twilio-params.js';
import { createStatusCallbackDeliverer } from './_webhook.js';
import type { SimulatedCall, StatusCallbackDeliverer, TwilioCallbackStatus } from './types.js';

/**
 * The Twilio flavour: the Calls resource of API 2010-04-01 (create, fetch, list, update) behind
 * HTTP Basic auth, calls let out of `queued` at the account's calls per second, signed status
 * callbacks, and inbound calls that ring an app (`_twilio-inbound.ts`). The SignalWire flavour is
 * the same engine in SignalWire's dialect (`_twilio-dialect.ts`): its paths under `/api/laml`,
 * the project's credentials and signing key, UUIDs for ids, `answered` in callbacks.
 */
export function createTwilioEngine(
  runtime: EngineRuntime,
  defaultDeliverer: StatusCallbackDeliverer = createStatusCallbackDeliverer((url, init) =>
    fetch(url, init),
  ),
  io: InboundIo = { send: (url, init) => fetch(url, init), baseUrl: () => '' },
): SimulatorEngine {
  const { knobs, random, now, emit, schedule, wait } = runtime;
  const dialect = dialectOf(knobs);
  const callback = createCallbackSender(
    runtime,
    knobs.deliverStatusCallback ?? defaultDeliverer,
    dialect,
  );
  const callsUri = `${dialect.pathPrefix}/2010-04-01/Accounts/${dialect.accountSid}/Calls`;
  const calls = new Map<string, TwilioCall>();
  const waiting: TwilioCall[] = [];
  let nextSlotAt = Number.NEGATIVE_INFINITY;
  let pumping = false;
  const recordings = createRecordingStore();
  const ring = createTwilioInbound({
    runtime,
    dialect,
    io,
    recordings,
    register(call) {
      call.order = calls.size;
      calls.set(call.sid, call);
      emit({ type: 'created', call: snapshot(call) });
    },
    advance: (call, status) => advance(call, status),
  });

  const render = (call: TwilioCall) => renderCall(call, dialect, now());

  function snapshot(call: TwilioCall): SimulatedCall {
    return {
      id: call.sid,
      flavour: dialect.flavour,
      phone: call.to,
      from: call.from,
      createdAt: new Date(call.createdAt),
      status: call.status,
      outcome: call.outcome,
      ...(call.statusCallback === undefined ? {} : { webhookUrl: call.statusCallback }),
      ...(call.twiml === undefined ? {} : { twiml: call.twiml }),
      ...(call.url === undefined ? {} : { url: call.url }),
      ...(call.machineDetection === undefined ? {} : { machineDetection: call.machineDetection }),
      answeredBy: answeredBy(call),
      createParams: Object.fromEntries(
        [...call.createParams].map(([name, values]) => [name, [...values]]),
      ),
      ...(call.inbound === undefined
        ? {}
        : {
            direction: 'inbound' as const,
            spoken: [...call.inbound.spoken],
            forwards: call.inbound.forwards.map((forward) => ({ ...forward })),
            recordings: call.inbound.recordings.map((recording) => ({ ...recording })),
          }),
    };
  }

  function reject(request: EngineRequest, status: number, code: number, message: string) {
    const { method, path } = request;
    emit({ type: 'rejected', method, path, httpStatus: status, code: String(code), message });
    return twilioError(status, code, message, dialect.realm);
  }

  const refuse = (request: EngineRequest, p: ParamProblem) =>
    reject(request, p.status, p.code, p.message);

  ringAtRandom(runtime, ring);

  // --- the lifecycle ---------------------------------------------------------------------------

  /** Lets the next waiting call out once the account's calls-per-second allows it. */
  function pump(): void {
    if (pumping || waiting.length === 0) return;
    pumping = true;
    schedule(
      () => {
        pumping = false;
        // A timer may fire a millisecond early by the wall clock: never let a call out before
        // its slot.
        if (now() < nextSlotAt) {
          pump();
          return;
        }
        const call = waiting.shift();
        if (call) {
          dial(call);
          // The next slot counts from the moment this call's `initiated` was told, so that two
          // calls' steps are never told closer together than the rate allows, however long
          // letting this one out took.
          nextSlotAt = now() + 1000 / knobs.callsPerSecond;
        }
        pump();
      },
      Math.max(0, nextSlotAt - now()),
    );
  }

  function dial(call: TwilioCall): void {
    call.startedAt = now();
    advance(call, 'initiated');
    const [toRinging, ringing, talking] = call.gaps;
    const steps: Array<[number, TwilioStatus]> =
      call.outcome === 'completed'
        ? [
            [toRinging, 'ringing'],
            [ringing, 'in-progress'],
            [talking, 'completed'],
          ]
        : [
            [toRinging, 'ringing'],
            [ringing, call.outcome],
          ];
    const generation = call.generation;
    const next = (index: number) => {
      const step = steps[index];
      if (!step) return;
      schedule(() => {
        if (call.generation !== generation) return;
        advance(call, step[1]);
        next(index + 1);
      }, step[0]);
    };
    next(0);
  }

  /** Ends a call from outside (a cancel or a hang-up): its pending steps are dropped. */
  function end(call: TwilioCall, status: 'canceled' | 'completed'): void {
    const index = waiting.indexOf(call);
    if (index >= 0) waiting.splice(index, 1);
    call.generation += 1;
    advance(call, status);
  }

  function advance(call: TwilioCall, status: TwilioStatus): void {
    if (runtime.isClosed()) return;
    call.status = status;
    call.updatedAt = now();
    if (status === 'in-progress') call.answeredAt = call.updatedAt;
    if (ENDED.has(status)) call.endedAt = call.updatedAt;
    emit({ type: 'status', callId: call.sid, phone: call.to, status });
    const event = eventOf(status);
    if (event !== undefined && call.statusCallback !== undefined && call.events.has(event)) {
      callback(call, status as TwilioCallbackStatus, event, call.statusCallback);
    }
  }

  // --- the routes ------------------------------------------------------------------------------

  async function create(request: EngineRequest): Promise<EngineResponse> {
    const answerAfter = wait(knobs.responseDelayMs);
    if (random.chance(knobs.errorRate)) {
      await answerAfter;
      const message = 'Service Unavailable: the simulator is failing this request (errorRate)';
      return reject(request, 503, TWILIO_ERRORS.unavailable, message);
    }
    const form = parseForm(request.contentType, request.body);
    const parsed = form.ok ? readCreate(form.params) : form;
    if (isProblem(parsed)) {
      await answerAfter;
      return refuse(request, parsed);
    }
    const sid = dialect.newSid(random, 'CA');
    const { outcome, gaps } = drawCallPlan(runtime);
    const outOfOrder = random.chance(knobs.outOfOrderRate);
    const duplicates = CALLBACK_EVENTS.map(() => random.chance(knobs.duplicateWebhookRate));
    const detection =
      parsed.machineDetection === undefined
        ? null
        : drawDetection(random, knobs.machineRate, parsed.machineDetection);
    const createdAt = now();
    const call: TwilioCall = {
      ...parsed,
      sid,
      direction: 'outbound-api',
      order: calls.size,
      outcome,
      gaps,
      status: 'queued',
      createdAt,
      updatedAt: createdAt,
      startedAt: null,
      answeredAt: null,
      endedAt: null,
      generation: 0,
      sequence: 0,
      outOfOrder,
      duplicates,
      detection,
      held: undefined,
      deliveries: Promise.resolve(),
    };
    calls.set(sid, call);
    emit({ type: 'created', call: snapshot(call) });
    const body = render(call);
    waiting.push(call);
    pump();
    await answerAfter;
    return json(201, body);
  }

  function update(request: EngineRequest, call: TwilioCall): EngineResponse {
    const form = parseForm(request.contentType, request.body);
    const asked = form.ok ? readUpdate(form.params) : form;
    if (isProblem(asked)) return refuse(request, asked);
    if (asked.status === undefined && asked.redirect && ENDED.has(call.status)) {
      const message = 'Call is not in-progress. Cannot redirect.';
      return reject(request, 400, TWILIO_ERRORS.callNotInProgress, message);
    }
    call.statusCallback = asked.statusCallback ?? call.statusCallback;
    call.callbackMethod = asked.callbackMethod ?? call.callbackMethod;
    if (asked.status === undefined && asked.redirect) {
      call.twiml = asked.redirect.twiml;
      call.url = asked.redirect.url;
    }
    if (CANCELABLE.has(call.status) && asked.status !== undefined) end(call, 'canceled');
    else if (call.status === 'in-progress' && asked.status === 'completed') end(call, 'completed');
    return json(200, render(call));
  }

  /** Deletes an ended call's record: `204` with no body; Twilio refuses it before the end. */
  function remove(request: EngineRequest, call: TwilioCall): EngineResponse {
    if (!ENDED.has(call.status)) {
      const message = 'Cannot delete this resource before it is complete';
      return reject(request, 409, TWILIO_ERRORS.deleteBeforeComplete, message);
    }
    calls.delete(call.sid);
    return { status: 204, headers: {}, body: undefined };
  }

  function route(request: EngineRequest): Promise<EngineResponse> | EngineResponse {
    if (!isAuthorized(request.headers?.authorization, dialect.credentials)) {
      return reject(request, 401, TWILIO_ERRORS.authentication, 'Authenticate');
    }
    const match = dialect.path.exec(request.path);
    const accountSid = decodePathSegment(match?.[1] ?? '');
    if (!match || accountSid !== dialect.accountSid) {
      const message = `The requested resource ${request.path} was not found`;
      return reject(request, 404, TWILIO_ERRORS.notFound, message);
    }
    const allowed = match[2] === undefined ? ['GET', 'POST'] : ['GET', 'POST', 'DELETE'];
    if (!allowed.includes(request.method)) {
      const message = `Method ${request.method} not allowed on ${request.path}; use ${allowed.join(' or ')}`;
      const refused = reject(request, 405, TWILIO_ERRORS.methodNotAllowed, message);
      return { ...refused, headers: { ...refused.headers, allow: allowed.join(', ') } };
    }
    if (request.bodySize > MAX_BODY_BYTES) {
      const message = `the body is over ${MAX_BODY_BYTES} bytes`;
      return reject(request, 413, TWILIO_ERRORS.payloadTooLarge, message);
    }
    if (match[2] === undefined) {
      if (request.method === 'POST') return create(request);
      const query = parseListQuery(toParams(new URLSearchParams(request.query ?? '')));
      if (isProblem(query)) return refuse(request, query);
      const listed = [...calls.values()].map((call) => ({
        ...call,
        status: resourceStatus(call),
        call,
      }));
      return json(
        200,
        listPage(listed, query, `${callsUri}.json`, (view) => render(view.call)),
      );
    }
    const call = calls.get(decodePathSegment(match[2]));
    if (!call) {
      return reject(
        request,
        404,
        TWILIO_ERRORS.notFound,
        `The requested resource ${request.path} was not found`,
      );
    }
    if (request.method === 'DELETE') return remove(request, call);
    return request.method === 'GET' ? json(200, render(call)) : update(request, call);
  }

  return {
    async handle(request) {
      if (runtime.isClosed()) {
        return twilioError(503, TWILIO_ERRORS.unavailable, 'the simulator closed');
      }
      return serveOwnRoutes(runtime, request, ring, recordings) ?? route(request);
    },
    calls: () => [...calls.values()].map(snapshot),
    close: () => runtime.close(),
    ringApp: ringAppWith(runtime, ring),
  };
}
