import { ConflictError, invalidOptions } from '../errors.js';
import type { CampaignState, StoredCall, StoredCampaign } from '../store.js';
import { toScheduledCall, withEvent } from '../_rows.js';
import { customIssue } from '../_validate.js';
import type { CampaignContext } from './_context.js';
import { createHangUpPass } from './_hang-up.js';

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

  /** The state changes asked in this process, written one after another (see `halting`). */
  let changes: Promise<unknown> = Promise.resolve();

  /**
   * Notes this process's pause or stop at once, before it is written: a claim taken before it
   * is not sent (the last check reads it). A resume clears a pause; a write that fails restores
   * what was noted before. The writes go in the order they were asked: a resume asked after a
   * pause is written after it, never decided on the campaign as it was before the pause.
   */
  async function halting<T>(state: CampaignState, write: () => Promise<T>): Promise<T> {
    const before = ctx.live.halt;
    if (state === 'running') {
      if (before?.state === 'paused') ctx.live.halt = undefined;
    } else if (before?.state !== 'stopped') {
      ctx.live.halt = { state, at: clock.now() };
    }
    const noted = ctx.live.halt;
    const written = changes.then(write, write);
    changes = written.catch(() => undefined);
    try {
      return await written;
    } catch (error) {
      // Unless a later change noted something else meanwhile.
      if (ctx.live.halt === noted) ctx.live.halt = before;
      throw error;
    }
  }

  const setState = (state: CampaignState) => halting(state, () => writeState(state));

  const writeState = async (state: CampaignState) => {
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

  const { hangUpLive } = createHangUpPass(ctx);

  /** The cap asked last and not written yet, and the write that will carry it. */
  let nextCap: { value: number; written: Promise<StoredCampaign> } | null = null;
  /** The cap writes of this process, one after another. */
  let capWrites: Promise<unknown> = Promise.resolve();

  /**
   * Asks for a new cap. Asks made before the write that carries them begins (in the same turn,
   * or while an earlier write is under way) are one write of the last value asked: a cap asked
   * and replaced at once is never in force, and every ask resolves once the last is written.
   */
  function askCap(value: number): Promise<StoredCampaign> {
    if (nextCap) {
      nextCap.value = value;
      return nextCap.written;
    }
    const write = (): Promise<StoredCampaign> => writeCap(ask);
    const ask = { value, written: capWrites.then(write, write) };
    capWrites = ask.written.catch(() => undefined);
    nextCap = ask;
    return ask.written;
  }

  async function writeCap(ask: { value: number }): Promise<StoredCampaign> {
    if (nextCap === ask) nextCap = null;
    const { value } = ask;
    const campaign = await change((c) => (c.concurrency === value ? null : { concurrency: value }));
    ctx.live.concurrency = value;
    ctx.engine()?.poke();
    return campaign;
  }

  return {
    onStopped,
    /** The cancel pass of this process, while it runs (`close()` waits for it). */
    stopping: () => stopping,
    pause: () => setState('paused'),
    resume: () => setState('running'),
    async stop(stopOptions: { hangUp?: boolean } = {}): Promise<StoredCampaign> {
      const campaign = await halting('stopped', () =>
        change((c) => (c.state === 'stopped' ? null : { state: 'stopped' })),
      );
      await onStopped();
      if (stopOptions.hangUp) await hangUpLive();
      return campaign;
    },
    setConcurrency(concurrency: number): Promise<StoredCampaign> {
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
        return Promise.reject(
          invalidOptions('campaign', [
            customIssue(['concurrency'], 'expected an integer from 1 to 10000'),
          ]),
        );
      }
      return askCap(concurrency);
    },
  };
}
