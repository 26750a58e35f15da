import { strictObject } from '@ringkit/internal';
import { z } from 'zod';

/**
 * What a ringkit dial carries in Telnyx's `client_state`, which Telnyx hands back on every
 * webhook of the call (and on the active-calls list): so any worker, after any restart, knows
 * what to say once the call is answered, and a look-up can prove a call is this placement's.
 */
export interface ClientState {
  /** The placement's own id (also its `command_id`). */
  placementId: string;
  /** The text to speak once answered. */
  say?: string;
  /** `machineDetection: 'detect-beep'`: a machine is spoken to once its greeting ends. */
  waitForGreeting?: boolean;
}

/**
 * What the app is doing with a call to its own number: answering it to record a voicemail
 * (directly, or after a forward nobody took), ringing a forward, or refusing it.
 */
export type InboundStep = 'voicemail' | 'forward' | 'reject';

/**
 * What the commands on a call to the app's own number carry in its `client_state` (and in the
 * forward's leg, as `target_leg_client_state`): which call it is, who called whom (Telnyx's
 * recording and speech events do not say), what the app is doing with it, and when a forward
 * was picked up (so the hang-up can tell the conversation's length).
 */
export interface InboundState {
  /** The `call_control_id` of the caller's leg (the A leg). */
  callId: string;
  /** The caller, as `call.initiated` gave it. */
  from: string;
  /** The app's number that was called, as `call.initiated` gave it. */
  to: string;
  step: InboundStep;
  /** When the forward was picked up (`call.bridged`'s `occurred_at`), epoch milliseconds. */
  bridgedAtMs?: number;
}

/**
 * The JSON inside the base64: short keys, as the state travels with every webhook. A dial's
 * (`p`) and an inbound call's (`i`) are two strict shapes of version 1: a state of either kind
 * reads the same as before, and one with keys of both is no state of ours.
 */
const outboundWire = strictObject({
  rk: z.literal(1),
  p: z.string().min(1).max(64),
  s: z.string().min(1).max(4000).optional(),
  g: z.literal(1).optional(),
});
const inboundWire = strictObject({
  rk: z.literal(1),
  i: z.enum(['voicemail', 'forward', 'reject']),
  c: z.string().min(1).max(512),
  f: z.string().max(256),
  t: z.string().max(256),
  b: z.int().min(0).max(8_640_000_000_000_000).optional(),
});
/** A call being abandoned: its message is spoken, and once it ends the call is hung up. */
const abandonWire = strictObject({ rk: z.literal(1), x: z.literal(1) });
const wireSchema = z.union([outboundWire, inboundWire, abandonWire]);

const toBase64 = (wire: z.infer<typeof wireSchema>) =>
  Buffer.from(JSON.stringify(wire), 'utf8').toString('base64');

/** `state` as Telnyx's `client_state`: base64 of a small JSON object. */
export function encodeClientState(state: ClientState): string {
  return toBase64({
    rk: 1,
    p: state.placementId,
    ...(state.say === undefined ? {} : { s: state.say }),
    ...(state.waitForGreeting ? { g: 1 } : {}),
  });
}

/** An inbound call's `state` as Telnyx's `client_state`. */
export function encodeInboundState(state: InboundState): string {
  return toBase64({
    rk: 1,
    i: state.step,
    c: state.callId,
    f: state.from,
    t: state.to,
    ...(state.bridgedAtMs === undefined ? {} : { b: state.bridgedAtMs }),
  });
}

/** The `client_state` of an abandoned call's message (`abandonCall`). */
export const ABANDON_STATE = toBase64({ rk: 1, x: 1 });

/** Whether `value` is {@link ABANDON_STATE}: the call is hung up once its message ends. */
export const isAbandonState = (value: unknown): boolean => {
  const wire = readWire(value);
  return wire !== undefined && 'x' in wire;
};

/** A dial's `client_state` that ringkit wrote, decoded; `undefined` for any other (or none). */
export function decodeClientState(value: unknown): ClientState | undefined {
  const wire = readWire(value);
  if (wire === undefined || !('p' in wire)) return undefined;
  const { p, s, g } = wire;
  return {
    placementId: p,
    ...(s === undefined ? {} : { say: s }),
    ...(g ? { waitForGreeting: true } : {}),
  };
}

/** An inbound call's `client_state` that ringkit wrote, decoded; `undefined` for any other. */
export function decodeInboundState(value: unknown): InboundState | undefined {
  const wire = readWire(value);
  if (wire === undefined || !('i' in wire)) return undefined;
  const { i, c, f, t, b } = wire;
  return { callId: c, from: f, to: t, step: i, ...(b === undefined ? {} : { bridgedAtMs: b }) };
}

function readWire(value: unknown): z.infer<typeof wireSchema> | undefined {
  if (typeof value !== 'string' || value === '' || value.length > 16_384) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const wire = wireSchema.safeParse(parsed);
  return wire.success ? wire.data : undefined;
}
