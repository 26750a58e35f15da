import type { SimulatedOutcome, SimulatedStatus, SimulatorWebhookBody } from './types.js';

// A call of the polling and webhook flavours: its steps, where it stands, and what it says of
// itself; `_engine.ts` runs it, `_json-agents.ts` connects and abandons it.

/** A status a call reaches `offset` ms after it was created. */
export interface Step {
  offset: number;
  status: SimulatedStatus;
}

/** The agent a call was connected to (`POST …/connect`); times are the clock's, in ms. */
export interface AgentLeg {
  to: string;
  ringS: number;
  connectedAt: number;
  /** When the agent answers, or `null` when they let it ring past `ringS`. */
  answersAt: number | null;
  /** When the call ends: the talk's end, or the ring's when the agent does not answer. */
  endsAt: number;
}

/** What an abandoned call (`POST …/abandon`) says, and when it hangs up. */
export interface Abandon {
  message: string;
  endsAt: number;
}

export interface JsonCall {
  id: string;
  phone: string;
  createdAt: number;
  outcome: SimulatedOutcome;
  /** Who answers, when the knobs say (`humanRate`, `machineRate`). */
  answeredBy: 'human' | 'machine' | undefined;
  webhookUrl: string | undefined;
  steps: Step[];
  /** The index of the last step whose timer fired (-1: none). */
  fired: number;
  outOfOrder: boolean;
  duplicates: boolean[];
  heldAnswered: boolean;
  queue: Promise<void>;
  agent: AgentLeg | undefined;
  abandon: Abandon | undefined;
}

/** The webhook flavour's statuses. */
export type WebhookStatus = SimulatorWebhookBody['status'];

/**
 * A call's status: for polling, the last step its clock reached (or whose timer fired, should a
 * timer run a hair early); for webhooks, the last step that fired.
 */
export function statusOf(
  call: JsonCall,
  flavour: 'polling' | 'webhook',
  now: number,
): { status: SimulatedStatus; since: number; index: number } {
  let index = call.fired;
  if (flavour === 'polling') {
    const elapsed = now - call.createdAt;
    call.steps.forEach((step, i) => {
      if (elapsed >= step.offset && i > index) index = i;
    });
  }
  const step = call.steps[index];
  return step
    ? { status: step.status, since: call.createdAt + step.offset, index }
    : { status: 'initiated', since: call.createdAt, index };
}

/** Whether a status says the call was answered (it is `connected`/`answered`, or completed). */
export const isAnsweredStatus = (status: SimulatedStatus) =>
  status === 'connected' || status === 'answered' || status === 'completed';

/** A status that ends a call. */
export const isEndStatus = (status: SimulatedStatus) =>
  status === 'completed' || status === 'busy' || status === 'no-answer' || status === 'failed';

/** `answered_by`, for a call whose status says it was answered and whose answerer is known. */
export function answeredByField(
  call: JsonCall,
  status: SimulatedStatus,
): { answered_by?: 'human' | 'machine' } {
  return call.answeredBy !== undefined && isAnsweredStatus(status)
    ? { answered_by: call.answeredBy }
    : {};
}

/** The polling flavour's call object. */
export function pollingBody(call: JsonCall, status: SimulatedStatus, since: number) {
  return {
    id: call.id,
    phone_number: call.phone,
    status,
    created_at: new Date(call.createdAt).toISOString(),
    updated_at: new Date(since).toISOString(),
    ...answeredByField(call, status),
  };
}
