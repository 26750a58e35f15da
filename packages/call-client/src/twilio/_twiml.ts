// The TwiML documents an inbound call is answered with, XML-escaped as the client's `say` is.
import { DEFAULT_MAX_RECORDING_S } from '../inbound/inbound.js';
import { escapeXml } from './_params.js';

/** The step of an inbound call an action URL's `step` query parameter names. */
export type InboundStep = 'dial' | 'voicemail';

/** `actionUrl` with `step=<step>` appended to its query (`?` or `&`, as it has one or not). */
export function actionUrlOf(actionUrl: string, step: InboundStep): string {
  return `${actionUrl}${actionUrl.includes('?') ? '&' : '?'}step=${step}`;
}

/**
 * Speaks `message`, then records a voicemail of at most `maxRecordingS` seconds after a beep; the
 * recording is POSTed to the action URL's `step=voicemail`.
 */
export function voicemailTwiml(
  actionUrl: string,
  message: string,
  maxRecordingS = DEFAULT_MAX_RECORDING_S,
): string {
  const action = escapeXml(actionUrlOf(actionUrl, 'voicemail'));
  return (
    `<Response><Say>${escapeXml(message)}</Say>` +
    `<Record action="${action}" method="POST" maxLength="${maxRecordingS}" playBeep="true"/>` +
    `</Response>`
  );
}

/**
 * Rings `to` (E.164) for `ringS` seconds, connecting the caller when it picks up; how it ended is
 * POSTed to the action URL's `step=dial`.
 */
export function forwardTwiml(actionUrl: string, to: string, ringS: number): string {
  const action = escapeXml(actionUrlOf(actionUrl, 'dial'));
  return `<Response><Dial action="${action}" method="POST" timeout="${ringS}">${escapeXml(to)}</Dial></Response>`;
}

/** Refuses the call: the caller hears a busy tone (`busy`) or a refusal (`rejected`). */
export function rejectTwiml(reason: 'busy' | 'rejected'): string {
  return `<Response><Reject reason="${reason}"/></Response>`;
}

/** Ends the call. */
export const HANGUP_TWIML = '<Response><Hangup/></Response>';

/**
 * Connects the call to `to`: a number (E.164) in `<Number>`, a `sip:` URI in `<Sip>`, rung for
 * `ringS` seconds, shown `callerId` where given.
 */
export function connectTwiml(to: string, ringS: number, callerId?: string): string {
  const shown = callerId === undefined ? '' : ` callerId="${escapeXml(callerId)}"`;
  const noun = /^sips?:/i.test(to) ? 'Sip' : 'Number';
  return `<Response><Dial timeout="${ringS}"${shown}><${noun}>${escapeXml(to)}</${noun}></Dial></Response>`;
}

/** Speaks `message`, then hangs up. */
export function sayAndHangUpTwiml(message: string): string {
  return `<Response><Say>${escapeXml(message)}</Say><Hangup/></Response>`;
}
