import type { RecordingStore } from './_inbound.js';
import type { EngineRuntime } from './_runtime.js';
import type { TwilioCall, TwilioInboundRecord, TwilioStatus } from './_twilio-call.js';
import type { TwimlVerb } from './_twilio-twiml.js';
import { isE164 } from './_values.js';
import type { SimulatedForward } from './types.js';

// The two verbs of an inbound call that wait on the caller or on a forwarded party: <Record> and
// <Dial>. Each ends the call, or goes on with the next verb, or asks for the TwiML of its action.

/** The request for the next document: an action (or a `<Redirect>`) with its parameters. */
export interface NextDocument {
  url: string;
  method: 'GET' | 'POST';
  extra: Record<string, string>;
}

/** What a verb did: ask for the next document, end the call (`'ended'`), or go on (`undefined`). */
export type VerbResult = NextDocument | 'ended' | undefined;

/** One inbound call being played, and what its verbs may do to it. */
export interface InboundPlay {
  call: TwilioCall & { inbound: TwilioInboundRecord };
  /** Waits `ms`; then whether the call still runs (not ended, the simulator open). */
  pause(ms: number): Promise<boolean>;
  /** Ends the call with `status`: its status event and its status callback. */
  finish(status: TwilioStatus): void;
  /** Sends a signed request for the call and ignores its answer (the caller already hung up). */
  notify(next: NextDocument): Promise<void>;
  /** `url` resolved against the current document's URL (`''`: that URL itself). */
  resolve(url: string): string;
  /** A new id in the provider's form: a forwarded leg's (`CA`) or a recording's (`RE`). */
  newSid(prefix: 'CA' | 'RE'): string;
  /** The path below the simulator of the account's recording `sid`. */
  recordingPath(sid: string): string;
}

/**
 * `<Record>`: after the beep the caller leaves a message (`voicemailRate`) lasting the call's talk
 * time, then says nothing more, so the recording ends and Twilio requests the `action` (by
 * default the current document's URL) with `RecordingUrl`, `RecordingSid` and
 * `RecordingDuration`. A caller who leaves none hangs up: nothing was recorded, so no request.
 */
export async function playRecord(
  runtime: EngineRuntime,
  recordings: RecordingStore,
  baseUrl: string,
  play: InboundPlay,
  verb: Extract<TwimlVerb, { verb: 'Record' }>,
): Promise<VerbResult> {
  const { call } = play;
  const leaves = runtime.random.chance(runtime.knobs.inbound.voicemailRate);
  if (!(await play.pause(runtime.knobs.stepMs[0]))) return 'ended';
  if (!leaves) {
    play.finish('completed');
    return 'ended';
  }
  const messageMs = call.gaps[2];
  if (!(await play.pause(messageMs))) return 'ended';
  const durationS = Math.min(Math.max(1, Math.ceil(messageMs / 1000)), verb.maxLengthS);
  const sid = play.newSid('RE');
  const path = play.recordingPath(sid);
  recordings.add(path, 'wav');
  const url = `${baseUrl}${path}`;
  call.inbound.recordings.push({ id: sid, url, durationS });
  return {
    url: play.resolve(verb.action ?? ''),
    method: verb.method,
    extra: { RecordingUrl: url, RecordingSid: sid, RecordingDuration: String(durationS) },
  };
}

/**
 * `<Dial>`: the forward rings, then is answered, rings out, is busy or fails
 * (`inbound.forwardOutcomes`; ringing longer than `timeout` rings out then), or the caller hangs
 * up while it rings (`hangUpWhileForwardRingsRate`). An answered forward talks for the talk time, then
 * hangs up, and the caller stays for what comes next. With an `action`, Twilio requests it with
 * `DialCallStatus`, `DialCallSid`, `DialBridged` (and `DialCallDuration` once answered); without
 * one, the next verb plays. A caller who hung up ends the call: the `action` is still requested,
 * its answer ignored, and with `outOfOrderRate` the status callback goes first.
 */
export async function playDial(
  runtime: EngineRuntime,
  play: InboundPlay,
  verb: Extract<TwimlVerb, { verb: 'Dial' }>,
): Promise<VerbResult> {
  const { knobs, random } = runtime;
  const { call } = play;
  const outcome = random.pick(knobs.inbound.forwardOutcomes);
  const [min, max] = knobs.stepMs;
  const ringDrawn = random.between(min, max);
  const talkDrawn = random.between(min, max);
  const ringMs = knobs.ringMs ?? ringDrawn;
  const talkMs = knobs.talkMs ?? talkDrawn;
  const callerHangsUp = random.chance(knobs.inbound.hangUpWhileForwardRingsRate);
  const forward: SimulatedForward = {
    id: play.newSid('CA'),
    to: verb.number,
    status: 'ringing',
  };
  call.inbound.forwards.push(forward);
  const timeoutMs = verb.timeoutS * 1000;
  const action = verb.action === undefined ? undefined : play.resolve(verb.action);
  const after = (extra: Record<string, string>): VerbResult =>
    action === undefined ? undefined : { url: action, method: verb.method, extra };
  const ended = (status: SimulatedForward['status'], durationS?: number) => {
    forward.status = status;
    if (durationS !== undefined) forward.durationS = durationS;
    return { DialCallStatus: status, DialCallSid: forward.id, DialBridged: 'false' };
  };

  if (!isE164(verb.number)) {
    if (!(await play.pause(min))) return cut(forward);
    return after(ended('failed'));
  }
  if (callerHangsUp) {
    if (!(await play.pause(Math.min(ringMs, timeoutMs) / 2))) return cut(forward);
    const extra = ended('canceled');
    const notify = async () => {
      if (action !== undefined) await play.notify({ url: action, method: verb.method, extra });
    };
    if (call.outOfOrder) {
      play.finish('completed');
      await call.deliveries;
      await notify();
    } else {
      await notify();
      play.finish('completed');
    }
    return 'ended';
  }
  const answered = outcome === 'completed' && ringMs <= timeoutMs;
  if (!(await play.pause(Math.min(ringMs, timeoutMs)))) return cut(forward);
  if (!answered) return after(ended(outcome === 'completed' ? 'no-answer' : outcome));
  forward.status = 'in-progress';
  if (!(await play.pause(talkMs))) return cut(forward);
  const durationS = Math.max(1, Math.ceil(talkMs / 1000));
  return after({
    ...ended('completed', durationS),
    DialCallDuration: String(durationS),
    DialBridged: 'true',
  });
}

/** The call ended from outside while the forward rang or talked. */
function cut(forward: SimulatedForward): 'ended' {
  if (forward.status === 'ringing') forward.status = 'canceled';
  else if (forward.status === 'in-progress') forward.status = 'completed';
  return 'ended';
}
