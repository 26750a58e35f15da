/**
 * `stop({ hangUp: true })` of a campaign, in the process that asked: every call in flight ended
 * at once, those placed afterwards once their id is known.
 */
import { isTerminal } from '@ringkit/call-client';
import { ConflictError, HangUpError } from '../errors.js';
import { IN_FLIGHT_STATUSES, type StoredCall } from '../store.js';
import type { CampaignContext, Engine } from './_context.js';

/** The hang-up pass of a campaign (see `CampaignRunner.stop`). */
export function createHangUpPass(ctx: CampaignContext) {
  const { store, id, clock, emitter } = ctx;

  /**
   * `stop({ hangUp: true })` was asked in this process: a placement of its own answered from now
   * on is ended too, as soon as its id is known.
   */
  let hangingUp = false;
  emitter.on('placement', ({ call, outcome }) => {
    if (hangingUp && outcome === 'placed') void endLive(call);
  });

  /**
   * Cancels the calls in flight not answered yet and hangs up the answered ones, a page at a
   * time, every request of a page at once. A failure is an `error` event (`hang_up`); the
   * call goes on and is followed to its end, and a new `stop({ hangUp: true })` tries again.
   */
  async function hangUpLive(): Promise<void> {
    hangingUp = true;
    let after: number | null = null;
    for (;;) {
      const page = await store.listCampaignCalls(id, {
        status: [...IN_FLIGHT_STATUSES],
        afterPosition: after,
        limit: 500,
      });
      if (page.length === 0) return;
      after = page[page.length - 1]!.position ?? after;
      await Promise.all(page.map((row) => endLive(row)));
    }
  }

  /**
   * Ends one call in flight: `cancelCall` while it is not answered (answered meanwhile, the
   * provider leaves it as it is: then it is hung up), `hangUpCall` once it is. The provider's
   * answer to a hang-up is applied as a status: its end, or `completed` when it takes the
   * request and reports no end yet.
   */
  async function endLive(row: Pick<StoredCall, 'id' | 'status' | 'providerCallId'>) {
    const engine = ctx.engine();
    if (!engine || row.providerCallId === null) return;
    try {
      if (row.status !== 'answered') {
        try {
          await engine.cancel(row.id);
          return;
        } catch (error) {
          if (!(error instanceof ConflictError && error.reason === 'in_progress')) throw error;
        }
      }
      await hangUp(engine, row.id, row.providerCallId);
    } catch (error) {
      const cause = error instanceof HangUpError ? error.cause : error;
      emitter.emit('error', { error: cause, source: 'hang_up', callId: row.id });
    }
  }

  async function hangUp(engine: Engine, rowId: string, providerCallId: string) {
    if (!ctx.provider.hangUpCall) return;
    const answer = await ctx.provider.hangUpCall(providerCallId);
    const row = await store.get(rowId);
    if (!row || row.providerCallId !== providerCallId) return;
    await engine.outcomes.applyStatus(
      {
        callId: providerCallId,
        status: isTerminal(answer.status) ? answer.status : 'completed',
        providerStatus: answer.providerStatus,
        at: new Date(clock.now()),
        ...(answer.answeredBy === undefined ? {} : { answeredBy: answer.answeredBy }),
      },
      row,
    );
  }

  return { hangUpLive };
}
