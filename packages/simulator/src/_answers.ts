import type { SimulatedOutcome, SimulatorKnobs } from './types.js';

// Who answers the calls of the polling and webhook flavours: `humanRate` and `machineRate` beside
// the `outcomes` weights, read as one table of how a call ends, so a call is drawn once.

/** How a call of the practice flavours ends: answered by a person or a machine, or not. */
export type PracticeEnd = 'human' | 'machine' | Exclude<SimulatedOutcome, 'completed'>;

const UNANSWERED = ['busy', 'no-answer', 'failed'] as const;
const EPSILON = 1e-9;

/** The shares (summing to 1) of the `outcomes` weights, `{ completed: 1 }` when not given. */
function outcomeShares(knobs: SimulatorKnobs): Record<SimulatedOutcome, number> {
  const given = knobs.outcomes ?? { completed: 1 };
  const weights = {
    completed: given.completed ?? 0,
    busy: given.busy ?? 0,
    'no-answer': given['no-answer'] ?? 0,
    failed: given.failed ?? 0,
  };
  const total = Object.values(weights).reduce((sum, w) => sum + w, 0);
  for (const key of Object.keys(weights) as SimulatedOutcome[]) weights[key] /= total;
  return weights;
}

const practice = (knobs: SimulatorKnobs) =>
  knobs.flavour === 'polling' || knobs.flavour === 'webhook';

/**
 * What is wrong with the answer rates of valid knobs, if anything: `humanRate` and
 * `machineRate` over 1 together, or, without `humanRate`, a `machineRate` above the share of
 * calls the `outcomes` answer.
 */
export function checkAnswers(
  knobs: SimulatorKnobs,
): { path: string[]; message: string } | undefined {
  if (!practice(knobs)) return undefined;
  const machine = knobs.machineRate ?? 0;
  if (knobs.humanRate !== undefined) {
    const sum = knobs.humanRate + machine;
    if (sum <= 1 + EPSILON) return undefined;
    return {
      path: ['humanRate'],
      message: `humanRate and machineRate add up to ${round(sum)}, more than 1`,
    };
  }
  if (knobs.machineRate === undefined) return undefined;
  const answered = outcomeShares(knobs).completed;
  if (machine <= answered + EPSILON) return undefined;
  return {
    path: ['machineRate'],
    message: `machineRate ${machine} is more than the share of calls answered (${round(answered)}, the outcomes' completed); lower it, or give humanRate`,
  };
}

/**
 * The weights of a practice call's ends, or `undefined` when neither `humanRate` nor
 * `machineRate` is given (calls end as `outcomes` weighs them, and nobody says who answered).
 * With `humanRate`, a person answers that share and a machine `machineRate` (default 0); the
 * other calls end busy, no-answer or failed as `outcomes` weighs those three (its `completed` is
 * not read), no-answer when it weighs none. With `machineRate` alone, the answered share is the
 * `outcomes`' `completed` one, and a person answers what the machines leave of it.
 */
export function answerWeights(knobs: SimulatorKnobs): Record<PracticeEnd, number> | undefined {
  if (!practice(knobs)) return undefined;
  if (knobs.humanRate === undefined && knobs.machineRate === undefined) return undefined;
  const shares = outcomeShares(knobs);
  const machine = knobs.machineRate ?? 0;
  if (knobs.humanRate === undefined) {
    return {
      human: Math.max(0, shares.completed - machine),
      machine,
      busy: shares.busy,
      'no-answer': shares['no-answer'],
      failed: shares.failed,
    };
  }
  const rest = Math.max(0, 1 - knobs.humanRate - machine);
  const unanswered = UNANSWERED.reduce((sum, end) => sum + shares[end], 0);
  const share = (end: (typeof UNANSWERED)[number]) =>
    unanswered === 0 ? (end === 'no-answer' ? rest : 0) : (rest * shares[end]) / unanswered;
  return {
    human: knobs.humanRate,
    machine,
    busy: share('busy'),
    'no-answer': share('no-answer'),
    failed: share('failed'),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
