/**
 * The agents' part of `GET /metrics` (see metrics.ts): what became of each person who answered
 * a campaign with agents, as it happens, and gauges read from the roster when Prometheus
 * scrapes. The roster is the store's (every worker's agents), read once per scrape; the lines
 * are those of the campaigns this process works.
 */
import type { Agent, AgentState, Agents } from '@ringkit/scheduler-core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { cachedRead } from './cached-read.js';
import type { Observer } from './observe.js';

/** Seconds from a person's answer to their agent: the rule allows 2. */
const WAIT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5];

/** Every state of an agent, each a value of `ringkit_agents{state}`. */
const STATES = Object.keys({
  away: true,
  available: true,
  ringing: true,
  talking: true,
  'wrap-up': true,
} satisfies Record<AgentState, true>) as AgentState[];

/** What the agents' gauges are read from. */
export interface AgentFigures {
  /** Every agent of the store. */
  roster(): Promise<readonly Agent[]>;
  /** The calls in flight of each campaign with agents that may still dial, by its name. */
  lines(): ReadonlyMap<string, number>;
}

const PAGE = 500;

/** The whole roster, a page at a time. */
export async function readRoster(agents: Agents): Promise<Agent[]> {
  const roster: Agent[] = [];
  let cursor: string | null = null;
  do {
    const page = await agents.list({ cursor, limit: PAGE });
    roster.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return roster;
}

const loggedIn = (agent: Agent) => agent.state !== 'away';

/** Talking time over logged-in time, summed over the agents logged in; 0 when none is. */
export function occupancyOf(roster: readonly Agent[]): number {
  let talking = 0;
  let total = 0;
  for (const agent of roster.filter(loggedIn)) {
    const { availableMs, ringingMs, talkingMs, wrapUpMs } = agent.totals;
    talking += talkingMs;
    total += availableMs + ringingMs + talkingMs + wrapUpMs;
  }
  return total === 0 ? 0 : talking / total;
}

/** Registers the agents' metrics in `registry`; returns the way to stop listening. */
export function registerAgentMetrics(
  registry: Registry,
  observer: Observer,
  figures: AgentFigures,
): () => void {
  const registers = [registry];
  // The three gauges of one scrape read the roster once.
  const roster = cachedRead(() => figures.roster(), { maxAgeMs: 1000 });
  const answers = new Counter({
    name: 'ringkit_agent_answers_total',
    help: 'People who answered a campaign with agents, by campaign and outcome (connected: an agent took the call; abandoned: no agent within 2 s, they heard the safe-harbour message).',
    labelNames: ['campaign', 'outcome'] as const,
    registers,
  });
  const wait = new Histogram({
    name: 'ringkit_agent_wait_seconds',
    help: "Seconds from a person's answer to the agent's line, by campaign.",
    labelNames: ['campaign'] as const,
    buckets: WAIT_BUCKETS,
    registers,
  });
  new Gauge({
    name: 'ringkit_agents',
    help: 'Agents of the store by state (away, available, ringing, talking, wrap-up).',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const agents = await roster();
      for (const state of STATES) {
        this.set({ state }, agents.filter((a) => a.state === state).length);
      }
    },
  });
  new Gauge({
    name: 'ringkit_agent_occupancy_ratio',
    help: 'Time talking over time logged in, summed over the agents logged in now (0 when none is).',
    registers,
    async collect() {
      this.set(occupancyOf(await roster()));
    },
  });
  new Gauge({
    name: 'ringkit_lines_per_agent',
    help: 'Calls in flight of each campaign with agents worked by this process, over its agents logged in (a campaign none serves is left out).',
    labelNames: ['campaign'] as const,
    registers,
    async collect() {
      const agents = (await roster()).filter(loggedIn);
      this.reset();
      for (const [campaign, lines] of figures.lines()) {
        const serving = agents.filter((a) => a.campaigns.includes(campaign)).length;
        if (serving > 0) this.set({ campaign }, lines / serving);
      }
    },
  });
  return observer.onAnswer((answer) => {
    answers.inc({ campaign: answer.campaign, outcome: answer.outcome });
    if (answer.outcome === 'connected')
      wait.observe({ campaign: answer.campaign }, answer.waitMs / 1000);
  });
}
