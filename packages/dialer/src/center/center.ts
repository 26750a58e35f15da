import { systemClock, type CallProvider } from '@ringkit/call-client';
import { createSafeEmitter, strictObject } from '@ringkit/internal';
import {
  createAgents,
  createDispatchLoop,
  createScheduler,
  createSuppressionList,
  supportsCampaigns,
  type Store,
} from '@ringkit/scheduler-core';
import { z } from 'zod';
import { createCampaigns, deliverToCampaign } from '../campaign/campaigns.js';
import { CallCenterClosedError, invalidOptions } from '../errors.js';
import { createStatusRouter } from './_route.js';
import type { CallCenter, CallCenterEvents, CallCenterOptions } from './types.js';

const providerSchema = z.custom<CallProvider>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CallProvider).name === 'string' &&
    typeof (value as CallProvider).placeCall === 'function',
  'a CallProvider (a call-client client, or your own with `name` and `placeCall`)',
);

const optionsSchema = strictObject({
  store: z.custom<Store>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Store).findByProviderCallId === 'function',
    'a Store of @ringkit/scheduler-core',
  ),
  provider: providerSchema,
  campaignProvider: providerSchema.optional(),
  callerId: z.string(),
  clock: z.unknown().optional(),
  defaultCountry: z.string().optional(),
  scheduler: z.record(z.string(), z.unknown()).optional(),
  campaigns: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Creates the one object that works a store's calls: scheduled calls (`scheduler`), campaigns
 * (`campaigns`), inbound calls (`recordInbound`), the do-not-call list (`suppressions`), the
 * agents answered calls go to (`agents`) and one history per number, with one way in for every
 * provider status (`handleStatus`). It lives in
 * `@ringkit/dialer` because it composes that package's campaigns with `@ringkit/scheduler-core`'s
 * scheduler; the two factories stay for a program that needs one of them alone.
 *
 * @example
 * const center = createCallCenter({ store, provider, callerId: '+14155550100' });
 * await center.start();
 * await center.schedule({ to: '+14155552671', at: '2026-03-08T14:00:00Z' });
 * await center.campaigns?.create('spring-promo', ['+14155552672'], { concurrency: 2 });
 * app.post('/webhooks/status', async (req, res) => {
 *   await center.handleStatus(parseStatus(req.body));
 *   res.sendStatus(204);
 * });
 */
export function createCallCenter(options: CallCenterOptions): CallCenter {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions('createCallCenter', parsed.error.issues);
  const { store, provider, callerId } = options;
  const campaignProvider = options.campaignProvider ?? provider;
  const given = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.defaultCountry ? { defaultCountry: options.defaultCountry } : {}),
  };
  // One dispatch loop for the scheduler and every campaign: one timer, one sweep, one wake-up
  // channel however many campaigns run here.
  const loop = createDispatchLoop({ store, clock: options.clock ?? systemClock });
  const shared = { store, callerId, ...given };
  const scheduler = createScheduler({ ...options.scheduler, ...shared, provider, loop });
  const campaigns = supportsCampaigns(store)
    ? createCampaigns({ ...options.campaigns, ...shared, provider: campaignProvider, loop })
    : null;
  const suppressions =
    store.suppress && store.getSuppression && store.listSuppressions && store.unsuppress
      ? createSuppressionList({ store, ...given })
      : null;
  const agents =
    store.insertAgent &&
    store.getAgent &&
    store.listAgents &&
    store.readyAgents &&
    store.updateAgent &&
    store.deleteAgent
      ? createAgents({ store, ...given })
      : null;
  const events = createSafeEmitter<CallCenterEvents>((error) => ({ error, source: 'status' }));

  let stopped = false;
  const router = createStatusRouter({
    store,
    providers: [...new Set([provider.name, campaignProvider.name])] as [string, ...string[]],
    clock: loop.clock,
    async deliver(owner, event, row) {
      if (owner.kind === 'scheduled')
        await scheduler.handleStatus(event, row ? { row } : undefined);
      else if (campaigns) await deliverToCampaign(campaigns, owner.campaign, event, row);
    },
    onUnmatched: (held) => events.emit('unmatched', { events: held }),
    onError: (error) => events.emit('error', { error, source: 'status' }),
    closedError: () => new CallCenterClosedError(),
  });

  // The calls this process places: their statuses find their owner without a look-up.
  scheduler.on('placement', ({ call, outcome, provider: name }) => {
    if (outcome === 'placed' && call.providerCallId !== null) {
      router.learn(name, call.providerCallId, { kind: 'scheduled' });
    }
  });
  campaigns?.on('placement', ({ campaign, outcome, provider: name, callId }) => {
    if (outcome === 'placed' && callId !== null) {
      router.learn(name, callId, { kind: 'campaign', campaign });
    }
  });

  let stopping: Promise<void> | null = null;
  return {
    scheduler,
    campaigns,
    suppressions,
    agents,
    loop,
    schedule: (input) => scheduler.schedule(input),
    history: (phone, query) => scheduler.history(phone, query),
    callLog: (options) => scheduler.callLog(options),
    recordCall: (record) => scheduler.recordCall(record),
    recordInbound: (update) => scheduler.recordInbound(update),
    handleStatus: (event) => router.route(event),
    async start() {
      if (stopped) throw new CallCenterClosedError();
      await scheduler.start();
      await campaigns?.start();
    },
    stop() {
      stopped = true;
      stopping ??= (async () => {
        router.close();
        const ends = await Promise.allSettled([scheduler.stop(), campaigns?.close()]);
        const failed = ends.find((end) => end.status === 'rejected');
        if (failed) throw failed.reason;
      })();
      return stopping;
    },
    on: events.on,
    off: events.off,
  };
}
