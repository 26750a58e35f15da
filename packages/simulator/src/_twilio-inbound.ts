import type { InboundIo, RecordingStore, RingRequest } from './_inbound.js';
import { drawCallPlan, type EngineRuntime } from './_runtime.js';
import {
  API_VERSION,
  CALLBACK_EVENTS,
  ENDED,
  type TwilioCall,
  type TwilioInboundRecord,
  type TwilioStatus,
} from './_twilio-call.js';
import { callbackUrl, signTwilioRequest } from './_twilio-callbacks.js';
import type { TwilioDialect } from './_twilio-dialect.js';
import { isTwimlProblem, readTwiml, type TwimlVerb } from './_twilio-twiml.js';
import { playDial, playRecord, type InboundPlay, type NextDocument } from './_twilio-verbs.js';
import type { SimulatedOutcome, TwilioCallbackStatus } from './types.js';

/** What the inbound player needs from the Twilio engine. */
export interface TwilioInboundDeps {
  runtime: EngineRuntime;
  /** Twilio's or SignalWire's: the account, the ids, the signing key and header. */
  dialect: TwilioDialect;
  io: InboundIo;
  recordings: RecordingStore;
  /** Adds a new call to the engine's calls and reports it `created`. */
  register(call: TwilioCall): void;
  /** Moves a call to `status`: its status event, and its status callback when it ends. */
  advance(call: TwilioCall, status: TwilioStatus): void;
}

/** The most TwiML documents one call fetches (actions and redirects): a loop is a failure. */
const MAX_DOCUMENTS = 20;
/** How long Twilio waits for an app's TwiML. */
const FETCH_TIMEOUT_MS = 15_000;

/** A document to play, or why the call fails: Twilio's error code and the app's HTTP status. */
type Fetched =
  | { ok: true; verbs: TwimlVerb[]; url: string }
  | { ok: false; code: string; message: string; url: string; httpStatus: number };

type InboundCall = TwilioCall & { inbound: TwilioInboundRecord };

const OUTCOMES: Partial<Record<TwilioStatus, SimulatedOutcome>> = {
  busy: 'busy',
  'no-answer': 'no-answer',
  canceled: 'no-answer',
  failed: 'failed',
};

/**
 * Plays inbound calls the way Twilio does: a signed voice request to the app's URL
 * (`CallStatus=ringing`, `Direction=inbound`), then the TwiML it answers, verb by verb, the
 * actions' TwiML after it, and the final status to the number's status callback URL.
 * Returns `ring`, which starts one call and returns its `CallSid`.
 */
export function createTwilioInbound(deps: TwilioInboundDeps): (ring: RingRequest) => string {
  const { runtime, dialect, io, recordings, register, advance } = deps;
  const { knobs, random, now, emit } = runtime;

  function newCall(ring: RingRequest): InboundCall {
    const sid = dialect.newSid(random, 'CA');
    const plan = drawCallPlan(runtime);
    const outOfOrder = random.chance(knobs.outOfOrderRate);
    const duplicates = CALLBACK_EVENTS.map(() => random.chance(knobs.duplicateWebhookRate));
    const token = random.uuid();
    const voice: Record<string, string> = {
      AccountSid: dialect.accountSid,
      ApiVersion: API_VERSION,
      CallSid: sid,
      CallStatus: 'ringing',
      CallToken: token,
      Called: ring.to,
      Caller: ring.from,
      Direction: 'inbound',
      From: ring.from,
      To: ring.to,
    };
    const createdAt = now();
    return {
      sid,
      direction: 'inbound',
      inbound: { spoken: [], forwards: [], recordings: [] },
      order: 0,
      to: ring.to,
      from: ring.from,
      outcome: 'completed',
      gaps: plan.gaps,
      status: 'ringing',
      createdAt,
      updatedAt: createdAt,
      startedAt: createdAt,
      answeredAt: null,
      endedAt: null,
      statusCallback: ring.statusCallbackUrl,
      callbackMethod: 'POST',
      events: new Set(['completed']),
      twiml: undefined,
      url: ring.url,
      machineDetection: undefined,
      detection: null,
      createParams: new Map(Object.entries(voice).map(([name, value]) => [name, [value]])),
      generation: 0,
      sequence: 0,
      outOfOrder,
      duplicates,
      held: undefined,
      deliveries: Promise.resolve(),
    };
  }

  /** The parameters of every request about the call: the voice request's, `CallStatus` now. */
  function paramsOf(call: TwilioCall, callStatus: TwilioCallbackStatus, extra = {}) {
    const voice = Object.fromEntries([...call.createParams].map(([k, [v]]) => [k, v ?? '']));
    return { ...voice, CallStatus: callStatus, ...extra };
  }

  /** Sends a signed request for the call and reads the TwiML it answers. */
  async function fetchTwiml(
    call: TwilioCall,
    next: NextDocument,
    callStatus: TwilioCallbackStatus,
  ): Promise<Fetched> {
    const request = signTwilioRequest(
      dialect,
      callbackUrl(next.url),
      next.method,
      paramsOf(call, callStatus, next.extra),
    );
    const report = { callId: call.sid, phone: call.to, status: callStatus, url: request.url };
    const failed = (code: string, message: string, httpStatus = 0): Fetched => ({
      ok: false,
      code,
      message,
      url: request.url,
      httpStatus,
    });
    let response: Response;
    let text: string;
    try {
      response = await io.send(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.method === 'POST' ? { body: request.body } : {}),
        signal: AbortSignal.any([runtime.signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]),
      });
      text = await response.text();
    } catch (error) {
      emit({ type: 'webhook_failed', ...report, error });
      return failed('11200', `the app could not be reached: ${(error as Error).message}`);
    }
    if (!response.ok) {
      const error = new Error(`the app answered ${response.status}`);
      emit({ type: 'webhook_failed', ...report, error });
      return failed('11200', error.message, response.status);
    }
    emit({ type: 'webhook_sent', ...report, duplicate: false });
    const type = response.headers.get('content-type') ?? '';
    if (!/^(?:text|application)\/xml\s*(?:;|$)/i.test(type)) {
      const message = `the TwiML's Content-Type must be text/xml or application/xml, got ${type || 'none'}`;
      return failed('12300', message, response.status);
    }
    const verbs = readTwiml(text);
    if (isTwimlProblem(verbs)) return failed(verbs.code, verbs.message, response.status);
    return { ok: true, verbs, url: next.url };
  }

  function finish(call: TwilioCall, status: TwilioStatus): void {
    if (ENDED.has(call.status)) return;
    call.outcome = OUTCOMES[status] ?? 'completed';
    advance(call, status);
  }

  function fail(call: TwilioCall, problem: Extract<Fetched, { ok: false }>): void {
    const { httpStatus, code, message } = problem;
    emit({ type: 'rejected', method: 'POST', path: problem.url, httpStatus, code, message });
    finish(call, 'failed');
  }

  function answer(call: TwilioCall): void {
    if (call.answeredAt === null) advance(call, 'in-progress');
  }

  async function run(call: InboundCall, ring: RingRequest, hangsUp: boolean): Promise<void> {
    const generation = call.generation;
    const alive = () =>
      !runtime.isClosed() && call.generation === generation && !ENDED.has(call.status);
    let documentUrl = ring.url;
    const play: InboundPlay = {
      call,
      pause: async (ms) => {
        await runtime.wait(ms);
        return alive();
      },
      finish: (status) => finish(call, status),
      notify: async (next) => void (await fetchTwiml(call, next, 'completed')),
      resolve: (url) => new URL(url, documentUrl).href,
      newSid: (prefix) => dialect.newSid(random, prefix),
      recordingPath: (sid) =>
        `${dialect.pathPrefix}/${API_VERSION}/Accounts/${dialect.accountSid}/Recordings/${sid}`,
    };
    let fetched = await fetchTwiml(call, { url: ring.url, method: 'POST', extra: {} }, 'ringing');
    if (!alive()) return;
    if (hangsUp) return finish(call, 'canceled');
    for (let documents = 1; fetched.ok; documents += 1) {
      documentUrl = fetched.url;
      const next = await playDocument(play, fetched.verbs, documents === 1);
      if (next === 'ended' || !alive()) return;
      if (next === undefined) return finish(call, 'completed');
      if (documents === MAX_DOCUMENTS) {
        const message = `the call fetched ${MAX_DOCUMENTS} documents: a loop of actions or redirects?`;
        return fail(call, { ok: false, code: '12400', message, url: next.url, httpStatus: 0 });
      }
      fetched = await fetchTwiml(call, next, 'in-progress');
      if (!alive()) return;
    }
    fail(call, fetched);
  }

  /** Plays one document's verbs in order. */
  async function playDocument(
    play: InboundPlay,
    verbs: TwimlVerb[],
    first: boolean,
  ): Promise<NextDocument | 'ended' | undefined> {
    const { call } = play;
    const step = knobs.stepMs[0];
    for (const [index, verb] of verbs.entries()) {
      if (verb.verb === 'Reject') {
        if (!first || index > 0) {
          const message = '<Reject> must be the first verb of the TwiML a call is answered with';
          fail(call, { ok: false, code: '12200', message, url: play.resolve(''), httpStatus: 200 });
        } else finish(call, verb.reason === 'busy' ? 'busy' : 'no-answer');
        return 'ended';
      }
      if (verb.verb === 'Redirect') {
        return { url: play.resolve(verb.url), method: verb.method, extra: {} };
      }
      answer(call);
      if (verb.verb === 'Hangup') {
        finish(call, 'completed');
        return 'ended';
      }
      if (verb.verb === 'Say') call.inbound.spoken.push(verb.text);
      if (verb.verb === 'Say' || verb.verb === 'Pause') {
        if (!(await play.pause(step))) return 'ended';
        continue;
      }
      const result =
        verb.verb === 'Record'
          ? await playRecord(runtime, recordings, io.baseUrl(), play, verb)
          : await playDial(runtime, play, verb);
      if (result !== undefined) return result;
    }
    return undefined;
  }

  return (ring) => {
    const call = newCall(ring);
    const hangsUp = random.chance(knobs.inbound.hangUpWhileRingingRate);
    register(call);
    emit({ type: 'status', callId: call.sid, phone: call.to, status: 'ringing' });
    void run(call, ring, hangsUp);
    return call.sid;
  };
}
