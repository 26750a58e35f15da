import type { EngineRuntime } from './_runtime.js';
import type { VonageCall, VonageEnd } from './_vonage-call.js';
import type { VonageEventSender } from './_vonage-events.js';

/** What happens to a Vonage call over time, and what a hangup does to it. */
export interface VonageLifecycle {
  /**
   * Plans the call's steps from its create on. Resolves at once, or, for an early call, once its
   * `started` event went (the create's answer waits for it).
   */
  start(call: VonageCall): Promise<void>;
  /** `PUT … { action: 'hangup' }`: an answered call ends `completed`, another `cancelled`. */
  hangUp(call: VonageCall): void;
}

/** How a call that is never answered ends, by its outcome. */
const UNANSWERED: Readonly<Record<'busy' | 'no-answer', VonageEnd>> = {
  busy: 'busy',
  'no-answer': 'timeout',
};

/**
 * The Vonage call lifecycle: `started` at once, `ringing` a step later, then `answered` (the
 * NCCO's `talk` texts spoken, the machine detection event when asked) and `completed` when the
 * callee hangs up or `length_timer` runs out; or, never answered, `busy`, `timeout` (also a call
 * that would ring longer than `ringing_timer`), or `failed`, `rejected` or `unanswered` (the
 * outcome `failed`). A machine answering a call with machine detection `hangup` ends it at once.
 */
export function createVonageLifecycle(
  runtime: EngineRuntime,
  send: VonageEventSender,
): VonageLifecycle {
  const { now, emit } = runtime;

  /**
   * Runs `fn` after `ms` unless the call ended from outside meanwhile, with the time it was due:
   * Node runs timers by a clock of its own that may lag `Date.now()` by a few ms, so a step ended
   * at its due time lasts at least its `ms` by the call's clock (a `length_timer` of 1 s, 1 s).
   */
  function after(call: VonageCall, ms: number, fn: (due: number) => void): void {
    const generation = call.generation;
    const due = now() + ms;
    runtime.schedule(() => {
      if (call.generation === generation && !runtime.isClosed()) fn(due);
    }, ms);
  }

  function step(call: VonageCall, status: 'ringing' | 'answered'): Promise<void> {
    call.status = status;
    emit({ type: 'status', callId: call.uuid, phone: call.phone, status });
    return send(call, status);
  }

  function answer(call: VonageCall): void {
    call.answeredAt = now();
    for (const action of call.ncco ?? []) {
      if (action.action === 'talk') call.spoken.push(String(action.text));
    }
    const told = step(call, 'answered');
    const detection = call.detection;
    if (detection) {
      call.detectedAt = now();
      void send(call, detection);
      if (detection === 'machine' && call.machineDetection === 'hangup') {
        end(call, 'completed');
        return;
      }
    }
    const limitMs = call.lengthTimerS * 1000;
    const talkMs = call.gaps[2];
    // The talk time starts once the app took the `answered` event, so what it does then finds
    // the call up however short the steps are.
    void told.then(() =>
      after(call, Math.min(talkMs, limitMs), (due) => end(call, 'completed', due)),
    );
  }

  /** Ends the call at `at` (by its clock; a timer's due time) or, later than that, now. */
  function end(call: VonageCall, status: VonageEnd, at = now()): void {
    if (call.endedAt !== null || runtime.isClosed()) return;
    call.generation += 1;
    call.endedAt = Math.max(at, now());
    call.status = status;
    emit({ type: 'status', callId: call.uuid, phone: call.phone, status });
    void send(call, status);
  }

  return {
    start(call) {
      const [toRinging, ringMs] = call.gaps;
      const begin = () => {
        emit({ type: 'status', callId: call.uuid, phone: call.phone, status: 'started' });
        return send(call, 'started');
      };
      // An early call's `started` goes before the create is answered; another's just after.
      const started = call.early ? begin() : Promise.resolve();
      if (!call.early) after(call, 0, () => void begin());
      after(call, toRinging, () => void step(call, 'ringing'));
      const timeoutMs = call.ringingTimerS * 1000;
      after(call, toRinging + Math.min(ringMs, timeoutMs), (due) => {
        if (call.outcome === 'completed' && ringMs <= timeoutMs) answer(call);
        else if (call.outcome === 'completed') end(call, 'timeout', due);
        else if (call.outcome === 'failed') end(call, call.unansweredEnd, due);
        else end(call, UNANSWERED[call.outcome], due);
      });
      return started;
    },
    hangUp(call) {
      end(call, call.answeredAt === null ? 'cancelled' : 'completed');
    },
  };
}
