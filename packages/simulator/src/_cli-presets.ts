import type { SimulatorKnobs } from './types.js';

// The scenarios `ringkit-sim --scenario NAME` knows by name, beside scenario files.

/** A named scenario: its knobs, and the lines `--help` says of it. */
export interface Preset {
  knobs: Partial<SimulatorKnobs>;
  help: readonly string[];
}

export const PRESETS: Readonly<Record<string, Preset>> = {
  /**
   * A progressive or predictive dialer's day: a fifth of the calls reach a person, about a
   * sixth a machine, the rest ring out; people connected to an agent talk two minutes on
   * average, and time runs ten times faster, so an eight-hour shift takes 48 minutes while a
   * person who answers still waits 3 s (real) for an agent before hanging up.
   */
  predictive: {
    knobs: {
      humanRate: 0.2,
      machineRate: 0.15,
      talkMeanMs: 120_000,
      talkSigma: 0.8,
      stepMs: [2000, 15_000],
      talkMs: 30_000,
      timeScale: 10,
    },
    help: [
      'polling, webhook: 20 % of calls a person answers, 15 % a machine, the',
      'rest ring out; an agent talks 120 s on average (lognormal, sigma 0.8),',
      'an unconnected person hangs up after 30 s; steps 2-15 s; time runs 10x',
      'faster (--time-scale 10); an option given wins over each',
    ],
  },
};
