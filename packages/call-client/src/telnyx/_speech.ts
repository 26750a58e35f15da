import { z } from 'zod';
import { callControlIdSchema } from './_ids.js';
import { decodeClientState, isAbandonState } from './_state.js';

/** What to speak on which call, with the `command_id` that makes a repeat a no-op at Telnyx. */
export interface DueSpeech {
  callId: string;
  text: string;
  commandId: string;
}

const eventSchema = z.looseObject({
  data: z.looseObject({
    event_type: z.string(),
    payload: z.looseObject({
      call_control_id: callControlIdSchema,
      client_state: z.string().nullish(),
      result: z.string().nullish(),
    }),
  }),
});

/** Results of machine detection after which a `detect-beep` call waits for the greeting's end. */
const MACHINE = new Set(['machine']);

/** The `call_control_id` of a `call.answered` webhook (or a detection, which follows one). */
export function answeredCallOf(body: unknown): string | undefined {
  const event = eventSchema.safeParse(typeof body === 'string' ? safeJson(body) : body);
  if (!event.success) return undefined;
  const type = event.data.data.event_type;
  return type === 'call.answered' || type.startsWith('call.machine.')
    ? event.data.data.payload.call_control_id
    : undefined;
}

/**
 * The `call_control_id` of a `call.speak.ended` webhook of an abandoned call's message
 * (`abandonCall` set its `client_state`): the call is hung up now.
 */
export function abandonSpokenOf(body: unknown): string | undefined {
  const event = eventSchema.safeParse(typeof body === 'string' ? safeJson(body) : body);
  if (!event.success || event.data.data.event_type !== 'call.speak.ended') return undefined;
  const { payload } = event.data.data;
  return isAbandonState(payload.client_state) ? payload.call_control_id : undefined;
}

/** `text` parsed as JSON, or `undefined` when it is not JSON. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The `say` a ringkit call's webhook makes due, or `null`: on `call.answered`; with
 * `machineDetection: 'detect-beep'` (`waitForGreeting`), on a detection that found no machine, or
 * on the end of a machine's greeting (so the message lands in the voicemail). Reads only the
 * call's `client_state`: no memory of earlier webhooks is needed.
 */
export function speechDue(body: unknown): DueSpeech | null {
  const event = eventSchema.safeParse(typeof body === 'string' ? safeJson(body) : body);
  if (!event.success) return null;
  const { event_type: type, payload } = event.data.data;
  const state = decodeClientState(payload.client_state);
  if (state?.say === undefined) return null;
  const due = state.waitForGreeting
    ? ((type === 'call.machine.detection.ended' ||
        type === 'call.machine.premium.detection.ended') &&
        !MACHINE.has(payload.result ?? '')) ||
      type === 'call.machine.greeting.ended' ||
      type === 'call.machine.premium.greeting.ended'
    : type === 'call.answered';
  if (!due) return null;
  return {
    callId: payload.call_control_id,
    text: state.say,
    commandId: `speak-${state.placementId}`,
  };
}
