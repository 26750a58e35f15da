import { describe, expect, it } from 'vitest';
import { ApiRequestError, fieldErrors } from '../api.js';
import {
  actionsFor,
  AGENT_LEADS,
  agentBody,
  agentField,
  checkAgentForm,
  formatElapsed,
  formatOccupancy,
  formatReach,
} from './agents.js';

describe('actionsFor', () => {
  it('offers Log in to an agent away, Away to one available, Back or Away in a wrap-up, nothing on a call', () => {
    const labels = (state: Parameters<typeof actionsFor>[0]) =>
      actionsFor(state).map((a) => `${a.label}→${a.state}`);
    expect(labels('away')).toEqual(['Log in→available']);
    expect(labels('available')).toEqual(['Away→away']);
    expect(labels('wrap-up')).toEqual(['Back→available', 'Away→away']);
    expect(labels('ringing')).toEqual([]);
    expect(labels('talking')).toEqual([]);
  });
});

describe('the roster’s figures', () => {
  it('says time in state as m:ss, then h:mm:ss, never below zero (a clock a little behind the server’s)', () => {
    expect(formatElapsed(0)).toBe('0:00');
    expect(formatElapsed(65_999)).toBe('1:05');
    expect(formatElapsed(3_600_000 + 61_000)).toBe('1:01:01');
    expect(formatElapsed(-1500)).toBe('0:00');
  });

  it('says occupancy as a whole percentage, and — before any time logged in', () => {
    expect(formatOccupancy(null)).toBe('—');
    expect(formatOccupancy(0)).toBe('0 %');
    expect(formatOccupancy(0.426)).toBe('43 %');
    expect(formatOccupancy(1)).toBe('100 %');
  });

  it('writes a number as the pages write numbers, and a SIP URI as it is', () => {
    expect(formatReach('sip:ada@example.com')).toBe('sip:ada@example.com');
    expect(formatReach('+14155552671')).not.toBe('+14155552671');
    expect(formatReach('+14155552671').replace(/\D/g, '')).toBe('14155552671');
  });
});

describe('the add form', () => {
  it('sends the id and reach trimmed, the name and the campaigns only when given', () => {
    expect(agentBody({ id: ' ada ', name: ' ', reach: ' +14155552671 ', campaigns: '' })).toEqual({
      id: 'ada',
      reach: '+14155552671',
    });
    expect(
      agentBody({ id: 'ada', name: 'Ada L.', reach: 'sip:a@b.c', campaigns: 'spring, autumn,,\n' }),
    ).toEqual({ id: 'ada', name: 'Ada L.', reach: 'sip:a@b.c', campaigns: ['spring', 'autumn'] });
  });

  it('asks for an id and a reach before sending, and leaves every other check to the server', () => {
    expect(Object.keys(checkAgentForm({ id: '', name: '', reach: ' ', campaigns: '' }))).toEqual([
      'id',
      'reach',
    ]);
    expect(checkAgentForm({ id: 'a b', name: '', reach: '12', campaigns: '' })).toEqual({});
  });

  it('puts each refusal of the server under its field: an id taken under the id', () => {
    expect(agentField({ path: ['reach'], message: 'x' })).toBe('reach');
    expect(agentField({ path: ['campaigns', 0], message: 'x' })).toBe('campaigns');
    expect(agentField({ path: [], code: 'agent_exists', message: 'x' })).toBe('id');
    expect(agentField({ path: [], code: 'unrecognized_keys', message: 'x' })).toBeUndefined();
    const exists = new ApiRequestError(409, 'agent_exists', 'An agent with id "ada" exists', {
      id: 'ada',
      reason: 'exists',
    });
    expect(fieldErrors(exists, agentField, AGENT_LEADS)).toEqual({
      id: 'An agent with id "ada" exists.',
    });
    const invalid = new ApiRequestError(400, 'invalid_request', 'reach: …', {
      issues: [{ path: ['reach'], message: 'expected a phone number or a sip: URI' }],
    });
    expect(fieldErrors(invalid, agentField, AGENT_LEADS)).toEqual({
      reach: 'Where to reach them: expected a phone number or a sip: URI.',
    });
  });
});
