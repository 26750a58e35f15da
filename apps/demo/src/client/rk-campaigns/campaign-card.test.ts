import { describe, expect, it } from 'vitest';
import type { CampaignJson } from '../types.js';
import {
  againQuestion,
  leaseWaitText,
  timesText,
  toDialAgain,
  unknownText,
} from './campaign-card.js';
import { formatDateTime } from '../format.js';

const UNTIL = Date.parse('2026-06-01T12:00:30.000Z');
const held = (entries: number): CampaignJson =>
  ({
    id: 'held',
    lease_wait: { entries, until: new Date(UNTIL).toISOString() },
  }) as CampaignJson;

describe("a campaign card's lease wait", () => {
  it('counts down the seconds until the previous worker’s lease runs out', () => {
    expect(leaseWaitText(held(2), UNTIL - 24_000)).toBe(
      "2 calls waiting for the previous worker's lease (24 s)",
    );
    expect(leaseWaitText(held(2), UNTIL - 23_400)).toBe(
      "2 calls waiting for the previous worker's lease (24 s)",
    );
    expect(leaseWaitText(held(1), UNTIL - 1)).toBe(
      "1 call waiting for the previous worker's lease (1 s)",
    );
  });

  it('says nothing once the lease has run out, or when nothing waits', () => {
    expect(leaseWaitText(held(2), UNTIL)).toBeNull();
    expect(leaseWaitText(held(2), UNTIL + 5_000)).toBeNull();
    expect(leaseWaitText({ id: 'free', lease_wait: null } as CampaignJson, UNTIL)).toBeNull();
  });
});

/** A campaign of 10 numbers in `state` with `progress`. */
const campaign = (state: string, progress: Partial<CampaignJson['progress']>): CampaignJson =>
  ({
    id: 'spring',
    state,
    total: 10,
    progress: {
      dialed: 10,
      live: 0,
      completed: 10,
      missed: 0,
      unknown: 0,
      canceled: 0,
      suppressed: 0,
      ...progress,
    },
  }) as CampaignJson;

describe("a campaign card's dial again", () => {
  it('offers the missed and the unknown of a finished campaign, and says what the unknown may mean', () => {
    const done = campaign('done', { completed: 6, missed: 3, unknown: 1 });
    expect(toDialAgain(done)).toBe(4);
    expect(unknownText(done)).toBe(
      "1 call's outcome is unknown: it may have rung. Dial again only if a second call is acceptable.",
    );
    expect(unknownText(campaign('done', { completed: 7, unknown: 3 }))).toBe(
      "3 calls' outcomes are unknown: they may have rung. Dial again only if a second call is acceptable.",
    );
    expect(againQuestion(done)).toEqual({
      title: "Dial spring's numbers again?",
      message:
        'This creates a new campaign of the 3 numbers missed and the 1 whose outcome is unknown (they may have rung), with the same settings, and starts dialing it.',
      confirm: 'Dial again',
      keep: 'Not now',
    });
    expect(againQuestion(campaign('done', { completed: 9, missed: 1 })).message).toBe(
      'This creates a new campaign of the 1 number missed, with the same settings, and starts dialing it.',
    );
  });

  it('offers nothing while the campaign runs, or when every number completed', () => {
    const running = campaign('running', { completed: 4, missed: 3, unknown: 1, dialed: 8 });
    expect(toDialAgain(running)).toBe(0);
    expect(unknownText(running)).toBeNull();
    expect(toDialAgain(campaign('done', {}))).toBe(0);
    expect(unknownText(campaign('done', {}))).toBeNull();
    // A stopped campaign whose every entry has ended is finished too.
    const stopped = campaign('stopped', { completed: 5, missed: 2, canceled: 3 });
    expect(toDialAgain(stopped)).toBe(2);
  });
});

describe("a campaign card's times", () => {
  const START = Date.parse('2026-06-01T12:00:00.000Z');
  const at = (state: string, ended: number, updated = START): CampaignJson =>
    ({
      id: 'spring',
      state,
      total: 100,
      created_at: new Date(START).toISOString(),
      updated_at: new Date(updated).toISOString(),
      progress: { completed: ended, missed: 0, unknown: 0, canceled: 0, suppressed: 0, live: 1 },
    }) as CampaignJson;
  const started = `Started ${formatDateTime(new Date(START).toISOString())}`;

  it('estimates the end at the pace kept since the start', () => {
    // 25 of 100 ended in 5 min: 75 more take 15 min.
    expect(timesText(at('running', 25), START + 300_000)).toBe(
      `${started}; estimated end in 15 min`,
    );
    expect(timesText(at('running', 99), START + 99_000)).toBe(`${started}; estimated end in 1 s`);
  });

  it('estimates nothing before the first end, nor while paused', () => {
    expect(timesText(at('running', 0), START + 5_000)).toBe(
      `${started}; estimated end once its first calls end`,
    );
    expect(timesText(at('paused', 30), START + 5_000)).toBe(`${started}; paused`);
  });

  it('says when a campaign ended or was stopped', () => {
    const end = START + 600_000;
    const when = formatDateTime(new Date(end).toISOString());
    expect(timesText(at('done', 100, end), end + 5_000)).toBe(`${started}; ended ${when}`);
    expect(timesText(at('stopped', 40, end), end + 5_000)).toBe(`${started}; stopped ${when}`);
  });
});
