/**
 * The roster's reading of what it sends and of what the server answers: the words for each
 * state, the buttons each state offers, time in state and occupancy for people, the add form's
 * body, its checks, and which field each refusal is about.
 */
import type { ApiIssue, FieldErrors } from '../api.js';
import { formatPhone } from '../format.js';
import type { AgentJson } from '../types.js';

export type AgentState = AgentJson['state'];

/** Each state in words. */
export const STATE_WORDS: Record<AgentState, string> = {
  available: 'Available',
  ringing: 'Ringing',
  talking: 'Talking',
  'wrap-up': 'Wrap-up',
  away: 'Away',
};

/** A button of an agent's row: its words, and the state it asks for. */
export interface AgentAction {
  label: 'Log in' | 'Back' | 'Away';
  state: 'available' | 'away';
}

/**
 * What a person may do about an agent in `state`: log in when away, go away when available,
 * come back (ending the wrap-up early) or go away from a wrap-up; nothing while a call rings or
 * talks (the call decides, and the server would refuse with `409 agent_busy`).
 */
export function actionsFor(state: AgentState): AgentAction[] {
  switch (state) {
    case 'away':
      return [{ label: 'Log in', state: 'available' }];
    case 'available':
      return [{ label: 'Away', state: 'away' }];
    case 'wrap-up':
      return [
        { label: 'Back', state: 'available' },
        { label: 'Away', state: 'away' },
      ];
    case 'ringing':
    case 'talking':
      return [];
  }
}

/** Milliseconds as `m:ss`, or `h:mm:ss` from an hour; never below zero. */
export function formatElapsed(ms: number): string {
  const whole = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const seconds = String(whole % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`;
}

/** Occupancy (talking over logged-in time) as a whole percentage; `—` before any logged-in time. */
export function formatOccupancy(occupancy: number | null): string {
  return occupancy === null ? '—' : `${Math.round(occupancy * 100)} %`;
}

/** Where an agent is reached, for people: a number as the page writes numbers, a SIP URI as is. */
export const formatReach = (reach: string): string =>
  /^sips?:/i.test(reach) ? reach : formatPhone(reach);

/** What the roster calls an agent: their name, else their id. */
export const agentName = (agent: Pick<AgentJson, 'id' | 'name'>): string => agent.name ?? agent.id;

/** The add form's fields a refusal is shown under. */
export type AgentField = 'id' | 'name' | 'reach' | 'campaigns';

const FIELDS: readonly string[] = ['id', 'name', 'reach', 'campaigns'];

/**
 * The field of the add form an issue of `POST /api/agents` is about (an id taken, `409
 * agent_exists`, is the id's); `undefined` for none.
 */
export function agentField(issue: ApiIssue): AgentField | undefined {
  if (issue.code === 'agent_exists') return 'id';
  const first = issue.path[0];
  return typeof first === 'string' && FIELDS.includes(first) ? (first as AgentField) : undefined;
}

/** What the form leads each field's issue with, so the server's words read as a sentence. */
export const AGENT_LEADS: Partial<Record<AgentField, string>> = {
  id: 'The id: ',
  name: 'The name: ',
  reach: 'Where to reach them: ',
  campaigns: 'The campaigns: ',
};

/** What the add form would send, as typed. */
export interface AgentFormInput {
  id: string;
  name: string;
  reach: string;
  /** Campaign names, separated by commas or new lines. */
  campaigns: string;
}

/** The body of `POST /api/agents` for what was typed: the name and campaigns only when given. */
export function agentBody(input: AgentFormInput): {
  id: string;
  reach: string;
  name?: string;
  campaigns?: string[];
} {
  const name = input.name.trim();
  const campaigns = input.campaigns
    .split(/[,\n]/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
  return {
    id: input.id.trim(),
    reach: input.reach.trim(),
    ...(name === '' ? {} : { name }),
    ...(campaigns.length === 0 ? {} : { campaigns }),
  };
}

/** The refusals the form can see before it sends: a field left empty. The server checks the rest. */
export function checkAgentForm(input: AgentFormInput): FieldErrors<AgentField> {
  const errors: FieldErrors<AgentField> = {};
  if (input.id.trim() === '') errors.id = 'Enter an id: letters, digits, “.”, “_” or “-”.';
  if (input.reach.trim() === '') {
    errors.reach = 'Enter the number to call them on, or a sip: address.';
  }
  return errors;
}
