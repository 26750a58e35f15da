/**
 * A campaign paused or stopped in this process: claims taken before are not sent (paused, they
 * wait; stopped, they end `canceled`), state changes are written in the order they were asked,
 * caps asked together are one write of the last, `stop({ hangUp: true })` ends every call in
 * flight at once, and a closed runner still applies the statuses it is handed.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { SchedulerEvents } from '../events.js';
import type { Store } from '../store.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const NUMBERS = ['+14155552001', '+14155552002', '+14155552003', '+14155552004'];

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

function setup(concurrency = 1, store: Store = createMemoryStore()) {
  const clock = createFakeClock(T0);
  const provider = createFakeProvider({
    clock,
    follow: 'webhooks',
    manual: true,
    cancelCall: true,
    hangUpCall: true,
  });
  const runner = createCampaignRunner({
    store,
    provider,
    campaign: 'spring',
    callerId: '+14155550100',
    clock,
    concurrency,
    recheckIntervalMs: 0,
    entries: NUMBERS.map((to) => ({ to })),
  });
  runners.push(runner);
  const errors: SchedulerEvents['error'][] = [];
  runner.on('error', (e) => errors.push(e));
  return { clock, store, provider, runner, errors };
}

/** Lets the runner's store writes and the requests they start run, with no time passing. */
async function settle(clock: ReturnType<typeof createFakeClock>) {
  for (let i = 0; i < 5; i += 1) await clock.advance(0);
}

/** Answers every POST still waiting, so the runner can close. */
async function answerAll(
  provider: ReturnType<typeof createFakeProvider>,
  clock: ReturnType<typeof createFakeClock>,
) {
  provider.placed.forEach((placed, i) => placed.answer(`c${i}`));
  await settle(clock);
}

const ended = (runner: CampaignRunner, id: string, status: 'completed' | 'busy') =>
  runner.handleStatus({ callId: id, status, providerStatus: status, at: new Date(T0) });

describe('a pause or a stop asked while a claim is on its way', () => {
  it('stops: the entry claimed as a call ended is not sent, and ends canceled', async () => {
    const { clock, provider, runner } = setup();
    // Stopped as soon as the first call ends: the claim of the next entry is already under way.
    let stopping: Promise<unknown> | null = null;
    runner.on('completed', () => {
      stopping ??= runner.stop();
    });
    await runner.start();
    await settle(clock);
    provider.placed[0]!.answer('c0');
    await settle(clock);
    await ended(runner, 'c0', 'completed');
    await stopping;
    await clock.advance(1000);
    expect(provider.placed).toHaveLength(1);
    const rows = await runner.calls({ limit: 10 });
    expect(rows.map((r) => [r.status, r.reason])).toEqual([
      ['completed', null],
      ['canceled', 'stopped'],
      ['canceled', 'stopped'],
      ['canceled', 'stopped'],
    ]);
    // Its claim took nothing from it: no placement was started.
    expect(rows[1]!.placingAt).toBeNull();
  });

  it('pauses: the entry claimed as a call ended waits, and is placed once resumed', async () => {
    const { clock, provider, runner } = setup();
    let pausing: Promise<unknown> | null = null;
    runner.on('completed', () => {
      pausing ??= runner.pause();
    });
    await runner.start();
    await settle(clock);
    provider.placed[0]!.answer('c0');
    await settle(clock);
    await ended(runner, 'c0', 'completed');
    await pausing;
    await clock.advance(1000);
    expect(provider.placed).toHaveLength(1);
    expect((await runner.calls({ limit: 10 }))[1]).toMatchObject({ status: 'scheduled' });
    await runner.resume();
    await settle(clock);
    expect(provider.placed.map((p) => p.request.to)).toEqual(NUMBERS.slice(0, 2));
    provider.placed[1]!.answer('c1');
    await settle(clock);
  });

  it('writes a pause and a resume asked together in that order: the campaign runs', async () => {
    for (let round = 0; round < 20; round += 1) {
      const { clock, provider, runner } = setup(2);
      await runner.start();
      await settle(clock);
      const changes = [runner.pause(), runner.resume()];
      await Promise.all(changes);
      expect((await runner.read()).state).toBe('running');
      provider.placed[0]!.answer('c0');
      await settle(clock);
      await ended(runner, 'c0', 'completed');
      await settle(clock);
      expect(provider.placed).toHaveLength(3);
      provider.placed[1]!.answer('c1');
      provider.placed[2]!.answer('c2');
      await settle(clock);
      await runner.close();
    }
  });
});

describe('setConcurrency', () => {
  /** A memory store whose campaign writes are counted, each with the cap it wrote. */
  function capsWritten(store: Store) {
    const caps: (number | undefined)[] = [];
    const update = store.updateCampaign!.bind(store);
    store.updateCampaign = (id, version, patch) => {
      caps.push(patch.concurrency);
      return update(id, version, patch);
    };
    return caps;
  }

  /** A runner started at a cap of 1, its calls placed, and the campaign writes from then on. */
  async function startedAtOne() {
    const store = createMemoryStore();
    const started = setup(1, store);
    await started.runner.start();
    await settle(started.clock);
    return { ...started, caps: capsWritten(store) };
  }

  it('writes only the last of the caps asked in one turn: the others are never in force', async () => {
    const { clock, provider, runner, caps } = await startedAtOne();
    const asks = [runner.setConcurrency(3), runner.setConcurrency(4), runner.setConcurrency(2)];
    const answers = await Promise.all(asks);
    expect(caps.filter((cap) => cap !== undefined)).toEqual([2]);
    expect(answers.map((c) => c.concurrency)).toEqual([2, 2, 2]);
    await settle(clock);
    // Never more than 2 in flight: the 3 and the 4 were replaced before they were written.
    expect(provider.placed).toHaveLength(2);
    expect((await runner.read()).concurrency).toBe(2);
    await answerAll(provider, clock);
  });

  it('writes a cap asked while another is being written after it, and the last one wins', async () => {
    const { clock, provider, runner, caps } = await startedAtOne();
    const first = runner.setConcurrency(3);
    await Promise.resolve();
    await Promise.resolve();
    // The first write has begun: these two are one write, after it.
    const second = runner.setConcurrency(4);
    const third = runner.setConcurrency(2);
    expect((await first).concurrency).toBe(3);
    expect([(await second).concurrency, (await third).concurrency]).toEqual([2, 2]);
    expect(caps.filter((cap) => cap !== undefined)).toEqual([3, 2]);
    await settle(clock);
    expect((await runner.read()).concurrency).toBe(2);
    expect(provider.placed.length).toBeLessThanOrEqual(3);
    await answerAll(provider, clock);
  });

  it('refuses a cap out of range, writing nothing', async () => {
    const { clock, provider, runner, caps } = await startedAtOne();
    for (const bad of [0, 1.5, 10_001, Number.NaN]) {
      await expect(runner.setConcurrency(bad)).rejects.toMatchObject({
        name: 'InvalidOptionsError',
      });
    }
    expect(caps).toEqual([]);
    expect((await runner.read()).concurrency).toBe(1);
    await answerAll(provider, clock);
  });
});

describe('an end written but not yet answered, seen by a claim', () => {
  it("tells the end before the call claimed into its place leaves, so a listener's stop holds", async () => {
    // The store applies a write at once but keeps its answer until let go: as PostgreSQL's
    // commit is seen by another connection's claim before the writer's answer is read.
    const store = createMemoryStore();
    let hold: Promise<void> | null = null;
    const update = store.update.bind(store);
    store.update = async (...args) => {
      const row = await update(...args);
      if (hold) await hold;
      return row;
    };
    const { clock, provider, runner } = setup(1, store);
    const seen: string[] = [];
    runner.on('completed', ({ call }) => {
      seen.push(`completed ${call.to}`);
      void runner.stop();
    });
    await runner.start();
    await settle(clock);
    provider.placed[0]!.answer('c0');
    await settle(clock);
    let release = () => {};
    hold = new Promise<void>((resolve) => (release = resolve));
    const ending = ended(runner, 'c0', 'completed');
    await settle(clock);
    // A claim of this process (a re-read that found the campaign moved) while the end's answer
    // is on its way: it sees the first entry ended, and takes the second into its place.
    runner.claimNow();
    await settle(clock);
    expect(provider.placed).toHaveLength(1);
    expect(seen).toEqual([]);
    hold = null;
    release();
    await ending;
    await settle(clock);
    await clock.advance(1000);
    expect(seen).toEqual(['completed +14155552001']);
    // The listener stopped the campaign before the claimed entry could leave.
    expect(provider.placed).toHaveLength(1);
    const rows = await runner.calls({ limit: 10 });
    expect(rows.map((r) => r.status)).toEqual(['completed', 'canceled', 'canceled', 'canceled']);
  });
});

describe('stop({ hangUp: true })', () => {
  it('ends every call in flight at once, hangs up one answered meanwhile, and one placed after', async () => {
    const { clock, provider, runner, errors } = setup(3);
    await runner.start();
    await settle(clock);
    provider.placed[0]!.answer('c0');
    provider.placed[1]!.answer('c1');
    await settle(clock);
    await runner.handleStatus({
      callId: 'c1',
      status: 'answered',
      providerStatus: 'answered',
      at: new Date(T0),
    });
    const stopping = runner.stop({ hangUp: true });
    await settle(clock);
    // Both at once: neither waits for the other's answer.
    expect(provider.cancels.map((c) => c.id)).toEqual(['c0']);
    expect(provider.hangUps.map((c) => c.id)).toEqual(['c1']);
    // The provider says c0 was answered before the cancel: it is hung up instead.
    provider.cancels[0]!.answer('answered');
    provider.hangUps[0]!.answer('answered');
    await settle(clock);
    expect(provider.hangUps.map((c) => c.id)).toEqual(['c1', 'c0']);
    provider.hangUps[1]!.fail(new Error('provider said no'));
    await stopping;
    // The third entry's request was on its way: ended once its id is known.
    provider.placed[2]!.answer('c2');
    await settle(clock);
    expect(provider.cancels.map((c) => c.id)).toEqual(['c0', 'c2']);
    provider.cancels[1]!.answer('canceled');
    await settle(clock);
    const rows = await runner.calls({ limit: 10 });
    // A hang-up taken with no end reported ends the call `completed`; the one that failed is
    // followed to its end, and told.
    expect(rows.map((r) => r.status)).toEqual(['answered', 'completed', 'canceled', 'canceled']);
    expect(errors.map((e) => [e.source, (e.error as Error).message])).toEqual([
      ['hang_up', 'provider said no'],
    ]);
    // Asked again, it tries again.
    const again = runner.stop({ hangUp: true });
    await settle(clock);
    expect(provider.hangUps.map((c) => c.id)).toEqual(['c1', 'c0', 'c0']);
    provider.hangUps[2]!.answer('completed');
    await again;
    expect((await runner.calls({ limit: 1 }))[0]?.status).toBe('completed');
  });
});

describe('a closed runner', () => {
  it('still applies the statuses it is handed, and places nothing', async () => {
    const { clock, provider, runner } = setup(1);
    await runner.start();
    await settle(clock);
    provider.placed[0]!.answer('c0');
    await settle(clock);
    await runner.close();
    const row = await ended(runner, 'c0', 'busy');
    expect(row?.status).toBe('busy');
    await clock.advance(60_000);
    expect(provider.placed).toHaveLength(1);
  });
});
