import { computeTwilioSignature } from '@ringkit/call-client/twilio';
import type { EngineRuntime } from './_runtime.js';
import {
  answeredBy,
  API_VERSION,
  CALLBACK_EVENTS,
  durationS,
  type CallbackEvent,
  type TwilioCall,
} from './_twilio-call.js';
import type { TwilioDialect } from './_twilio-dialect.js';
import { rfc2822 } from './_twilio-format.js';
import type {
  StatusCallbackDeliverer,
  TwilioCallbackStatus,
  TwilioStatusCallbackRequest,
} from './types.js';

/**
 * The URL a callback is sent to and signed over: `url` percent-encoded as a request line carries
 * it, the way WHATWG's URL parser (and so `fetch`) writes it: spaces and non-ASCII characters
 * escaped, `%`-escapes already there kept as they are, a default port dropped, and no fragment.
 * A receiver that rebuilds the URL from the request it got finds this very string.
 */
export function callbackUrl(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed.href;
}

/**
 * A request signed as Twilio signs its webhooks, with the dialect's key in its header: `POST`
 * carries the form, signed over `url` and the parameters; `GET` carries them in the query, signed
 * over the whole URL alone.
 */
export function signTwilioRequest(
  dialect: Pick<TwilioDialect, 'signingKey' | 'signatureHeader'>,
  url: string,
  method: 'GET' | 'POST',
  params: Record<string, string>,
): TwilioStatusCallbackRequest {
  const { signingKey, signatureHeader } = dialect;
  const form = new URLSearchParams(params).toString();
  if (method === 'GET') {
    const separator = !url.includes('?') ? '?' : url.endsWith('?') ? '' : '&';
    const full = `${url}${separator}${form}`;
    const signature = computeTwilioSignature(signingKey, full, {});
    return { method, url: full, headers: { [signatureHeader]: signature }, params, body: '' };
  }
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    [signatureHeader]: computeTwilioSignature(signingKey, url, params),
  };
  return { method, url, headers, params, body: form };
}

/**
 * Sends a call's status callbacks: signed as Twilio signs them (with the dialect's key and
 * header), numbered by `SequenceNumber`, one after another per call, some twice
 * (`duplicateWebhookRate`), the `in-progress` one of some calls held back until after the end
 * (`outOfOrderRate`). `CallStatus` is the dialect's word (SignalWire: `answered`).
 */
export function createCallbackSender(
  runtime: EngineRuntime,
  deliver: StatusCallbackDeliverer,
  dialect: TwilioDialect,
) {
  const { now, emit } = runtime;

  function callback(
    call: TwilioCall,
    status: TwilioCallbackStatus,
    event: CallbackEvent,
    url: string,
  ) {
    const params: Record<string, string> = {
      AccountSid: dialect.accountSid,
      ApiVersion: API_VERSION,
      CallSid: call.sid,
      CallStatus: dialect.callbackStatus(status),
      CallbackSource: 'call-progress-events',
      Direction: call.direction,
      From: call.from,
      SequenceNumber: String(call.sequence++),
      Timestamp: rfc2822(now()),
      To: call.to,
    };
    if (call.direction === 'inbound') Object.assign(params, { Called: call.to, Caller: call.from });
    if (event === 'completed') {
      params.CallDuration = String(durationS(call));
      params.Duration = String(Math.ceil(durationS(call) / 60));
    }
    const answerer = answeredBy(call);
    if (answerer !== null) params.AnsweredBy = answerer;
    const request = signTwilioRequest(dialect, callbackUrl(url), call.callbackMethod, params);
    const twice = call.duplicates[CALLBACK_EVENTS.indexOf(event)] === true;
    const send = async () => {
      await deliverOne(call, request, status, false);
      if (twice) await deliverOne(call, request, status, true);
    };
    if (event === 'answered' && call.outOfOrder && call.events.has('completed')) {
      call.held = send;
      return;
    }
    enqueue(call, send);
    const held = call.held;
    if (event === 'completed' && held) {
      call.held = undefined;
      enqueue(call, held);
    }
  }

  /** Queues a delivery behind the call's earlier ones, so they arrive in the order queued. */
  function enqueue(call: TwilioCall, send: () => Promise<void>): void {
    call.deliveries = call.deliveries.then(send);
  }

  async function deliverOne(
    call: TwilioCall,
    request: TwilioStatusCallbackRequest,
    status: TwilioCallbackStatus,
    duplicate: boolean,
  ) {
    if (runtime.isClosed()) return;
    const told = dialect.callbackStatus(status);
    const base = { callId: call.sid, phone: call.to, status: told, url: request.url };
    try {
      await deliver(request, { signal: runtime.signal });
      emit({ type: 'webhook_sent', ...base, duplicate });
    } catch (error) {
      emit({ type: 'webhook_failed', ...base, error });
    }
  }

  return callback;
}
