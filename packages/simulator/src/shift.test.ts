/**
 * `simulateShift()`: draws what its options say, replays from a seed, connects people to agents
 * within the allowed wait or counts them abandoned, and measures up to the last dial.
 */
import { describe, expect, it } from 'vitest';
import { isInvalidOptionsError } from '@ringkit/call-client';
import { simulateShift, type ShiftPacer, type ShiftView } from './shift.js';

const ready = (view: ShiftView) => view.agents.filter((a) => a.state === 'ready').length;
/** One line per ready agent not already rung for. */
const progressive: ShiftPacer = { lines: (view) => ready(view) - view.lines.length - view.waiting };
const ratio = (r: number): ShiftPacer => ({
  lines: (view) => Math.floor(r * ready(view)) - view.lines.length,
});

describe('simulateShift', () => {
  const options = { agents: 5, numbers: 2000, humanRate: 0.2, machineRate: 0.15 };

  it('dials every number, in the mix asked, and replays from a seed', () => {
    const first = simulateShift({ ...options, seed: 7 }, progressive);
    expect(first.dialed).toBe(2000);
    expect(first.humans / first.dialed).toBeGreaterThan(0.17);
    expect(first.humans / first.dialed).toBeLessThan(0.23);
    expect(first.connected + first.abandoned).toBe(first.humans);
    expect(simulateShift({ ...options, seed: 7 }, progressive)).toEqual(first);
    expect(simulateShift({ ...options, seed: 8 }, progressive)).not.toEqual(first);
  });

  it('abandons nobody when it dials one line per ready agent', () => {
    const figures = simulateShift(options, progressive);
    expect(figures.abandoned).toBe(0);
    expect(figures.waits.every((w) => w === 0)).toBe(true);
  });

  it('abandons people no agent takes within the wait, and connects the rest within it', () => {
    const figures = simulateShift({ ...options, abandonAfterMs: 2000 }, ratio(6));
    expect(figures.abandoned).toBeGreaterThan(0);
    expect(figures.abandonRate).toBeCloseTo(figures.abandoned / figures.humans, 10);
    expect(Math.max(...figures.waits)).toBeLessThanOrEqual(2000);
    expect(figures.waits.some((w) => w > 0)).toBe(true);
  });

  it('keeps agents busier with more lines per ready agent, and measures within bounds', () => {
    const one = simulateShift(options, ratio(1));
    const three = simulateShift(options, ratio(3));
    for (const f of [one, three]) {
      expect(f.occupancy).toBeGreaterThan(0);
      expect(f.occupancy).toBeLessThan(1);
    }
    expect(three.occupancy).toBeGreaterThan(one.occupancy);
    expect(three.callsPerAgentHour).toBeGreaterThan(one.callsPerAgentHour);
    expect(three.dialingMs).toBeLessThan(one.dialingMs);
  });

  it('follows a mix that changes as the list is dialed', () => {
    const figures = simulateShift(
      { ...options, humanRate: (dialed) => (dialed < 1000 ? 0.4 : 0), machineRate: 0 },
      progressive,
    );
    expect(figures.humans / 1000).toBeGreaterThan(0.35);
    expect(figures.humans / 1000).toBeLessThan(0.45);
  });

  it('tells the pacer what happened, and ends the shift when it stops dialing', () => {
    const seen = new Map<string, number>();
    const figures = simulateShift(
      { ...options, numbers: 300, maxMs: 3_600_000 },
      {
        lines: (view) => (view.now < 600_000 ? ready(view) - view.lines.length : 0),
        observe: (o) => seen.set(o.kind, (seen.get(o.kind) ?? 0) + 1),
      },
    );
    expect(figures.dialed).toBeLessThan(300);
    expect(figures.dialingMs).toBeGreaterThanOrEqual(3_600_000);
    expect(seen.get('answered')).toBeGreaterThan(0);
    expect(seen.get('unanswered')).toBeGreaterThan(0);
    expect(seen.get('connected')).toBe(figures.connected);
    expect(seen.get('talked')).toBe(figures.connected);
  });

  it('refuses options out of their range, and rates that do not add up', () => {
    const refused: unknown[] = [
      { ...options, agents: 0 },
      { ...options, numbers: -1 },
      { ...options, humanRate: 1.5 },
      { ...options, answerMs: [20_000, 4000] },
      { ...options, talkMs: { mean: 0 } },
      { ...options, extra: 1 },
    ];
    for (const bad of refused) {
      let thrown: unknown;
      try {
        simulateShift(bad as never, progressive);
      } catch (error) {
        thrown = error;
      }
      expect(isInvalidOptionsError(thrown), JSON.stringify(bad)).toBe(true);
    }
    expect(() =>
      simulateShift({ ...options, humanRate: () => 0.9, machineRate: 0.2 }, progressive),
    ).toThrow(RangeError);
  });
});
