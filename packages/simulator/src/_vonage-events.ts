import { createRandom } from './_random.js';
import type { EngineRuntime } from './_runtime.js';
import { EVENT_STATUSES, renderEvent, type VonageCall } from './_vonage-call.js';
import { signVonageWebhook } from './vonage-signature.js';
import type {
  VonageEventStatus,
  VonageWebhookDeliverer,
  VonageWebhookEvent,
  VonageWebhookRequest,
} from './types.js';

/** Sends one event of a call; resolves once it (and the call's earlier ones) went. */
export type VonageEventSender = (call: VonageCall, status: VonageEventStatus) => Promise<void>;

/** A different stream than the calls' draws, so token ids never change a seeded call. */
const JTI_STREAM = 0x70_4a_6e_00;

/** What signs the events: the account's secret and the claims that name it. */
export interface EventSigner {
  signatureSecret: string;
  apiKey: string;
  applicationId: string;
}

/**
 * Sends a call's events to its `event_url`: Vonage's JSON body, signed (a JWT, HS256, with the
 * body's `payload_hash`), one after another per call, some twice (`duplicateWebhookRate`: the
 * same body and token), the `answered` of some calls held back until after their `completed`
 * (`outOfOrderRate`). A call without an `event_url` sends none.
 */
export function createVonageEventSender(
  runtime: EngineRuntime,
  deliver: VonageWebhookDeliverer,
  signer: EventSigner,
): VonageEventSender {
  const { now, emit } = runtime;
  const jtis = createRandom(runtime.knobs.seed ^ JTI_STREAM);
  const queues = new WeakMap<VonageCall, Promise<void>>();
  const held = new WeakMap<VonageCall, () => Promise<void>>();

  function request(url: string, event: VonageWebhookEvent): VonageWebhookRequest {
    const body = JSON.stringify(event);
    const headers = signVonageWebhook({
      ...signer,
      rawBody: body,
      issuedAt: Math.floor(now() / 1000),
      jti: jtis.uuid(),
    });
    return { url, headers: { ...headers }, body, event };
  }

  async function deliverOne(call: VonageCall, sent: VonageWebhookRequest, duplicate: boolean) {
    if (runtime.isClosed()) return;
    const base = { callId: call.uuid, phone: call.phone, status: sent.event.status, url: sent.url };
    try {
      await deliver(sent, { signal: runtime.signal });
      emit({ type: 'webhook_sent', ...base, duplicate });
    } catch (error) {
      emit({ type: 'webhook_failed', ...base, error });
    }
  }

  function enqueue(call: VonageCall, send: () => Promise<void>): Promise<void> {
    const queued = (queues.get(call) ?? Promise.resolve()).then(send);
    queues.set(call, queued);
    return queued;
  }

  return (call, status) => {
    const url = call.eventUrl;
    if (url === undefined || runtime.isClosed()) return Promise.resolve();
    const sent = request(url, renderEvent(call, status, now()) as VonageWebhookEvent);
    const twice = call.duplicates[EVENT_STATUSES.indexOf(status)] === true;
    const send = async () => {
      await deliverOne(call, sent, false);
      if (twice) await deliverOne(call, sent, true);
    };
    if (status === 'answered' && call.outOfOrder) {
      held.set(call, send);
      return Promise.resolve();
    }
    const delivered = enqueue(call, send);
    const late = held.get(call);
    if (status === 'completed' && late) {
      held.delete(call);
      return enqueue(call, late);
    }
    return delivered;
  };
}
