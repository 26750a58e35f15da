/**
 * The agents of a store: `createAgents({ store })`. Agents live in the store beside the calls
 * and campaigns, shared by every worker; each change is a compare-and-set of the agent's version
 * (`Store.updateAgent`), so one agent is never given two calls, whichever workers ask at once.
 */
import { systemClock, type Clock, type CountryCode } from '@ringkit/call-client';
import { clockSchema, countryCodeSchema, strictObject } from '@ringkit/internal';
import { z } from 'zod';
import {
  AgentNotFoundError,
  AgentStateError,
  ConflictError,
  invalidOptions,
  ValidationError,
} from '../errors.js';
import {
  encodeCursor,
  type AgentState,
  type AgentTotals,
  type Store,
  type StoredAgent,
} from '../store.js';
import { campaignNameSchema } from '../campaign/options.js';
import { custom, keyAfter, zodIssues } from '../_validate.js';
import { moved, occupancy, standing, type Move } from './_moves.js';
import {
  agentChangesSchema,
  agentsQuerySchema,
  campaignsOf,
  checkedId,
  newAgentOf,
  parsed,
  reachOf,
} from './_schema.js';

/** An agent as read at one moment (see `StoredAgent` for each field). */
export interface Agent {
  id: string;
  name: string | null;
  reach: string;
  campaigns: string[];
  state: AgentState;
  /** When `state` began. */
  since: Date;
  /** `wrap-up` only: when they are available again. */
  until: Date | null;
  /** The call (its id in the store) they hold while `ringing`, `talking` or in `wrap-up`. */
  callId: string | null;
  /** The campaign of that call. */
  campaign: string | null;
  /** Time in each logged-in state, counted up to the read. */
  totals: AgentTotals;
  /** Time talking over time logged in (every state but `away`), up to the read; `null`: none. */
  occupancy: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What `add()` takes. */
export interface NewAgent {
  /** Yours, unique in the store: 1–100 letters, digits, `.`, `_` or `-`. */
  id: string;
  name?: string | null;
  /** A phone number (E.164, or national with `defaultCountry`) or a `sip:` URI. */
  reach: string;
  /** The campaigns whose calls they take (by name). */
  campaigns?: string[];
  /** @default 'away': an agent takes calls once they log in (`setState(id, 'available')`). */
  state?: 'available' | 'away';
}

/** What `update()` changes; what is left out stays. */
export interface AgentChanges {
  name?: string | null;
  reach?: string;
  campaigns?: string[];
}

/** A page of the roster, in code-point order of the agents' ids. */
export interface AgentPage {
  items: Agent[];
  nextCursor: string | null;
}

/** The agents of one store. */
export interface Agents {
  /** Adds an agent. @throws AgentStateError (`'exists'`) when its id is taken. */
  add(agent: NewAgent): Promise<Agent>;
  get(id: string): Promise<Agent | null>;
  /** Agents in code-point order of their ids, one page at a time; `campaign`: those serving it. */
  list(query?: { cursor?: string | null; limit?: number; campaign?: string }): Promise<AgentPage>;
  /** Changes where they are reached, their name or their campaigns, whatever their state. */
  update(id: string, changes: AgentChanges): Promise<Agent>;
  /**
   * Logs them in (`'available'`, which also ends a wrap-up early) or out (`'away'`).
   * @throws AgentStateError (`'busy'`) while they are `ringing` or `talking`.
   */
  setState(id: string, state: 'available' | 'away'): Promise<Agent>;
  /** Removes them; `false` when there was none. @throws AgentStateError while on a call. */
  remove(id: string): Promise<boolean>;
  /**
   * Gives the call `callId` of `campaign` to the agent serving it who has been ready longest:
   * they are `ringing` with it. `null` when no agent is ready.
   */
  claim(campaign: string, callId: string): Promise<Agent | null>;
  /** The agent holding `callId` took it: `ringing` → `talking`. `null` when they do not hold it. */
  connected(id: string, callId: string): Promise<Agent | null>;
  /**
   * The call `callId` left the agent: from `talking`, a wrap-up of `wrapUpMs` (the default of
   * `createAgents`); from `ringing` (it never reached them), `available` at once. `null` when
   * they do not hold it; a repeat changes nothing.
   */
  released(id: string, callId: string, options?: { wrapUpMs?: number }): Promise<Agent | null>;
}

/** What `createAgents()` takes. */
export interface AgentsOptions {
  /** A store with the agent methods (the three built-in stores have them). */
  store: Store;
  /** @default the system clock */
  clock?: Clock;
  /** The country of numbers given without a country code. */
  defaultCountry?: CountryCode;
  /**
   * How long an agent stays in wrap-up after a call, ms.
   * @default 10000
   */
  wrapUpMs?: number;
}

const MAX_WRAP_UP_MS = 3_600_000;
const wrapUpSchema = z.number().int().min(0).max(MAX_WRAP_UP_MS);
const optionsSchema = strictObject({
  store: z.custom<Store>((v) => typeof v === 'object' && v !== null, 'a store'),
  clock: clockSchema.optional(),
  defaultCountry: countryCodeSchema.optional(),
  wrapUpMs: wrapUpSchema.optional(),
});

const callIdSchema = z.string().min(1).max(200);
const callSchema = z.strictObject({ campaign: campaignNameSchema, callId: callIdSchema });

/** Candidates read per round of a claim, and rounds before it gives up on a busy roster. */
const CLAIM_BATCH = 8;
const CLAIM_ROUNDS = 20;

function viewOf(agent: StoredAgent, now: number): Agent {
  const at = standing(agent, now);
  const counted = moved(at, { state: at.state }, now).totals;
  return {
    id: at.id,
    name: at.name,
    reach: at.reach,
    campaigns: [...at.campaigns],
    state: at.state,
    since: new Date(at.since),
    until: at.until === null ? null : new Date(at.until),
    callId: at.callId,
    campaign: at.campaign,
    totals: counted,
    occupancy: occupancy(at, now),
    createdAt: new Date(at.createdAt),
    updatedAt: new Date(at.updatedAt),
  };
}

/**
 * Writes of one agent tried before giving up: each lost only to another write of that agent,
 * which people and their calls make a few times a minute.
 */
const MAX_TRIES = 100;
const keptChanging = (id: string) =>
  new ConflictError({
    reason: 'version_conflict',
    id,
    message: `Agent ${id} changed under ${MAX_TRIES} writes in a row; try again`,
  });

/** What a change of an agent writes: a move, the agent whole, or `null` for nothing. */
type Decide = (agent: StoredAgent, now: number) => Move | StoredAgent | null;

/**
 * Reads the agent, asks `decide` what to write, and writes it if the agent has not changed
 * since; reads again and asks again when it has. `null` when there is no such agent.
 */
async function changeAgent(
  store: Store,
  clock: Clock,
  id: string,
  decide: Decide,
): Promise<{ agent: StoredAgent; wrote: boolean } | null> {
  for (let tries = 0; ; tries += 1) {
    if (tries === MAX_TRIES) throw keptChanging(id);
    const stored = await store.getAgent!(id);
    if (!stored) return null;
    const now = clock.now();
    const at = standing(stored, now);
    const decided = decide(at, now);
    if (decided === null) return { agent: at, wrote: false };
    const next = 'id' in decided ? decided : moved(at, decided, now);
    if (await store.updateAgent!(next, stored.version)) return { agent: next, wrote: true };
  }
}

const busy = (agent: StoredAgent) => agent.state === 'ringing' || agent.state === 'talking';

/** The agents of a store. */
export function createAgents(options: AgentsOptions): Agents {
  const checked = optionsSchema.safeParse(options);
  if (!checked.success) throw invalidOptions('createAgents', zodIssues(checked.error));
  const store = checked.data.store as Store;
  const clock = checked.data.clock ?? systemClock;
  const defaultCountry = checked.data.defaultCountry as CountryCode | undefined;
  const wrapUpMs = checked.data.wrapUpMs ?? 10_000;
  const { insertAgent, getAgent, listAgents, readyAgents, updateAgent, deleteAgent } = store;
  if (!insertAgent || !getAgent || !listAgents || !readyAgents || !updateAgent || !deleteAgent) {
    throw invalidOptions('createAgents', [
      custom(['store'], `the store "${store.name}" has no agent methods (insertAgent…)`),
    ]);
  }
  const change = (id: string, decide: Decide) => changeAgent(store, clock, id, decide);
  const changed = async (id: string, decide: Decide) => {
    const result = await change(id, decide);
    if (!result) throw new AgentNotFoundError(id);
    return viewOf(result.agent, clock.now());
  };

  return {
    async add(input) {
      const now = clock.now();
      const agent = newAgentOf(input, now, defaultCountry);
      if (!(await insertAgent.call(store, agent))) {
        throw new AgentStateError({
          id: agent.id,
          reason: 'exists',
          message: `An agent with id ${JSON.stringify(agent.id)} exists`,
        });
      }
      return viewOf(agent, now);
    },

    async get(id) {
      const agent = await getAgent.call(store, checkedId(id));
      return agent ? viewOf(agent, clock.now()) : null;
    },

    async list(query = {}) {
      const q = parsed(agentsQuerySchema, query, 'agent list query');
      const limit = q.limit ?? 100;
      const afterId = keyAfter(q.cursor, 'agent list query');
      const rows = await listAgents.call(store, {
        afterId,
        limit: limit + 1,
        ...(q.campaign === undefined ? {} : { campaign: q.campaign }),
      });
      const now = clock.now();
      const items = rows.slice(0, limit).map((agent) => viewOf(agent, now));
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeCursor(0, last.id) : null };
    },

    async update(id, input) {
      const given = parsed(agentChangesSchema, input, 'agent changes');
      const issues: Parameters<typeof reachOf>[1] = [];
      const reach =
        given.reach === undefined ? undefined : reachOf(given.reach, issues, defaultCountry);
      if (issues.length > 0) throw new ValidationError('agent changes', issues);
      return changed(checkedId(id), (agent, now) => ({
        ...agent,
        ...(given.name === undefined ? {} : { name: given.name }),
        ...(reach === undefined ? {} : { reach }),
        ...(given.campaigns === undefined ? {} : { campaigns: campaignsOf(given.campaigns) }),
        version: agent.version + 1,
        updatedAt: now,
      }));
    },

    async setState(id, state) {
      const wanted = parsed(z.enum(['available', 'away']), state, 'agent state');
      return changed(checkedId(id), (agent) => {
        if (busy(agent)) {
          throw new AgentStateError({
            id: agent.id,
            reason: 'busy',
            state: agent.state,
            message: `Agent ${agent.id} is ${agent.state}: their call decides their state`,
          });
        }
        return agent.state === wanted ? null : { state: wanted };
      });
    },

    async remove(id) {
      const key = checkedId(id);
      for (let tries = 0; ; tries += 1) {
        if (tries === MAX_TRIES) throw keptChanging(key);
        const agent = await getAgent.call(store, key);
        if (!agent) return false;
        if (busy(agent)) {
          throw new AgentStateError({
            id: key,
            reason: 'busy',
            state: agent.state,
            message: `Agent ${key} is ${agent.state}: remove them once their call has ended`,
          });
        }
        if (await deleteAgent.call(store, key, agent.version)) return true;
      }
    },

    async claim(campaign, callId) {
      const call = parsed(callSchema, { campaign, callId }, 'agent claim');
      const now = clock.now();
      for (let round = 0; round < CLAIM_ROUNDS; round += 1) {
        const ready = await readyAgents.call(store, campaign, now, CLAIM_BATCH);
        if (ready.length === 0) return null;
        for (const stored of ready) {
          const next = moved(standing(stored, now), { state: 'ringing', ...call }, now);
          if (await updateAgent.call(store, next, stored.version)) return viewOf(next, now);
        }
      }
      return null;
    },

    async connected(id, callId) {
      parsed(callIdSchema, callId, 'call id');
      const result = await change(checkedId(id), (agent) =>
        agent.callId === callId && agent.state === 'ringing' ? { state: 'talking' } : null,
      );
      return result && result.agent.callId === callId ? viewOf(result.agent, clock.now()) : null;
    },

    async released(id, callId, options = {}) {
      parsed(callIdSchema, callId, 'call id');
      const wrapUp = parsed(wrapUpSchema.optional(), options.wrapUpMs, 'wrapUpMs') ?? wrapUpMs;
      const result = await change(checkedId(id), (agent, now) => {
        if (agent.callId !== callId || agent.state === 'wrap-up') return null;
        if (agent.state === 'ringing') return { state: 'available' };
        if (agent.state !== 'talking') return null;
        return wrapUp === 0 ? { state: 'available' } : { state: 'wrap-up', until: now + wrapUp };
      });
      if (!result) return null;
      const { agent, wrote } = result;
      return wrote || agent.callId === callId ? viewOf(agent, clock.now()) : null;
    },
  };
}
