import { createFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it } from 'vitest';
import type { CampaignClaim } from '../store.js';
import { campaignSource, HELD_BACK_STEPS, type SourceContext } from './_source.js';
import type { CampaignSettings } from './settings.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const LEASE_MS = 30_000;
/** The budget's horizon at that lease: a second. */
const HORIZON_MS = 1000;

const settings = (budget: CampaignSettings['budget']): CampaignSettings => ({
  callsPerSecond: 10,
  budget,
  window: null,
  maxAttempts: 1,
  retryBackoff: null,
  retry: null,
  callTimeoutMs: 60_000,
  mode: 'power',
  agents: null,
});

/** A source over a store whose every claim answers `answer`. */
function sourceAnswering(answer: Partial<CampaignClaim>, budget: CampaignSettings['budget']) {
  const clock = createFakeClock(T0);
  const store = {
    claimCampaign: async () => ({
      campaign: null,
      calls: [],
      slots: [],
      taken: 0,
      nextSlotAt: T0,
      ...answer,
    }),
  } as unknown as SourceContext['store'];
  const source = campaignSource({
    store,
    id: 'spring',
    clock,
    change: async () => {
      throw new Error('not asked');
    },
    settings: settings(budget),
    leaseMs: LEASE_MS,
    observe: () => {},
  });
  return source.pacing.claim(T0, 5, 'w1', T0 + LEASE_MS);
}

describe('a campaign claim under a shared budget', () => {
  const shared = { name: 'provider', weight: 1 };

  it('comes back a tenth of the horizon later when its part held it back with entries due', async () => {
    const claim = await sourceAnswering({ heldBack: true }, shared);
    expect(claim.retryAt).toBe(T0 + HORIZON_MS / HELD_BACK_STEPS);
  });

  it('waits for its wake times when it was not held back', async () => {
    expect((await sourceAnswering({ heldBack: false }, shared)).retryAt).toBeNull();
    // A store that does not tell: as before.
    expect((await sourceAnswering({}, shared)).retryAt).toBeNull();
  });

  it('comes back when its next slot is within the horizon, once the budget is full', async () => {
    const next = T0 + 2500;
    const claim = await sourceAnswering({ heldBack: true, nextSlotAt: next }, shared);
    expect(claim.retryAt).toBe(next - HORIZON_MS);
  });
});
