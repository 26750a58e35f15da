import { describe, expect, it } from 'vitest';
import type { CampaignJson } from '../types.js';
import { leaseWaitText } from './campaign-card.js';

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
