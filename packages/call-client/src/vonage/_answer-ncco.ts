// The NCCOs a call to the app's number is answered with, as pure functions of the policy. Every
// action's keys are the official `@vonage/voice` NCCO classes' (`Talk`, `Record`, `Connect`), in
// the order their `serializeToNCCO` writes them; text is a JSON string value, never markup.
import { DEFAULT_MAX_RECORDING_S, type InboundPolicy } from '../inbound/inbound.js';
import { vonageNumber } from './_params.js';

/** An NCCO `talk` action speaking `text`. */
export interface AnswerTalkAction {
  action: 'talk';
  text: string;
}

/**
 * An NCCO `record` action that ends on 3 s of silence or after `timeOut` seconds, after a beep:
 * synchronous (it has ending conditions), so the call ends once the voicemail is recorded.
 */
export interface AnswerRecordAction {
  action: 'record';
  endOnSilence: number;
  timeOut: number;
  beepStart: true;
  eventUrl?: string[];
  eventMethod?: 'POST';
}

/** An NCCO `connect` action ringing one phone number for `timeout` seconds. */
export interface AnswerConnectAction {
  action: 'connect';
  endpoint: [{ type: 'phone'; number: string }];
  /** The caller ID the forward shows: the app's own number that was called. */
  from?: string;
  timeout: number;
  eventUrl?: string[];
  eventMethod?: 'POST';
}

/** One action of an answer's NCCO. */
export type AnswerNccoAction = AnswerTalkAction | AnswerRecordAction | AnswerConnectAction;

/** Seconds of silence that end a voicemail (Vonage takes 3–10). */
export const END_ON_SILENCE_S = 3;

/** The shortest and longest `timeOut` Vonage's `record` takes, in seconds. */
const RECORD_TIMEOUT_S = { min: 3, max: 7200 } as const;

/** Where an action's events go: `{ eventUrl, eventMethod }`, or nothing (the application's event URL). */
function events(eventUrl: string | undefined): { eventUrl?: string[]; eventMethod?: 'POST' } {
  return eventUrl === undefined ? {} : { eventUrl: [eventUrl], eventMethod: 'POST' };
}

/**
 * Speaks `message`, then records a voicemail of at most `maxRecordingS` seconds after a beep
 * (at least 3, the shortest Vonage records); the recording's event goes to `eventUrl`.
 */
export function voicemailNcco(
  message: string,
  maxRecordingS = DEFAULT_MAX_RECORDING_S,
  eventUrl?: string,
): AnswerNccoAction[] {
  const timeOut = Math.min(RECORD_TIMEOUT_S.max, Math.max(RECORD_TIMEOUT_S.min, maxRecordingS));
  return [
    { action: 'talk', text: message },
    {
      action: 'record',
      endOnSilence: END_ON_SILENCE_S,
      timeOut,
      beepStart: true,
      ...events(eventUrl),
    },
  ];
}

/**
 * Rings `to` (E.164) for `ringS` seconds showing `from` (the app's number, E.164), connecting
 * the caller when it picks up; its leg's events go to `forwardEventUrl`. Vonage runs an NCCO's
 * actions in order, each once the one before has finished, so a forward nobody takes (its leg
 * `timeout`, `unanswered`, `busy`, `rejected` or `failed`) goes on to the voicemail that follows.
 * So does a caller still on the line once a forward that was picked up has ended (the person
 * reached hung up first): the voicemail is offered then too.
 */
export function forwardNcco(input: {
  to: string;
  from: string | undefined;
  ringS: number;
  message: string;
  maxRecordingS: number | undefined;
  forwardEventUrl: string | undefined;
  voicemailEventUrl: string | undefined;
}): AnswerNccoAction[] {
  const connect: AnswerConnectAction = {
    action: 'connect',
    endpoint: [{ type: 'phone', number: vonageNumber(input.to) }],
    ...(input.from !== undefined && { from: vonageNumber(input.from) }),
    timeout: input.ringS,
    ...events(input.forwardEventUrl),
  };
  return [connect, ...voicemailNcco(input.message, input.maxRecordingS, input.voicemailEventUrl)];
}

/**
 * Refuses the call: the empty NCCO. Vonage's Voice API has no action that rejects a call or
 * plays a busy tone; it ends a call once its NCCO has no action left to run, so a call answered
 * with none ends at once, the caller hearing nothing (both reasons alike).
 */
export function rejectNcco(): AnswerNccoAction[] {
  return [];
}

/** The NCCO of a policy for a call from the app's number `appNumber`, with its events' URLs. */
export function answerNcco(
  policy: InboundPolicy,
  appNumber: string | undefined,
  urls: { forward: string | undefined; voicemail: string | undefined },
): AnswerNccoAction[] {
  switch (policy.action) {
    case 'reject':
      return rejectNcco();
    case 'voicemail':
      return voicemailNcco(policy.message, policy.maxRecordingS, urls.voicemail);
    case 'forward':
      return forwardNcco({
        to: policy.to,
        from: appNumber,
        ringS: policy.ringS,
        message: policy.message,
        maxRecordingS: policy.maxRecordingS,
        forwardEventUrl: urls.forward,
        voicemailEventUrl: urls.voicemail,
      });
  }
}
