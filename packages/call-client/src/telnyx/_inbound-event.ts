import { z } from 'zod';
import { dateOf } from './event.js';
import { callControlIdSchema } from './_ids.js';
import { safeJson } from './_speech.js';
import { decodeClientState, decodeInboundState, type InboundState } from './_state.js';

/**
 * A webhook of a call to the app's own number, as the inbound steps read it: one whose payload
 * says `direction: 'incoming'` (Telnyx's `call.initiated` of such a call), or one carrying the
 * `client_state` the app's commands on such a call set (every later event of it, and of the leg a
 * forward dials, whose own events have no direction of their own in Telnyx's types).
 */
export interface InboundEvent {
  /** `event_type`, e.g. `call.hangup`. */
  type: string;
  /** The caller's leg (the A leg): the call the app acts on and reports. */
  callId: string;
  /** `true` for an event of the leg a forward dialled (its `call_control_id` is not `callId`). */
  forwardLeg: boolean;
  /** `occurred_at`, else the `now` given, else the time it was read. */
  at: Date;
  /** The caller: from the state where it travels (the forward's leg has its own), else the payload. */
  from: string;
  /** The app's number that was called, likewise. */
  to: string;
  /** The state the app's commands set; none before the first of them took effect. */
  state: InboundState | undefined;
  payload: InboundPayload;
  /** The webhook, parsed. */
  raw: unknown;
}

/** A field the inbound steps read; one of an unexpected type reads as absent. */
const text = (max: number) => z.string().max(max).optional().catch(undefined);
const urls = z
  .looseObject({ mp3: text(4096).nullable() })
  .optional()
  .catch(undefined);

const payloadSchema = z.looseObject({
  call_control_id: callControlIdSchema.optional().catch(undefined),
  client_state: text(16_384).nullable(),
  direction: text(32),
  from: text(256),
  to: text(256),
  /** `call.initiated`'s `parked` or `bridging`. */
  state: text(32),
  hangup_cause: text(64),
  /** `call.speak.ended`'s `completed`, `call_hangup` or `cancelled_amd`. */
  status: text(32),
  recording_started_at: text(64),
  recording_ended_at: text(64),
  recording_urls: urls,
  public_recording_urls: urls,
});

export type InboundPayload = z.infer<typeof payloadSchema>;

const envelopeSchema = z.looseObject({
  data: z.looseObject({
    event_type: z.string().max(100),
    occurred_at: text(64),
    payload: payloadSchema,
  }),
});

/**
 * `body` (parsed, or its JSON text) as an {@link InboundEvent}; `undefined` for a webhook of any
 * other call (a dialled one, another app's) or for anything that is no Telnyx call event.
 */
export function readInboundEvent(
  body: unknown,
  options: { now?: Date; appNumbers?: ReadonlySet<string> } = {},
): InboundEvent | undefined {
  const raw = typeof body === 'string' ? safeJson(body) : body;
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return undefined;
  const { event_type: type, occurred_at: occurredAt, payload } = envelope.data.data;
  const state = decodeInboundState(payload.client_state);
  if (state === undefined && payload.direction !== 'incoming' && !strayEnd()) return undefined;
  const own = payload.call_control_id;
  const callId = state?.callId ?? own;
  if (callId === undefined) return undefined;
  return {
    type,
    callId,
    forwardLeg: own !== undefined && own !== callId,
    at: dateOf(occurredAt) ?? options.now ?? new Date(),
    from: state?.from ?? payload.from ?? '',
    to: state?.to ?? payload.to ?? '',
    state,
    payload,
    raw,
  };

  /**
   * The hang-up of a caller who left before the app's first command took effect: Telnyx's
   * `call.hangup` has no `direction`, and no state was set yet; but it is to one of the app's
   * numbers, from another, and carries no state of a call the app dialled.
   */
  function strayEnd(): boolean {
    const numbers = options.appNumbers;
    return (
      type === 'call.hangup' &&
      numbers !== undefined &&
      payload.to !== undefined &&
      numbers.has(payload.to) &&
      payload.from !== undefined &&
      !numbers.has(payload.from) &&
      decodeClientState(payload.client_state) === undefined
    );
  }
}
