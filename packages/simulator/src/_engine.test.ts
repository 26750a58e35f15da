import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimulatorEngine, type EngineRequest } from './_engine.js';
import { resolveKnobs } from './_options.js';
import { createRandom } from './_random.js';
import type { SimulatorKnobs, WebhookDeliverer } from './types.js';

const noDelivery: WebhookDeliverer = async () => {};

function engineFor(knobs: SimulatorKnobs, deliverer: WebhookDeliverer = noDelivery) {
  return createSimulatorEngine(resolveKnobs(knobs), { defaultDeliverer: deliverer });
}

function post(path: string, body: unknown): EngineRequest {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  return {
    method: 'POST',
    path,
    contentType: 'application/json',
    body: bytes,
    bodySize: bytes.length,
  };
}

function get(path: string): EngineRequest {
  return { method: 'GET', path, contentType: undefined, body: new Uint8Array(), bodySize: 0 };
}

const dialPolling = post('/api/call', { phone_number: '+14155552671' });
const dialWebhook = post('/call', { phone: '13018040009', webhookURL: 'https://app.example/h' });

describe('the simulator engine', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T12:00:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('tells every polling step a GET reports before answering it, once, though its timer runs late', async () => {
    const events: { type: string; status?: string }[] = [];
    const engine = engineFor({
      flavour: 'polling',
      stepMs: 100,
      outcomes: { completed: 1 },
      onEvent: (event) => events.push(event),
    });
    const created = await engine.handle(dialPolling);
    const { id } = created.body as { id: string };
    // The clock passes every step; no timer has run (a busy machine).
    vi.setSystemTime(new Date(Date.parse('2030-01-01T12:00:00.000Z') + 300));
    const answer = await engine.handle(get(`/api/call/${id}`));
    expect(answer.body).toMatchObject({ status: 'completed' });
    const told = () => events.filter((e) => e.type === 'status').map((e) => e.status);
    expect(told()).toEqual(['ringing', 'connected', 'completed']);
    // The late timers tell nothing twice.
    await vi.runAllTimersAsync();
    expect(told()).toEqual(['ringing', 'connected', 'completed']);
  });

  it('computes polling statuses from the clock alone, with no timer', async () => {
    const engine = engineFor({ flavour: 'polling', stepMs: 100 });
    const created = await engine.handle(dialPolling);
    const { id } = created.body as { id: string };
    expect(vi.getTimerCount()).toBe(0);
    const statusAfter = async (ms: number) => {
      vi.setSystemTime(new Date(Date.parse('2030-01-01T12:00:00.000Z') + ms));
      return (await engine.handle(get(`/api/call/${id}`))).body;
    };
    expect(await statusAfter(99)).toMatchObject({ status: 'initiated' });
    expect(await statusAfter(100)).toMatchObject({
      status: 'ringing',
      updated_at: '2030-01-01T12:00:00.100Z',
    });
    expect(await statusAfter(250)).toMatchObject({ status: 'connected' });
    expect(await statusAfter(300)).toMatchObject({
      status: 'completed',
      created_at: '2030-01-01T12:00:00.000Z',
      updated_at: '2030-01-01T12:00:00.300Z',
    });
    expect(engine.calls()[0]?.status).toBe('completed');
  });

  it('replays the same calls and step times for the same seed', async () => {
    const run = async (seed: number) => {
      vi.setSystemTime(new Date('2030-01-01T12:00:00.000Z'));
      const engine = engineFor({
        flavour: 'polling',
        seed,
        stepMs: [10, 1000],
        outcomes: { completed: 2, busy: 1, failed: 1 },
      });
      for (let i = 0; i < 10; i++) await engine.handle(dialPolling);
      vi.setSystemTime(new Date('2030-01-01T12:00:01.000Z'));
      return engine.calls().map(({ id, status, outcome }) => ({ id, status, outcome }));
    };
    const first = await run(7);
    expect(await run(7)).toEqual(first);
    expect(await run(8)).not.toEqual(first);
  });

  it('draws outcomes in proportion to their weights', async () => {
    const engine = engineFor({ flavour: 'polling', seed: 3, outcomes: { completed: 3, busy: 1 } });
    for (let i = 0; i < 2000; i++) await engine.handle(dialPolling);
    const busy = engine.calls().filter((call) => call.outcome === 'busy').length;
    expect(busy / 2000).toBeGreaterThan(0.2);
    expect(busy / 2000).toBeLessThan(0.3);
  });

  it('steps a webhook call on timers and clears them all on close', async () => {
    const deliverer = vi.fn<WebhookDeliverer>(async () => {});
    const engine = engineFor({ flavour: 'webhook', stepMs: 100 }, deliverer);
    await engine.handle(dialWebhook);
    expect(vi.getTimerCount()).toBe(3);
    await vi.advanceTimersByTimeAsync(100);
    expect(deliverer).toHaveBeenCalledTimes(1);
    expect(engine.calls()[0]?.status).toBe('ringing');
    engine.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(deliverer).toHaveBeenCalledTimes(1);
  });

  it('aborts the signal of an in-flight delivery on close', async () => {
    let signal: AbortSignal | undefined;
    const engine = engineFor({ flavour: 'webhook', stepMs: 10 }, async (_url, _body, context) => {
      signal = context.signal;
      await new Promise(() => {});
    });
    await engine.handle(dialWebhook);
    await vi.advanceTimersByTimeAsync(10);
    expect(signal?.aborted).toBe(false);
    engine.close();
    expect(signal?.aborted).toBe(true);
  });

  it('answers a POST after responseDelayMs, and at once when closed meanwhile', async () => {
    const engine = engineFor({ flavour: 'polling', responseDelayMs: 500 });
    let answered = false;
    const first = engine.handle(dialPolling).then(() => (answered = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(answered).toBe(true);
    await first;
    const second = engine.handle(dialPolling);
    engine.close();
    await expect(second).resolves.toMatchObject({ status: 201 });
    expect(engine.calls()).toHaveLength(2);
  });

  it('keeps working when an onEvent listener throws', async () => {
    const onEvent = () => {
      throw new Error('listener bug');
    };
    const errors: unknown[] = [];
    const catcher = (error: unknown) => void errors.push(error);
    process.on('uncaughtException', catcher);
    try {
      const engine = engineFor({ flavour: 'polling', onEvent });
      await expect(engine.handle(dialPolling)).resolves.toMatchObject({ status: 201 });
      await vi.waitFor(() => expect(errors).toHaveLength(1));
      expect(engine.calls()).toHaveLength(1);
    } finally {
      process.off('uncaughtException', catcher);
    }
  });
});

describe('createRandom', () => {
  it('makes version-4 UUIDs', () => {
    const random = createRandom(1);
    expect(random.uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('never picks an outcome that weighs 0', () => {
    const random = createRandom(5);
    const picks = new Set(Array.from({ length: 500 }, () => random.pick({ a: 1, b: 0, c: 1 })));
    expect(picks).toEqual(new Set(['a', 'c']));
  });

  it('draws lognormal times around their mean, the median below it, in two draws each', () => {
    const random = createRandom(11);
    const draws = Array.from({ length: 20_000 }, () => random.lognormal(1000, 0.8));
    const mean = draws.reduce((sum, d) => sum + d, 0) / draws.length;
    expect(mean).toBeGreaterThan(970);
    expect(mean).toBeLessThan(1030);
    const median = [...draws].sort((a, b) => a - b)[10_000]!;
    expect(median).toBeGreaterThan(1000 * Math.exp(-0.32) - 20);
    expect(median).toBeLessThan(1000 * Math.exp(-0.32) + 20);
    expect(draws.every((d) => d > 0)).toBe(true);
    const a = createRandom(4);
    const b = createRandom(4);
    a.lognormal(50, 1);
    b.next();
    b.next();
    expect(a.next()).toBe(b.next());
  });

  it('draws exactly the mean with sigma 0', () => {
    const random = createRandom(2);
    for (let i = 0; i < 10; i++) expect(random.lognormal(120_000, 0)).toBeCloseTo(120_000, 6);
  });

  it('keeps chance(0) always false and chance(1) always true', () => {
    const random = createRandom(9);
    const draws = Array.from({ length: 200 }, () => [random.chance(0), random.chance(1)]);
    expect(draws.every(([never, always]) => never === false && always === true)).toBe(true);
  });
});
