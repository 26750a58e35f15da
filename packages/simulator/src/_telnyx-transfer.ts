import type { EngineRuntime } from './_runtime.js';
import type { InboundCommand } from './_telnyx-action-params.js';
import {
  ALL_EVENT_TYPES,
  CANCELED,
  drawControlId,
  UNANSWERED,
  type Hangup,
  type TelnyxCall,
  type TelnyxInboundState,
} from './_telnyx-call.js';
import type { TelnyxLifecycle } from './_telnyx-lifecycle.js';
import type { TelnyxWebhookSender } from './_telnyx-webhooks.js';
import type { SimulatedForward } from './types.js';

/** An incoming call: a Telnyx call with its inbound state. */
export type IncomingCall = TelnyxCall & { inbound: TelnyxInboundState };

/** What a transfer needs from the incoming call's player. */
export interface TransferDeps {
  runtime: EngineRuntime;
  send: TelnyxWebhookSender;
  lifecycle: TelnyxLifecycle;
  /** Answers the A leg (its `call.answered`) if it was not yet. */
  answer(call: IncomingCall): void;
  /** Ends the A leg (and with it what is under way). */
  end(call: IncomingCall, hangup: Hangup): void;
  /** The A leg is waiting for the app again: its caller's patience starts over. */
  touch(call: IncomingCall): void;
}

/** Whoever hung up on the other side of a call: the other party (`callee`), normally. */
export const OTHER_PARTY_HUNG_UP: Hangup = {
  cause: 'normal_clearing',
  source: 'callee',
  sip: '200',
};
/** The caller of an incoming call hung up on an answered call. */
export const CALLER_HUNG_UP: Hangup = { cause: 'normal_clearing', source: 'caller', sip: '200' };

type TransferCommand = Extract<InboundCommand, { action: 'transfer' }>;

/** The B leg of a transfer: a new outgoing call in the A leg's session. */
function legOf(runtime: EngineRuntime, a: IncomingCall, command: TransferCommand): TelnyxCall {
  const { random, knobs, now } = runtime;
  const controlId = drawControlId(random);
  const legId = random.uuid();
  const duplicates = ALL_EVENT_TYPES.map(() => random.chance(knobs.duplicateWebhookRate));
  const at = now();
  return {
    to: command.to,
    from: command.from ?? a.to,
    webhookUrl: command.webhookUrl ?? a.webhookUrl,
    timeoutS: command.timeoutS,
    timeLimitS: 14_400,
    machineDetection: undefined,
    record: false,
    params: {},
    controlId,
    direction: 'outgoing',
    legId,
    sessionId: a.sessionId,
    connectionId: a.connectionId,
    recordingId: undefined,
    outcome: 'completed',
    gaps: [0, 0, 0],
    detection: undefined,
    status: 'initiated',
    clientState: command.targetLegClientState,
    createdAt: at,
    initiatedAt: at,
    answeredAt: null,
    endedAt: null,
    detectedAt: null,
    hangupCause: undefined,
    spoken: [],
    speaking: 0,
    commandIds: new Set(),
    generation: 0,
    early: false,
    outOfOrder: false,
    duplicates,
  };
}

/**
 * The `transfer` command: a B leg with its own `call_control_id` rings `to` (its
 * `call.initiated`, `direction: 'outgoing'`), then is answered, rings out, is busy or fails
 * (`inbound.forwardOutcomes`; ringing past `timeout_secs` rings out then), or the caller hangs up
 * while it rings (`hangUpWhileForwardRingsRate`). Answered: `call.answered` on B, `call.bridged` on
 * both legs, the conversation (the talk time), then `call.hangup` on both, `normal_clearing`.
 * Not answered: `call.hangup` on B (`timeout`, `user_busy`, `unspecified`) and the A leg stays
 * up for more commands.
 */
export function startTransfer(deps: TransferDeps, a: IncomingCall, command: TransferCommand) {
  const { runtime, send, lifecycle } = deps;
  const { knobs, random, now, emit } = runtime;
  const outcome = random.pick(knobs.inbound.forwardOutcomes);
  const [min, max] = knobs.stepMs;
  const ringDrawn = random.between(min, max);
  const talkDrawn = random.between(min, max);
  const ringMs = knobs.ringMs ?? ringDrawn;
  const talkMs = knobs.talkMs ?? talkDrawn;
  const callerHangsUp = random.chance(knobs.inbound.hangUpWhileForwardRingsRate);
  const b = legOf(runtime, a, command);
  const forward: SimulatedForward = { id: b.controlId, to: b.to, status: 'ringing' };
  a.inbound.forwards.push(forward);
  a.inbound.transfer = { leg: b, forward };
  emit({ type: 'status', callId: b.controlId, phone: b.to, status: 'initiated' });
  const startTime = new Date(b.createdAt).toISOString();
  void send(b, 'call.initiated', {
    direction: 'outgoing',
    state: 'bridging',
    start_time: startTime,
  });
  const timeoutMs = command.timeoutS * 1000;
  if (callerHangsUp) {
    lifecycle.after(a, Math.min(ringMs, timeoutMs) / 2, () =>
      deps.end(a, a.answeredAt === null ? CANCELED : CALLER_HUNG_UP),
    );
    return;
  }
  lifecycle.after(b, Math.min(ringMs, timeoutMs), () => {
    if (a.endedAt !== null) return;
    if (outcome !== 'completed' || ringMs > timeoutMs) {
      const status = outcome === 'completed' ? 'no-answer' : outcome;
      forward.status = status;
      a.inbound.transfer = undefined;
      lifecycle.end(b, UNANSWERED[status]);
      deps.touch(a);
      return;
    }
    b.answeredAt = now();
    b.status = 'answered';
    emit({ type: 'status', callId: b.controlId, phone: b.to, status: 'answered' });
    void send(b, 'call.answered', { state: 'answered', start_time: startTime });
    deps.answer(a);
    void send(a, 'call.bridged');
    void send(b, 'call.bridged');
    forward.status = 'in-progress';
    lifecycle.after(b, talkMs, () => deps.end(a, OTHER_PARTY_HUNG_UP));
  });
}

/**
 * Ends a transfer's B leg because its A leg ends: a ringing forward is canceled
 * (`originator_cancel`), a bridged one hangs up `normal_clearing` after its conversation.
 */
export function endTransfer(runtime: EngineRuntime, lifecycle: TelnyxLifecycle, a: IncomingCall) {
  const transfer = a.inbound.transfer;
  if (transfer === undefined) return;
  a.inbound.transfer = undefined;
  const { leg, forward } = transfer;
  if (leg.answeredAt === null) {
    forward.status = 'canceled';
    lifecycle.end(leg, CANCELED);
    return;
  }
  forward.status = 'completed';
  forward.durationS = Math.max(1, Math.ceil((runtime.now() - leg.answeredAt) / 1000));
  lifecycle.end(leg, OTHER_PARTY_HUNG_UP);
}
