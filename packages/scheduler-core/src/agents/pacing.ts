/**
 * How many numbers a campaign with agents dials at a moment: one per ready agent
 * (`progressive`), a fixed number per ready agent (`{ ratio }`), or as many as keep the expected
 * share of abandoned calls at or under the cap (`predictive`).
 *
 * The predictive method follows D. A. Samuelson, "Predictive Dialing for Outbound Telephone Call
 * Centers", Interfaces 29(5), 1999: at each decision, forecast how many agents will be free when
 * the calls dialed now are answered, and how many people those calls and the ones already ringing
 * will bring, and dial the most lines whose expected abandons stay within the allowance. Here:
 * - the horizon is the mean time from dialing to a person's answer, plus the 2 s a person may
 *   wait for an agent;
 * - an agent in wrap-up is free by then if the wrap-up ends by then; a talking agent with the
 *   probability that a talk already `e` long ends within the horizon less the wrap-up, from the
 *   talk times measured (a lognormal talk is far from memoryless: a long call tends to go on);
 * - each line ringing for `a` brings a person with the probability measured for calls not
 *   resolved after `a`, each new line with the measured share of people answering;
 * - free agents and people are sums of such independent chances (Poisson-binomial), and the
 *   expected abandons are E[(people − free agents)+];
 * - lines are added one at a time while the abandons each adds, per person it brings, stay
 *   within the allowance: the last line dialed is the riskiest, and the ones before it bring
 *   people at less risk, so the whole stays under it;
 * - the allowance is 80 % of the cap (3 % by default, the TSR and TCPA measure), corrected by
 *   how the campaign stands: abandons above the aim so far lower it (to nothing), a share below
 *   raises it (to twice), so a shift that went badly recovers and one that went well keeps
 *   agents busier.
 * The measures are of the last few hundred calls, so a change in who answers (a list's second
 * half) is followed within minutes.
 */
import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { invalidOptions } from '../errors.js';
import type { AgentState } from '../store.js';
import { zodIssues } from '../_validate.js';

/** How lines are paced. */
export type LinePacingMode = 'progressive' | 'predictive' | { ratio: number };

/** What pacing sees of the campaign at a moment. */
export interface LinePacingView {
  now: number;
  /** The agents logged in (not `away`), each with when its state began and a wrap-up's end. */
  agents: readonly {
    state: Exclude<AgentState, 'away'> | 'ready';
    since: number;
    until: number | null;
  }[];
  /** The calls ringing (dialed, not answered or ended yet): when each was dialed. */
  lines: readonly number[];
  /** People who answered and wait for an agent now. */
  waiting: number;
}

/** What pacing is told, to measure from. */
export type LinePacingObservation =
  | { kind: 'answered'; by: 'human' | 'machine'; afterMs: number }
  | { kind: 'unanswered'; afterMs: number }
  | { kind: 'connected'; waitMs: number }
  | { kind: 'abandoned' }
  | { kind: 'talked'; ms: number };

/** What `createLinePacer()` takes. */
export interface LinePacingOptions {
  mode: LinePacingMode;
  /**
   * The most abandoned calls per person answering: 0.03 (the rule) or lower.
   * @default 0.03
   */
  abandonCap?: number;
  /** How long a person may wait for an agent. @default 2000 */
  abandonAfterMs?: number;
  /** An agent's wrap-up. @default 10000 */
  wrapUpMs?: number;
  /** The campaign's standing before this pacer (its 30-day abandons and people answering). */
  standing?: { abandoned: number; answered: number };
}

/** Paces one campaign's lines (see `createLinePacer`). */
export interface LinePacer {
  /** Numbers to dial now. */
  lines(view: LinePacingView): number;
  observe(observation: LinePacingObservation): void;
  /** The campaign's abandons and people answering, as this pacer counts them. */
  standing(): { abandoned: number; answered: number };
  /**
   * The campaign's standing as read again (its 30-day figures, every worker's calls in them):
   * what the pacer counts from now on adds to it.
   */
  restate(standing: { abandoned: number; answered: number }): void;
}

/** Calls measured (answered or not), talks measured, and how many before `predictive` trusts them. */
const OUTCOMES = 400;
const TALKS = 300;
const TRUSTED = 60;
/** The share of the cap aimed at, and the weight of the standing's correction (people). */
const AIM = 0.8;
const CORRECTION_PEOPLE = 200;

const count = z.number().int().min(0);
const standingSchema = strictObject({ abandoned: count, answered: count });
const optionsSchema = strictObject({
  mode: z.union([
    z.literal('progressive'),
    z.literal('predictive'),
    strictObject({ ratio: z.number().min(0.1).max(20) }),
  ]),
  // The rule's 3 %, or lower: a campaign may hold itself to less, never to more.
  abandonCap: z.number().gt(0).max(0.03).optional(),
  abandonAfterMs: z.number().int().min(0).max(10_000).optional(),
  wrapUpMs: z.number().int().min(0).max(3_600_000).optional(),
  standing: standingSchema.optional(),
});

/** The distribution `dist` of a sum with one more chance `p` added. */
function withChance(dist: readonly number[], p: number): number[] {
  const next = new Array<number>(dist.length + 1).fill(0);
  for (let n = 0; n < dist.length; n += 1) {
    next[n] = next[n]! + dist[n]! * (1 - p);
    next[n + 1] = dist[n]! * p;
  }
  return next;
}

/** The distribution of a sum of independent chances: `dist[n]` = P(sum = n). */
function sumOf(base: number, chances: readonly number[]): number[] {
  let dist = [1];
  for (const p of chances) {
    dist = withChance(dist, p);
  }
  return base === 0 ? dist : [...new Array<number>(base).fill(0), ...dist];
}

/** E[(people − free)+] and E[people]. */
function expected(people: readonly number[], free: readonly number[]) {
  let abandons = 0;
  let mean = 0;
  for (let c = 0; c < people.length; c += 1) {
    const pc = people[c]!;
    if (pc === 0) continue;
    mean += c * pc;
    for (let f = 0; f < free.length && f < c; f += 1) abandons += pc * free[f]! * (c - f);
  }
  return { abandons, mean };
}

/** Whether an agent can take a call now (`'ready'` in a simulated shift's words). */
const isReady = (agent: LinePacingView['agents'][number]) =>
  agent.state === 'ready' || agent.state === 'available';
const readyOf = (view: LinePacingView) => view.agents.filter(isReady).length;

/** How many of `sorted` (ascending) are at or below `value`. */
function countUpTo(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A ring of the last `size` values. */
function ring<T>(size: number) {
  const values: T[] = [];
  let at = 0;
  return {
    values,
    push(value: T) {
      if (values.length < size) values.push(value);
      else values[at] = value;
      at = (at + 1) % size;
    },
  };
}

/** A pacer of `options.mode`, measuring what it is told. */
export function createLinePacer(given: LinePacingOptions): LinePacer {
  const checked = optionsSchema.safeParse(given);
  if (!checked.success) throw invalidOptions('createLinePacer', zodIssues(checked.error));
  const options = checked.data as LinePacingOptions;
  const cap = options.abandonCap ?? 0.03;
  const abandonAfterMs = options.abandonAfterMs ?? 2000;
  const wrapUpMs = options.wrapUpMs ?? 10_000;
  const standing = { abandoned: 0, answered: 0, ...options.standing };
  const outcomes = ring<{ human: boolean; afterMs: number }>(OUTCOMES);
  const talks = ring<number>(TALKS);

  const progressive = (view: LinePacingView) => readyOf(view) - view.lines.length - view.waiting;

  /** P(a talk already `elapsed` long ends within `within` more), from `sorted` talk times. */
  const endsWithin = (sorted: readonly number[], elapsed: number, within: number) => {
    if (within <= 0) return 0;
    const longer = sorted.length - countUpTo(sorted, elapsed);
    const ending = countUpTo(sorted, elapsed + within) - countUpTo(sorted, elapsed);
    return longer === 0 ? 1 : ending / longer;
  };

  function predictive(view: LinePacingView): number {
    const seen = outcomes.values;
    if (seen.length < TRUSTED || talks.values.length < TRUSTED / 2) return progressive(view);
    const humans = seen.filter((o) => o.human);
    const share = humans.length / seen.length;
    const talked = [...talks.values].sort((a, b) => a - b);
    // Every call's time to its outcome, and people's, in order: a line's chances by its age.
    const resolved = seen.map((o) => o.afterMs).sort((a, b) => a - b);
    const answered = humans.map((o) => o.afterMs).sort((a, b) => a - b);
    const answerMs = humans.reduce((sum, o) => sum + o.afterMs, 0) / Math.max(1, humans.length);
    const horizon = answerMs + abandonAfterMs;
    const { now } = view;
    let ready = 0;
    const freeing: number[] = [];
    for (const agent of view.agents) {
      if (isReady(agent)) ready += 1;
      else if (agent.state === 'wrap-up')
        freeing.push((agent.until ?? now) <= now + horizon ? 1 : 0);
      else if (agent.state === 'talking') {
        freeing.push(endsWithin(talked, now - agent.since, horizon - wrapUpMs));
      }
    }
    const free = sumOf(ready, freeing);
    // A line ringing for `age` brings a person with the chance measured of calls not resolved by then.
    const bring = (age: number) => {
      const open = resolved.length - countUpTo(resolved, age);
      return open === 0 ? 0 : (answered.length - countUpTo(answered, age)) / open;
    };
    let people = sumOf(
      view.waiting,
      view.lines.map((dialedAt) => bring(now - dialedAt)),
    );
    const aim = cap * AIM;
    const correction =
      (aim * (standing.answered + CORRECTION_PEOPLE) - standing.abandoned) /
      (aim * CORRECTION_PEOPLE);
    const allowed = aim * Math.min(2, Math.max(0, correction));
    const most = view.agents.length * 8;
    let lines = 0;
    let before = expected(people, free);
    for (; lines < most; lines += 1) {
      const next = withChance(people, share);
      const after = expected(next, free);
      const more = after.mean - before.mean;
      if (more > 0 && (after.abandons - before.abandons) / more > allowed) break;
      people = next;
      before = after;
    }
    return lines;
  }

  return {
    lines(view) {
      const mode = options.mode;
      if (mode === 'progressive') return Math.max(0, progressive(view));
      if (mode === 'predictive') return Math.max(0, predictive(view));
      return Math.max(0, Math.floor(mode.ratio * readyOf(view)) - view.lines.length);
    },
    observe(o) {
      if (o.kind === 'answered') {
        outcomes.push({ human: o.by === 'human', afterMs: o.afterMs });
        if (o.by === 'human') standing.answered += 1;
      } else if (o.kind === 'unanswered') outcomes.push({ human: false, afterMs: o.afterMs });
      else if (o.kind === 'abandoned') standing.abandoned += 1;
      else if (o.kind === 'talked') talks.push(o.ms);
    },
    standing: () => ({ ...standing }),
    restate(next) {
      const given = standingSchema.safeParse(next);
      if (!given.success) throw invalidOptions('LinePacer.restate', zodIssues(given.error));
      standing.abandoned = given.data.abandoned;
      standing.answered = given.data.answered;
    },
  };
}
