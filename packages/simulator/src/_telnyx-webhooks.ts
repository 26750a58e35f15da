import type { KeyObject } from 'node:crypto';
import { createRandom } from './_random.js';
import type { EngineRuntime } from './_runtime.js';
import { ALL_EVENT_TYPES, type TelnyxCall } from './_telnyx-call.js';
import { signTelnyxWebhook } from './telnyx-signature.js';
import type {
  TelnyxEventType,
  TelnyxWebhookDeliverer,
  TelnyxWebhookEvent,
  TelnyxWebhookRequest,
} from './types.js';

/** Sends one webhook of a call; resolves once it (and the call's earlier ones) went. */
export type TelnyxWebhookSender = (
  call: TelnyxCall,
  type: TelnyxEventType,
  extra?: Record<string, unknown>,
) => Promise<void>;

/** A different stream than the calls' draws, so event ids never change a seeded call. */
const EVENT_ID_STREAM = 0x7e1e_c0de;

/**
 * Sends a call's webhooks to its `webhook_url`: the Telnyx envelope, signed with `privateKey`,
 * one after another per call, some twice (`duplicateWebhookRate`: the same event `id`,
 * `meta.attempt` 2), the `call.answered` of some outgoing calls held back until after
 * `call.hangup` (`outOfOrderRate`). A call without a `webhook_url` sends none; the speak and
 * recording events carry no `from` and `to`.
 */
export function createTelnyxWebhookSender(
  runtime: EngineRuntime,
  deliver: TelnyxWebhookDeliverer,
  privateKey: KeyObject,
): TelnyxWebhookSender {
  const { now, emit } = runtime;
  const eventIds = createRandom(runtime.knobs.seed ^ EVENT_ID_STREAM);
  const queues = new WeakMap<TelnyxCall, Promise<void>>();
  const held = new WeakMap<TelnyxCall, () => Promise<void>>();

  function payload(call: TelnyxCall, type: TelnyxEventType, extra: Record<string, unknown>) {
    const bare =
      type === 'call.speak.started' ||
      type === 'call.speak.ended' ||
      type === 'call.recording.saved';
    return {
      call_control_id: call.controlId,
      call_leg_id: call.legId,
      call_session_id: call.sessionId,
      connection_id: call.connectionId,
      ...(call.clientState === undefined ? {} : { client_state: call.clientState }),
      ...(bare ? {} : { from: call.from, to: call.to }),
      ...extra,
    };
  }

  function request(url: string, event: TelnyxWebhookEvent): TelnyxWebhookRequest {
    const body = JSON.stringify(event);
    const timestamp = Math.floor(now() / 1000);
    const headers = signTelnyxWebhook({ privateKey, rawBody: body, timestamp });
    return { url, headers: { ...headers }, body, event };
  }

  async function deliverOne(call: TelnyxCall, event: TelnyxWebhookEvent, duplicate: boolean) {
    if (runtime.isClosed()) return;
    const url = event.meta.delivered_to;
    const base = { callId: call.controlId, phone: call.to, status: event.data.event_type, url };
    try {
      await deliver(request(url, event), { signal: runtime.signal });
      emit({ type: 'webhook_sent', ...base, duplicate });
    } catch (error) {
      emit({ type: 'webhook_failed', ...base, error });
    }
  }

  function enqueue(call: TelnyxCall, send: () => Promise<void>): Promise<void> {
    const queued = (queues.get(call) ?? Promise.resolve()).then(send);
    queues.set(call, queued);
    return queued;
  }

  return (call, type, extra = {}) => {
    const url = call.webhookUrl;
    if (url === undefined || runtime.isClosed()) return Promise.resolve();
    const event: TelnyxWebhookEvent = {
      data: {
        record_type: 'event',
        event_type: type,
        id: eventIds.uuid(),
        occurred_at: new Date(now()).toISOString(),
        payload: payload(call, type, extra),
      },
      meta: { attempt: 1, delivered_to: url },
    };
    const twice = call.duplicates[ALL_EVENT_TYPES.indexOf(type)] === true;
    const send = async () => {
      await deliverOne(call, event, false);
      if (twice) await deliverOne(call, { ...event, meta: { ...event.meta, attempt: 2 } }, true);
    };
    if (type === 'call.answered' && call.outOfOrder && call.direction === 'outgoing') {
      held.set(call, send);
      return Promise.resolve();
    }
    const delivered = enqueue(call, send);
    const late = held.get(call);
    if (type === 'call.hangup' && late) {
      held.delete(call);
      return enqueue(call, late);
    }
    return delivered;
  };
}
