import type { CreateRequest } from './_vonage-params.js';
import type { SimulatedOutcome, VonageCallStatus, VonageEventStatus } from './types.js';

/** The price per minute of every simulated call, as Vonage writes it. */
export const RATE = '0.01000000';
/** The network every simulated call reaches (a US mobile network's code). */
export const NETWORK = '310260';

/** The statuses a call ends with. */
export type VonageEnd = Exclude<VonageCallStatus, 'started' | 'ringing' | 'answered'>;

/** One call of the Vonage flavour, everything drawn when it was created. */
export interface VonageCall extends Omit<CreateRequest, 'from'> {
  uuid: string;
  conversationUuid: string;
  from: string;
  /** The number called in E.164, `+` and all, as `calls()` and the events tell it. */
  phone: string;
  outcome: SimulatedOutcome;
  /** How a call that is never answered ends (`failed`, `rejected` or `unanswered` for `failed`). */
  unansweredEnd: VonageEnd;
  /** From the create to ringing, ringing, and talking, in ms. */
  gaps: readonly [number, number, number];
  /** Who answers, when machine detection was asked. */
  detection: 'human' | 'machine' | undefined;
  status: VonageCallStatus;
  createdAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  /** When the detection event went (from then on `answeredBy` is known). */
  detectedAt: number | null;
  /** The text of every NCCO `talk`, once the call was answered. */
  spoken: string[];
  /** Bumped when the call ends from outside, so its pending steps do nothing. */
  generation: number;
  early: boolean;
  outOfOrder: boolean;
  /** Per event status, in {@link EVENT_STATUSES} order: whether it is delivered twice. */
  duplicates: boolean[];
}

/**
 * The events whose doubling is drawn when a call is created, one draw each, so every call takes
 * the same number of draws whatever happens to it later.
 */
export const EVENT_STATUSES: readonly VonageEventStatus[] = [
  'started',
  'ringing',
  'answered',
  'human',
  'machine',
  'completed',
  'busy',
  'timeout',
  'failed',
  'rejected',
  'unanswered',
  'cancelled',
];

/** A number as Vonage writes it (`14155552671`, or with its `+`) in E.164: `+14155552671`. */
export const e164 = (number: string) => (number.startsWith('+') ? number : `+${number}`);

export const isAlive = (call: VonageCall) => call.endedAt === null;

/** Whole seconds since the answer (to the end, once ended); 0 when never answered. */
export function durationS(call: VonageCall, now: number): number {
  if (call.answeredAt === null) return 0;
  return Math.floor(((call.endedAt ?? now) - call.answeredAt) / 1000);
}

/** What a call cost: {@link RATE} per started minute of its duration, 8 decimals as Vonage writes it. */
export function priceOf(call: VonageCall, now: number): string {
  const seconds = durationS(call, now);
  return ((Number(RATE) * seconds) / 60).toFixed(8);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The body of the `201` that answers `POST /v1/calls` (`CreateCallResponse`). */
export function renderCreated(call: VonageCall) {
  return {
    uuid: call.uuid,
    status: 'started',
    direction: 'outbound',
    conversation_uuid: call.conversationUuid,
  };
}

/**
 * A call as `GET /v1/calls/{uuid}` and the list tell it (`CallDetailResponse`): `start_time` is
 * the create's, `end_time` is there once it ended, `duration` and `price` grow while it talks.
 */
export function renderDetail(call: VonageCall, now: number, self: string) {
  return {
    _links: { self: { href: self } },
    uuid: call.uuid,
    conversation_uuid: call.conversationUuid,
    to: { type: 'phone', number: call.to },
    from: { type: 'phone', number: call.from },
    status: call.status,
    direction: 'outbound',
    rate: RATE,
    price: priceOf(call, now),
    duration: String(durationS(call, now)),
    start_time: iso(call.createdAt),
    ...(call.endedAt === null ? {} : { end_time: iso(call.endedAt) }),
    network: NETWORK,
  };
}

/** The body of one event of `call` with `status`, as Vonage's event webhook reference shows it. */
export function renderEvent(call: VonageCall, status: VonageEventStatus, now: number) {
  const base = {
    from: call.from,
    to: call.to,
    conversation_uuid: call.conversationUuid,
    status,
    timestamp: iso(now),
  };
  if (status === 'human' || status === 'machine') return { call_uuid: call.uuid, ...base };
  const leg = { uuid: call.uuid, ...base, direction: 'outbound' };
  if (status === 'answered') return { ...leg, start_time: null, rate: null, network: null };
  if (status === 'completed') {
    return {
      ...leg,
      start_time: iso(call.answeredAt ?? call.createdAt),
      end_time: iso(call.endedAt ?? now),
      duration: String(durationS(call, now)),
      rate: RATE,
      price: priceOf(call, now),
      network: NETWORK,
    };
  }
  return leg;
}
