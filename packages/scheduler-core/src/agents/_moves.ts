/**
 * An agent's moves, as pure functions of the stored agent and the time: every write of an agent
 * is one of them, then a compare-and-set of the result (`Store.updateAgent`).
 */
import type { AgentState, AgentTotals, StoredAgent } from '../store.js';

const TOTAL_OF: Record<AgentState, keyof AgentTotals | null> = {
  available: 'availableMs',
  ringing: 'ringingMs',
  talking: 'talkingMs',
  'wrap-up': 'wrapUpMs',
  away: null,
};

/** `totals` with `ms` more of `state` (nothing for `away`, which is not logged-in time). */
function accrued(totals: AgentTotals, state: AgentState, ms: number): AgentTotals {
  const key = TOTAL_OF[state];
  return key === null || ms <= 0 ? totals : { ...totals, [key]: totals[key] + ms };
}

/**
 * The agent as it stands at `now`: a wrap-up that has ended is `available` from its end, its
 * time counted (no write made it so: readers and writers all see it alike).
 */
export function standing(agent: StoredAgent, now: number): StoredAgent {
  if (agent.state !== 'wrap-up' || agent.until === null || agent.until > now) return agent;
  return {
    ...agent,
    state: 'available',
    since: agent.until,
    until: null,
    callId: null,
    campaign: null,
    totals: accrued(agent.totals, 'wrap-up', agent.until - agent.since),
  };
}

/** What a move sets besides the time. */
export interface Move {
  state: AgentState;
  until?: number | null;
  callId?: string | null;
  campaign?: string | null;
}

/**
 * The agent after `move` at `now`: the time of the state it leaves counted, the new state from
 * `now`, the version bumped. `agent` is as it stands (see {@link standing}).
 */
export function moved(agent: StoredAgent, move: Move, now: number): StoredAgent {
  const holds = move.state === 'ringing' || move.state === 'talking' || move.state === 'wrap-up';
  return {
    ...agent,
    state: move.state,
    since: now,
    until: move.state === 'wrap-up' ? (move.until ?? now) : null,
    callId: holds ? (move.callId ?? agent.callId) : null,
    campaign: holds ? (move.campaign ?? agent.campaign) : null,
    totals: accrued(agent.totals, agent.state, now - agent.since),
    version: agent.version + 1,
    updatedAt: now,
  };
}

/** The share of logged-in time spent talking, counted up to `now`; `null` before any. */
export function occupancy(agent: StoredAgent, now: number): number | null {
  const totals = accrued(agent.totals, agent.state, now - agent.since);
  const loggedIn = totals.availableMs + totals.ringingMs + totals.talkingMs + totals.wrapUpMs;
  return loggedIn > 0 ? totals.talkingMs / loggedIn : null;
}
