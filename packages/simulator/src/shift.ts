/**
 * A shift of an agent-staffed campaign as a discrete-event simulation: hours of dialing in a
 * fraction of a second, replayable from a seed. The pacing under test (`ShiftPacer`) decides
 * how many numbers to dial at each moment it is asked; everything else is drawn: who answers
 * (a person, a machine, nobody), after how long, how long a person talks, and whether an agent
 * was free within the 2 s the US Telemarketing Sales Rule allows before a call counts as
 * abandoned.
 */
import { strictObject } from '@ringkit/internal';
import { z } from 'zod';
import { parseOptions } from './_options.js';
import { createRandom } from './_random.js';

/** A rate, fixed or changing with the number of calls dialed so far. */
export type ShiftRate = number | ((dialed: number) => number);

/** What `simulateShift()` takes; times in milliseconds. */
export interface ShiftOptions {
  /** Agents logged in for the whole shift. */
  agents: number;
  /** Numbers to dial. */
  numbers: number;
  /** @default 1 */
  seed?: number;
  /** Share of dialed calls a person answers. */
  humanRate: ShiftRate;
  /** Share of dialed calls a machine answers. The rest ring unanswered (or are busy). */
  machineRate: ShiftRate;
  /** Time from dialing to an answer, drawn uniformly. @default [4000, 20000] */
  answerMs?: readonly [number, number];
  /** How long an unanswered call rings before it is given up. @default 20000 */
  ringTimeoutMs?: number;
  /** A person's talk time: lognormal with this mean and `sigma`. @default { mean: 120000, sigma: 0.8 } */
  talkMs?: { mean: number; sigma?: number };
  /** An agent's wrap-up after each call. @default 10000 */
  wrapUpMs?: number;
  /** How long a person who answered waits for an agent before the call is abandoned. @default 2000 */
  abandonAfterMs?: number;
  /** The shift ends here even with numbers left (a pacer that stops dialing). @default a week */
  maxMs?: number;
}

/** An agent as the pacer sees it. */
export interface ShiftAgent {
  state: 'ready' | 'talking' | 'wrap-up';
  /** When the state began. */
  since: number;
  /** `wrap-up`: when it ends; else `null`. */
  until: number | null;
}

/** What the pacer sees when it is asked. */
export interface ShiftView {
  now: number;
  agents: readonly ShiftAgent[];
  /** Calls dialed and not answered or ended yet: when each was dialed. */
  lines: readonly number[];
  /** People who answered and wait for an agent now. */
  waiting: number;
  /** Numbers not dialed yet. */
  remaining: number;
}

/** What the pacer is told as it happens, to measure from. */
export type ShiftObservation =
  | { kind: 'answered'; by: 'human' | 'machine'; afterMs: number }
  | { kind: 'unanswered'; afterMs: number }
  | { kind: 'connected'; waitMs: number }
  | { kind: 'abandoned' }
  | { kind: 'talked'; ms: number };

/** The pacing under test. */
export interface ShiftPacer {
  /** How many numbers to dial now (more than `remaining` dials what remains). */
  lines(view: ShiftView): number;
  observe?(observation: ShiftObservation): void;
}

/** What a shift came to, measured while numbers remained (the tail after the last dial apart). */
export interface ShiftFigures {
  dialed: number;
  /** People who answered. */
  humans: number;
  /** Of them, connected to an agent within the allowed wait. */
  connected: number;
  abandoned: number;
  /** `abandoned / humans`, as the rule measures it (machines and unanswered calls left out). */
  abandonRate: number;
  /** Time talking over time logged in, all agents, until the last number was dialed. */
  occupancy: number;
  /** Calls connected per agent-hour, until the last number was dialed. */
  callsPerAgentHour: number;
  /** Each connected person's wait from answer to agent, ms. */
  waits: number[];
  /** When the last number was dialed, from the shift's start. */
  dialingMs: number;
}

interface Event {
  at: number;
  seq: number;
  run: () => void;
}

/** A small binary heap of events by time, then by order of scheduling. */
class Events {
  private heap: Event[] = [];
  private seq = 0;
  push(at: number, run: () => void) {
    const heap = this.heap;
    heap.push({ at, seq: this.seq++, run });
    for (let i = heap.length - 1; i > 0;) {
      const up = (i - 1) >> 1;
      if (!before(heap[i]!, heap[up]!)) break;
      [heap[i], heap[up]] = [heap[up]!, heap[i]!];
      i = up;
    }
  }
  pop(): Event | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}
const before = (a: Event, b: Event) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

const rateAt = (rate: ShiftRate, dialed: number) =>
  typeof rate === 'number' ? rate : rate(dialed);

const ms = z.number().min(0).max(86_400_000);
const rate = z.union([z.number().min(0).max(1), z.function()]);
const optionsSchema = strictObject({
  agents: z.number().int().min(1).max(10_000),
  numbers: z.number().int().min(0).max(10_000_000),
  seed: z.number().int().optional(),
  humanRate: rate,
  machineRate: rate,
  answerMs: z
    .tuple([ms, ms])
    .refine(([min, max]) => min <= max, 'the first bound is the lower')
    .optional(),
  ringTimeoutMs: ms.optional(),
  talkMs: strictObject({ mean: ms.gt(0), sigma: z.number().min(0).max(3).optional() }).optional(),
  wrapUpMs: ms.optional(),
  abandonAfterMs: ms.optional(),
  maxMs: z
    .number()
    .gt(0)
    .max(366 * 86_400_000)
    .optional(),
});

/** The pacer is asked every second, and whenever an agent becomes ready. */
const TICK_MS = 1000;

/**
 * Runs one shift with `pacer` deciding the lines, and measures it.
 *
 * @example
 * const figures = simulateShift(
 *   { agents: 20, numbers: 20_000, humanRate: 0.2, machineRate: 0.15 },
 *   { lines: (view) => view.agents.filter((a) => a.state === 'ready').length - view.lines.length },
 * );
 */
export function simulateShift(options: ShiftOptions, pacer: ShiftPacer): ShiftFigures {
  parseOptions(optionsSchema, options, 'simulateShift');
  const random = createRandom(options.seed ?? 1);
  const [answerMin, answerMax] = options.answerMs ?? [4000, 20_000];
  const ringTimeoutMs = options.ringTimeoutMs ?? 20_000;
  const talk = { sigma: 0.8, ...(options.talkMs ?? { mean: 120_000 }) };
  const wrapUpMs = options.wrapUpMs ?? 10_000;
  const abandonAfterMs = options.abandonAfterMs ?? 2000;
  const maxMs = options.maxMs ?? 7 * 86_400_000;
  const agents: ShiftAgent[] = Array.from({ length: options.agents }, () => ({
    state: 'ready',
    since: 0,
    until: null,
  }));
  const events = new Events();
  /** Calls ringing, by their number's index: when each was dialed. */
  const lines = new Map<number, number>();
  const waiting: { at: number; abandoned: boolean; connected: boolean }[] = [];
  const figures = { dialed: 0, humans: 0, connected: 0, abandoned: 0, waits: [] as number[] };
  /** Each connected call: when its talk began and how long it was. */
  const talks: { start: number; ms: number }[] = [];
  let now = 0;
  let dialingMs = 0;
  const observe = (o: ShiftObservation) => pacer.observe?.(o);

  const startTalk = (agent: ShiftAgent, answeredAt: number) => {
    const waitMs = now - answeredAt;
    figures.connected += 1;
    figures.waits.push(waitMs);
    observe({ kind: 'connected', waitMs });
    const ms = random.lognormal(talk.mean, talk.sigma);
    talks.push({ start: now, ms });
    agent.state = 'talking';
    agent.since = now;
    events.push(now + ms, () => {
      observe({ kind: 'talked', ms });
      agent.state = 'wrap-up';
      agent.since = now;
      agent.until = now + wrapUpMs;
      events.push(now + wrapUpMs, () => becomeReady(agent));
    });
  };
  const becomeReady = (agent: ShiftAgent) => {
    agent.state = 'ready';
    agent.since = now;
    agent.until = null;
    const next = waiting.find((w) => !w.abandoned && !w.connected);
    if (next) {
      next.connected = true;
      startTalk(agent, next.at);
    }
    pace();
  };
  const answer = (index: number, dialedAt: number, by: 'human' | 'machine' | null) => {
    lines.delete(index);
    const afterMs = now - dialedAt;
    if (by === null) return observe({ kind: 'unanswered', afterMs });
    observe({ kind: 'answered', by, afterMs });
    if (by === 'machine') return;
    figures.humans += 1;
    const agent = agents.find((a) => a.state === 'ready');
    if (agent) return startTalk(agent, now);
    const person = { at: now, abandoned: false, connected: false };
    waiting.push(person);
    events.push(now + abandonAfterMs, () => {
      if (person.connected) return;
      person.abandoned = true;
      figures.abandoned += 1;
      observe({ kind: 'abandoned' });
    });
  };
  const dial = () => {
    const index = figures.dialed;
    figures.dialed += 1;
    const dialedAt = now;
    lines.set(index, dialedAt);
    const human = rateAt(options.humanRate, index);
    const machine = rateAt(options.machineRate, index);
    if (!(human >= 0 && machine >= 0 && human + machine <= 1)) {
      throw new RangeError(
        `simulateShift: call ${index} has humanRate ${human} and machineRate ${machine}; each is a share, together at most 1`,
      );
    }
    const roll = random.next();
    const after = answerMin + random.next() * (answerMax - answerMin);
    const by = roll < human ? 'human' : roll < human + machine ? 'machine' : null;
    events.push(now + (by === null ? ringTimeoutMs : after), () => answer(index, dialedAt, by));
    if (figures.dialed === options.numbers) dialingMs = now;
  };
  const pace = () => {
    const remaining = options.numbers - figures.dialed;
    if (remaining <= 0) return;
    for (let i = waiting.length - 1; i >= 0; i -= 1) {
      if (waiting[i]!.abandoned || waiting[i]!.connected) waiting.splice(i, 1);
    }
    const view: ShiftView = {
      ...{ now, agents, lines: [...lines.values()] },
      ...{ waiting: waiting.length, remaining },
    };
    const wanted = Math.min(remaining, Math.max(0, Math.floor(pacer.lines(view))));
    for (let i = 0; i < wanted; i += 1) dial();
  };
  const tick = () => {
    pace();
    if (figures.dialed < options.numbers && now < maxMs) events.push(now + TICK_MS, tick);
    else if (figures.dialed < options.numbers) dialingMs = now; // the pacer stopped dialing
  };

  events.push(0, tick);
  for (let event = events.pop(); event; event = events.pop()) {
    now = event.at;
    event.run();
  }
  // Measured up to the last dial: a call still on then counts up to it.
  const loggedInMs = options.agents * dialingMs;
  let talkedMs = 0;
  let connected = 0;
  for (const { start: began, ms } of talks) {
    if (began > dialingMs) continue;
    connected += 1;
    talkedMs += Math.min(began + ms, dialingMs) - began;
  }
  return {
    ...figures,
    abandonRate: figures.humans === 0 ? 0 : figures.abandoned / figures.humans,
    occupancy: loggedInMs === 0 ? 0 : talkedMs / loggedInMs,
    callsPerAgentHour: loggedInMs === 0 ? 0 : connected / (loggedInMs / 3_600_000),
    dialingMs,
  };
}
