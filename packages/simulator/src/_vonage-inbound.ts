import { audioOf, type AudioFormat } from './_audio.js';
import type { InboundIo, RecordingStore, RingRequest } from './_inbound.js';
import { createRandom } from './_random.js';
import { drawCallPlan, type EngineRuntime } from './_runtime.js';
import { isE164 } from './_values.js';
import {
  durationS,
  e164,
  EVENT_STATUSES,
  renderEvent,
  type VonageCall,
  type VonageEnd,
} from './_vonage-call.js';
import type { EventSigner } from './_vonage-events.js';
import {
  MAX_CALL_S,
  readNcco,
  type ConnectAction,
  type NccoAction,
  type RecordAction,
} from './_vonage-ncco.js';
import { signVonageWebhook } from './vonage-signature.js';
import type {
  SimulatedForward,
  SimulatedOutcome,
  SimulatedRecording,
  VonageEventStatus,
  VonageWebhookDeliverer,
  VonageWebhookEvent,
} from './types.js';

// Inbound calls of the Vonage flavour: the application's answer URL is requested (signed), the
// NCCO it answers is played action by action, and the caller's leg, the `connect` leg and the
// `record` send their events, signed, as Vonage's do.

/** What an inbound call of the Vonage flavour keeps besides the call itself. */
export interface VonageInboundRecord {
  forwards: SimulatedForward[];
  recordings: SimulatedRecording[];
}

/** A call the Vonage flavour rang an app with: its caller's leg. */
export type VonageInboundCall = VonageCall & { inbound: VonageInboundRecord };

/** What the inbound player needs from the Vonage engine. */
export interface VonageInboundDeps {
  runtime: EngineRuntime;
  io: InboundIo;
  recordings: RecordingStore;
  deliver: VonageWebhookDeliverer;
  signer: EventSigner;
  /** Adds a new call to the engine's calls and reports it `created`. */
  register(call: VonageInboundCall): void;
}

/** What {@link createVonageInbound} gives the engine. */
export interface VonageInbound {
  /** Starts one call and returns its `uuid`. */
  ring(ring: RingRequest): string;
  /** `PUT /v1/calls/{uuid}` `hangup`: the call ends `completed` once answered, else `cancelled`. */
  hangUp(call: VonageInboundCall): void;
}

/** How long Vonage waits for an answer URL's NCCO (its default socket timeout). */
const FETCH_TIMEOUT_MS = 5_000;
/** Where Vonage tells the app to send its requests about the call. */
const REGION_URL = 'https://api-us-3.vonage.com';
/** How long a `connect` rings unless its `timeout` says otherwise, in seconds. */
const CONNECT_TIMEOUT_S = 60;
/** A different stream than the calls' draws, so token ids never change a seeded call. */
const JTI_STREAM = 0x70_4a_6e_01;

/** The NCCO, or why the call fails: a code, a message, the app's HTTP status. */
type Fetched =
  | { ok: true; ncco: NccoAction[] }
  | { ok: false; code: string; message: string; httpStatus: number };

/** What an action did: end the call (`'ended'`) or go on with the next (`undefined`). */
type ActionResult = 'ended' | undefined;

/** The simulator's outcome of a caller's leg by how it ended. */
const OUTCOMES: Partial<Record<VonageEnd, SimulatedOutcome>> = {
  cancelled: 'no-answer',
  failed: 'failed',
};

/**
 * Plays inbound calls the way Vonage does: the caller's leg sends `started` and `ringing` (with
 * `direction: 'inbound'`) to the application's event URL, the answer URL is requested by `GET`
 * (`to`, `from`, `endpoint_type`, `conversation_uuid`, `uuid`, `region_url`; signed with a JWT
 * whose `payload_hash` is the SHA-256 of the query as a JSON object), and the NCCO it answers is
 * played once the leg is `answered`: `talk` is spoken, `record` records a voicemail and sends its
 * event, `connect` rings a second leg whose events go to its `eventUrl`, the call going on after
 * it when nobody took it and ending with it when someone did. The call ends `completed` once no
 * action is left (at once for the empty NCCO); an app that answers no NCCO fails the call.
 */
export function createVonageInbound(deps: VonageInboundDeps): VonageInbound {
  const { runtime, io, recordings, deliver, signer, register } = deps;
  const { knobs, random, now, emit } = runtime;
  const jtis = createRandom(knobs.seed ^ JTI_STREAM);
  const queues = new WeakMap<VonageCall, Promise<void>>();
  /** Per call, what ends the `connect` leg that rings or talks now, when the call ends. */
  const legs = new WeakMap<VonageInboundCall, () => void>();

  function sign(body: string) {
    return signVonageWebhook({
      ...signer,
      rawBody: body,
      issuedAt: Math.floor(now() / 1000),
      jti: jtis.uuid(),
    });
  }

  function newCall(ring: RingRequest): VonageInboundCall {
    const uuid = random.uuid();
    const conversationUuid = `CON-${random.uuid()}`;
    const plan = drawCallPlan(runtime);
    const duplicates = EVENT_STATUSES.map(() => random.chance(knobs.duplicateWebhookRate));
    const to = ring.to.slice(1);
    const from = ring.from.slice(1);
    return {
      to,
      from,
      ncco: undefined,
      answerUrl: ring.url,
      eventUrl: ring.eventUrl,
      machineDetection: undefined,
      lengthTimerS: MAX_CALL_S,
      ringingTimerS: CONNECT_TIMEOUT_S,
      params: {
        to,
        from,
        endpoint_type: 'phone',
        conversation_uuid: conversationUuid,
        uuid,
        region_url: REGION_URL,
      },
      uuid,
      conversationUuid,
      phone: ring.to,
      outcome: 'completed',
      unansweredEnd: 'unanswered',
      gaps: plan.gaps,
      detection: undefined,
      status: 'started',
      createdAt: now(),
      answeredAt: null,
      endedAt: null,
      detectedAt: null,
      spoken: [],
      generation: 0,
      early: false,
      outOfOrder: false,
      duplicates,
      inbound: { forwards: [], recordings: [] },
    };
  }

  /**
   * Sends one signed event about `caller`'s call to `url`, after its earlier ones; `status` is
   * what the simulator's own events report it as.
   */
  function post(
    caller: VonageCall,
    url: string | undefined,
    body: Record<string, unknown>,
    status: VonageEventStatus,
    twice = false,
  ): Promise<void> {
    if (url === undefined || runtime.isClosed()) return Promise.resolve();
    const text = JSON.stringify(body);
    const sent = { url, headers: { ...sign(text) }, body: text, event: body as VonageWebhookEvent };
    const one = async (duplicate: boolean) => {
      if (runtime.isClosed()) return;
      const base = { callId: caller.uuid, phone: caller.phone, status, url };
      try {
        await deliver(sent, { signal: runtime.signal });
        emit({ type: 'webhook_sent', ...base, duplicate });
      } catch (error) {
        emit({ type: 'webhook_failed', ...base, error });
      }
    };
    const queued = (queues.get(caller) ?? Promise.resolve()).then(async () => {
      await one(false);
      if (twice) await one(true);
    });
    queues.set(caller, queued);
    return queued;
  }

  /** A status event of the caller's leg: Vonage's body, `direction: 'inbound'`. */
  function tell(call: VonageInboundCall, status: VonageEventStatus): Promise<void> {
    const body = { ...renderEvent(call, status, now()), direction: 'inbound' };
    const twice = call.duplicates[EVENT_STATUSES.indexOf(status)] === true;
    return post(call, call.eventUrl, body, status, twice);
  }

  function step(call: VonageInboundCall, status: 'ringing' | 'answered'): void {
    call.status = status;
    if (status === 'answered') call.answeredAt = now();
    emit({ type: 'status', callId: call.uuid, phone: call.phone, status });
    void tell(call, status);
  }

  function end(call: VonageInboundCall, status: VonageEnd): void {
    if (call.endedAt !== null || runtime.isClosed()) return;
    call.generation += 1;
    call.endedAt = now();
    call.status = status;
    call.outcome = OUTCOMES[status] ?? 'completed';
    emit({ type: 'status', callId: call.uuid, phone: call.phone, status });
    legs.get(call)?.();
    legs.delete(call);
    void tell(call, status);
  }

  function fail(call: VonageInboundCall, problem: Extract<Fetched, { ok: false }>): void {
    const { code, message, httpStatus } = problem;
    const path = call.answerUrl ?? '';
    emit({ type: 'rejected', method: 'GET', path, httpStatus, code, message });
    end(call, 'failed');
  }

  /** Requests the answer URL, signed, and reads the NCCO it answers. */
  async function fetchNcco(call: VonageInboundCall): Promise<Fetched> {
    const base = call.answerUrl ?? '';
    const query = new URLSearchParams(call.params as Record<string, string>).toString();
    const url = `${base}${base.includes('?') ? '&' : '?'}${query}`;
    const signed = JSON.stringify(Object.fromEntries(new URL(url).searchParams));
    const { authorization } = sign(signed);
    const report = { callId: call.uuid, phone: call.phone, status: 'ringing' as const, url };
    const failed = (code: string, message: string, httpStatus = 0): Fetched => ({
      ok: false,
      code,
      message,
      httpStatus,
    });
    let response: Response;
    let text: string;
    try {
      response = await io.send(url, {
        method: 'GET',
        headers: { authorization, accept: 'application/json' },
        signal: AbortSignal.any([runtime.signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]),
      });
      text = await response.text();
    } catch (error) {
      emit({ type: 'webhook_failed', ...report, error });
      return failed(
        'answer_url_failed',
        `the app could not be reached: ${(error as Error).message}`,
      );
    }
    if (!response.ok) {
      const error = new Error(`the app answered ${response.status}`);
      emit({ type: 'webhook_failed', ...report, error });
      return failed('answer_url_failed', error.message, response.status);
    }
    emit({ type: 'webhook_sent', ...report, duplicate: false });
    const read = readNcco(text);
    return 'problem' in read
      ? failed('invalid_ncco', read.problem, response.status)
      : { ok: true, ncco: read.ncco };
  }

  async function run(call: VonageInboundCall, hangsUp: boolean): Promise<void> {
    const generation = call.generation;
    const alive = () => !runtime.isClosed() && call.generation === generation;
    const pause = async (ms: number) => {
      await runtime.wait(ms);
      return alive();
    };
    emit({ type: 'status', callId: call.uuid, phone: call.phone, status: 'started' });
    void tell(call, 'started');
    step(call, 'ringing');
    const fetched = await fetchNcco(call);
    if (!alive()) return;
    if (hangsUp) return end(call, 'cancelled');
    if (!fetched.ok) return fail(call, fetched);
    step(call, 'answered');
    for (const action of fetched.ncco) {
      const result = await play(call, action, pause);
      if (result === 'ended' || !alive()) return;
    }
    end(call, 'completed');
  }

  async function play(
    call: VonageInboundCall,
    action: NccoAction,
    pause: (ms: number) => Promise<boolean>,
  ): Promise<ActionResult> {
    if (action.action === 'record') return playRecord(call, action, pause);
    if (action.action === 'connect') return playConnect(call, action, pause);
    if (action.action === 'talk') call.spoken.push(action.text);
    return (await pause(knobs.stepMs[0])) ? undefined : 'ended';
  }

  /**
   * `record`: after the beep the caller leaves a message (`voicemailRate`) lasting the call's
   * talk time (at most `timeOut`), then says nothing more, so the recording ends and its event
   * goes to the action's `eventUrl` (else the application's event URL); a caller who leaves none
   * hangs up.
   */
  async function playRecord(
    call: VonageInboundCall,
    action: RecordAction,
    pause: (ms: number) => Promise<boolean>,
  ): Promise<ActionResult> {
    const leaves = random.chance(knobs.inbound.voicemailRate);
    if (!(await pause(knobs.stepMs[0]))) return 'ended';
    if (!leaves) {
      end(call, 'completed');
      return 'ended';
    }
    const messageMs = call.gaps[2];
    if (!(await pause(messageMs))) return 'ended';
    const seconds = Math.min(
      Math.max(1, Math.ceil(messageMs / 1000)),
      action.timeOut ?? MAX_CALL_S,
    );
    const recordingUuid = random.uuid();
    const format: AudioFormat = action.format === 'wav' ? 'wav' : 'mp3';
    const path = `/v1/files/${recordingUuid}`;
    recordings.add(path, format);
    const url = `${io.baseUrl()}${path}`;
    call.inbound.recordings.push({ id: recordingUuid, url, durationS: seconds });
    const endedAt = now();
    const body = {
      start_time: new Date(endedAt - seconds * 1000).toISOString(),
      recording_url: url,
      size: audioOf(format).bytes.byteLength,
      recording_uuid: recordingUuid,
      end_time: new Date(endedAt).toISOString(),
      conversation_uuid: call.conversationUuid,
      timestamp: new Date(endedAt).toISOString(),
    };
    void post(call, action.eventUrl?.[0] ?? call.eventUrl, body, call.status);
    return undefined;
  }

  /**
   * `connect` to a phone: a second leg rings, then is answered, rings out (`timeout`), is
   * `busy` or `failed` (`inbound.forwardOutcomes`; ringing longer than `timeout` rings out), or
   * the caller hangs up while it rings (`hangUpWhileForwardRingsRate`: the leg `cancelled`, the
   * call `completed`). Its events (`direction: 'outbound'`) go to the action's `eventUrl`, else
   * the application's. An answered leg talks for the talk time and hangs up, which ends the
   * call; a leg nobody took lets the NCCO go on.
   */
  async function playConnect(
    call: VonageInboundCall,
    action: ConnectAction,
    pause: (ms: number) => Promise<boolean>,
  ): Promise<ActionResult> {
    const outcome = random.pick(knobs.inbound.forwardOutcomes);
    const [min, max] = knobs.stepMs;
    const ringDrawn = random.between(min, max);
    const talkDrawn = random.between(min, max);
    const ringMs = knobs.ringMs ?? ringDrawn;
    const talkMs = knobs.talkMs ?? talkDrawn;
    const callerHangsUp = random.chance(knobs.inbound.hangUpWhileForwardRingsRate);
    const [endpoint] = action.endpoint;
    const number = endpoint?.type === 'phone' ? (endpoint.number ?? '') : '';
    const leg: VonageCall = {
      ...call,
      to: number,
      from: action.from ?? call.from,
      phone: e164(number),
      uuid: random.uuid(),
      eventUrl: action.eventUrl?.[0] ?? call.eventUrl,
      status: 'started',
      createdAt: now(),
      answeredAt: null,
      endedAt: null,
      spoken: [],
    };
    const forward: SimulatedForward = { id: leg.uuid, to: leg.phone, status: 'ringing' };
    call.inbound.forwards.push(forward);
    const tellLeg = (status: VonageEventStatus) =>
      void post(call, leg.eventUrl, renderEvent(leg, status, now()), status);
    const endLeg = (status: VonageEnd, forwardStatus: SimulatedForward['status']) => {
      if (leg.endedAt !== null) return;
      leg.endedAt = now();
      leg.status = status;
      forward.status = forwardStatus;
      if (leg.answeredAt !== null) forward.durationS = durationS(leg, leg.endedAt);
      tellLeg(status);
    };
    const cut = (): 'ended' => {
      if (leg.answeredAt === null) endLeg('cancelled', 'canceled');
      else endLeg('completed', 'completed');
      return 'ended';
    };
    legs.set(call, () => void cut());
    tellLeg('started');
    if (!isE164(leg.phone)) {
      if (!(await pause(min))) return cut();
      endLeg('failed', 'failed');
      return undefined;
    }
    leg.status = 'ringing';
    tellLeg('ringing');
    const timeoutMs = (action.timeout ?? CONNECT_TIMEOUT_S) * 1000;
    if (callerHangsUp) {
      if (!(await pause(Math.min(ringMs, timeoutMs) / 2))) return cut();
      endLeg('cancelled', 'canceled');
      end(call, 'completed');
      return 'ended';
    }
    const answered = outcome === 'completed' && ringMs <= timeoutMs;
    if (!(await pause(Math.min(ringMs, timeoutMs)))) return cut();
    if (!answered) {
      if (outcome === 'busy') endLeg('busy', 'busy');
      else if (outcome === 'failed') endLeg('failed', 'failed');
      else endLeg('timeout', 'no-answer');
      return undefined;
    }
    leg.answeredAt = now();
    leg.status = 'answered';
    forward.status = 'in-progress';
    tellLeg('answered');
    if (!(await pause(talkMs))) return cut();
    endLeg('completed', 'completed');
    end(call, 'completed');
    return 'ended';
  }

  return {
    ring(ring) {
      const call = newCall(ring);
      const hangsUp = random.chance(knobs.inbound.hangUpWhileRingingRate);
      register(call);
      void run(call, hangsUp);
      return call.uuid;
    },
    hangUp(call) {
      end(call, call.answeredAt === null ? 'cancelled' : 'completed');
    },
  };
}
