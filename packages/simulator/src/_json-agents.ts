import { isAnsweredStatus, isEndStatus, type JsonCall } from './_json-call.js';
import type { EngineRuntime } from './_runtime.js';
import type { SimulatedForward, SimulatedStatus } from './types.js';

// Simulated agents of the polling and webhook flavours: an answered call connected to an agent
// (`POST …/connect`), who answers after a drawn delay and talks a drawn time; or abandoned
// (`POST …/abandon`): its message spoken, then the call hangs up. Either ends the call
// `completed`; `_engine.ts` moves its steps.

/** Speech runs at about 14 characters a second; each message's pace varies by up to 15 %. */
const SPEECH_MS_PER_CHARACTER = 70;

/** Why a call cannot be connected or abandoned now (a `409`), or `undefined` when it can be. */
export function refusalOf(
  call: JsonCall,
  status: SimulatedStatus,
): { code: string; message: string } | undefined {
  const name = `call ${JSON.stringify(call.id)}`;
  if (isEndStatus(status)) return { code: 'call_ended', message: `${name} has ended (${status})` };
  if (call.agent) {
    return {
      code: 'already_connected',
      message: `${name} is already connected to ${call.agent.to}`,
    };
  }
  if (call.abandon) return { code: 'already_abandoned', message: `${name} was abandoned` };
  if (!isAnsweredStatus(status)) {
    return {
      code: 'not_answered',
      message: `${name} is not answered yet (${status}): only an answered call is connected or abandoned`,
    };
  }
  return undefined;
}

/**
 * Connects the call to the agent at `to`: draws when the agent answers (`agentAnswerMs`; never,
 * past `ringS`) and how long they talk (lognormal, `talkMeanMs`, `talkSigma`), always three
 * draws. Returns when the call ends, by the clock.
 */
export function connectAgent(
  runtime: EngineRuntime,
  call: JsonCall,
  to: string,
  ringS: number,
): number {
  const { knobs, random, now } = runtime;
  const [min, max] = knobs.agentAnswerMs;
  const answerMs = random.between(min, max);
  const talkMs = random.lognormal(knobs.talkMeanMs, knobs.talkSigma);
  const scale = knobs.timeScale;
  const connectedAt = now();
  const answersAt = answerMs <= ringS * 1000 ? connectedAt + answerMs / scale : null;
  const endsAt =
    answersAt === null ? connectedAt + (ringS * 1000) / scale : answersAt + talkMs / scale;
  call.agent = { to, ringS, connectedAt, answersAt, endsAt };
  return endsAt;
}

/**
 * Abandons the call with `message`: it is spoken for a time drawn from its length (one draw),
 * then the call hangs up. Returns when the call ends, by the clock.
 */
export function abandonWith(runtime: EngineRuntime, call: JsonCall, message: string): number {
  const { knobs, random, now } = runtime;
  const pace = 0.85 + 0.3 * random.next();
  const speechMs = [...message].length * SPEECH_MS_PER_CHARACTER * pace;
  const endsAt = now() + speechMs / knobs.timeScale;
  call.abandon = { message, endsAt };
  return endsAt;
}

/** The agent's leg as `calls()` shows it: ringing, talking, or how it ended. */
export function forwardOf(
  call: JsonCall,
  status: SimulatedStatus,
  now: number,
): SimulatedForward | undefined {
  const agent = call.agent;
  if (!agent) return undefined;
  const leg = { id: `${call.id}-agent`, to: agent.to };
  if (agent.answersAt === null) {
    return { ...leg, status: isEndStatus(status) ? 'no-answer' : 'ringing' };
  }
  if (isEndStatus(status)) {
    const durationS = Math.max(1, Math.ceil((agent.endsAt - agent.answersAt) / 1000));
    return { ...leg, status: 'completed', durationS };
  }
  return { ...leg, status: now >= agent.answersAt ? 'in-progress' : 'ringing' };
}
