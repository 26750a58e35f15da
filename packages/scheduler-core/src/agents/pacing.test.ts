/**
 * `createLinePacer()`: one line per ready agent (`progressive`), a fixed number per ready agent
 * (`{ ratio }`), and `predictive`, which, on simulated shifts of 20 agents (`simulateShift`),
 * keeps the share of abandoned calls at or under 3 %, also when the share of people answering
 * falls from 30 % to 10 % halfway, while keeping agents far busier than `progressive`.
 */
import { describe, expect, it } from 'vitest';
import { isInvalidOptionsError } from '@ringkit/call-client';
import { simulateShift } from '@ringkit/simulator';
import { createLinePacer, type LinePacingView } from './pacing.js';

const agent = (state: 'available' | 'talking' | 'wrap-up' | 'ringing', since = 0) => ({
  state,
  since,
  until: state === 'wrap-up' ? since + 10_000 : null,
});

const view = (overrides: Partial<LinePacingView>): LinePacingView => ({
  now: 60_000,
  agents: [],
  lines: [],
  waiting: 0,
  ...overrides,
});

const SHIFT = { agents: 20, numbers: 6000, humanRate: 0.2, machineRate: 0.15 };

describe('createLinePacer', () => {
  it('refuses options out of their range: a cap above the rule, a ratio of nothing', () => {
    const refused = [
      { mode: 'power' },
      { mode: { ratio: 0 } },
      { mode: { ratio: 21 } },
      { mode: 'predictive', abandonCap: 0.05 },
      { mode: 'predictive', abandonCap: 0 },
      { mode: 'predictive', abandonAfterMs: -1 },
      { mode: 'predictive', wrapUpMs: 1.5 },
      { mode: 'predictive', standing: { abandoned: -1, answered: 0 } },
      { mode: 'predictive', extra: true },
    ];
    for (const options of refused) {
      let thrown: unknown;
      try {
        createLinePacer(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(isInvalidOptionsError(thrown), JSON.stringify(options)).toBe(true);
    }
    expect(createLinePacer({ mode: 'predictive', abandonCap: 0.01 }).standing()).toEqual({
      abandoned: 0,
      answered: 0,
    });
  });

  it('progressive: one line per ready agent not already rung for, or waited on', () => {
    const pacer = createLinePacer({ mode: 'progressive' });
    const agents = [agent('available'), agent('available'), agent('available'), agent('talking')];
    expect(pacer.lines(view({ agents }))).toBe(3);
    expect(pacer.lines(view({ agents, lines: [50_000] }))).toBe(2);
    expect(pacer.lines(view({ agents, lines: [50_000], waiting: 1 }))).toBe(1);
    expect(pacer.lines(view({ agents, lines: [1, 2, 3, 4] }))).toBe(0);
  });

  it('a ratio: that many lines per ready agent, less those ringing', () => {
    const pacer = createLinePacer({ mode: { ratio: 2.5 } });
    const agents = [agent('available'), agent('available'), agent('wrap-up')];
    expect(pacer.lines(view({ agents }))).toBe(5);
    expect(pacer.lines(view({ agents, lines: [1, 2] }))).toBe(3);
    expect(pacer.lines(view({ agents: [agent('talking')] }))).toBe(0);
  });

  it('predictive: as progressive until it has measured enough calls', () => {
    const pacer = createLinePacer({ mode: 'predictive' });
    const agents = [agent('available'), agent('talking', -25_000), agent('talking', -25_000)];
    expect(pacer.lines(view({ agents }))).toBe(1);
    for (let i = 0; i < 100; i += 1) {
      pacer.observe({ kind: 'answered', by: i % 5 === 0 ? 'human' : 'machine', afterMs: 15_000 });
      pacer.observe({ kind: 'talked', ms: 30_000 + i * 1000 });
    }
    // Measured: no talk went past 129 s; two 125 s long end within the 17 s a call takes to
    // bring a person, so their agents count as free for the lines dialed now.
    expect(pacer.lines(view({ agents, now: 100_000 }))).toBeGreaterThan(1);
  });

  it('counts the standing it is told, and dials fewer lines when it stands over the cap', () => {
    const measured = (standing: { abandoned: number; answered: number }) => {
      const pacer = createLinePacer({ mode: 'predictive', standing });
      for (let i = 0; i < 100; i += 1) {
        pacer.observe({ kind: 'answered', by: i % 5 === 0 ? 'human' : 'machine', afterMs: 15_000 });
        pacer.observe({ kind: 'talked', ms: 100_000 + i * 600 });
      }
      pacer.observe({ kind: 'abandoned' });
      return pacer;
    };
    const good = measured({ abandoned: 0, answered: 1000 });
    const bad = measured({ abandoned: 100, answered: 1000 });
    expect(bad.standing()).toEqual({ abandoned: 101, answered: 1020 });
    const agents = [
      agent('available'),
      // Talking 140 s, when the talks measured ran 100–160 s: a third end within the horizon.
      ...Array.from({ length: 9 }, () => agent('talking', 60_000 - 140_000)),
    ];
    const busy = view({ agents });
    expect(good.lines(busy)).toBeGreaterThan(2);
    expect(bad.lines(busy)).toBe(1);
  });

  it.each([1, 2])(
    'predictive on a simulated shift (seed %i): at most 3 percent abandoned',
    (seed) => {
      const progressive = simulateShift(
        { ...SHIFT, seed },
        createLinePacer({ mode: 'progressive' }),
      );
      const predictive = simulateShift({ ...SHIFT, seed }, createLinePacer({ mode: 'predictive' }));
      expect(predictive.abandonRate).toBeLessThanOrEqual(0.03);
      expect(predictive.occupancy).toBeGreaterThanOrEqual(1.3 * progressive.occupancy);
      // Far more than one line per ready agent would abandon far more.
      const five = simulateShift({ ...SHIFT, seed }, createLinePacer({ mode: { ratio: 5 } }));
      expect(five.abandonRate).toBeGreaterThan(0.03);
    },
  );

  it('predictive follows people answering less, from 30 % to 10 % halfway', () => {
    const shift = {
      ...SHIFT,
      humanRate: (dialed: number) => (dialed < SHIFT.numbers / 2 ? 0.3 : 0.1),
    };
    const predictive = simulateShift(shift, createLinePacer({ mode: 'predictive' }));
    expect(predictive.abandonRate).toBeLessThanOrEqual(0.03);
    // A ratio that suits the first half abandons too many in the second.
    const fixed = simulateShift(shift, createLinePacer({ mode: { ratio: 3.5 } }));
    expect(fixed.abandonRate).toBeGreaterThan(0.03);
  });

  it('predictive keeps agents as busy as the best fixed ratio found in hindsight, or busier', () => {
    // The first shift of bench/agents/predictive.ts, whole: 20 agents, 20,000 numbers.
    const shift = { ...SHIFT, numbers: 20_000, seed: 1 };
    let best = 0;
    for (let ratio = 1; ratio <= 4; ratio += 0.25) {
      const fixed = simulateShift(shift, createLinePacer({ mode: { ratio } }));
      if (fixed.abandonRate <= 0.03) best = Math.max(best, fixed.occupancy);
    }
    const predictive = simulateShift(shift, createLinePacer({ mode: 'predictive' }));
    expect(predictive.abandonRate).toBeLessThanOrEqual(0.03);
    expect(best).toBeGreaterThan(0.7);
    expect(predictive.occupancy).toBeGreaterThanOrEqual(best);
  }, 60_000);
});
