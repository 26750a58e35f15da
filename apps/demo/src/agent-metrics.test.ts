import type { Agent, AgentState } from '@ringkit/scheduler-core';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { createObserver } from './observe.js';

/** An agent in `state` who spent these milliseconds in each logged-in state. */
function agent(
  id: string,
  state: AgentState,
  ms: { available?: number; ringing?: number; talking?: number; wrapUp?: number },
  campaigns: string[] = ['renewals'],
): Agent {
  const at = new Date('2030-01-01T09:00:00Z');
  return {
    id,
    name: null,
    reach: '+14155550123',
    campaigns,
    state,
    since: at,
    until: null,
    callId: null,
    campaign: null,
    totals: {
      availableMs: ms.available ?? 0,
      ringingMs: ms.ringing ?? 0,
      talkingMs: ms.talking ?? 0,
      wrapUpMs: ms.wrapUp ?? 0,
    },
    occupancy: null,
    createdAt: at,
    updatedAt: at,
  };
}

function setup(roster: Agent[], lines: Map<string, number>) {
  const observer = createObserver({
    counts: () =>
      Promise.resolve({ scheduled: 0, queued: 0, initiated: 0, ringing: 0, answered: 0 }),
    dialerInFlight: () => 0,
    onListenerError: (error) => {
      throw error;
    },
  });
  let reads = 0;
  const metrics = createMetrics(observer, {
    roster: () => {
      reads += 1;
      return Promise.resolve(roster);
    },
    lines: () => lines,
  });
  /** Every value of `name`, keyed by its labels' values joined with `,`. */
  const values = async (name: string) => {
    const metric = await metrics.registry.getSingleMetric(name)!.get();
    return Object.fromEntries(
      metric.values.map((v) => [Object.values(v.labels).join(','), v.value]),
    );
  };
  return { observer, metrics, values, reads: () => reads };
}

describe('the agents’ metrics', () => {
  it('counts answers by campaign and outcome, and times the waits of those who reached an agent', async () => {
    const { observer, metrics, values } = setup([], new Map());
    observer.answer({ campaign: 'renewals', outcome: 'connected', waitMs: 300, at: 0 });
    observer.answer({ campaign: 'renewals', outcome: 'connected', waitMs: 1800, at: 0 });
    observer.answer({ campaign: 'renewals', outcome: 'abandoned', waitMs: 2000, at: 0 });
    observer.answer({ campaign: 'winback', outcome: 'abandoned', waitMs: 2000, at: 0 });
    expect(await values('ringkit_agent_answers_total')).toEqual({
      'renewals,connected': 2,
      'renewals,abandoned': 1,
      'winback,abandoned': 1,
    });
    const wait = await values('ringkit_agent_wait_seconds');
    expect(wait['0.5,renewals']).toBe(1);
    expect(wait['2,renewals']).toBe(2);
    expect(wait['renewals']).toBe(2); // the count: abandons are not waits for an agent
    expect(wait['winback']).toBeUndefined();
    metrics.close();
    observer.answer({ campaign: 'renewals', outcome: 'connected', waitMs: 300, at: 0 });
    expect((await values('ringkit_agent_answers_total'))['renewals,connected']).toBe(2);
  });

  it('reads the roster once per scrape for the agents by state, their occupancy and the lines per agent', async () => {
    const roster = [
      agent('ana', 'talking', { available: 1000, talking: 3000 }),
      agent('bo', 'wrap-up', { available: 2000, ringing: 500, talking: 1000, wrapUp: 500 }),
      agent('cy', 'available', { available: 2000 }, ['winback']),
      // Away: not logged in, whatever she talked before.
      agent('di', 'away', { talking: 50_000 }),
    ];
    const lines = new Map([
      ['renewals', 5],
      ['winback', 1],
      ['nobody-serves', 3],
    ]);
    const { metrics, values, reads } = setup(roster, lines);
    const text = await metrics.registry.metrics();
    expect(reads()).toBe(1);
    expect(text).toContain('ringkit_agents{state="talking"} 1');
    expect(await values('ringkit_agents')).toEqual({
      away: 1,
      available: 1,
      ringing: 0,
      talking: 1,
      'wrap-up': 1,
    });
    // (3000 + 1000) talking over (4000 + 4000 + 2000) logged in.
    expect((await values('ringkit_agent_occupancy_ratio'))['']).toBeCloseTo(0.4);
    // renewals: 5 lines, ana and bo logged in; winback: 1 line, cy; nobody logged in serves
    // the third.
    expect(await values('ringkit_lines_per_agent')).toEqual({ renewals: 2.5, winback: 1 });

    // A campaign that ended leaves the gauge.
    lines.delete('winback');
    expect(await values('ringkit_lines_per_agent')).toEqual({ renewals: 2.5 });
  });

  it('says 0 for the occupancy while no agent is logged in', async () => {
    const { values } = setup([agent('di', 'away', { talking: 9000 })], new Map());
    expect(await values('ringkit_agent_occupancy_ratio')).toEqual({ '': 0 });
  });
});
