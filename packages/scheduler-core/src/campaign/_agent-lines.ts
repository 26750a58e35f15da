/**
 * A campaign with agents, in one worker: how many lines its claims may add (the pacer, from the
 * roster and the live rows as the store has them), and what happens when a person answers (an
 * agent within 2 s, or the safe-harbour message), when a machine answers, and when the call ends
 * (the agent's wrap-up). The facts of each answer are steps of the call's timeline.
 */
import { isTerminal, type AnsweredBy, type CallProvider, type Clock } from '@ringkit/call-client';
import { sleep } from '@ringkit/internal';
import type { Agent, Agents } from '../agents/agents.js';
import { createLinePacer, type LinePacer, type LinePacingView } from '../agents/pacing.js';
import type { SchedulerEmitter, SchedulerEvents } from '../events.js';
import type { Mutate } from '../dispatch/_writes.js';
import type { StoredCall, StoredEvent, StoredSuppression } from '../store.js';
import type { ScheduledCall } from '../types.js';
import { ABANDON_AFTER_MS, answeredOf, campaignStanding, isFateStep } from './_abandons.js';
import type { CampaignStore } from './options.js';
import type { CampaignAgentSettings, CampaignSettings } from './settings.js';

/** How often the claims of a campaign with agents look again at its roster (ms). */
export const AGENT_PACE_MS = 500;
/** How often the pacer's standing is read again from every worker's calls (ms). */
const STANDING_EVERY_MS = 60_000;
/** How long a claim of an agent waits before asking again, while the 2 s run. */
const AGENT_POLL_MS = 100;
/** The statuses of a line still ringing, and of one a person answered. */
const RINGING = ['queued', 'initiated', 'ringing'] as const;
const LIVE = [...RINGING, 'answered'] as const;
/** The ends of a line no one answered, which the pacer measures. */
const UNANSWERED: ReadonlySet<string> = new Set(['busy', 'no-answer', 'failed']);
/** Rows read per page of the live rows and of the roster. */
const PAGE = 500;

/** What the agent side of a campaign needs. */
export interface AgentLinesContext {
  store: CampaignStore;
  /** The campaign's name. */
  id: string;
  provider: CallProvider;
  clock: Clock;
  emitter: SchedulerEmitter;
  mutate: Mutate;
  agents: Agents;
  settings: CampaignSettings & { agents: CampaignAgentSettings };
}

/** The agent side of one campaign in this worker. */
export interface AgentLines {
  /** The most places the next claim may leave taken, and the most lines it may add. */
  bound(now: number): Promise<{ cap: number; most: number }>;
  /**
   * Why `row` may not be dialed now: its number's call was abandoned by this campaign less than
   * {@link ABANDONED_REST_MS} ago (a repeat of the number in the list), as a suppression of the
   * campaign's own; `null` when it may.
   */
  rested(row: StoredCall): Promise<StoredSuppression | null>;
  /** Stops listening to the campaign's statuses. */
  close(): void;
}

/**
 * How long a campaign leaves alone a number whose call it abandoned: 30 days, the rule's window
 * (a number repeated in its list is not dialed again meanwhile; its entry ends `suppressed`).
 */
export const ABANDONED_REST_MS = 30 * 86_400_000;
/** The rows of one number a campaign reads to find an abandoned call of it. */
const REPEATS_READ = 100;

/** The safe-harbour message: the seller's name and the number to call back, digit by digit. */
export function safeHarbourMessage(
  agents: Pick<CampaignAgentSettings, 'sellerName' | 'callbackNumber'>,
): string {
  const digits = agents.callbackNumber
    .replace(/^\+1(?=\d{10}$)/, '')
    .replace(/\D/g, '')
    .split('')
    .join(' ');
  return `This is ${agents.sellerName}. Sorry, no one was free to take your call. To reach us, or to ask us not to call again, call ${digits}.`;
}

/** When the attempt now under way was dialed: its `initiated` step, else its row's placing. */
function dialedAt(call: ScheduledCall): number {
  for (let i = call.events.length - 1; i >= 0; i -= 1) {
    const step = call.events[i]!;
    if (step.attempt === call.attempt && step.status === 'initiated') return step.at.getTime();
  }
  return call.updatedAt.getTime();
}

/**
 * When the person answered: the call's `answered` step, as the provider's status told it (a
 * webhook that came late has spent the 2 s already), else when this worker learned it.
 */
function answeredAtOf(call: ScheduledCall, told: number): number {
  const step = call.events.findLast(
    (e) => e.attempt === call.attempt && e.status === 'answered' && e.reason === undefined,
  );
  return Math.min(step?.at.getTime() ?? told, told);
}

/** The step telling what became of the person who answered, if it is written. */
export function agentStepOf<T extends { reason?: string; agent?: string; waitMs?: number }>(
  events: readonly T[],
): T | null {
  return events.find(isFateStep) ?? null;
}

/**
 * Whether `row` is a person who answered and waits for an agent now: answered, not by a machine,
 * and with no fate yet (a row abandoned, or whose agent is reached, waits no more).
 */
function waitsForAgent(row: StoredCall): boolean {
  if (row.status !== 'answered') return false;
  const steps = (row.events ?? []).filter((e) => e.attempt === row.attempt);
  const machine = steps.some((e) => e.answeredBy === 'machine' || e.answeredBy === 'fax');
  return !machine && agentStepOf(steps) === null;
}

/** Starts the agent side of a campaign: listens to its statuses until `close()`. */
export function createAgentLines(ctx: AgentLinesContext): AgentLines {
  const { store, id, provider, clock, emitter, agents, settings } = ctx;
  const rules = settings.agents;
  const pacer: LinePacer = createLinePacer({
    mode: settings.mode === 'power' ? 'progressive' : settings.mode,
    abandonCap: rules.abandonCap,
    abandonAfterMs: ABANDON_AFTER_MS,
    wrapUpMs: rules.wrapUpMs,
  });
  let standingAt = Number.NEGATIVE_INFINITY;
  let closed = false;

  const report = (error: unknown, source: SchedulerEvents['error']['source'], callId?: string) =>
    emitter.emit('error', callId === undefined ? { error, source } : { error, source, callId });

  /** Reads the campaign's 30-day standing again, now and then, without holding up a claim. */
  function restand(now: number) {
    if (settings.mode !== 'predictive' || now - standingAt < STANDING_EVERY_MS) return;
    standingAt = now;
    campaignStanding(store, id, now).then(
      (standing) => pacer.restate({ abandoned: standing.abandoned, answered: standing.answered }),
      (error: unknown) => report(error, 'store'),
    );
  }

  async function roster(): Promise<Agent[]> {
    const all: Agent[] = [];
    let cursor: string | null = null;
    do {
      const page = await agents.list({ campaign: id, limit: PAGE, ...(cursor ? { cursor } : {}) });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  async function liveRows(): Promise<StoredCall[]> {
    const all: StoredCall[] = [];
    let after: number | null = null;
    for (;;) {
      const page = await store.listCampaignCalls(id, {
        status: [...LIVE],
        afterPosition: after,
        limit: PAGE,
      });
      all.push(...page);
      if (page.length < PAGE) return all;
      after = page[page.length - 1]!.position ?? null;
    }
  }

  /**
   * An agent left holding a call of this campaign that is no longer live (a worker that died
   * between the answer and the end, an end told before its agent step was written): released.
   */
  async function freeStranded(team: readonly Agent[], live: ReadonlySet<string>) {
    for (const agent of team) {
      if (agent.campaign !== id || !agent.callId || live.has(agent.callId)) continue;
      if (agent.state !== 'ringing' && agent.state !== 'talking') continue;
      const row = await store.get(agent.callId);
      if (row && !isTerminal(row.status as never)) continue;
      await agents.released(agent.id, agent.callId);
    }
  }

  async function bound(now: number) {
    restand(now);
    const [team, rows] = await Promise.all([roster(), liveRows()]);
    const live = new Set(rows.map((row) => row.id));
    await freeStranded(team, live);
    const held = new Set(team.map((agent) => agent.callId).filter((callId) => callId !== null));
    const view: LinePacingView = {
      now,
      agents: team
        .filter((agent) => agent.state !== 'away')
        .map((agent) => ({
          state: agent.state as Exclude<typeof agent.state, 'away'>,
          since: agent.since.getTime(),
          until: agent.until?.getTime() ?? null,
        })),
      lines: rows
        .filter((row) => (RINGING as readonly string[]).includes(row.status))
        .map((row) => row.placingAt ?? row.updatedAt),
      waiting: rows.filter((row) => !held.has(row.id) && waitsForAgent(row)).length,
    };
    const most = pacer.lines(view);
    return { cap: rows.length + most, most };
  }

  /** Writes the step of the answer's fate; releases the agent when the call ended meanwhile. */
  async function writeStep(call: ScheduledCall, step: Omit<StoredEvent, 'status' | 'attempt'>) {
    const { row } = await ctx.mutate(call.id, (current) => {
      if (current.attempt !== call.attempt) return null;
      const events = current.events ?? [];
      if (agentStepOf(events.filter((e) => e.attempt === call.attempt))) return null;
      const next: StoredEvent = { status: 'answered', attempt: call.attempt, ...step };
      // In time order: the end may have been written first.
      const at = events.findIndex((e) => e.at > next.at);
      return {
        events: at < 0 ? [...events, next] : [...events.slice(0, at), next, ...events.slice(at)],
      };
    });
    return row;
  }

  async function abandon(call: ScheduledCall, answeredAt: number, why: string) {
    const waitMs = Math.max(0, clock.now() - answeredAt);
    try {
      if (!provider.abandonCall) throw new Error(`provider ${provider.name} cannot play a message`);
      await provider.abandonCall(call.providerCallId!, safeHarbourMessage(rules));
    } catch (error) {
      report(error, 'provider', call.id);
    }
    pacer.observe({ kind: 'abandoned' });
    await writeStep(call, { at: clock.now(), reason: 'abandoned', waitMs, note: why });
    emitter.emit('abandoned', { call, waitMs, reason: why });
  }

  /** A person answered: an agent within 2 s of `answeredAt`, or the safe-harbour message. */
  async function connect(call: ScheduledCall, answeredAt: number) {
    const deadline = answeredAt + ABANDON_AFTER_MS;
    let agent: Agent | null;
    for (;;) {
      agent = await agents.claim(id, call.id);
      if (agent || clock.now() >= deadline) break;
      await sleep(Math.min(AGENT_POLL_MS, deadline - clock.now()), { clock });
    }
    if (!agent) return abandon(call, answeredAt, 'no_agent');
    try {
      if (!provider.connectCall) throw new Error(`provider ${provider.name} cannot connect calls`);
      await provider.connectCall(call.providerCallId!, agent.reach);
    } catch (error) {
      report(error, 'provider', call.id);
      await agents.released(agent.id, call.id);
      return abandon(call, answeredAt, 'connect_failed');
    }
    const at = clock.now();
    const waitMs = Math.max(0, at - answeredAt);
    await agents.connected(agent.id, call.id);
    pacer.observe({ kind: 'connected', waitMs });
    // Reached after the 2 s: the call counts as abandoned in the rate all the same.
    if (waitMs > ABANDON_AFTER_MS) pacer.observe({ kind: 'abandoned' });
    const row = await writeStep(call, { at, reason: 'agent', agent: agent.id, waitMs });
    emitter.emit('connected', { call, agent: agent.id, waitMs });
    if (isTerminal(row.status as never)) await ended(row.id, agent.id, at, row.updatedAt);
  }

  /**
   * The call `callId`, joined to its agent at `from`, ended at `at`: the agent goes to wrap-up,
   * and the talk is measured (whichever worker joined them).
   */
  async function ended(callId: string, agentId: string, from: number, at: number) {
    pacer.observe({ kind: 'talked', ms: Math.max(0, at - from) });
    await agents.released(agentId, callId, { wrapUpMs: rules.wrapUpMs });
  }

  async function onAnswered(call: ScheduledCall, by: AnsweredBy | undefined, at: number) {
    const machine = by === 'machine' || by === 'fax';
    pacer.observe({
      kind: 'answered',
      by: machine ? 'machine' : 'human',
      afterMs: Math.max(0, at - dialedAt(call)),
    });
    if (!machine) return connect(call, at);
    if (rules.machine === 'hang-up') await provider.hangUpCall?.(call.providerCallId!);
    else await provider.abandonCall?.(call.providerCallId!, rules.machine.message);
  }

  const onStatus = ({ call, status, previous, answeredBy, at }: SchedulerEvents['status']) => {
    if (closed || !call.providerCallId) return;
    const when = at.getTime();
    let work: Promise<unknown> | null = null;
    if (status === 'answered') work = onAnswered(call, answeredBy, answeredAtOf(call, when));
    else if (isTerminal(status as never)) {
      const step = agentStepOf(call.events.filter((e) => e.attempt === call.attempt));
      if (step?.agent) work = ended(call.id, step.agent, step.at.getTime(), when);
      else if (previous !== 'answered' && UNANSWERED.has(status)) {
        pacer.observe({ kind: 'unanswered', afterMs: Math.max(0, when - dialedAt(call)) });
      }
    }
    work?.catch((error: unknown) => report(error, 'store', call.id));
  };
  emitter.on('status', onStatus);

  async function rested(row: StoredCall): Promise<StoredSuppression | null> {
    const page = await store.list({
      campaign: id,
      to: row.to,
      status: ['answered', 'completed'],
      limit: REPEATS_READ,
    });
    const now = clock.now();
    let last: number | null = null;
    for (const other of page.items) {
      if (other.id === row.id) continue;
      for (const call of answeredOf(other)) {
        const at = call.at.getTime();
        if (call.abandoned && at > now - ABANDONED_REST_MS && (last === null || at > last)) {
          last = at;
        }
      }
    }
    if (last === null) return null;
    return {
      phone: row.to,
      reason: `abandoned by campaign ${id} on ${new Date(last).toISOString()}`,
      createdAt: last,
      until: last + ABANDONED_REST_MS,
    };
  }

  return {
    bound,
    rested,
    close() {
      closed = true;
      emitter.off('status', onStatus);
    },
  };
}
