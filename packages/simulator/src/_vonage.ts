import { createPublicKey, randomUUID } from 'node:crypto';
import {
  createRecordingStore,
  ringAppWith,
  ringAtRandom,
  serveOwnRoutes,
  type InboundIo,
} from './_inbound.js';
import {
  decodePathSegment,
  drawCallPlan,
  json,
  MAX_BODY_BYTES,
  type EngineRequest,
  type EngineResponse,
  type EngineRuntime,
  type SimulatorEngine,
} from './_runtime.js';
import {
  e164,
  EVENT_STATUSES,
  isAlive,
  renderCreated,
  renderDetail,
  type VonageCall,
} from './_vonage-call.js';
import { createVonageEventSender } from './_vonage-events.js';
import {
  badRequest,
  isProblem,
  parseJsonObject,
  problem,
  VONAGE_ERRORS,
  vonageError,
  type VonageProblem,
} from './_vonage-format.js';
import { createVonageInbound, type VonageInboundCall } from './_vonage-inbound.js';
import { refuseApplicationJwt } from './_vonage-jwt.js';
import { createVonageLifecycle } from './_vonage-lifecycle.js';
import {
  readCreate,
  readList,
  readModify,
  type CreateRequest,
  type ListRequest,
} from './_vonage-params.js';
import type { SimulatedCall, VonageWebhookDeliverer } from './types.js';

const CALLS = /^\/v1\/calls(?:\/([^/]+))?\/?$/;
/** The caller id of a call created with `random_from_number`. */
const RANDOM_FROM = '14155550100';
/** How a call of outcome `failed` ends, one draw per call. */
const FAILED_ENDS = { failed: 2, rejected: 1, unanswered: 1 } as const;

/**
 * The Vonage flavour: the Voice API's calls (create with an NCCO or an answer URL, read one,
 * list with filters, hang up) behind an application's RS256 JWT, events POSTed to each call's
 * `event_url`, signed with the signature secret. The answer URL of a call it is asked to place
 * is kept, not fetched. It rings an app with inbound calls (`ringApp`, `POST /_sim/inbound`,
 * `inbound.everyMs`): the application's answer URL is requested and its NCCO played
 * (`_vonage-inbound.ts`).
 */
export function createVonageEngine(
  runtime: EngineRuntime,
  defaultDeliverer: VonageWebhookDeliverer,
  io: InboundIo,
): SimulatorEngine {
  const { knobs, random, now, emit, wait } = runtime;
  const account = knobs.vonage;
  const publicKey = createPublicKey(account.publicKey);
  const deliver = knobs.deliverVonageWebhook ?? defaultDeliverer;
  const signer = {
    signatureSecret: account.signatureSecret,
    apiKey: account.apiKey,
    applicationId: account.applicationId,
  };
  const send = createVonageEventSender(runtime, deliver, signer);
  const lifecycle = createVonageLifecycle(runtime, send);
  const calls = new Map<string, VonageCall>();
  const href = (path: string) => `${io.baseUrl()}${path}`;
  const recordings = createRecordingStore();
  const inbound = createVonageInbound({
    runtime,
    io,
    recordings,
    deliver,
    signer,
    register(call) {
      calls.set(call.uuid, call);
      emit({ type: 'created', call: snapshot(call) });
    },
  });
  ringAtRandom(runtime, inbound.ring);
  const inboundOf = (call: VonageCall) =>
    'inbound' in call ? (call as VonageInboundCall) : undefined;

  function snapshot(call: VonageCall): SimulatedCall {
    return {
      id: call.uuid,
      flavour: 'vonage',
      phone: call.phone,
      from: e164(call.from),
      createdAt: new Date(call.createdAt),
      status: call.status,
      outcome: call.outcome,
      ...(call.eventUrl === undefined ? {} : { webhookUrl: call.eventUrl }),
      ...(call.machineDetection === undefined
        ? {}
        : { answeredBy: call.detectedAt === null ? null : (call.detection ?? null) }),
      createParams: call.params,
      spoken: [...call.spoken],
      ...inboundFields(call),
    };
  }

  function inboundFields(call: VonageCall) {
    const incoming = inboundOf(call);
    if (incoming === undefined) return {};
    return {
      direction: 'inbound' as const,
      forwards: incoming.inbound.forwards.map((forward) => ({ ...forward })),
      recordings: incoming.inbound.recordings.map((recording) => ({ ...recording })),
    };
  }

  /** A call as Vonage tells it: an inbound call's `direction` is `inbound`. */
  function detail(call: VonageCall) {
    const rendered = renderDetail(call, now(), href(`/v1/calls/${call.uuid}`));
    return inboundOf(call) === undefined ? rendered : { ...rendered, direction: 'inbound' };
  }

  function reject(request: EngineRequest, p: VonageProblem): EngineResponse {
    const { method, path } = request;
    const code = p.type.slice(p.type.indexOf('#') + 1);
    emit({
      type: 'rejected',
      method,
      path,
      httpStatus: p.status,
      code,
      message: `${p.title}: ${p.detail}`,
    });
    return vonageError(p, randomUUID());
  }

  /** A new call for a valid create; every draw made here, always the same number per call. */
  function newCall(asked: CreateRequest): VonageCall {
    const uuid = random.uuid();
    const conversationUuid = `CON-${random.uuid()}`;
    const plan = drawCallPlan(runtime);
    const early = random.chance(knobs.earlyWebhookRate);
    const outOfOrder = random.chance(knobs.outOfOrderRate);
    const duplicates = EVENT_STATUSES.map(() => random.chance(knobs.duplicateWebhookRate));
    const unansweredEnd = random.pick(FAILED_ENDS);
    const machine = random.chance(knobs.machineRate);
    return {
      ...asked,
      from: asked.from ?? RANDOM_FROM,
      phone: e164(asked.to),
      uuid,
      conversationUuid,
      outcome: plan.outcome,
      unansweredEnd,
      gaps: plan.gaps,
      detection: asked.machineDetection === undefined ? undefined : machine ? 'machine' : 'human',
      status: 'started',
      createdAt: now(),
      answeredAt: null,
      endedAt: null,
      detectedAt: null,
      spoken: [],
      generation: 0,
      early,
      outOfOrder,
      duplicates,
    };
  }

  async function create(request: EngineRequest): Promise<EngineResponse> {
    const answerAfter = wait(knobs.responseDelayMs);
    const refuse = async (p: VonageProblem) => {
      await answerAfter;
      return reject(request, p);
    };
    if (random.chance(knobs.errorRate)) {
      const detail = 'The simulator is failing this request (errorRate); no call was made.';
      return refuse(problem(503, VONAGE_ERRORS.unavailable, 'Service Unavailable', detail));
    }
    const body = parseJsonObject(request.contentType, request.body);
    const asked = isProblem(body) ? body : readCreate(body);
    if (isProblem(asked)) return refuse(asked);
    const call = newCall(asked);
    calls.set(call.uuid, call);
    emit({ type: 'created', call: snapshot(call) });
    const early = lifecycle.start(call);
    await Promise.all([answerAfter, early]);
    return json(201, renderCreated(call));
  }

  function matches(call: VonageCall, filter: ListRequest): boolean {
    if (filter.status === 'machine') {
      if (call.detectedAt === null || call.detection !== 'machine') return false;
    } else if (filter.status !== undefined && call.status !== filter.status) return false;
    if (filter.dateStart !== undefined && call.createdAt < filter.dateStart) return false;
    if (filter.dateEnd !== undefined && call.createdAt > filter.dateEnd) return false;
    return (
      filter.conversationUuid === undefined || call.conversationUuid === filter.conversationUuid
    );
  }

  function list(request: EngineRequest): EngineResponse {
    const query = new URLSearchParams(request.query ?? '');
    const filter = readList(query);
    if (isProblem(filter)) return reject(request, filter);
    const found = [...calls.values()].filter((call) => matches(call, filter));
    if (filter.order === 'desc') found.reverse();
    const page = found.slice(filter.recordIndex, filter.recordIndex + filter.pageSize);
    const at = (recordIndex: number) => {
      const next = new URLSearchParams(query);
      next.set('record_index', String(recordIndex));
      next.set('page_size', String(filter.pageSize));
      return { href: href(`/v1/calls?${next.toString()}`) };
    };
    const links = {
      self: at(filter.recordIndex),
      ...(filter.recordIndex + filter.pageSize < found.length
        ? { next: at(filter.recordIndex + filter.pageSize) }
        : {}),
      ...(filter.recordIndex > 0
        ? { prev: at(Math.max(0, filter.recordIndex - filter.pageSize)) }
        : {}),
    };
    return json(200, {
      count: found.length,
      page_size: filter.pageSize,
      record_index: filter.recordIndex,
      _links: links,
      _embedded: {
        calls: page.map(detail),
      },
    });
  }

  function modify(request: EngineRequest, call: VonageCall): EngineResponse {
    const body = parseJsonObject(request.contentType, request.body);
    const asked = isProblem(body) ? body : readModify(body);
    if (isProblem(asked)) return reject(request, asked);
    if (!isAlive(call)) {
      return reject(
        request,
        badRequest(`The call ${call.uuid} has already ended (${call.status}).`),
      );
    }
    const incoming = inboundOf(call);
    if (incoming) inbound.hangUp(incoming);
    else lifecycle.hangUp(call);
    return json(204, undefined);
  }

  function route(request: EngineRequest): Promise<EngineResponse> | EngineResponse {
    const refused = refuseApplicationJwt(
      request.headers?.authorization,
      { applicationId: account.applicationId, publicKey },
      Math.floor(now() / 1000),
    );
    if (refused !== undefined) {
      return reject(
        request,
        problem(
          401,
          VONAGE_ERRORS.unauthorized,
          'Unauthorized',
          `You did not provide correct credentials: ${refused}.`,
        ),
      );
    }
    const match = CALLS.exec(request.path);
    if (!match) {
      const detail = `The simulator has no route ${request.method} ${request.path}.`;
      return reject(request, problem(404, VONAGE_ERRORS.notFound, 'Not Found', detail));
    }
    const allowed = match[1] === undefined ? ['POST', 'GET'] : ['GET', 'PUT'];
    if (!allowed.includes(request.method)) {
      const detail = `${request.method} is not allowed on ${request.path}; use ${allowed.join(' or ')}.`;
      const response = reject(
        request,
        problem(405, VONAGE_ERRORS.methodNotAllowed, 'Method Not Allowed', detail),
      );
      return { ...response, headers: { ...response.headers, allow: allowed.join(', ') } };
    }
    if (request.bodySize > MAX_BODY_BYTES) {
      const detail = `The body is over ${MAX_BODY_BYTES} bytes.`;
      return reject(
        request,
        problem(413, VONAGE_ERRORS.payloadTooLarge, 'Payload Too Large', detail),
      );
    }
    if (match[1] === undefined) return request.method === 'POST' ? create(request) : list(request);
    const uuid = decodePathSegment(match[1]);
    const call = calls.get(uuid);
    if (!call) {
      const detail = `No call with uuid ${JSON.stringify(uuid)}.`;
      return reject(request, problem(404, VONAGE_ERRORS.notFound, 'Not Found', detail));
    }
    if (request.method === 'PUT') return modify(request, call);
    return json(200, detail(call));
  }

  return {
    async handle(request) {
      if (runtime.isClosed()) {
        const p = problem(
          503,
          VONAGE_ERRORS.unavailable,
          'Service Unavailable',
          'The simulator closed.',
        );
        return vonageError(p, randomUUID());
      }
      return serveOwnRoutes(runtime, request, inbound.ring, recordings) ?? route(request);
    },
    calls: () => [...calls.values()].map(snapshot),
    ringApp: ringAppWith(runtime, inbound.ring),
    close: () => runtime.close(),
  };
}
