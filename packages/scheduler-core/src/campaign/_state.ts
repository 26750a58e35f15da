import { ConflictError, invalidOptions } from '../errors.js';
import {
  IN_FLIGHT_STATUSES,
  type CampaignState,
  type StoredCall,
  type StoredCampaign,
} from '../store.js';
import { toScheduledCall, withEvent } from '../_rows.js';
import { customIssue } from '../_validate.js';
import type { CampaignContext } from './_context.js';

/**
 * The changes of a campaign's state, in every worker: pause and resume, a new cap, and the stop,
 * which ends every entry not dialed yet (once per process, in whichever sees the stop first)
 * and, when asked, cancels or hangs up the calls in flight.
 */
export function campaignState(ctx: CampaignContext) {
  const { store, id, clock, mutate, emitter, change } = ctx;
  /** This process's cancel pass, from the moment it sees the campaign stopped. */
  let stopping: Promise<void> | null = null;

  /**
   * Ends an entry waiting for its first attempt or for a retry: the campaign was stopped. The
   * attempt not placed ends `canceled` (reason `stopped`); the attempts placed before it keep
   * their steps (outcome, call id) on the row.
   */
  async function cancelWaiting(rowId: string, fresh?: StoredCall): Promise<void> {
    const now = clock.now();
    const { row: written, changed } = await mutate(
      rowId,
      (r) =>
        r.status === 'scheduled'
          ? {
              status: 'canceled',
              reason: 'stopped',
              leaseOwner: null,
              leaseUntil: null,
              events: withEvent(r, {
                status: 'canceled',
                at: now,
                attempt: r.attempt,
                reason: 'stopped',
              }),
            }
          : null,
      fresh ? { fresh } : {},
    );
    if (changed) {
      ctx.engine()?.outcomes.emitStatus(written, 'scheduled');
      emitter.emit('canceled', { call: toScheduledCall(written) });
    }
  }

  /** Ends every entry not dialed yet (and retries not made yet): the campaign was stopped. */
  async function cancelRest(): Promise<void> {
    let after: number | null = null;
    for (;;) {
      const page: StoredCall[] = await store.listCampaignCalls(id, {
        status: ['scheduled'],
        afterPosition: after,
        limit: 500,
      });
      if (page.length === 0) return;
      for (const row of page) {
        after = row.position ?? after;
        await cancelWaiting(row.id, row);
      }
    }
  }

  /** Runs the cancel pass once per process when the campaign is seen stopped. */
  function onStopped() {
    stopping ??= cancelRest().catch((error: unknown) => {
      stopping = null;
      emitter.emit('error', { error, source: 'store' });
    });
    return stopping;
  }

  // A call in flight at the stop that ends busy (no-answer, failed) is not tried again: its retry,
  // written after this process's cancel pass began, ends at once and the entry keeps its outcome.
  // A process that has not seen the stop yet cancels it in its own pass, on its next claim.
  emitter.on('retrying', ({ call }) => {
    if (stopping === null || !ctx.engine()) return;
    cancelWaiting(call.id).catch((error: unknown) =>
      emitter.emit('error', { error, source: 'store', callId: call.id }),
    );
  });

  const setState = async (state: CampaignState) => {
    const campaign = await change((c) => {
      if (c.state === state) return null;
      if (c.state === 'stopped') {
        throw new ConflictError({
          reason: 'campaign_stopped',
          id,
          message: `Campaign ${JSON.stringify(id)} was stopped`,
          status: c.state,
        });
      }
      return { state };
    });
    ctx.engine()?.poke();
    return campaign;
  };

  /** Cancels the calls in flight not answered yet, and hangs up the answered ones. */
  async function hangUpLive(): Promise<void> {
    let after: number | null = null;
    for (;;) {
      const page = await store.listCampaignCalls(id, {
        status: [...IN_FLIGHT_STATUSES],
        afterPosition: after,
        limit: 500,
      });
      if (page.length === 0) return;
      for (const row of page) {
        after = row.position ?? after;
        try {
          const engine = ctx.engine();
          if (row.status === 'answered') {
            if (ctx.provider.hangUpCall && row.providerCallId) {
              await ctx.provider.hangUpCall(row.providerCallId);
            }
          } else if (engine) {
            await engine.cancel(row.id);
          }
        } catch (error) {
          emitter.emit('error', { error, source: 'provider', callId: row.id });
        }
      }
    }
  }

  return {
    onStopped,
    /** The cancel pass of this process, while it runs (`close()` waits for it). */
    stopping: () => stopping,
    pause: () => setState('paused'),
    resume: () => setState('running'),
    async stop(stopOptions: { hangUp?: boolean } = {}): Promise<StoredCampaign> {
      const campaign = await change((c) => (c.state === 'stopped' ? null : { state: 'stopped' }));
      await onStopped();
      if (stopOptions.hangUp) await hangUpLive();
      return campaign;
    },
    async setConcurrency(concurrency: number): Promise<StoredCampaign> {
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
        throw invalidOptions('campaign', [
          customIssue(['concurrency'], 'expected an integer from 1 to 10000'),
        ]);
      }
      const campaign = await change((c) =>
        c.concurrency === concurrency ? null : { concurrency },
      );
      ctx.live.concurrency = concurrency;
      ctx.engine()?.poke();
      return campaign;
    },
  };
}
