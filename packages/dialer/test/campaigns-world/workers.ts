/**
 * The workers of a world: each a `createCampaigns` on its own store connection, calling one
 * webhook provider (its ledger in the state), reached by webhooks late, repeated, to any living
 * worker; closed, killed (at once, or at a crash point armed) and restarted.
 */
import {
  isTerminal,
  type CallProvider,
  type CallStatus,
  type CallStatusEvent,
} from '@ringkit/call-client';
import type { CampaignClaim } from '@ringkit/scheduler-core';
import { createCampaigns } from '../../src/campaign/campaigns.js';
import type { CampaignView } from '../../src/campaign/types.js';
import type { DialerEntry, DialerSnapshot } from '../../src/types.js';
import { CALLER_ID, type CallScript, type CrashPoint } from './scenario.js';
import { KilledError, sleep, type LedgerCall, type Worker, type WorldState } from './state.js';

export type Workers = ReturnType<typeof createWorkers>;

export function createWorkers(state: WorldState) {
  const {
    scenario,
    options,
    random,
    prefix,
    numbers,
    facts,
    note,
    told,
    ledger,
    later,
    slots,
    generations,
    up,
    stores,
    everyWorker,
    restarts,
    launch,
    crashes,
  } = state;

  /** The provider as one worker sees it: refused from the moment that worker dies. */
  function providerFor(worker: () => Worker): CallProvider {
    return {
      name: 'ledger',
      capabilities: { polling: false, webhooks: true },
      async placeCall({ to }) {
        const by = worker();
        if (by.dead) throw new KilledError();
        if (crashing(by, 'post')) throw new KilledError();
        const n = ledger.calls.length;
        const script = scenario.calls[n % scenario.calls.length]!;
        const id = `${prefix}-${n}`;
        const campaign = numbers.get(to)?.name ?? null;
        const call: LedgerCall = { id, to, campaign, worker: by.id };
        ledger.calls.push(call);
        const key = campaign ?? '?';
        const live = (ledger.live.get(key) ?? 0) + 1;
        ledger.live.set(key, live);
        ledger.maxLive.set(key, Math.max(ledger.maxLive.get(key) ?? 0, live));
        const hook = (status: CallStatus) =>
          webhook({ callId: id, status, providerStatus: status, at: new Date() }, script);
        if (script.ringing) {
          later(script.ringMs / 2, () => hook('ringing'));
          if (script.outcome === 'completed')
            later((script.ringMs * 3) / 4, () => hook('answered'));
        }
        later(script.ringMs, () => {
          ledger.live.set(key, (ledger.live.get(key) ?? 1) - 1);
          hook(script.outcome);
        });
        crashing(by, 'answer');
        await sleep(script.answerMs);
        return { id, status: 'initiated', providerStatus: 'queued', raw: {} };
      },
    };
  }

  // ---- webhooks: late, repeated, to any living worker ----
  function webhook(event: CallStatusEvent, script: CallScript) {
    let at = script.hookMs;
    for (let copy = 0; copy < script.copies; copy += 1) {
      state.deliveries += 1;
      later(at, () => deliver(event, 0));
      at += Math.floor(random() * (script.spreadMs + 1));
    }
  }
  /** Hands the event to a living worker; a refusal (closed, dying) is delivered again. */
  function deliver(event: CallStatusEvent, tries: number) {
    if (tries > 400) {
      facts.problems.push(`webhook ${event.callId} ${event.status}: no worker took it`);
      state.deliveries -= 1;
      return;
    }
    const living = slots.filter((w) => up(w));
    if (living.length === 0) {
      later(15, () => deliver(event, tries + 1));
      return;
    }
    const worker = living[Math.floor(random() * living.length)]!;
    worker.campaigns.handleStatus(event).then(
      () => {
        state.deliveries -= 1;
      },
      () => later(10, () => deliver(event, tries + 1)),
    );
  }

  function spawn(slot: number): Worker {
    const generation = (generations.get(slot) ?? 0) + 1;
    generations.set(slot, generation);
    const id = `w${slot}.${generation}`;
    const raw = options.open();
    if (!stores.includes(raw)) stores.push(raw);
    const self = {} as Worker;
    const store = new Proxy(raw, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || key === 'close') return value;
        return (...args: unknown[]) => {
          if (self.dead) return Promise.reject(new KilledError());
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (key === 'insertCampaign') {
            void (result as Promise<void>).then(
              () => crashing(self, 'insert'),
              () => {},
            );
          }
          if (key === 'claimCampaign') {
            void (result as Promise<CampaignClaim>).then(
              (claim) => {
                let fresh = false;
                for (const call of claim.calls) {
                  if (call.status !== 'queued' || call.campaign == null) continue;
                  facts.claims.push({
                    by: id,
                    campaign: call.campaign,
                    to: call.to,
                    attempt: call.attempt,
                  });
                  fresh ||= call.placingAt === null;
                }
                // Runs before the worker reads its claim: it dies with the entries leased.
                if (fresh) crashing(self, 'claim');
              },
              () => {},
            );
          }
          return result;
        };
      },
    });
    const campaigns = createCampaigns({
      store,
      provider: providerFor(() => self),
      callerId: CALLER_ID,
      workerId: id,
      leaseMs: options.leaseMs,
      callTimeoutMs: options.callTimeoutMs,
      refreshIntervalMs: options.refreshIntervalMs,
      changeIntervalMs: 10,
    });
    Object.assign(self, {
      id,
      slot,
      campaigns,
      store: raw,
      dead: false,
      closing: false,
      closed: false,
    });
    listen(self);
    self.started = campaigns.start().catch((error: unknown) => {
      if (!self.dead) facts.problems.push(`${id} start(): ${String(error)}`);
    });
    slots[slot] = self;
    everyWorker.push(self);
    note(`${id} up`);
    return self;
  }

  /** Records what the worker tells, while it lives. */
  function listen(w: Worker) {
    const { campaigns } = w;
    const view = (how: string) => (e: { campaign: string; view: CampaignView }) => {
      if (!w.dead) told({ by: w.id, how, campaign: e.campaign, state: e.view.state, view: e.view });
    };
    campaigns.on('created', view('created'));
    campaigns.on('joined', view('joined'));
    campaigns.on('changed', view('changed'));
    campaigns.on('done', (e) => {
      view('done')(e);
      if (!w.dead) state.fire('done', e.campaign, w);
    });
    campaigns.on('status', (e) => {
      if (w.dead) return;
      if (isTerminal(e.status as CallStatus) && !e.willRetry) {
        facts.entries.push({
          by: w.id,
          how: `status ${e.previous}→${e.status}`,
          campaign: e.campaign,
          index: e.index,
          status: e.status,
          callId: e.callId,
          attempts: e.attempt,
        });
        state.fire('ended', e.campaign, w);
      }
    });
    campaigns.on('error', (e) => {
      if (w.dead || e.error instanceof KilledError) return;
      const text = `${w.id} error ${e.source} ${e.campaign}: ${String(e.error)}`;
      // A listener's own failure is this test's bug; anything else is told for the context.
      if (e.source === 'listener') facts.problems.push(text);
      else note(text);
    });
  }

  function snapshotFacts(by: Worker, how: string, campaign: string, snapshot: DialerSnapshot) {
    if (by.dead) return;
    if (snapshot.state === 'done') {
      told({ by: by.id, how, campaign, state: snapshot.stopped ? 'stopped' : 'done' });
    } else if (snapshot.stopped) {
      told({ by: by.id, how, campaign, state: 'stopped' });
    }
    for (const entry of snapshot.entries) entryFact(by, how, campaign, entry);
  }

  function entryFact(by: Worker, how: string, campaign: string, entry: DialerEntry) {
    if (by.dead || entry.endedAt === null) return;
    facts.entries.push({
      by: by.id,
      how,
      campaign,
      index: entry.index,
      status: entry.status,
      callId: entry.callId,
      attempts: entry.attempts,
      endedAt: entry.endedAt.getTime(),
    });
  }

  /** Kills `w` now when a crash at `at` is armed for its slot; whether it did. */
  function crashing(w: Worker, at: CrashPoint): boolean {
    const armed = crashes.get(w.slot);
    if (!armed || armed.at !== at || slots[w.slot] !== w || !up(w)) return false;
    crashes.delete(w.slot);
    note(`crash ${w.id} at ${at}`);
    launch(cycle(w, { kind: 'kill', downMs: armed.downMs }));
    return w.dead;
  }

  /** The worker goes away (closed, or killed) and a new one takes its slot `downMs` later. */
  async function cycle(w: Worker, action: { kind: 'close' | 'kill'; downMs: number }) {
    if (!up(w)) return;
    note(`${action.kind} ${w.id}`);
    const restart = (async () => {
      if (action.kind === 'kill') {
        w.dead = true;
      } else {
        w.closing = true;
        await w.campaigns.close();
        w.closed = true;
      }
      await sleep(action.downMs);
      await spawn(w.slot).started;
    })();
    restarts.add(restart);
    await restart;
    restarts.delete(restart);
  }

  return { spawn, snapshotFacts, entryFact, cycle };
}
