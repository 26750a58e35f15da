import { describe, expect, it } from 'vitest';
import { answeredByLabel, readHistoryType } from './history-type.js';

describe('readHistoryType', () => {
  it.each([
    ['Completed Outbound', 'completed', 'outbound', 'Completed', 'Outbound'],
    ['Completed Inbound', 'completed', 'inbound', 'Completed', 'Inbound'],
    ['Missed Outbound', 'missed', 'outbound', 'Missed', 'Outbound'],
    ['Missed Inbound', 'missed', 'inbound', 'Missed', 'Inbound'],
    ['In progress Outbound', 'in-progress', 'outbound', 'In progress', 'Outbound'],
    ['In progress Inbound', 'in-progress', 'inbound', 'In progress', 'Inbound'],
    ['Unknown Outbound', 'unknown', 'outbound', 'Outcome unknown', 'Outbound'],
    ['Unknown Inbound', 'unknown', 'inbound', 'Outcome unknown', 'Inbound'],
  ])('reads %s', (type, outcome, direction, outcomeLabel, directionLabel) => {
    expect(readHistoryType(type)).toEqual({ outcome, direction, outcomeLabel, directionLabel });
  });

  it('shows a call in progress as in progress, never as missed', () => {
    for (const type of ['In progress Outbound', 'in-progress outbound', 'In_Progress Inbound']) {
      expect(readHistoryType(type).outcome).toBe('in-progress');
      expect(readHistoryType(type).outcomeLabel).toBe('In progress');
    }
  });

  it('reads any case, spacing, hyphens and underscores', () => {
    expect(readHistoryType('  completed   OUTBOUND ')).toMatchObject({
      outcome: 'completed',
      direction: 'outbound',
    });
    expect(readHistoryType('Outcome-unknown inbound')).toMatchObject({
      outcome: 'unknown',
      outcomeLabel: 'Outcome unknown',
      direction: 'inbound',
    });
  });

  it('shows a type it cannot read as it came, with an unknown outcome rather than missed', () => {
    expect(readHistoryType('Voicemail Outbound')).toEqual({
      outcome: 'unknown',
      direction: 'outbound',
      outcomeLabel: 'Voicemail',
      directionLabel: 'Outbound',
    });
    expect(readHistoryType('Transferred')).toEqual({
      outcome: 'unknown',
      direction: null,
      outcomeLabel: 'Transferred',
      directionLabel: '',
    });
    expect(readHistoryType('')).toMatchObject({
      outcome: 'unknown',
      outcomeLabel: 'Outcome unknown',
    });
  });
});

describe('answeredByLabel', () => {
  it('marks a call a machine answered as voicemail, and one a fax answered as fax', () => {
    expect(answeredByLabel('machine')).toBe('Voicemail');
    expect(answeredByLabel('fax')).toBe('Fax');
  });

  it('marks nothing for a person, an undecided answer, or a server that does not say', () => {
    for (const answeredBy of ['human', 'unknown', null, undefined, 'machine_start']) {
      expect(answeredByLabel(answeredBy)).toBeNull();
    }
  });
});
