import { describe, expect, it } from 'vitest';
import {
  answeredByLabel,
  isAppNumber,
  OUTCOME_WORDS,
  outcomeWord,
  readHistoryRow,
  readHistoryType,
  recordingHref,
} from './history-type.js';
import { statusLabel } from './status.js';

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

describe('OUTCOME_WORDS', () => {
  it('is the one word for each outcome, in the history and in the status badges alike', () => {
    expect(readHistoryType('Missed Inbound').outcomeLabel).toBe(OUTCOME_WORDS.missed);
    expect(readHistoryType('Unknown Outbound').outcomeLabel).toBe(OUTCOME_WORDS.unknown);
    expect(readHistoryType('In progress Outbound').outcomeLabel).toBe(OUTCOME_WORDS['in-progress']);
    expect(statusLabel('no-answer')).toBe('no answer');
    expect(statusLabel('busy')).toBe('busy');
    expect(statusLabel('completed')).toBe(OUTCOME_WORDS.completed.toLowerCase());
    // Statuses that are not outcomes keep their own name.
    expect(statusLabel('ringing')).toBe('ringing');
    expect(outcomeWord('toString')).toBeNull();
  });
});

describe('readHistoryRow', () => {
  const APP = '+14155550100';

  it('says a call with the app is one with the app, in both directions', () => {
    // A customer's page: the app called them (their Inbound), they called the app.
    expect(
      readHistoryRow({ type: 'Completed Inbound', counterparty: APP, counterparty_is_app: true }),
    ).toMatchObject({ withApp: true, direction: 'inbound', directionLabel: 'Called by this app' });
    expect(
      readHistoryRow({ type: 'Missed Outbound', counterparty: APP, counterparty_is_app: true }),
    ).toMatchObject({ withApp: true, outcomeLabel: 'Missed', directionLabel: 'Called this app' });
  });

  it('knows the app by its number from a server that gives only app_number', () => {
    expect(readHistoryRow({ type: 'Completed Inbound', counterparty: APP }, APP)).toMatchObject({
      withApp: true,
      directionLabel: 'Called by this app',
    });
  });

  it('reads an older server, with neither field, as before', () => {
    expect(readHistoryRow({ type: 'Missed Inbound', counterparty: '+13018040009' })).toEqual({
      ...readHistoryType('Missed Inbound'),
      withApp: false,
      voicemail: null,
    });
    expect(
      readHistoryRow({ type: 'Missed Inbound', counterparty: '+13018040009' }, APP).withApp,
    ).toBe(false);
  });

  it('keeps a voicemail only at an http(s) address', () => {
    const row = (recording_url: string | null) =>
      readHistoryRow({ type: 'Missed Inbound', counterparty: '+442079460958', recording_url });
    expect(row('https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1').voicemail).toBe(
      'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
    );
    expect(row('http://127.0.0.1:5010/r/RE1.mp3').voicemail).toBe(
      'http://127.0.0.1:5010/r/RE1.mp3',
    );
    for (const bad of [
      'javascript:alert(1)',
      'data:audio/wav;base64,AAAA',
      '/r/RE1',
      'not a url',
      null,
    ]) {
      expect(row(bad).voicemail).toBeNull();
    }
    expect(recordingHref(42)).toBeNull();
    expect(recordingHref(`https://x.test/${'a'.repeat(2100)}`)).toBeNull();
  });
});

describe('isAppNumber', () => {
  it('compares numbers however they are written, and never matches without an app number', () => {
    expect(isAppNumber('14155550100', '+14155550100')).toBe(true);
    expect(isAppNumber('+1 (415) 555-0100', '+14155550100')).toBe(true);
    expect(isAppNumber('+13018040009', '+14155550100')).toBe(false);
    expect(isAppNumber('+14155550100', null)).toBe(false);
    expect(isAppNumber('+14155550100', undefined)).toBe(false);
  });
});
