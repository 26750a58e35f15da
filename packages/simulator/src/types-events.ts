// The events a simulator reports through `onEvent`; `types.ts` re-exports them.

import type { TelnyxEventType } from './types-telnyx.js';
import type { TwilioCallbackStatus } from './types-twilio.js';
import type { VonageEventStatus } from './types-vonage.js';
import type { SimulatedCall } from './types-call.js';
import type { SimulatedForward } from './types-inbound.js';
import type { SimulatedStatus, SimulatorFlavour, SimulatorWebhookBody } from './types-status.js';

interface SimulatorEventBase {
  at: Date;
  flavour: SimulatorFlavour;
}

/** A call was created. */
export interface SimulatorCreatedEvent extends SimulatorEventBase {
  type: 'created';
  call: SimulatedCall;
}

/** A call moved to a new status. */
export interface SimulatorStatusEvent extends SimulatorEventBase {
  type: 'status';
  callId: string;
  phone: string;
  status: SimulatedStatus;
}

/** A webhook was delivered (`duplicate` for the second copy of a doubled one). */
export interface SimulatorWebhookSentEvent extends SimulatorEventBase {
  type: 'webhook_sent';
  callId: string;
  phone: string;
  status:
    SimulatorWebhookBody['status'] | TwilioCallbackStatus | TelnyxEventType | VonageEventStatus;
  url: string;
  duplicate: boolean;
}

/** A webhook could not be delivered. */
export interface SimulatorWebhookFailedEvent extends SimulatorEventBase {
  type: 'webhook_failed';
  callId: string;
  phone: string;
  status:
    SimulatorWebhookBody['status'] | TwilioCallbackStatus | TelnyxEventType | VonageEventStatus;
  url: string;
  error: unknown;
}

/** A request was answered with an error (4xx, or 503 from `errorRate`). */
export interface SimulatorRejectedEvent extends SimulatorEventBase {
  type: 'rejected';
  method: string;
  path: string;
  httpStatus: number;
  code: string;
  message: string;
}

/**
 * The agent a call was connected to was rung, answered, or their leg ended (`forward.status`:
 * `ringing`, `in-progress`, `completed`, `no-answer`). Polling and webhook flavours, after a
 * `POST …/connect`.
 */
export interface SimulatorForwardEvent extends SimulatorEventBase {
  type: 'forward';
  callId: string;
  phone: string;
  forward: SimulatedForward;
}

/** An abandoned call's message began (polling and webhook flavours, `POST …/abandon`). */
export interface SimulatorSpokenEvent extends SimulatorEventBase {
  type: 'spoken';
  callId: string;
  phone: string;
  text: string;
}

/** Everything a simulator reports through `onEvent`, told apart by `type`. */
export type SimulatorEvent =
  | SimulatorCreatedEvent
  | SimulatorStatusEvent
  | SimulatorWebhookSentEvent
  | SimulatorWebhookFailedEvent
  | SimulatorRejectedEvent
  | SimulatorForwardEvent
  | SimulatorSpokenEvent;
