/**
 * The campaigns this process works, for `createCampaigns`: one dialer per campaign, opened once
 * (a creation or a join), its events told as the campaigns', and retired once the campaign is
 * done.
 */
import { UnsupportedOperationError } from '@ringkit/call-client';
import type { SafeEmitter } from '@ringkit/internal';
import {
  CallNotFoundError,
  isConflictError,
  LIVE_STATUSES,
  supportsCampaigns,
  type Store,
  type StoredCampaign,
} from '@ringkit/scheduler-core';
import { CampaignExistsError, CampaignsClosedError } from '../errors.js';
import type { CampaignDialer, CampaignDialerOptions } from '../types.js';
import { createCampaignDialer, openCampaignDialer, summaryOfDialer } from './_dialer.js';
import { createFinishedViews, viewOf } from './_views.js';
import type { CampaignsEvents, CampaignsOptions, CreateCampaignOptions } from './types.js';

/** What creating a campaign takes: its list and the options stored with it. */
export interface CreateDialerInput {
  numbers: NonNullable<CampaignDialerOptions['numbers']>;
  options: CreateCampaignOptions;
}

/** The options every campaign's dialer shares. */
export type SharedOptions = Omit<CampaignsOptions, 'changeIntervalMs' | 'finishedEntriesKept'>;

/** The store, checked to have every campaign method. */
export function campaignStore(store: Store) {
  if (!supportsCampaigns(store) || !store.listCampaigns) {
    throw new UnsupportedOperationError(
      `The store "${store.name}" has no campaign methods (claimCampaign…): campaigns need one that has them`,
      'campaigns_unsupported',
      { operation: 'claimCampaign' },
    );
  }
  return store as typeof store & Required<Pick<Store, 'listCampaigns'>>;
}

export type CampaignsStore = ReturnType<typeof campaignStore>;

export class WorkedCampaigns {
  /** The dialers of the campaigns this process works, by name. */
  readonly dialers = new Map<string, CampaignDialer>();
  /** Joins and creations under way: never two dialers of one campaign in this process. */
  readonly opening = new Map<string, Promise<CampaignDialer>>();
  /** The names of `opening` that are creations: a join waits for them, it never shares them. */
  readonly creating = new Set<string>();
  /** Each worked campaign's row as last read (its times, its state, its version). */
  readonly rows = new Map<string, StoredCampaign>();
  /** Dialers starting: a webhook of their first calls may come before they are worked. */
  readonly starting = new Set<CampaignDialer>();
  /** Calls from their request to their end, by campaign. */
  readonly inFlight = new Map<string, number>();
  /** The views of campaigns that are done, and their snapshots while they fit. */
  readonly finished: ReturnType<typeof createFinishedViews>;
  /** `close()` was called: no campaign is taken up any more. */
  closed = false;
  /** Campaigns whose `changed` event is due. */
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    readonly store: CampaignsStore,
    readonly events: SafeEmitter<CampaignsEvents>,
    readonly shared: SharedOptions,
    private readonly options: { changeIntervalMs: number; finishedEntriesKept: number },
  ) {
    this.finished = createFinishedViews(options.finishedEntriesKept);
  }

  /** A dialer that joins the campaign. */
  dialerOf(name: string): CampaignDialer {
    return createCampaignDialer({ ...this.shared, store: this.store, campaign: name });
  }

  /**
   * A dialer of the campaign; with `numbers`, one that creates it (or fails), its list checked
   * and turned into rows in slices of time so that a long one never stalls the process.
   */
  async openDialer(name: string, numbers?: CreateDialerInput): Promise<CampaignDialer> {
    if (!numbers) return this.dialerOf(name);
    return openCampaignDialer({
      ...this.shared,
      store: this.store,
      campaign: name,
      ...numbers.options,
      numbers: numbers.numbers,
      exclusive: true,
    });
  }

  /** The campaign as stored; `CallNotFoundError` when there is none. */
  async stored(name: string): Promise<StoredCampaign> {
    const row = await this.store.getCampaign(name);
    if (!row) throw new CallNotFoundError(name, 'campaign');
    return row;
  }

  /** Some entry of the campaign is queued or in flight. */
  async hasLiveRows(name: string): Promise<boolean> {
    const counts = await this.store.countCampaign(name);
    return LIVE_STATUSES.some((status) => (counts[status] ?? 0) > 0);
  }

  /** Emits `changed` for a worked campaign now, in place of one that was due. */
  changed(name: string): void {
    const timer = this.pending.get(name);
    if (timer !== undefined) clearTimeout(timer);
    this.pending.delete(name);
    const dialer = this.dialers.get(name);
    const row = this.rows.get(name);
    if (dialer && row)
      this.events.emit('changed', { campaign: name, view: viewOf(row, summaryOfDialer(dialer)) });
  }

  /** Opens the campaign's dialer and starts it; with `numbers`, creates the campaign or fails. */
  async open(name: string, numbers?: CreateDialerInput): Promise<CampaignDialer> {
    const dialer = await this.openDialer(name, numbers);
    this.wire(name, dialer);
    this.starting.add(dialer);
    try {
      await dialer.start();
      this.rows.set(name, await this.stored(name));
    } catch (error) {
      await dialer.close().catch(() => {});
      if (isConflictError(error) && error.reason === 'campaign_exists') {
        throw new CampaignExistsError(name, error.status, { cause: error });
      }
      throw error;
    } finally {
      this.starting.delete(dialer);
    }
    this.dialers.set(name, dialer);
    this.finished.forget(name);
    // Created, and every entry ended while it was opening (its `drained` found it not worked
    // yet): retired now, as it would have been then.
    if (numbers && dialer.snapshot().state === 'done') {
      setTimeout(() => void this.retire(name, dialer), 0).unref?.();
    }
    const view = viewOf(this.rows.get(name)!, summaryOfDialer(dialer));
    this.events.emit(numbers ? 'created' : 'joined', { campaign: name, view });
    this.changed(name);
    return dialer;
  }

  /**
   * The dialer of a campaign this process works, joining it first when it does not yet. A
   * creation of the name under way here is waited for, not shared: it may lose (the name was
   * taken elsewhere), and the campaign is then joined as stored.
   */
  async join(name: string): Promise<CampaignDialer> {
    for (;;) {
      const known = this.dialers.get(name);
      if (known) return known;
      // Closing: no campaign is taken up (its calls would outlive the process's care).
      if (this.closed) throw new CampaignsClosedError();
      const busy = this.opening.get(name);
      if (busy && this.creating.has(name)) {
        await busy.catch(() => {});
        continue;
      }
      if (busy) return busy;
      const promise = this.open(name).finally(() => this.opening.delete(name));
      this.opening.set(name, promise);
      return promise;
    }
  }

  /**
   * Creates the campaign and works it: `CampaignExistsError` when the name is taken, here or in
   * the store. One creation or join of a name at a time here; across processes the store's
   * insert decides.
   */
  async create(name: string, input: CreateDialerInput): Promise<CampaignDialer> {
    if (this.closed) throw new CampaignsClosedError();
    for (let busy = this.opening.get(name); busy; busy = this.opening.get(name)) {
      await busy.catch(() => {});
    }
    if (this.dialers.has(name)) throw new CampaignExistsError(name, this.rows.get(name)?.state);
    const promise = this.open(name, input).finally(() => {
      this.opening.delete(name);
      this.creating.delete(name);
    });
    this.opening.set(name, promise);
    this.creating.add(name);
    return promise;
  }

  /** Closes every dialer, once the joins and creations under way are over. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.opening.values()]);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    await Promise.allSettled([...this.dialers.values()].map((dialer) => dialer.close()));
    this.dialers.clear();
  }

  private changedSoon(name: string) {
    if (this.pending.has(name)) return;
    const timer = setTimeout(() => this.changed(name), this.options.changeIntervalMs);
    timer.unref?.();
    this.pending.set(name, timer);
  }

  private wire(name: string, dialer: CampaignDialer) {
    const { events } = this;
    dialer.on('placement', (event) => events.emit('placement', { ...event, campaign: name }));
    dialer.on('connected', (event) => events.emit('connected', { ...event, campaign: name }));
    dialer.on('abandoned', (event) => events.emit('abandoned', { ...event, campaign: name }));
    dialer.on('status', (event) => {
      events.emit('status', { ...event, campaign: name });
      this.changedSoon(name);
    });
    dialer.on('progress', (progress) => {
      this.inFlight.set(name, progress.inFlight);
      events.emit('progress', { ...progress, campaign: name });
      this.changedSoon(name);
    });
    dialer.on('drained', () => {
      // The row as stored now: a stop another process wrote is what the campaign ended by.
      void this.stored(name)
        .then(
          (row) => void (this.dialers.get(name) === dialer && this.rows.set(name, row)),
          () => {},
        )
        .then(() => {
          this.changed(name);
          // Done: this process stops working it (a late webhook of one of its calls joins it
          // again).
          setTimeout(() => void this.retire(name, dialer), 0).unref?.();
        });
    });
    dialer.on('error', (event) => events.emit('error', { ...event, campaign: name }));
  }

  /** Closes the dialer of a campaign that is done, keeping its view, unless an entry is in doubt. */
  private async retire(name: string, dialer: CampaignDialer) {
    const snapshot = dialer.snapshot();
    const row = this.rows.get(name);
    if (this.dialers.get(name) !== dialer || snapshot.state !== 'done' || !row) return;
    if (snapshot.entries.some((entry) => entry.inDoubt)) return;
    this.dialers.delete(name);
    this.rows.delete(name);
    this.inFlight.delete(name);
    const view = viewOf(row, snapshot);
    this.finished.keep(name, row.version, view, snapshot);
    this.events.emit('done', { campaign: name, view });
    await dialer.close().catch((error: unknown) => {
      this.events.emit('error', { error, source: 'close', campaign: name });
    });
  }
}
