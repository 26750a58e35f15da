import type { InboundIo, RecordingStore, RingRequest } from './_inbound.js';
import { drawCallPlan, type EngineRuntime } from './_runtime.js';
import type { InboundCommand } from './_telnyx-action-params.js';
import {
  ALL_EVENT_TYPES,
  CANCELED,
  drawControlId,
  type Hangup,
  type TelnyxCall,
  type TelnyxRecording,
} from './_telnyx-call.js';
import { problem, TELNYX_ERRORS, type TelnyxProblem } from './_telnyx-format.js';
import type { TelnyxLifecycle } from './_telnyx-lifecycle.js';
import {
  CALLER_HUNG_UP,
  endTransfer,
  OTHER_PARTY_HUNG_UP,
  startTransfer,
  type IncomingCall,
} from './_telnyx-transfer.js';
import type { TelnyxWebhookSender } from './_telnyx-webhooks.js';

/** What the incoming calls' player needs from the Telnyx engine. */
export interface TelnyxInboundDeps {
  runtime: EngineRuntime;
  io: InboundIo;
  recordings: RecordingStore;
  send: TelnyxWebhookSender;
  lifecycle: TelnyxLifecycle;
  /** Adds a new call to the engine's calls and reports it `created`. */
  register(call: TelnyxCall): void;
}

/** The incoming calls of the Telnyx flavour. */
export interface TelnyxInbound {
  /** Rings the app: a new incoming call, its `call.initiated`; returns its `call_control_id`. */
  ring(request: RingRequest): string;
  /** Why the call cannot take `command` now (it is alive), or `undefined`. */
  refuse(call: IncomingCall, command: InboundCommand): TelnyxProblem | undefined;
  /** Plays a command the call took. */
  run(call: IncomingCall, command: InboundCommand): void;
  /** The `hangup` command: the app (the callee) hangs up. */
  hangUp(call: IncomingCall): void;
  /** Any command: the caller's patience starts over. */
  touch(call: IncomingCall): void;
}

/** A caller left parked, or answered with nothing happening, for this long hangs up. */
const PATIENCE_MS = 60_000;
const REJECTED: Hangup = { cause: 'call_rejected', source: 'callee', sip: '603' };
const BUSY: Hangup = { cause: 'user_busy', source: 'callee', sip: '486' };

const callState = (detail: string) =>
  problem(422, TELNYX_ERRORS.badRequest, 'Invalid call state', detail);

/**
 * Plays incoming calls the way Telnyx Call Control does: `call.initiated` (`direction:
 * 'incoming'`, `state: 'parked'`) to the application's webhook URL, then whatever the app's
 * commands ask (`answer`, `speak`, `record_start`, `transfer`, `reject`, `hangup`), the caller
 * doing what the `inbound` knobs draw.
 */
export function createTelnyxInbound(deps: TelnyxInboundDeps): TelnyxInbound {
  const { runtime, io, recordings, send, lifecycle, register } = deps;
  const { knobs, random, now, emit } = runtime;
  const iso = (ms: number) => new Date(ms).toISOString();

  function newCall(ring: RingRequest): IncomingCall {
    const controlId = drawControlId(random);
    const legId = random.uuid();
    const sessionId = random.uuid();
    const plan = drawCallPlan(runtime);
    const outOfOrder = random.chance(knobs.outOfOrderRate);
    const duplicates = ALL_EVENT_TYPES.map(() => random.chance(knobs.duplicateWebhookRate));
    const at = now();
    return {
      to: ring.to,
      from: ring.from,
      webhookUrl: ring.url,
      timeoutS: 30,
      timeLimitS: 14_400,
      machineDetection: undefined,
      record: false,
      params: {},
      controlId,
      direction: 'incoming',
      inbound: {
        forwards: [],
        recordings: [],
        transfer: undefined,
        recording: undefined,
        activity: 0,
      },
      legId,
      sessionId,
      connectionId: knobs.telnyx.connectionId,
      recordingId: undefined,
      outcome: 'completed',
      gaps: plan.gaps,
      detection: undefined,
      status: 'initiated',
      clientState: undefined,
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
      outOfOrder,
      duplicates,
    };
  }

  function touch(call: IncomingCall): void {
    const activity = ++call.inbound.activity;
    lifecycle.after(call, PATIENCE_MS, () => {
      const { inbound } = call;
      if (inbound.activity !== activity || inbound.transfer || inbound.recording) return;
      end(call, call.answeredAt === null ? CANCELED : CALLER_HUNG_UP);
    });
  }

  function answer(call: IncomingCall): void {
    if (call.answeredAt !== null) return;
    call.answeredAt = now();
    call.status = 'answered';
    emit({ type: 'status', callId: call.controlId, phone: call.to, status: 'answered' });
    void send(call, 'call.answered', { state: 'answered', start_time: iso(call.createdAt) });
  }

  /**
   * Ends an incoming call: a transfer's B leg first, then its `call.hangup`, then the caller's
   * message (`call.recording.saved`; before the hangup with `outOfOrderRate`).
   */
  function end(call: IncomingCall, hangup: Hangup): void {
    if (call.endedAt !== null) return;
    const recording = call.inbound.recording;
    call.inbound.recording = undefined;
    call.outcome =
      call.answeredAt !== null ? 'completed' : hangup.cause === 'user_busy' ? 'busy' : 'no-answer';
    endTransfer(runtime, lifecycle, call);
    const save = () => {
      if (recording && recording.messageEndedAt !== null) saveRecording(call, recording);
    };
    if (call.outOfOrder) save();
    lifecycle.end(call, hangup);
    if (!call.outOfOrder) save();
  }

  function saveRecording(call: IncomingCall, recording: TelnyxRecording): void {
    const path = `/_sim/recordings/${recording.id}`;
    recordings.add(path, recording.format);
    const url = `${io.baseUrl()}${path}.${recording.format}`;
    const endedAt = recording.messageEndedAt ?? now();
    const limitS = recording.maxLengthS === 0 ? Number.POSITIVE_INFINITY : recording.maxLengthS;
    const durationS = Math.min(
      Math.max(1, Math.ceil((endedAt - recording.startedAt) / 1000)),
      limitS,
    );
    call.inbound.recordings.push({ id: recording.id, url, durationS });
    const urls = { [recording.format]: url };
    void send(call, 'call.recording.saved', {
      channels: recording.channels,
      recording_started_at: iso(recording.startedAt),
      recording_ended_at: iso(endedAt),
      recording_urls: urls,
      public_recording_urls: urls,
    });
  }

  /**
   * `record_start`: the caller leaves a message (`voicemailRate`) lasting the call's talk time
   * and hangs up, or hangs up a step later without one (nothing is saved then).
   */
  function record(
    call: IncomingCall,
    command: Extract<InboundCommand, { action: 'record_start' }>,
  ) {
    const leaves = random.chance(knobs.inbound.voicemailRate);
    const recording: TelnyxRecording = {
      id: random.uuid(),
      format: command.format,
      channels: command.channels,
      maxLengthS: command.maxLengthS,
      startedAt: now(),
      messageEndedAt: null,
    };
    call.inbound.recording = recording;
    if (!leaves) {
      lifecycle.after(call, knobs.stepMs[0], () => end(call, CALLER_HUNG_UP));
      return;
    }
    lifecycle.after(call, call.gaps[2], () => {
      recording.messageEndedAt = now();
      end(call, CALLER_HUNG_UP);
    });
  }

  const transferDeps = { runtime, send, lifecycle, answer, end, touch };

  return {
    ring(request) {
      const call = newCall(request);
      const hangsUp = random.chance(knobs.inbound.hangUpWhileRingingRate);
      register(call);
      emit({ type: 'status', callId: call.controlId, phone: call.to, status: 'initiated' });
      void send(call, 'call.initiated', {
        direction: 'incoming',
        state: 'parked',
        start_time: iso(call.createdAt),
      });
      if (hangsUp) end(call, CANCELED);
      else touch(call);
      return call.controlId;
    },
    refuse(call, command) {
      const answered = call.answeredAt !== null;
      const { inbound } = call;
      switch (command.action) {
        case 'answer':
          return answered ? callState('This call has already been answered.') : undefined;
        case 'reject':
          return answered
            ? callState('An answered call cannot be rejected: hang it up instead.')
            : undefined;
        case 'record_start':
          if (!answered) {
            const detail =
              'This call has not been answered yet: record once call.answered arrives.';
            return problem(422, TELNYX_ERRORS.callNotAnswered, 'Call not answered yet', detail);
          }
          return inbound.recording ? callState('This call is already being recorded.') : undefined;
        case 'transfer':
          return inbound.transfer || inbound.recording
            ? callState('This call is already being transferred or recorded.')
            : undefined;
        case 'client_state_update':
          return undefined;
      }
    },
    run(call, command) {
      touch(call);
      if (command.action === 'answer') {
        if (command.webhookUrl !== undefined) call.webhookUrl = command.webhookUrl;
        answer(call);
      } else if (command.action === 'reject') {
        end(call, command.cause === 'USER_BUSY' ? BUSY : REJECTED);
      } else if (command.action === 'record_start') {
        record(call, command);
      } else if (command.action === 'transfer') {
        startTransfer(transferDeps, call, command);
      }
    },
    hangUp: (call) => end(call, OTHER_PARTY_HUNG_UP),
    touch,
  };
}
