import type { EngineRuntime } from './_runtime.js';
import {
  CALLEE_HUNG_UP,
  CANCELED,
  HUNG_UP_ANSWERED,
  TIME_LIMIT,
  UNANSWERED,
  type Hangup,
  type TelnyxCall,
} from './_telnyx-call.js';
import type { TelnyxWebhookSender } from './_telnyx-webhooks.js';

/** What happens to a Telnyx call over time, and what a command does to it. */
export interface TelnyxLifecycle {
  /**
   * Plans the call's steps from its dial on. Resolves at once, or, for an early call, once its
   * `call.initiated` went (the dial's answer waits for it).
   */
  start(call: TelnyxCall): Promise<void>;
  /** The `hangup` command: an answered call ends `normal_clearing`, another `originator_cancel`. */
  hangUp(call: TelnyxCall): void;
  /** The `speak` command: `call.speak.started`, then `call.speak.ended` a step later. */
  speak(call: TelnyxCall, text: string): void;
  /** Ends the call as `hangup` says: its `call.hangup`; its pending steps are dropped. */
  end(call: TelnyxCall, hangup: Hangup): void;
  /** Runs `fn` after `ms` unless the call ended meanwhile (or the simulator closed). */
  after(call: TelnyxCall, ms: number, fn: () => void): void;
}

/**
 * The Telnyx call lifecycle: `call.initiated` (no ringing event: Telnyx has none), then
 * `call.answered` and the machine detection webhooks, or at once `call.hangup` with the cause of
 * the call's outcome; a call that would ring longer than its `timeout_secs` ends `timeout` at
 * `timeout_secs`, an answered one lasting longer than its `time_limit_secs` ends `time_limit`.
 */
export function createTelnyxLifecycle(
  runtime: EngineRuntime,
  send: TelnyxWebhookSender,
): TelnyxLifecycle {
  const { knobs, now, emit } = runtime;
  const stepMs = knobs.stepMs[0];
  const startTime = (call: TelnyxCall) => new Date(call.createdAt).toISOString();

  /** Runs `fn` after `ms` unless the call ended from outside meanwhile. */
  function after(call: TelnyxCall, ms: number, fn: () => void): void {
    const generation = call.generation;
    runtime.schedule(() => {
      if (call.generation === generation && !runtime.isClosed()) fn();
    }, ms);
  }

  function initiate(call: TelnyxCall): Promise<void> {
    if (call.initiatedAt !== null || runtime.isClosed()) return Promise.resolve();
    call.initiatedAt = now();
    emit({ type: 'status', callId: call.controlId, phone: call.to, status: 'initiated' });
    return send(call, 'call.initiated', {
      direction: 'outgoing',
      state: 'bridging',
      start_time: startTime(call),
    });
  }

  function answer(call: TelnyxCall): void {
    call.answeredAt = now();
    call.status = 'answered';
    emit({ type: 'status', callId: call.controlId, phone: call.to, status: 'answered' });
    const told = send(call, 'call.answered', { state: 'answered', start_time: startTime(call) });
    const talkMs = call.gaps[2];
    const detection = call.detection;
    if (detection) {
      const premium = call.machineDetection === 'premium';
      after(call, Math.min(stepMs, talkMs / 3), () => {
        call.detectedAt = now();
        const type = premium
          ? 'call.machine.premium.detection.ended'
          : 'call.machine.detection.ended';
        void send(call, type, { result: detection.result });
      });
      if (detection.greeting !== undefined) {
        after(call, Math.min(2 * stepMs, (2 * talkMs) / 3), () => {
          const type = premium
            ? 'call.machine.premium.greeting.ended'
            : 'call.machine.greeting.ended';
          void send(call, type, { result: detection.greeting });
        });
      }
    }
    const limitMs = call.timeLimitS * 1000;
    // The callee hears what the app says once the call is answered: the talk time starts once
    // the app has answered the `call.answered` webhook (the client's webhook handler sends the
    // call's `speak` before it answers), so that speak always finds the call up, however short
    // `stepMs` is. A `call.answered` held back until after the hangup is not waited for.
    void told.then(() =>
      after(call, Math.min(talkMs, limitMs), () =>
        end(call, talkMs > limitMs ? TIME_LIMIT : CALLEE_HUNG_UP),
      ),
    );
  }

  function end(call: TelnyxCall, hangup: Hangup): void {
    if (call.endedAt !== null || runtime.isClosed()) return;
    void initiate(call);
    if (call.speaking > 0) {
      call.speaking = 0;
      void send(call, 'call.speak.ended', { status: 'call_hangup' });
    }
    call.generation += 1;
    call.endedAt = now();
    call.hangupCause = hangup.cause;
    call.status = `hangup:${hangup.cause}`;
    emit({ type: 'status', callId: call.controlId, phone: call.to, status: call.status });
    void send(call, 'call.hangup', {
      hangup_cause: hangup.cause,
      hangup_source: hangup.source,
      sip_hangup_cause: hangup.sip,
      start_time: startTime(call),
      state: 'hangup',
      call_quality_stats: null,
    });
  }

  function play(call: TelnyxCall): void {
    void send(call, 'call.speak.started');
    after(call, stepMs, () => {
      void send(call, 'call.speak.ended', { status: 'completed' });
      call.speaking -= 1;
      if (call.speaking > 0) play(call);
    });
  }

  return {
    start(call) {
      const [toInitiated, ringMs] = call.gaps;
      const early = call.early ? initiate(call) : Promise.resolve();
      const initiatedAfter = call.early ? 0 : toInitiated;
      if (!call.early) after(call, toInitiated, () => void initiate(call));
      const timeoutMs = call.timeoutS * 1000;
      after(call, initiatedAfter + Math.min(ringMs, timeoutMs), () => {
        if (call.outcome === 'completed') answer(call);
        else end(call, UNANSWERED[call.outcome]);
      });
      return early;
    },
    hangUp(call) {
      end(call, call.answeredAt === null ? CANCELED : HUNG_UP_ANSWERED);
    },
    speak(call, text) {
      call.spoken.push(text);
      call.speaking += 1;
      if (call.speaking === 1) play(call);
    },
    end,
    after,
  };
}
