/**
 * A campaign with agents: its lines follow the ready agents, a person who answers reaches one
 * within 2 s or hears the safe-harbour message, the call's end starts the agent's wrap-up, and
 * each answer's fate is a step of the call's timeline, counted in the campaign's 30-day rate.
 */
import { InvalidOptionsError, type CallStatus } from '@ringkit/call-client';
import { createFakeProvider, type FakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAgents } from '../agents/agents.js';
import { CallNotFoundError, ValidationError } from '../errors.js';
import type { StoredCall } from '../store.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import { storedCampaign } from '../testing/store-contract/_fixtures.js';
import { entry } from '../testing/store-contract/_campaign-fixtures.js';
import { ABANDON_WINDOW_MS, campaignStanding, listAnswered, readAbandons } from './_abandons.js';
import { safeHarbourMessage } from './_agent-lines.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';
import type { CampaignRunnerOptions } from './options.js';

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

const SELLER = { sellerName: 'Acme Solar', callbackNumber: '+14155550199' };
const numbers = ['+14155552671', '+14155552672', '+14155552673'];

/** A fake provider whose calls are told by webhooks, and that connects and abandons calls. */
function agentProvider() {
  const fake = createFakeProvider({ follow: 'webhooks', hangUpCall: true });
  const connects: { id: string; to: string }[] = [];
  const abandons: { id: string; message: string }[] = [];
  const provider = Object.assign(fake, {
    connectCall: vi.fn(async (id: string, to: string) => {
      connects.push({ id, to });
    }),
    abandonCall: vi.fn(async (id: string, message: string) => {
      abandons.push({ id, message });
    }),
  });
  return { provider, connects, abandons };
}

async function until(check: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never: ${what}`);
}

function runnerOf(
  options: Partial<CampaignRunnerOptions> & Pick<CampaignRunnerOptions, 'store' | 'provider'>,
) {
  const runner = createCampaignRunner({
    campaign: 'spring',
    callerId: '+14155550100',
    concurrency: 10,
    entries: numbers.map((to) => ({ to })),
    mode: 'progressive',
    agents: { ...SELLER, wrapUpMs: 0 },
    ...options,
  });
  runners.push(runner);
  return runner;
}

/** A store with ana (reached at `reach`) ready for `spring`, and a runner of it not started yet. */
async function withAna(options: Partial<CampaignRunnerOptions> = {}, reach = '+14155550111') {
  const store = createMemoryStore();
  const agents = createAgents({ store });
  await agents.add({ id: 'ana', reach, campaigns: ['spring'], state: 'available' });
  const { provider, connects, abandons } = agentProvider();
  const runner = runnerOf({ store, provider, ...options });
  return { store, agents, provider, connects, abandons, runner };
}

const tell = (
  runner: CampaignRunner,
  provider: FakeProvider,
  n: number,
  status: CallStatus,
  at = new Date(),
) => runner.handleStatus({ callId: provider.placed[n]!.id!, status, providerStatus: status, at });

describe('a campaign with agents', () => {
  it('dials one line per ready agent, connects the person who answers, and frees the agent at the end', async () => {
    const { store, agents, provider, connects, abandons, runner } = await withAna();
    const told: string[] = [];
    runner.on('connected', ({ agent, waitMs }) => told.push(`${agent}:${waitMs >= 0}`));
    await runner.start();
    await until(() => provider.placed.length === 1, 'the first line');
    // One agent, one line: a second waits for the agent, however many places the cap leaves.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(provider.placed).toHaveLength(1);

    await tell(runner, provider, 0, 'ringing');
    await tell(runner, provider, 0, 'answered');
    await until(() => connects.length === 1, 'the connect');
    expect(connects[0]).toEqual({ id: 'p0', to: '+14155550111' });
    await until(async () => (await agents.get('ana'))?.state === 'talking', 'ana talking');
    await until(() => told.length === 1, 'the connected event');
    expect(told).toEqual(['ana:true']);
    const row = (await store.listCampaignCalls!('spring', { limit: 1 }))[0]!;
    await until(
      async () => (await store.get(row.id))!.events!.some((e) => e.reason === 'agent'),
      'the step',
    );
    const step = (await store.get(row.id))!.events!.find((e) => e.reason === 'agent')!;
    expect(step).toMatchObject({ status: 'answered', attempt: 1, agent: 'ana' });
    expect(step.waitMs).toBeGreaterThanOrEqual(0);
    expect(step.waitMs).toBeLessThan(2000);
    // Still one line while she talks.
    expect(provider.placed).toHaveLength(1);

    await tell(runner, provider, 0, 'completed');
    await until(async () => (await agents.get('ana'))?.state === 'available', 'ana free again');
    await until(() => provider.placed.length === 2, 'the next line');
    expect(abandons).toEqual([]);
    expect(await runner.abandons()).toMatchObject({ answered: 1, abandoned: 0, rate: 0 });
  });

  it('abandons a person no agent reaches within 2 s, with the seller and the callback number', async () => {
    const { store, agents, provider, connects, abandons, runner } = await withAna();
    const abandoned: string[] = [];
    runner.on('abandoned', ({ reason }) => abandoned.push(reason));
    await runner.start();
    await until(() => provider.placed.length === 1, 'the first line');
    await agents.setState('ana', 'away');
    // Told 3 s after the answer: the 2 s have run out already.
    await tell(runner, provider, 0, 'answered', new Date(Date.now() - 3000));
    await until(() => abandons.length === 1, 'the abandon');
    expect(connects).toEqual([]);
    expect(abandons[0]!.id).toBe('p0');
    expect(abandons[0]!.message).toContain('Acme Solar');
    expect(abandons[0]!.message).toContain('4 1 5 5 5 5 0 1 9 9');
    expect(abandons[0]!.message).toBe(safeHarbourMessage(SELLER));
    await until(() => abandoned.length === 1, 'the abandoned event');
    expect(abandoned).toEqual(['no_agent']);
    const row = (await store.listCampaignCalls!('spring', { limit: 1 }))[0]!;
    await until(
      async () => (await store.get(row.id))!.events!.some((e) => e.reason === 'abandoned'),
      'the step',
    );
    const step = (await store.get(row.id))!.events!.find((e) => e.reason === 'abandoned')!;
    expect(step.waitMs).toBeGreaterThanOrEqual(3000);
    expect(await runner.abandons()).toMatchObject({ answered: 1, abandoned: 1, rate: 1 });
    const report = [];
    for await (const line of runner.answered()) report.push(line);
    expect(report).toEqual([
      expect.objectContaining({
        to: numbers[0],
        agent: null,
        abandoned: true,
        reason: 'no_agent',
        providerCallId: 'p0',
      }),
    ]);
  });

  it('leaves a number it abandoned alone for 30 days: a repeat of it in the list ends suppressed', async () => {
    const twice = [numbers[0]!, numbers[0]!, numbers[1]!].map((to) => ({ to }));
    const { store, agents, provider, abandons, runner } = await withAna({ entries: twice });
    const suppressed: string[] = [];
    runner.on('suppressed', ({ call, reason }) => suppressed.push(`${call.to}:${reason}`));
    await runner.start();
    await until(() => provider.placed.length === 1, 'the first line');
    await agents.setState('ana', 'away');
    await tell(runner, provider, 0, 'answered', new Date(Date.now() - 3000));
    await until(() => abandons.length === 1, 'the abandon');
    await tell(runner, provider, 0, 'completed');
    await agents.setState('ana', 'available');
    // The repeat is claimed for ana, checked, and ends unsent; the next number is hers.
    await until(() => provider.placed.length === 2, 'the next number');
    expect(provider.placed.map((p) => p.to)).toEqual([numbers[0], numbers[1]]);
    await until(() => suppressed.length === 1, 'the repeat suppressed');
    const rows = await store.listCampaignCalls!('spring', { limit: 3 });
    expect(rows[1]).toMatchObject({ status: 'suppressed', to: numbers[0] });
    expect(rows[1]!.events!.at(-1)?.note).toMatch(/^abandoned by campaign spring on /);
  });

  it('still joins a person to an agent when the status reaches a runner closed meanwhile', async () => {
    const { agents, provider, connects, runner } = await withAna();
    await runner.start();
    await until(() => provider.placed.length === 1, 'the first line');
    await runner.close();
    await tell(runner, provider, 0, 'answered');
    await until(() => connects.length === 1, 'the connect');
    expect((await agents.get('ana'))?.state).toBe('talking');
  });

  it('waits for an agent who becomes ready within the 2 s', async () => {
    const { agents, provider, connects, abandons, runner } = await withAna(
      {},
      'sip:ana@pbx.example.com',
    );
    await runner.start();
    await until(() => provider.placed.length === 1, 'the first line');
    await agents.setState('ana', 'away');
    await tell(runner, provider, 0, 'answered');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(connects).toEqual([]);
    await agents.setState('ana', 'available');
    await until(() => connects.length === 1, 'the connect');
    expect(connects[0]).toEqual({ id: 'p0', to: 'sip:ana@pbx.example.com' });
    expect(abandons).toEqual([]);
  });

  it('gives a machine a hang-up, or the message set, and never an agent', async () => {
    for (const machine of ['hang-up', { message: 'Acme Solar: please call us back.' }] as const) {
      const { agents, provider, connects, abandons, runner } = await withAna({
        agents: { ...SELLER, machine },
      });
      await runner.start();
      await until(() => provider.placed.length === 1, 'the first line');
      await runner.handleStatus({
        callId: 'p0',
        status: 'answered',
        providerStatus: 'answered',
        answeredBy: 'machine',
        at: new Date(),
      });
      if (machine === 'hang-up') await until(() => provider.hangUps.length === 1, 'the hang-up');
      else await until(() => abandons.length === 1, 'the message');
      if (machine !== 'hang-up') expect(abandons[0]!.message).toBe(machine.message);
      expect(connects).toEqual([]);
      expect((await agents.get('ana'))?.state).toBe('available');
      expect(await runner.abandons()).toMatchObject({ answered: 0, abandoned: 0, rate: null });
      await runner.close();
    }
  });

  it('counts no machine, and no one abandoned, as a person waiting for an agent', async () => {
    const { agents, provider, abandons, runner } = await withAna({
      agents: { ...SELLER, machine: { message: 'Call us.' } },
    });
    await runner.start();
    await until(() => provider.placed.length === 1, 'the first line');
    // A machine's message plays on: its line is live, and ana is still free for the next one.
    await runner.handleStatus({
      callId: 'p0',
      status: 'answered',
      providerStatus: 'answered',
      answeredBy: 'machine',
      at: new Date(),
    });
    await until(() => abandons.length === 1, 'the message');
    await until(() => provider.placed.length === 2, 'a line for ana');
    // A person abandoned hears the message on a live line, and waits for no one either.
    await agents.setState('ana', 'away');
    await tell(runner, provider, 1, 'answered', new Date(Date.now() - 3000));
    await until(() => abandons.length === 2, 'the abandon');
    await agents.setState('ana', 'available');
    await until(() => provider.placed.length === 3, 'the next line for ana');
  });

  it('frees an agent left holding a call that ended', async () => {
    const store = createMemoryStore();
    const agents = createAgents({ store });
    await agents.add({
      id: 'ana',
      reach: '+14155550111',
      campaigns: ['spring'],
      state: 'available',
    });
    await store.insertCampaign!(
      storedCampaign({ id: 'spring', concurrency: 5, total: 2, settings: agentSettings() }),
      [
        entry('spring', 0, { id: 'gone', status: 'completed', providerCallId: 'p9' }),
        entry('spring', 1),
      ],
    );
    expect(await agents.claim('spring', 'gone')).toMatchObject({ id: 'ana', state: 'ringing' });
    const { provider } = agentProvider();
    const runner = runnerOf({ store, provider, entries: undefined });
    await runner.start();
    await until(async () => (await agents.get('ana'))?.state === 'available', 'ana freed');
    await until(() => provider.placed.length === 1, 'her line');
  });

  it('refuses what the agent modes cannot take', () => {
    const store = createMemoryStore();
    const { provider } = agentProvider();
    const base = { store, provider, campaign: 'x', callerId: '+14155550100' };
    const refused = (options: Partial<CampaignRunnerOptions>) => () =>
      createCampaignRunner({
        ...base,
        entries: [{ to: numbers[0]! }],
        ...options,
      } as CampaignRunnerOptions);
    expect(refused({ mode: 'predictive' })).toThrow(/needs agents/);
    expect(refused({ mode: 'power', agents: SELLER })).toThrow(/need an agent mode/);
    expect(refused({ mode: 'predictive', agents: { ...SELLER, abandonCap: 0.05 } })).toThrow(
      InvalidOptionsError,
    );
    expect(
      refused({ mode: 'predictive', agents: { ...SELLER, callbackNumber: 'call us' } }),
    ).toThrow(/callbackNumber/);
    expect(refused({ mode: 'predictive', agents: { ...SELLER, sellerName: '  ' } })).toThrow(
      InvalidOptionsError,
    );
    expect(refused({ mode: { ratio: 0 }, agents: SELLER })).toThrow(InvalidOptionsError);
    expect(
      refused({
        mode: 'progressive',
        agents: SELLER,
        store: { ...createMemoryStore(), insertAgent: undefined } as never,
      }),
    ).toThrow(/no agent methods/);
    // Every call rings 15 s at least in these modes; power takes what the provider takes.
    const fast = (mode: CampaignRunnerOptions['mode']) => () =>
      createCampaignRunner({
        ...base,
        provider: createFakeProvider({ callOptions: ['ringTimeoutS'] }),
        mode,
        ...(mode === 'power' ? {} : { agents: SELLER }),
        entries: [
          { to: numbers[0]!, call: { ringTimeoutS: 15 } },
          { to: numbers[1]!, call: { ringTimeoutS: 14 } },
        ],
      });
    expect(fast('progressive')).toThrow(ValidationError);
    expect(fast('progressive')).toThrow(/entries\.1\.call\.ringTimeoutS|ringTimeoutS.*15/);
    expect(fast('power')).not.toThrow();
  });
});

function agentSettings() {
  return {
    callsPerSecond: null,
    window: null,
    maxAttempts: 1,
    retryBackoff: { delayMs: 0, factor: 1, maxDelayMs: 0 },
    retry: null,
    callTimeoutMs: 60_000,
    mode: 'progressive',
    agents: { ...SELLER, abandonCap: 0.03, machine: 'hang-up', wrapUpMs: 0 },
  };
}

describe("a campaign's 30-day abandon rate", () => {
  const NOW = Date.UTC(2026, 10, 29, 12);
  const answered = (
    at: number,
    fate: { reason: string; agent?: string; waitMs?: number; note?: string },
  ) =>
    [
      { status: 'initiated' as const, at: at - 5000, attempt: 1, providerCallId: `p${at}` },
      { status: 'answered' as const, at: at - 100, attempt: 1 },
      { status: 'answered' as const, at, attempt: 1, ...fate },
      { status: 'completed' as const, at: at + 60_000, attempt: 1 },
    ] satisfies StoredCall['events'];

  it('counts the people who answered in the window, and those no agent reached within 2 s', async () => {
    const store = createMemoryStore();
    const rows = [
      // Reached at once, and at 2 s exactly: not abandoned.
      entry('c', 0, {
        status: 'completed',
        events: answered(NOW - 1000, { reason: 'agent', agent: 'a', waitMs: 300 }),
      }),
      entry('c', 1, {
        status: 'completed',
        events: answered(NOW - 2000, { reason: 'agent', agent: 'a', waitMs: 2000 }),
      }),
      // Reached after 2 s, or never: abandoned.
      entry('c', 2, {
        status: 'completed',
        events: answered(NOW - 3000, { reason: 'agent', agent: 'a', waitMs: 2001 }),
      }),
      entry('c', 3, {
        status: 'completed',
        events: answered(NOW - 4000, { reason: 'abandoned', waitMs: 2000, note: 'no_agent' }),
      }),
      // A machine, no answer, a failure: not in the rate.
      entry('c', 4, {
        status: 'completed',
        events: [
          { status: 'answered', at: NOW - 5000, attempt: 1, answeredBy: 'machine' },
          { status: 'completed', at: NOW - 4000, attempt: 1 },
        ],
      }),
      entry('c', 5, {
        status: 'no-answer',
        events: [{ status: 'no-answer', at: NOW - 5000, attempt: 1 }],
      }),
      entry('c', 6, {
        status: 'failed',
        events: [{ status: 'failed', at: NOW - 5000, attempt: 1 }],
      }),
      // Out of the window: 30 days and a moment ago, abandoned.
      entry('c', 7, {
        status: 'completed',
        events: answered(NOW - ABANDON_WINDOW_MS - 1, { reason: 'abandoned', waitMs: 2500 }),
      }),
      // At the window's first instant: in it.
      entry('c', 8, {
        status: 'completed',
        events: answered(NOW - ABANDON_WINDOW_MS, { reason: 'agent', agent: 'a', waitMs: 10 }),
      }),
    ];
    await store.insertCampaign!(storedCampaign({ id: 'c', total: rows.length }), rows);
    const standing = await campaignStanding(store as never, 'c', NOW);
    expect(standing).toEqual({
      answered: 5,
      abandoned: 2,
      rate: 2 / 5,
      since: new Date(NOW - ABANDON_WINDOW_MS),
      until: new Date(NOW),
    });
    // The same, read by a process that does not work the campaign.
    expect(await readAbandons(store, 'c', new Date(NOW))).toEqual(standing);
    const lines = [];
    for await (const line of listAnswered(store, 'c')) lines.push(line);
    expect(lines.map((l) => [l.position, l.abandoned, l.reason, l.agent])).toEqual([
      [0, false, null, 'a'],
      [1, false, null, 'a'],
      [2, true, 'late', 'a'],
      [3, true, 'no_agent', null],
      [7, true, 'no_agent', null],
      [8, false, null, 'a'],
    ]);
    const bare = { ...createMemoryStore(), claimCampaign: undefined };
    await expect(readAbandons(bare as never, 'c')).rejects.toThrow(/no campaign methods/);
    await expect(listAnswered(bare as never, 'c').next()).rejects.toThrow(/no campaign methods/);
    // A campaign the store has not: said, not read as one no one answered.
    await expect(readAbandons(store, 'nope')).rejects.toThrow(CallNotFoundError);
    await expect(listAnswered(store, 'nope').next()).rejects.toThrow(/No campaign with id "nope"/);
    // A month on, only what is newer counts: nothing.
    expect(
      await campaignStanding(store as never, 'c', NOW + ABANDON_WINDOW_MS + 10_000),
    ).toMatchObject({
      answered: 0,
      abandoned: 0,
      rate: null,
    });
  });
});
