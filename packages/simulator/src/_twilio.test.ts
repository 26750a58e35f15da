import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isInvalidOptionsError } from '@ringkit/call-client';
import { createSimulatorEngine, type EngineRequest } from './_engine.js';
import { resolveKnobs } from './_options.js';
import { createRandom } from './_random.js';
import { drawDetection } from './_twilio-call.js';
import { startCallApiSimulator } from './simulator.js';
import { TWILIO_TEST_CREDENTIALS } from './twilio-credentials.js';
import type { SimulatorKnobs } from './types.js';

const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
const CALLS = `/2010-04-01/Accounts/${accountSid}/Calls.json`;
const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

function dial(to = '+14155552671', form: Record<string, string> = {}): EngineRequest {
  const body = new TextEncoder().encode(
    new URLSearchParams({ To: to, From: '+15005550006', Twiml: '<Response/>', ...form }).toString(),
  );
  return {
    method: 'POST',
    path: CALLS,
    contentType: 'application/x-www-form-urlencoded',
    headers: { authorization },
    body,
    bodySize: body.length,
  };
}

function engineFor(knobs: Omit<SimulatorKnobs, 'flavour'>) {
  return createSimulatorEngine(resolveKnobs({ flavour: 'twilio', ...knobs }), {
    defaultDeliverer: async () => {},
  });
}

describe('the Twilio engine', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T12:00:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets queued calls out in creation order, one per 1/callsPerSecond seconds', async () => {
    const engine = engineFor({ stepMs: 60_000, callsPerSecond: 2 });
    for (const to of ['+14155552671', '+14155552672', '+14155552673'])
      await engine.handle(dial(to));
    const statuses = () => engine.calls().map((c) => c.status);
    expect(statuses()).toEqual(['queued', 'queued', 'queued']);
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses()).toEqual(['initiated', 'queued', 'queued']);
    await vi.advanceTimersByTimeAsync(499);
    expect(statuses()).toEqual(['initiated', 'queued', 'queued']);
    await vi.advanceTimersByTimeAsync(1);
    expect(statuses()).toEqual(['initiated', 'initiated', 'queued']);
    await vi.advanceTimersByTimeAsync(500);
    expect(statuses()).toEqual(['initiated', 'initiated', 'initiated']);
    engine.close();
  });

  it('never tells two calls initiated closer together than its rate, however long letting one out takes', async () => {
    const initiated: number[] = [];
    let reads = 0;
    let slow = false;
    const engine = createSimulatorEngine(
      resolveKnobs({
        flavour: 'twilio',
        stepMs: 60_000,
        callsPerSecond: 2,
        onEvent: (e) => {
          if (e.type === 'status' && e.status === 'initiated') initiated.push(e.at.getTime());
        },
      }),
      {
        defaultDeliverer: async () => {},
        // Letting the first call out is slow: 5 ms pass part-way through it, as when a loaded
        // machine runs something else meanwhile.
        now: () => {
          if (slow && ++reads === 3) vi.setSystemTime(Date.now() + 5);
          return Date.now();
        },
      },
    );
    for (const to of ['+14155552671', '+14155552672']) await engine.handle(dial(to));
    slow = true;
    await vi.advanceTimersByTimeAsync(0);
    slow = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(initiated).toHaveLength(2);
    expect(initiated[1]! - initiated[0]!).toBeGreaterThanOrEqual(500);
    engine.close();
  });

  it('gives a canceled queued call slot to the next one', async () => {
    const engine = engineFor({ stepMs: 60_000, callsPerSecond: 1 });
    const sids: string[] = [];
    for (let i = 0; i < 3; i += 1)
      sids.push(((await engine.handle(dial())).body as { sid: string }).sid);
    await vi.advanceTimersByTimeAsync(0);
    const cancel = new TextEncoder().encode('Status=canceled');
    await engine.handle({
      ...dial(),
      path: CALLS.replace('.json', `/${sids[1]}.json`),
      body: cancel,
      bodySize: cancel.length,
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(engine.calls().map((c) => c.status)).toEqual(['initiated', 'canceled', 'initiated']);
    engine.close();
  });

  it('cancels a ringing call on Status=canceled, and leaves an answered one in progress', async () => {
    const engine = engineFor({ stepMs: 10, ringMs: 1000, talkMs: 60_000, callsPerSecond: 100 });
    const sids: string[] = [];
    for (const to of ['+14155552671', '+14155552672'])
      sids.push(((await engine.handle(dial(to))).body as { sid: string }).sid);
    const update = async (sid: string, form: string) => {
      const body = new TextEncoder().encode(form);
      const path = CALLS.replace('.json', `/${sid}.json`);
      const answer = await engine.handle({ ...dial(), path, body, bodySize: body.length });
      return (answer.body as { status: string }).status;
    };
    await vi.advanceTimersByTimeAsync(500);
    expect(engine.calls().map((c) => c.status)).toEqual(['ringing', 'ringing']);
    expect(await update(sids[0]!, 'Status=canceled')).toBe('canceled');
    await vi.advanceTimersByTimeAsync(1000);
    expect(engine.calls()[1]!.status).toBe('in-progress');
    expect(await update(sids[1]!, 'Status=canceled')).toBe('in-progress');
    await vi.advanceTimersByTimeAsync(1000);
    expect(engine.calls().map((c) => c.status)).toEqual(['canceled', 'in-progress']);
    expect(await update(sids[1]!, 'Status=completed')).toBe('completed');
    expect(engine.calls().map((c) => c.status)).toEqual(['canceled', 'completed']);
    engine.close();
  });

  it('shows an initiated call as queued in the resource, and its start_time', async () => {
    const engine = engineFor({ stepMs: 60_000 });
    const { sid } = (await engine.handle(dial())).body as { sid: string };
    await vi.advanceTimersByTimeAsync(0);
    const fetched = await engine.handle({
      method: 'GET',
      path: CALLS.replace('.json', `/${sid}.json`),
      contentType: undefined,
      headers: { authorization },
      body: new Uint8Array(),
      bodySize: 0,
    });
    expect(fetched.body).toMatchObject({
      status: 'queued',
      start_time: 'Tue, 01 Jan 2030 12:00:00 +0000',
      queue_time: '0',
    });
    engine.close();
  });
});

describe('answering-machine detection', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T12:00:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function answers(knobs: Omit<SimulatorKnobs, 'flavour'>, count: number) {
    const engine = engineFor({ stepMs: 1, callsPerSecond: 10_000, ...knobs });
    for (let i = 0; i < count; i += 1) {
      await engine.handle(dial('+14155552671', { MachineDetection: 'DetectMessageEnd' }));
    }
    await vi.advanceTimersByTimeAsync(1000);
    const words = engine.calls().map((c) => c.answeredBy);
    engine.close();
    return words;
  }

  it('replays the same answers for the same seed, humans and machines mixed', async () => {
    const first = await answers({ seed: 7, machineRate: 0.5 }, 40);
    expect(first).toEqual(await answers({ seed: 7, machineRate: 0.5 }, 40));
    expect(first).toContain('human');
    expect(first.some((word) => word?.startsWith('machine_end_'))).toBe(true);
    expect(first).not.toEqual(await answers({ seed: 8, machineRate: 0.5 }, 40));
  });

  it('answers with machines at machineRate 1 and humans at machineRate 0, whatever the seed', async () => {
    for (const seed of [1, 2, 3]) {
      const machines = await answers({ seed, machineRate: 1 }, 20);
      expect(machines.every((word) => word?.startsWith('machine_end_'))).toBe(true);
      expect(await answers({ seed, machineRate: 0 }, 20)).toEqual(Array(20).fill('human'));
    }
  });

  it('answers machineRate of the calls with a machine, and a few with fax or unknown', () => {
    const random = createRandom(42);
    const counts = new Map<string, number>();
    const draws = 20_000;
    for (let i = 0; i < draws; i += 1) {
      const word = drawDetection(random, 0.3, 'Enable');
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    const share = (word: string) => (counts.get(word) ?? 0) / draws;
    expect([...counts.keys()].sort()).toEqual(['fax', 'human', 'machine_start', 'unknown']);
    expect(share('machine_start') + share('fax')).toBeCloseTo(0.3, 1);
    // 0.3 × 0.7 / 20 = 0.0105 each
    expect(share('fax')).toBeGreaterThan(0.006);
    expect(share('fax')).toBeLessThan(0.015);
    expect(share('unknown')).toBeGreaterThan(0.006);
    expect(share('unknown')).toBeLessThan(0.015);
  });

  it('draws nothing for a call without MachineDetection, so seeded sids stay as they were', async () => {
    const sids = async (form: Record<string, string>) => {
      const engine = engineFor({ seed: 3, stepMs: 60_000 });
      const made: string[] = [];
      for (const asked of [form, {}]) {
        made.push(((await engine.handle(dial('+14155552671', asked))).body as { sid: string }).sid);
      }
      engine.close();
      return made;
    };
    const plain = await sids({});
    expect(await sids({ Record: 'true' })).toEqual(plain);
    expect((await sids({ MachineDetection: 'Enable' }))[1]).not.toBe(plain[1]);
  });
});

describe('the Twilio flavour options', () => {
  it.each([
    [{ flavour: 'polling', twilio: { accountSid, authToken } }, 'twilio'],
    [{ flavour: 'webhook', callsPerSecond: 1 }, 'callsPerSecond'],
    [{ flavour: 'twilio', deliverWebhook: async () => {} }, 'deliverWebhook'],
    [{ flavour: 'twilio', callsPerSecond: 0 }, 'callsPerSecond'],
    [{ flavour: 'twilio', machineRate: 1.5 }, 'machineRate'],
    [{ flavour: 'twilio', machineRate: -0.1 }, 'machineRate'],
    [{ flavour: 'twilio', humanRate: 0.5 }, 'humanRate'],
    [{ flavour: 'telnyx', timeScale: 10 }, 'timeScale'],
    [{ flavour: 'twilio', twilio: { accountSid: 'AC1', authToken } }, 'accountSid'],
    [
      {
        flavour: 'twilio',
        twilio: { accountSid, authToken, apiKeys: [{ sid: 'x', secret: 's' }] },
      },
      'sid',
    ],
  ])('refuses %j', async (options, named) => {
    const error = await startCallApiSimulator(options as never).catch((e: unknown) => e);
    expect(isInvalidOptionsError(error)).toBe(true);
    expect(String((error as Error).message)).toContain(named);
  });
});
