/** What a campaign created through the API gets that its request may leave out: its name, its pacing. */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { ApiError } from '../http-errors.js';

/** The name of the budget that campaigns given a `weight` share (the account's `CALLS_PER_SECOND`). */
export const SHARED_BUDGET = 'account';

/**
 * A new campaign's pacing, for both create routes (JSON and CSV): `calls_per_second`, a budget of
 * its own, or `weight`, its part of the account's `CALLS_PER_SECOND`, shared by weight with every
 * campaign given one (scheduler-core's named budgets). Both together, or a weight on a server
 * without `CALLS_PER_SECOND`, are refused.
 */
export function campaignPacing(
  config: Pick<Config, 'CALLS_PER_SECOND'>,
  input: { callsPerSecond?: number | undefined; weight?: number | undefined },
) {
  if (input.weight === undefined) return { callsPerSecond: input.callsPerSecond };
  const issue = (message: string) =>
    new ApiError(400, 'invalid_request', message, { issues: [{ path: ['weight'], message }] });
  if (input.callsPerSecond !== undefined) {
    throw issue(
      'Give calls_per_second (a budget of its own) or weight (a share of CALLS_PER_SECOND), not both',
    );
  }
  if (config.CALLS_PER_SECOND === undefined) {
    throw issue("weight shares the account's CALLS_PER_SECOND, which this server does not set");
  }
  return {
    callsPerSecond: config.CALLS_PER_SECOND,
    budget: { name: SHARED_BUDGET, weight: input.weight },
  };
}

/** A name for a campaign created without one: `campaign-20300101-090000-1a2b`. */
export function generatedName(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `campaign-${stamp}-${randomBytes(2).toString('hex')}`;
}
