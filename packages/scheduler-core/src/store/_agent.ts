/** Agents as a store keeps them: the people an answered call is connected to. */

/**
 * Where an agent stands. `available`: logged in and free; `ringing`: a call is being connected
 * to them; `talking`: on a call; `wrap-up`: finishing a call's work until `until`, then
 * available with no write (see {@link agentReadyAt}); `away`: logged out or on a break.
 */
export type AgentState = 'available' | 'ringing' | 'talking' | 'wrap-up' | 'away';

/** Milliseconds an agent spent in each state while logged in (every state but `away`). */
export interface AgentTotals {
  availableMs: number;
  ringingMs: number;
  talkingMs: number;
  wrapUpMs: number;
}

/** An agent (times in epoch milliseconds). */
export interface StoredAgent {
  /** The caller's id of the agent: 1–100 characters of letters, digits, `.`, `_`, `-`. */
  id: string;
  /** A name to show, or `null`. */
  name: string | null;
  /** Where a call is connected to them: a number in E.164 or a `sip:` URI. */
  reach: string;
  /** The campaigns (by id) whose calls they take, in code-point order, each once. */
  campaigns: string[];
  state: AgentState;
  /** When `state` began. */
  since: number;
  /** `wrap-up` only: when it ends. */
  until: number | null;
  /** The call (its store id) they hold while `ringing`, `talking` or in `wrap-up`, else `null`. */
  callId: string | null;
  /** The campaign of `callId`, else `null`. */
  campaign: string | null;
  /** Time in each logged-in state, up to `since` (what follows `since` is not counted yet). */
  totals: AgentTotals;
  /** Bumped by every write; each write expects the version it read. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** What `Store.listAgents` takes: agents after `afterId`, in code-point order of their ids. */
export interface AgentsQuery {
  afterId?: string | null;
  limit: number;
  /** Only the agents serving this campaign. */
  campaign?: string;
}

/**
 * From when the agent can take a call: `since` when `available`, the end of a wrap-up, `null`
 * in any other state. Stores keep it beside the agent, for `readyAgents`' order: the agent ready
 * longest takes the next call.
 */
export function agentReadyAt(agent: Pick<StoredAgent, 'state' | 'since' | 'until'>): number | null {
  if (agent.state === 'available') return agent.since;
  if (agent.state === 'wrap-up') return agent.until;
  return null;
}

/** A copy of an agent that shares nothing with it. */
export const copyAgent = (agent: StoredAgent): StoredAgent => ({
  ...agent,
  campaigns: [...agent.campaigns],
  totals: { ...agent.totals },
});
