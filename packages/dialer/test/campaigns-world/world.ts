/**
 * A world: its state, its workers and its actions wired together, run through the scenario's
 * steps, brought to an end and disposed of.
 */
import { LIVE_STATUSES, type Store } from '@ringkit/scheduler-core';
import { createActions } from './actions.js';
import { storedCampaigns } from './read-back.js';
import { NAMES, type Scenario, type WorldOptions } from './scenario.js';
import { createState, sleep } from './state.js';
import { createWorkers } from './workers.js';

export function createWorld(scenario: Scenario, options: WorldOptions) {
  const state = createState(scenario, options);
  const {
    numbers,
    listOf,
    facts,
    ledger,
    liveCalls,
    slots,
    stores,
    everyWorker,
    restarts,
    triggers,
    running,
    launch,
    crashes,
  } = state;
  const workers = createWorkers(state);
  const { spawn } = workers;
  const { fire, act } = createActions(state, workers);
  state.fire = fire;

  // ---- the run ----
  async function run() {
    for (let slot = 0; slot < options.workers; slot += 1) spawn(slot);
    await Promise.all(slots.map((w) => w.started));
    for (const step of scenario.steps) {
      if (step.waitMs > 0) await sleep(step.waitMs);
      for (const action of step.actions) launch(act(action));
    }
  }

  /** Everything asked has answered, and every worker there is runs. */
  async function quiet() {
    while (running.size > 0 || restarts.size > 0) {
      await Promise.allSettled([...running, ...restarts]);
    }
    await Promise.all(slots.map((w) => w.started));
  }

  /**
   * Lets every campaign end: each is resumed (a paused one would wait for ever) and read by every
   * worker (joined), then the store is polled until no entry is live, no call rings at the
   * provider, and no webhook is on its way. The resumes and reads are reported facts too.
   */
  async function finish(observer: Store, guardMs: number) {
    // Triggers armed and not fired are dropped: from here on nothing pauses or stops.
    for (const trigger of triggers) trigger.fired = true;
    crashes.clear();
    await quiet();
    const stored = await storedCampaigns(observer);
    for (const campaign of stored) {
      const name = NAMES.indexOf(campaign.id as (typeof NAMES)[number]);
      await act({ kind: 'resume', worker: 0, name });
      for (let slot = 0; slot < options.workers; slot += 1) {
        await act({ kind: 'read', worker: slot, name, how: 'get' });
      }
    }
    await quiet();
    const deadline = Date.now() + guardMs;
    for (;;) {
      const open: string[] = [];
      for (const campaign of stored) {
        const counts = await observer.countCampaign!(campaign.id);
        const live = LIVE_STATUSES.filter((s) => (counts[s] ?? 0) > 0);
        if (live.length > 0) {
          const row = await observer.getCampaign!(campaign.id);
          open.push(`${campaign.id} (${row?.state}, v${row?.version}): ${JSON.stringify(counts)}`);
        }
      }
      if (open.length === 0 && liveCalls() === 0 && state.deliveries === 0 && running.size === 0)
        break;
      if (Date.now() > deadline) {
        throw new Error(
          `not ended within ${guardMs} ms (a guard, not a measure): ${open.join('; ')}; ` +
            `calls live ${liveCalls()}, webhooks on their way ${state.deliveries}; ` +
            `log:\n${facts.log.join('\n')}`,
        );
      }
      await sleep(25);
    }
    await quiet();
  }

  /** Closes every worker (the dead ones too: their timers stop) and every store connection. */
  async function dispose() {
    for (const timer of ledger.timers) clearTimeout(timer);
    ledger.timers.clear();
    for (const w of everyWorker) {
      if (w.closed) continue;
      w.closing = true;
      // A dead worker's close only meets refusals; bounded all the same.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        w.campaigns.close().catch(() => {}),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000))),
      ]);
      clearTimeout(timer);
      w.closed = true;
    }
    for (const store of stores) await store.close().catch(() => {});
  }

  return {
    facts,
    ledger,
    numbers,
    listOf,
    run,
    finish,
    dispose,
    /** Every worker that ran, in order. */
    workers: everyWorker,
  };
}

export type World = ReturnType<typeof createWorld>;
