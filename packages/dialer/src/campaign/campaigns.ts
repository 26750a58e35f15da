import { systemClock, type CallStatusEvent } from '@ringkit/call-client';
import { createSafeEmitter, strictObject } from '@ringkit/internal';
import { SCHEDULED_CALL_STATUSES, type StoredCall } from '@ringkit/scheduler-core';
import { z } from 'zod';
import { CampaignsClosedError, invalidOptions } from '../errors.js';
import type { StopOptions } from '../types.js';
import { againList } from './_again.js';
import { applyStatus, summaryOfDialer } from './_dialer.js';
import { archive, change, read, readEntries, readResults, unlessDone } from './_reads.js';
import { viewOf } from './_views.js';
import { campaignStore, WorkedCampaigns } from './_worked.js';
import { createStatusRouter } from '../center/_route.js';
import type {
  CampaignView,
  Campaigns,
  CampaignsEvents,
  CampaignsOptions,
  CreateCampaignOptions,
} from './types.js';

const resultsOptionsSchema = strictObject({
  pageSize: z.number().int().min(1).max(10_000).optional(),
}).optional();
const entriesQuerySchema = strictObject({
  status: z.array(z.enum(SCHEDULED_CALL_STATUSES)).readonly().optional(),
  after: z.number().int().min(0).nullable().optional(),
  limit: z.number().int().min(1).max(1000).optional(),
}).optional();
const archiveOptionsSchema = strictObject({ archived: z.boolean().optional() }).optional();
/** How a call center gives a status straight to the campaign its row names (no look-up). */
const deliverers = new WeakMap<
  Campaigns,
  (campaign: string, event: CallStatusEvent, row?: StoredCall) => Promise<void>
>();

/** Gives `event` to the campaign `campaign` of `campaigns` (joined when no worker here has it). */
export function deliverToCampaign(
  campaigns: Campaigns,
  campaign: string,
  event: CallStatusEvent,
  row?: StoredCall,
): Promise<void> {
  return deliverers.get(campaigns)!(campaign, event, row);
}

const listQuerySchema = strictObject({
  cursor: z.string().nullable().optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  archived: z.boolean().optional(),
}).optional();

/**
 * Many durable campaigns on one store: `createDialer({ store, campaign })` for each, managed.
 * `start()` joins every campaign that is not done; `create` is atomic per name across
 * processes; a campaign that is done is read from the store when asked, and its view kept.
 * The campaigns this process works are in `_worked.ts`; reads and changes in `_reads.ts`.
 *
 * @example
 * const campaigns = createCampaigns({ store, provider, callerId: '+14155550100' });
 * await campaigns.start();
 * await campaigns.create('spring-promo', ['+14155552671', '+14155552672'], { concurrency: 2 });
 * campaigns.on('done', ({ campaign, view }) => console.log(campaign, view.progress));
 */
export function createCampaigns(options: CampaignsOptions): Campaigns {
  const { changeIntervalMs = 100, finishedEntriesKept = 50_000, ...shared } = options;
  const store = campaignStore(options.store);
  const events = createSafeEmitter<CampaignsEvents>((error, type) => ({
    error,
    source: 'listener',
    campaign: '',
    event: String(type),
  }));
  const worked = new WorkedCampaigns(store, events, shared, {
    changeIntervalMs,
    finishedEntriesKept,
  });
  const { dialers, rows, finished } = worked;
  let started: Promise<void> | null = null;

  /** A status to the campaign `campaign`, joined here when no worker of this process has it. */
  async function deliver(campaign: string, event: CallStatusEvent, row?: StoredCall) {
    if (worked.closed) throw new CampaignsClosedError();
    const dialer = dialers.get(campaign) ?? (await worked.join(campaign));
    await applyStatus(dialer, event, row);
    // Closed meanwhile: the status may have been dropped with the dialer; refused, the
    // provider sends it again (to the next process), and a status applied twice is one.
    if (worked.closed) throw new CampaignsClosedError();
  }
  const router = createStatusRouter({
    store,
    providers: [options.provider.name],
    clock: options.loop?.clock ?? options.clock ?? systemClock,
    deliver: async (owner, event, row) => {
      if (owner.kind === 'campaign') await deliver(owner.campaign, event, row);
    },
    onUnmatched: (held) => events.emit('unmatched', { events: held }),
    onError: (error) => events.emit('error', { error, source: 'status', campaign: '' }),
    closedError: () => new CampaignsClosedError(),
  });

  const campaigns: Campaigns = {
    start() {
      started ??= (async () => {
        let cursor: string | null = null;
        do {
          const page = await store.listCampaigns({ cursor, limit: 100 });
          for (const row of page.items) {
            if (worked.closed) return;
            try {
              if (await worked.hasLiveRows(row.id)) await worked.join(row.id);
            } catch (error) {
              events.emit('error', { error, source: 'join', campaign: row.id });
            }
          }
          cursor = page.nextCursor;
        } while (cursor);
      })();
      return started;
    },

    async create(name, numbers, createOptions: CreateCampaignOptions = {}) {
      const dialer = await worked.create(name, { numbers, options: createOptions });
      return viewOf(rows.get(name) ?? (await worked.stored(name)), summaryOfDialer(dialer));
    },

    get: async (name) => (await read(worked, name)).view,
    snapshot: async (name) => (await read(worked, name)).snapshot,

    async list(listQuery) {
      const parsed = listQuerySchema.safeParse(listQuery);
      if (!parsed.success) throw invalidOptions('list', parsed.error.issues);
      const query = parsed.data ?? {};
      const page = await store.listCampaigns({
        cursor: query.cursor ?? null,
        limit: query.limit ?? 50,
        ...(query.archived === undefined ? {} : { archived: query.archived }),
      });
      const items: CampaignView[] = [];
      for (const row of page.items) {
        const done = dialers.has(row.id) ? undefined : finished.get(row.id, row.version);
        items.push(done ? done.view : (await read(worked, row.id)).view);
      }
      return { items, nextCursor: page.nextCursor };
    },

    results(name, resultsOptions) {
      const parsed = resultsOptionsSchema.safeParse(resultsOptions);
      if (!parsed.success) throw invalidOptions('results', parsed.error.issues);
      return readResults(worked, name, parsed.data?.pageSize ?? 500);
    },

    async entries(name, entriesQuery) {
      const parsed = entriesQuerySchema.safeParse(entriesQuery);
      if (!parsed.success) throw invalidOptions('entries', parsed.error.issues);
      const query = parsed.data ?? {};
      return readEntries(worked, name, {
        ...(query.status ? { status: query.status } : {}),
        after: query.after ?? null,
        limit: query.limit ?? 100,
      });
    },

    async dialAgain(name, again, againOptions) {
      const list = await againList(worked, name, againOptions);
      return campaigns.create(again, list.numbers, list.options);
    },

    async archive(name, archiveOptions) {
      const parsed = archiveOptionsSchema.safeParse(archiveOptions);
      if (!parsed.success) throw invalidOptions('archive', parsed.error.issues);
      return archive(worked, name, parsed.data?.archived ?? true);
    },

    pause: (name) =>
      change(
        worked,
        name,
        unlessDone(worked, name, (dialer) => dialer.pause()),
      ),
    resume: (name) =>
      change(
        worked,
        name,
        unlessDone(worked, name, (dialer) => dialer.resume()),
      ),
    stop: (name, stopOptions?: StopOptions) =>
      change(
        worked,
        name,
        unlessDone(worked, name, (dialer) => dialer.stop(stopOptions)),
      ),

    async handleStatus(event: CallStatusEvent) {
      await started?.catch(() => {});
      return (await router.route(event)).to === 'campaign';
    },

    inFlight: () => [...worked.inFlight.values()].reduce((sum, n) => sum + n, 0),

    async close() {
      worked.closed = true;
      router.close();
      await started?.catch(() => {});
      await worked.close();
    },

    on: events.on,
    off: events.off,
  };
  deliverers.set(campaigns, deliver);
  return campaigns;
}
