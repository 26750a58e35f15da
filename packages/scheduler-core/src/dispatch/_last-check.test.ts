/**
 * The campaign's own rule in the last check (`LastCheckContext.rested`): read once per claim,
 * after any wait; a rest it finds is told as a suppression of its own, before the list and the
 * window are read.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { describe, expect, it, vi } from 'vitest';
import type { StoredSuppression } from '../store.js';
import { newStoredCall } from '../_rows.js';
import { createLastCheck, LIST_FRESH_MS, WithheldError } from './_last-check.js';

const T0 = Date.UTC(2026, 10, 29, 12);
const claim = newStoredCall({
  id: 'c1',
  to: '+14155552671',
  dueAt: T0,
  now: T0,
  idempotencyKey: null,
  options: null,
  call: null,
  provider: 'fake',
});
const rest: StoredSuppression = {
  phone: '+14155552671',
  reason: 'abandoned by campaign spring',
  createdAt: T0 - 1000,
  until: T0 + 1000,
};

describe("the last check's campaign rule", () => {
  it('withholds the call as suppressed by the rest it finds, before the list is read', async () => {
    const clock = createFakeClock(T0);
    const getSuppression = vi.fn(async () => null);
    const rested = vi.fn(async () => rest);
    const check = createLastCheck(
      { clock, list: { getSuppression }, claimsReadList: false, rested },
      claim,
      T0,
    );
    expect(await check.check()).toEqual({ kind: 'suppressed', suppression: rest });
    expect(rested).toHaveBeenCalledWith(claim);
    expect(getSuppression).not.toHaveBeenCalled();
    // Said again by every check of the claim, the client's own included, without a read.
    expect(() => check.beforeSend()).toThrow(WithheldError);
    expect(rested).toHaveBeenCalledTimes(1);
  });

  it('reads the rule once per claim, then the list and the window as before', async () => {
    const clock = createFakeClock(T0);
    const getSuppression = vi.fn(async () => null);
    const rested = vi.fn(async () => null);
    const check = createLastCheck(
      { clock, list: { getSuppression }, claimsReadList: false, rested },
      claim,
      T0,
    );
    expect(await check.check()).toBeNull();
    expect(await check.check()).toBeNull();
    expect(rested).toHaveBeenCalledTimes(1);
    // The list read by the first check is still fresh at the second.
    expect(getSuppression).toHaveBeenCalledTimes(1);
    await clock.advance(LIST_FRESH_MS + 1);
    expect(await check.check()).toBeNull();
    expect(getSuppression).toHaveBeenCalledTimes(2);
    expect(rested).toHaveBeenCalledTimes(1);
  });

  it('lets a rule that fails fail the check, as a list that cannot be read does', async () => {
    const clock = createFakeClock(T0);
    const check = createLastCheck(
      {
        clock,
        list: null,
        claimsReadList: false,
        rested: async () => {
          throw new Error('store down');
        },
      },
      claim,
      T0,
    );
    await expect(check.check()).rejects.toThrow('store down');
  });
});
